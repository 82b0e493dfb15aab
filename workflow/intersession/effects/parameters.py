"""Posterior summaries of a fit's parameters as a tidy table.

Intervals are equal-tailed (quantiles). The probability of direction (pd; Makowski et al.,
2019) is the posterior share on the side of zero where the median lies; it ranges 0.5 to 1
and is reported for slopes. Slopes are given on the standardised scale (SD of outcome per
SD of predictor, as fitted) and on the instruments' original scale (scale points per
scale point): ``beta * sd_y / prod(sd_x)`` over the term's components.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from intersession.inference.record import parameter_map
from intersession.model.families import family
from intersession.model.parameter_map import COEFFICIENTS, INTERCEPT

JOINT = "joint"  # the outcome column of correlations across a joint model's outcomes
#: How the table names population-level rows (its "parameter" column): as the model does.
INTERCEPT_ROW, SLOPE_ROW = INTERCEPT, COEFFICIENTS
#: per-parameter convergence, as brms' summary() gives it: rank-normalised split R-hat,
#: bulk and tail ESS and the Monte Carlo SE of the mean (Vehtari et al., 2021)
CONVERGENCE_COLUMNS = ["r_hat", "ess_bulk", "ess_tail", "mcse_mean"]
SUMMARY_COLUMNS = [
    "outcome",
    "parameter",
    "term",
    "scale",
    "mean",
    "sd",
    "lower",
    "upper",
    "pd",
    "held_at",
    *CONVERGENCE_COLUMNS,
]


def scaling(idata: az.InferenceData, kind: str = "scaling") -> dict[str, tuple[float, float]]:
    """Each variable's (centre, scale) as it entered the model, stored with the fit; with
    ``kind="observed"`` its observed (mean, SD) (the scaling for fits that lack them)."""
    cd = idata.constant_data
    if f"{kind}_mean" not in cd:
        kind = "scaling"
    names = cd["variable"].values.tolist()
    return {
        n: (float(cd[f"{kind}_mean"].sel(variable=n)), float(cd[f"{kind}_sd"].sel(variable=n)))
        for n in names
    }


def equations(idata: az.InferenceData) -> list[tuple[str, str]]:
    """(variable-name suffix, outcome) of each equation: [("", outcome)] for a regression,
    [("_a", mediator), ("_b", outcome)] for a mediation model."""
    return [(eq.suffix, eq.outcome) for eq in parameter_map(idata).equations]


def observed_variable(idata: az.InferenceData, outcome: str) -> tuple[str, dict]:
    """The observed variable holding ``outcome`` and the coordinates selecting it."""
    return parameter_map(idata).observed(outcome)


def probability_of_direction(draws: np.ndarray) -> float:
    """max(P(x > 0), P(x < 0)) over posterior draws."""
    draws = np.asarray(draws).ravel()
    return float(max((draws > 0).mean(), (draws < 0).mean()))


def summarise(draws, interval: float) -> dict:
    """Mean, SD, equal-tailed interval and probability of direction of posterior draws."""
    draws = np.asarray(draws).ravel()
    tail = (1 - interval) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail])
    return {
        "mean": float(draws.mean()),
        "sd": float(draws.std(ddof=1)),
        "lower": float(lower),
        "upper": float(upper),
        "pd": probability_of_direction(draws),
    }


def convergence(draws) -> dict:
    """R-hat, bulk and tail ESS and MCSE of the mean of one scalar's (chain, draw) draws;
    NaN where there is one chain or the draws are constant (a fixed correlation of 1)."""
    values = np.asarray(draws.transpose("chain", "draw").values, dtype=float)
    if values.shape[0] < 2 or np.ptp(values) == 0:
        return dict.fromkeys(CONVERGENCE_COLUMNS, np.nan)
    return {
        "r_hat": float(az.rhat(values)),
        "ess_bulk": float(az.ess(values, method="bulk")),
        "ess_tail": float(az.ess(values, method="tail")),
        # MCSE of the mean: SD / sqrt(ESS of the mean), as arviz's mcse(method="mean")
        "mcse_mean": float(values.std(ddof=1) / np.sqrt(az.ess(values, method="mean"))),
    }


def _row(parameter, term, scale_name, draws, interval, direction=False, held_at=""):
    row = {"parameter": parameter, "term": term, "scale": scale_name, **summarise(draws, interval)}
    if not direction:
        row["pd"] = np.nan  # direction is not a question for SDs and correlations
    row["held_at"] = held_at
    if isinstance(draws, xr.DataArray) and {"chain", "draw"} <= set(draws.dims):
        row.update(convergence(draws))
    return row


def held_at(term: str, terms: list[str], scale: dict) -> str:
    """Where a lower-order term (or the intercept, ``term=""``) is evaluated: the other
    predictors of the interactions it is part of at the values where their design column
    is zero, their centre (their mean, or 0 when not centred), in original units."""
    own = set(term.split(":")) if term else set()
    others = dict.fromkeys(
        part
        for t in terms
        if ":" in t and (not term or own < set(t.split(":")))
        for part in t.split(":")
        if part not in own
    )
    if not term:  # the intercept: every predictor at its centre
        others = dict.fromkeys(p for t in terms for p in t.split(":"))
    return ", ".join(f"{name} = {scale[name][0]:.4g}" for name in others)


def to_original_scale(beta: xr.DataArray, scale: dict, outcome: str, dim: str) -> xr.DataArray:
    """Standardised slopes ``beta`` (terms along ``dim``) in scale points of the outcome per
    scale point of the predictor(s): ``beta * sd_y / prod(sd_x)`` (on the link scale where
    the outcome is not standardised: its ``sd_y`` is 1)."""
    y_sd = scale[outcome][1]
    factor = [y_sd / np.prod([scale[n][1] for n in str(t).split(":")]) for t in beta[dim].values]
    return beta * xr.DataArray(factor, coords={dim: beta[dim]}, dims=dim)


def original_scale_slopes(
    idata: az.InferenceData, suffix: str = "", outcome: str | None = None
) -> xr.DataArray:
    """A fit's slopes of one equation on the original scale (:func:`to_original_scale`)."""
    eq = parameter_map(idata).equation(suffix)
    beta = idata.posterior[eq.coefficients]
    return to_original_scale(beta, scaling(idata), outcome or eq.outcome, eq.term_dim)


