"""Internal-consistency reliability of a scale from its item responses.

Cronbach's alpha (Cronbach, 1951) and McDonald's omega total (McDonald, 1999) from a
one-factor model fitted by maximum likelihood to the item covariance matrix. Both use
complete cases of the instrument's items. Values of .70 or more are conventionally taken
as adequate for research use; omega does not assume equal loadings (tau-equivalence).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

#: Complete cases below which neither coefficient is computed (NaN): with fewer, the item
#: covariances that both rest on are not estimable.
MIN_CASES = 3


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha of an (n, k) item matrix without missing values; NaN with fewer
    than 2 items, :data:`MIN_CASES` cases or no variance of the sum score."""
    items = np.asarray(items, dtype=float)
    n, k = items.shape
    if k < 2 or n < MIN_CASES:
        return float("nan")
    item_var = items.var(axis=0, ddof=1).sum()
    total_var = items.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def one_factor_ml(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loadings and unique variances of a one-factor model, by maximum likelihood.

    Minimises the ML discrepancy log|Sigma| + tr(S Sigma^-1) with
    Sigma = lambda lambda' + diag(psi); unique variances are kept positive on the log scale.
    """
    cov = np.asarray(cov, dtype=float)
    k = cov.shape[0]

    def discrepancy(theta):
        loadings, psi = theta[:k], np.exp(theta[k:])
        sigma = np.outer(loadings, loadings) + np.diag(psi)
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0:
            return np.inf
        return logdet + np.trace(np.linalg.solve(sigma, cov))

    sd = np.sqrt(np.diag(cov))
    start = np.concatenate([0.7 * sd, np.log(0.5 * sd**2)])
    with np.errstate(invalid="ignore", over="ignore"):  # steps into singular Sigma: inf
        fit = optimize.minimize(discrepancy, start, method="L-BFGS-B")
    loadings, psi = fit.x[:k], np.exp(fit.x[k:])
    return loadings * np.sign(loadings.sum()), psi


def mcdonald_omega(items: np.ndarray) -> float:
    """McDonald's omega total of an (n, k) item matrix without missing values; NaN with
    fewer than 3 items (a one-factor model is not identified), no more cases than items or
    fewer than :data:`MIN_CASES` (a singular covariance matrix), or an item without variance."""
    items = np.asarray(items, dtype=float)
    n, k = items.shape
    if k < 3 or n < max(MIN_CASES, k + 1):
        return float("nan")
    cov = np.cov(items, rowvar=False)
    if not np.all(np.diag(cov) > 0):
        return float("nan")
    return _omega_of_covariance(cov)


def _omega_of_covariance(cov: np.ndarray) -> float:
    loadings, psi = one_factor_ml(cov)
    common = loadings.sum() ** 2
    return float(common / (common + psi.sum()))


def _nearest_positive_definite(cov: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return (vectors * np.maximum(values, floor * max(values.max(), floor))) @ vectors.T


def multilevel_omega(items: np.ndarray, clients: np.ndarray) -> tuple[float, float]:
    """Within-client and between-client omega of repeated item responses.

    The item covariance is split into a pooled within-client matrix S_W and a between-client
    matrix Sigma_B = (S_B* - S_W) / c, with S_B* the size-weighted covariance of client means
    and c the average cluster size correction (Muthen, 1994, MUML); a one-factor model is
    fitted to each (Geldhof, Preacher & Zyphur, 2014). Omega within describes how reliably
    the scale measures session-to-session change of a client; omega between how reliably it
    orders clients. Clients with one response add nothing within. Returns NaN where a level
    has too little information (fewer than 3 items, or fewer than 2 clients with 2+ rows).
    """
    items = np.asarray(items, dtype=float)
    clients = np.asarray(clients)
    n, k = items.shape
    codes = np.unique(clients, return_inverse=True)[1]
    sizes = np.bincount(codes)
    groups = len(sizes)
    if k < 3 or groups < 2 or (sizes >= 2).sum() < 2:
        return float("nan"), float("nan")
    means = np.stack([np.bincount(codes, weights=items[:, j]) / sizes for j in range(k)], axis=1)
    within_dev = items - means[codes]
    s_within = within_dev.T @ within_dev / (n - groups)
    grand = items.mean(axis=0)
    between_dev = (means - grand) * np.sqrt(sizes)[:, None]
    s_between = between_dev.T @ between_dev / (groups - 1)
    c = (n**2 - (sizes**2).sum()) / (n * (groups - 1))
    sigma_between = _nearest_positive_definite((s_between - s_within) / c)
    return _omega_of_covariance(s_within), _omega_of_covariance(sigma_between)
