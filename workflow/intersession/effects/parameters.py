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

JOINT = "joint"  # the outcome column of correlations across a joint model's outcomes
SUMMARY_COLUMNS = ["outcome", "parameter", "term", "scale", "mean", "sd", "lower", "upper", "pd"]


def scaling(idata: az.InferenceData) -> dict[str, tuple[float, float]]:
    """Means and SDs used to standardise each variable, stored with the fit."""
    cd = idata.constant_data
    names = cd["variable"].values.tolist()
    return {
        n: (float(cd["scaling_mean"].sel(variable=n)), float(cd["scaling_sd"].sel(variable=n)))
        for n in names
    }


def outcome_name(idata: az.InferenceData) -> str:
    return next(iter(idata.observed_data.data_vars))


def equations(idata: az.InferenceData) -> list[tuple[str, str]]:
    """(variable-name suffix, outcome) of each equation: [("", outcome)] for a regression,
    [("_a", mediator), ("_b", outcome)] for a mediation model."""
    cd = getattr(idata, "constant_data", None)
    if cd is None or "equation_outcome" not in cd:
        return [("", outcome_name(idata))]
    return [
        (str(s), str(o))
        for s, o in zip(cd["equation"].values, cd["equation_outcome"].values, strict=True)
    ]


def observed_variable(idata: az.InferenceData, outcome: str) -> tuple[str, dict]:
    """The observed variable holding ``outcome`` and the coordinates selecting it: the
    outcome itself, or a joint model's multivariate variable at ``outcome=<outcome>``."""
    if outcome in idata.observed_data:
        return outcome, {}
    for name, values in idata.observed_data.data_vars.items():
        if "outcome" in values.dims and outcome in values["outcome"].values:
            return str(name), {"outcome": [outcome]}
    raise KeyError(f"no observed variable holds {outcome}")


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


def _row(parameter, term, scale_name, draws, interval):
    row = {"parameter": parameter, "term": term, "scale": scale_name, **summarise(draws, interval)}
    if parameter != "beta":
        row["pd"] = np.nan  # direction is not a question for SDs and correlations
    return row


def original_scale_slopes(
    idata: az.InferenceData, suffix: str = "", outcome: str | None = None
) -> xr.DataArray:
    """Slopes in scale points of the outcome per scale point of the predictor(s)."""
    scale = scaling(idata)
    y_sd = scale[outcome or outcome_name(idata)][1]
    beta = idata.posterior[f"beta{suffix}"]
    dim = f"term{suffix}"
    factor = [y_sd / np.prod([scale[n][1] for n in str(t).split(":")]) for t in beta[dim].values]
    return beta * xr.DataArray(factor, coords={dim: beta[dim]}, dims=dim)


def _belongs(name: str, prefix: str, suffix: str, suffixes: list[str]) -> bool:
    if not name.startswith(prefix):
        return False
    if suffix:
        return name.endswith(suffix)
    return not any(s and name.endswith(s) for s in suffixes)


def parameter_table(idata: az.InferenceData, interval: float = 0.95) -> pd.DataFrame:
    """Per equation: intercept, slopes (standardised and original), group SDs and
    correlations, residual SD (and Student-t degrees of freedom); for a joint model also
    the correlations across outcomes (outcome ``joint``)."""
    post = idata.posterior
    suffixes = [s for s, _ in equations(idata)]
    rows = []
    for suffix, outcome in equations(idata):
        part = []
        if f"Intercept{suffix}" in post:  # not in ordinal models: the cutpoints absorb it
            part.append(_row("Intercept", "", "standardised", post[f"Intercept{suffix}"], interval))
        original = original_scale_slopes(idata, suffix, outcome)
        beta, dim = post[f"beta{suffix}"], f"term{suffix}"
        for term in beta[dim].values:
            part.append(_row("beta", str(term), "standardised", beta.sel({dim: term}), interval))
            part.append(_row("beta", str(term), "original", original.sel({dim: term}), interval))
        for prefix in ("sd_", "corr_"):
            for name in sorted(str(v) for v in post.data_vars):
                if _belongs(name, prefix, suffix, suffixes):
                    part += _group_rows(post, name, interval, name.removesuffix(suffix))
        if f"cutpoints{suffix}" in post:
            cuts = post[f"cutpoints{suffix}"]
            part += [
                _row("cutpoints", str(i + 1), "logit", cuts.isel({cuts.dims[-1]: i}), interval)
                for i in range(cuts.shape[-1])
            ]
        for name in ("sigma", "nu"):
            if f"{name}{suffix}" in post:
                part.append(_row(name, "", "standardised", post[f"{name}{suffix}"], interval))
        rows += [{"outcome": outcome, **row} for row in part]
    if "" not in suffixes:  # correlations across the outcomes of a joint model
        for name in sorted(str(v) for v in post.data_vars):
            if _belongs(name, "corr_", "", suffixes):
                rows += [{"outcome": JOINT, **r} for r in _group_rows(post, name, interval, name)]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _group_rows(post, name: str, interval: float, label: str) -> list[dict]:
    """SDs of a level's intercepts and slopes; their correlations (lower triangle)."""
    draws, name = post[name], label
    dims = [d for d in draws.dims if d not in ("chain", "draw")]
    if not dims:
        return [_row(name, "", "standardised", draws, interval)]
    effects = [str(e) for e in draws[dims[0]].values]
    if len(dims) == 1:
        return [
            _row(name, effect, "standardised", draws.isel({dims[0]: i}), interval)
            for i, effect in enumerate(effects)
        ]
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