def parameter_table(idata: az.InferenceData, interval: float = 0.95) -> pd.DataFrame:
    """Per equation: intercept, slopes (standardised and original), group SDs and
    correlations, the family's auxiliary parameters (residual SD, degrees of freedom,
    cutpoints...); for a joint model also the correlations across outcomes (outcome
    ``joint``)."""
    post = idata.posterior
    pmap = parameter_map(idata)
    scale = scaling(idata)
    rows = []
    for eq in pmap.equations:
        part = []
        beta, dim = post[eq.coefficients], eq.term_dim
        terms = [str(t) for t in beta[dim].values]
        standardised = family(eq.family).method is None  # the outcome in SD units
        y_centre, y_scale = scale[eq.outcome]
        if eq.intercept:
            draws, where = post[eq.intercept], held_at("", terms, scale)
            part.append(_row(INTERCEPT_ROW, "", "standardised", draws, interval, held_at=where))
            if standardised:
                original = y_centre + y_scale * draws
                part.append(_row(INTERCEPT_ROW, "", "original", original, interval, held_at=where))
        original = original_scale_slopes(idata, eq.suffix, eq.outcome)
        for term in terms:
            where = held_at(term, terms, scale)
            for scale_name, draws in (("standardised", beta), ("original", original)):
                part.append(
                    _row(SLOPE_ROW, term, scale_name, draws.sel({dim: term}), interval, True, where)
                )
        units = _effect_units(scale, eq.outcome) if standardised else None
        for name in (*eq.group_sds, *eq.correlations):
            part += _group_rows(post, name, interval, eq.row_name(name), units)
        entry = family(eq.family)
        for name in eq.auxiliary:
            aux = entry.auxiliary_entry(eq.row_name(name))
            draws = post[name]
            extra = [d for d in draws.dims if d not in ("chain", "draw")]
            if extra:
                part += [
                    _row(aux.name, str(i + 1), aux.scale, draws.isel({extra[-1]: i}), interval)
                    for i in range(draws.sizes[extra[-1]])
                ]
            else:
                part.append(_row(aux.name, "", aux.scale, draws, interval))
                if aux.variance and standardised:
                    part.append(_row(aux.name, "", "original", draws * y_scale, interval))
        rows += [{"outcome": eq.outcome, **row} for row in part]
    for name in pmap.joint_correlations:  # correlations across the outcomes of a joint model
        rows += [{"outcome": JOINT, **r} for r in _group_rows(post, name, interval, name)]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _effect_units(scale: dict, outcome: str):
    """Factor from a group effect's SD in model units to the outcome's units per unit of
    its predictor(s): ``sd_y`` for intercepts, ``sd_y / prod(sd_x)`` for slopes."""

    def factor(effect: str) -> float:
        effect = effect.split("/")[-1]  # a joint model's "<outcome>/<effect>"
        parts = [] if effect == INTERCEPT else effect.split(":")
        return scale[outcome][1] / float(np.prod([scale[p][1] for p in parts]))

    return factor


def _group_rows(post, name: str, interval: float, label: str, units=None) -> list[dict]:
    """SDs of a level's intercepts and slopes (also in the outcome's units where ``units``
    gives the factor, :func:`_effect_units`); their correlations (lower triangle)."""
    draws, name = post[name], label
    dims = [d for d in draws.dims if d not in ("chain", "draw")]
    if not dims:
        rows = [_row(name, "", "standardised", draws, interval)]
        if units:
            rows.append(_row(name, "", "original", draws * units(INTERCEPT), interval))
        return rows
    effects = [str(e) for e in draws[dims[0]].values]
    if len(dims) == 1:
        rows = []
        for i, effect in enumerate(effects):
            one = draws.isel({dims[0]: i})
            rows.append(_row(name, effect, "standardised", one, interval))
            if units:
                rows.append(_row(name, effect, "original", one * units(effect), interval))
        return rows
    return [
        _row(
            name,
            f"{effects[i]} ~ {effects[j]}",
            "standardised",
            draws.isel({dims[0]: i, dims[1]: j}),
            interval,
        )
        for i in range(len(effects))
        for j in range(i)
    ]
