"""Internal-consistency reliability of a scale from its item responses.

Cronbach's alpha (Cronbach, 1951) and McDonald's omega total (McDonald, 1999) from a
one-factor model fitted by maximum likelihood to the item covariance matrix. Both use
complete cases of the instrument's items. Values of .70 or more are conventionally taken
as adequate for research use; omega does not assume equal loadings (tau-equivalence).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha of an (n, k) item matrix without missing values."""
    items = np.asarray(items, dtype=float)
    k = items.shape[1]
    if k < 2:
        return float("nan")
    item_var = items.var(axis=0, ddof=1).sum()
    total_var = items.sum(axis=1).var(ddof=1)
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
    fit = optimize.minimize(discrepancy, start, method="L-BFGS-B")
    loadings, psi = fit.x[:k], np.exp(fit.x[k:])
    return loadings * np.sign(loadings.sum()), psi


def mcdonald_omega(items: np.ndarray) -> float:
    """McDonald's omega total of an (n, k) item matrix without missing values."""
    items = np.asarray(items, dtype=float)
    if items.shape[1] < 3:
        return float("nan")  # a one-factor model needs at least three items to be identified
    loadings, psi = one_factor_ml(np.cov(items, rowvar=False))
    common = loadings.sum() ** 2
    return float(common / (common + psi.sum()))
