"""Simulation-based calibration (SBC; Talts, Betancourt, Simpson, Vehtari & Gelman, 2018).

Each replicate draws parameters and an outcome from the model's prior (on the study's own
design: its rows, predictors and groups), refits the model to that outcome, and records the
**rank** of each prior draw among ``L`` posterior draws thinned evenly over the chains (0
to ``L``). If the fit is calibrated, ranks are uniform on 0..L.

Uniformity is judged per parameter by the ECDF of the ranks (Saeilynoja, Buerkner &
Vehtari, 2022, *Statistics and Computing* 32:32): at the points ``z_k = k / (L + 1)``,
``k = 1..L``, the count of ranks below ``k`` is Binomial(N, z_k) under uniformity. The test
statistic is ``gamma = min_k 2 min(P(C <= c_k), P(C >= c_k))``, the smallest two-sided
tail probability over the points; its null distribution is simulated (10,000 sets of N
uniform ranks), giving a p-value and a **simultaneous band**: the counts at each point
whose tail probability is not rejected. The ECDF leaves the band exactly when p <= the
level. Thresholds: the level is ``alpha`` over all ranked parameters together, Bonferroni
split (``alpha / K`` for each of K parameters), so a calibrated model has all parameters
inside their bands with probability at least ``1 - alpha``; a parameter outside is flagged.

The replicate's outcome is drawn and refitted with the *original* data's standardisation
(mean and SD of the outcome and predictors are constants of the model), so the prior draw
and the posterior are of the same parameter. Standardising each replicate by its own
outcome would refit a different model (its residual SD would always be near 1) and show
miscalibration that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
from scipy import stats

from intersession.inference.refit import (
    compile_refitter,
    divergences,
    prior_sampler,
    single_outcome,
)
from intersession.model.declaration import LEVELS
from intersession.provenance import derive_seed
from intersession.schema import DeclarationError

RANK_COLUMNS = ["replicate", "parameter", "prior_value", "rank", "divergences", "max_r_hat"]
UNIFORMITY_COLUMNS = [
    "parameter",
    "replicates",
    "thin_draws",
    "gamma",
    "p_value",
    "level",
    "band_prob",
    "inside_band",
]
ECDF_COLUMNS = ["parameter", "fraction", "ecdf_difference", "lower", "upper"]
NULL_SIMULATIONS = 10_000


# -- configuration -----------------------------------------------------------------------


# -- parameters and ranks ----------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """One scalar parameter: a variable and the index of one of its elements."""

    label: str
    variable: str
    index: tuple[int, ...] = ()


def ranked_variables(generating: pm.Model, fitted: pm.Model) -> list[str]:
    """Parameters of both models that are not per unit: intercepts, slopes, SDs,
    correlations, residual SD (not the group offsets ``z_*``, which have a unit
    dimension, nor a packed Cholesky factor ``chol_*``)."""

    def eligible(model: pm.Model) -> list[str]:
        units = {"obs_id", *LEVELS}
        return [
            var.name
            for var in [*model.free_RVs, *model.deterministics]
            if not var.name.startswith("chol_")
            and not units & set(model.named_vars_to_dims.get(var.name, ()))
        ]

    both = set(eligible(fitted))
    return [name for name in eligible(generating) if name in both]


def elements(model: pm.Model, shapes: dict[str, tuple], names: list[str]) -> dict[str, Element]:
    """Scalar elements of the named variables (of the given shapes) by label:
    ``name[coordinate]``, and of a correlation matrix only the lower triangle, ``name[a ~ b]``.
    Labels match elements of two models whose coordinates differ (a variant without a term)."""
    found = {}
    for name in names:
        shape = shapes[name]
        if not shape:
            found[name] = Element(name, name)
            continue
        dims = model.named_vars_to_dims.get(name)
        labels = list(model.coords[dims[0]]) if dims else list(range(shape[0]))
        if len(shape) == 1:
            parts = [Element(f"{name}[{c}]", name, (i,)) for i, c in enumerate(labels)]
        else:
            parts = [
                Element(f"{name}[{labels[i]} ~ {labels[j]}]", name, (i, j))
                for i in range(shape[0])
                for j in range(i)
            ]
        found.update((part.label, part) for part in parts)
    return found


def thin(draws: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws evenly spaced over the pooled chains (chain, draw, ...) -> (n, ...)."""
    pooled = draws.reshape(-1, *draws.shape[2:])
    return pooled[np.linspace(0, len(pooled) - 1, n).round().astype(int)]


def rank(prior_value: float, posterior: np.ndarray) -> int:
    """Number of posterior draws below the prior draw (0 to ``len(posterior)``)."""
    return int((np.asarray(posterior) < prior_value).sum())


def check_same_data(generating, fitted) -> None:
    """Generating and fitted equations must use the same rows and standardisation."""
    (_, gen, _), (_, fit, _) = generating[-1], fitted[-1]
    if len(gen.frame) != len(fit.frame) or gen.scaling != fit.scaling:
        raise DeclarationError(
            "SBC: the fitted model uses other rows or another standardisation than the "
            "generating model; a variant must keep the outcome and predictors"
        )


def simulate_and_rank(
    generating: pm.Model,
    fitted: pm.Model,
    replicates: range,
    settings: dict,
    seed: int,
    cores: int,
) -> pd.DataFrame:
    """Ranks of the prior draws among thinned posterior draws, one row per replicate and
    parameter; ``fitted`` (compiled once) is refitted to each prior predictive outcome of
    ``generating``. Replicate ``r`` uses seeds derived from ``seed`` and ``r`` alone, so it
    is the same whatever the batching."""
    outcome = single_outcome(generating)
    if single_outcome(fitted) != outcome:
        raise ValueError(f"the fitted model's outcome is not {outcome}")
    names = ranked_variables(generating, fitted)
    draw_prior = prior_sampler(generating, [*names, outcome])
    refitter = compile_refitter(fitted)
    rows, pairs = [], None
    for replicate in replicates:
        truth = draw_prior(derive_seed(seed, "prior", str(replicate)))
        idata = refitter.sample(
            {outcome: truth[outcome]},
            settings,
            derive_seed(seed, "posterior", str(replicate)),
            cores,
        )
        post = idata.posterior
        if pairs is None:  # (element of the prior draw, element of the posterior), by label
            prior = elements(generating, {n: np.shape(truth[n]) for n in names}, names)
            fit = elements(fitted, {n: post[n].shape[2:] for n in names}, names)
            pairs = [(part, fit[label]) for label, part in prior.items() if label in fit]
        draws = [
            post[part.variable].values[(slice(None), slice(None), *part.index)] for _, part in pairs
        ]
        checks = {
            "divergences": divergences(idata),
            "max_r_hat": max(float(az.rhat(d)) for d in draws),
        }
        for (part, _), values in zip(pairs, draws, strict=True):
            value = float(truth[part.variable][part.index])
            rows.append(
                {
                    "replicate": replicate,
                    "parameter": part.label,
                    "prior_value": value,
                    "rank": rank(value, thin(values, settings["thin_draws"])),
                    **checks,
                }
            )
    return pd.DataFrame(rows, columns=RANK_COLUMNS)


# -- uniformity of ranks -----------------------------------------------------------------


def rank_counts(ranks: np.ndarray, thin_draws: int) -> np.ndarray:
    """Counts of ranks below ``k`` for ``k = 1..L`` (last axis), for each row of ``ranks``."""
    ranks = np.atleast_2d(ranks)
    n_rows, size = ranks.shape[0], thin_draws + 1
    flat = (ranks + size * np.arange(n_rows)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_rows * size).reshape(n_rows, size)
    return counts.cumsum(axis=1)[:, :-1]


def tail_probabilities(n: int, thin_draws: int) -> np.ndarray:
    """``2 min(P(C <= c), P(C >= c))`` (at most 1) for C ~ Binomial(n, z_k): rows k = 1..L,
    columns c = 0..n; the pointwise statistic of the gamma test."""
    z = np.arange(1, thin_draws + 1)[:, None] / (thin_draws + 1)
    c = np.arange(n + 1)[None, :]
    both = np.minimum(stats.binom.cdf(c, n, z), stats.binom.sf(c - 1, n, z))
    return np.minimum(1.0, 2.0 * both)


def gamma_statistic(counts: np.ndarray, tails: np.ndarray) -> np.ndarray:
    """Smallest pointwise tail probability of each row of ``counts`` (rows of counts)."""
    points = np.arange(tails.shape[0])
    return tails[points, counts].min(axis=-1)


def null_gamma(n: int, thin_draws: int, tails: np.ndarray, seed: int) -> np.ndarray:
    """Gamma statistics of :data:`NULL_SIMULATIONS` sets of ``n`` uniform ranks on 0..L."""
    rng = np.random.default_rng(seed)
    ranks = rng.integers(0, thin_draws + 1, size=(NULL_SIMULATIONS, n))
    return gamma_statistic(rank_counts(ranks, thin_draws), tails)


def p_values(gamma: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Monte Carlo p-values ``(1 + #(null <= gamma)) / (1 + #null)``: small gamma is
    evidence against uniformity."""
    ordered = np.sort(null)
    below = np.searchsorted(ordered, gamma, side="right")
    return (1 + below) / (1 + len(null))


def uniformity(ranks: pd.DataFrame, thin_draws: int, alpha: float, seed: int):
    """Per parameter the gamma test and whether the ECDF stays inside the simultaneous band
    (level ``alpha / K`` for K parameters); and the ECDF difference with its band, per
    parameter and point, for the figure. Returns (uniformity table, ECDF table)."""
    parameters = list(dict.fromkeys(ranks["parameter"]))
    n = int(ranks.groupby("parameter").size().iloc[0])
    level = alpha / len(parameters)
    tails = tail_probabilities(n, thin_draws)
    null = null_gamma(n, thin_draws, tails, seed)
    inside = p_values(tails, null) > level  # (point, count): count not rejected
    counts_axis = np.arange(n + 1)
    lower = np.where(inside, counts_axis, n).min(axis=1) / n
    upper = np.where(inside, counts_axis, 0).max(axis=1) / n
    fraction = np.arange(1, thin_draws + 1) / (thin_draws + 1)
    summary, curves = [], []
    for name in parameters:
        values = ranks.loc[ranks["parameter"] == name, "rank"].to_numpy()
        counts = rank_counts(values, thin_draws)
        gamma = float(gamma_statistic(counts, tails)[0])
        p_value = float(p_values(np.array([gamma]), null)[0])
        summary.append(
            {
                "parameter": name,
                "replicates": len(values),
                "thin_draws": thin_draws,
                "gamma": gamma,
                "p_value": p_value,
                "level": level,
                "band_prob": 1 - level,
                "inside_band": p_value > level,
            }
        )
        curves.append(
            pd.DataFrame(
                {
                    "parameter": name,
                    "fraction": fraction,
                    "ecdf_difference": counts[0] / n - fraction,
                    "lower": lower - fraction,
                    "upper": upper - fraction,
                }
            )
        )
    return (
        pd.DataFrame(summary, columns=UNIFORMITY_COLUMNS),
        pd.concat(curves, ignore_index=True)[ECDF_COLUMNS],
    )
