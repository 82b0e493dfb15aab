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

SUMMARY_COLUMNS = ["parameter", "term", "scale", "mean", "sd", "lower", "upper", "pd"]


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


def probability_of_direction(draws: np.ndarray) -> float:
    """max(P(x > 0), P(x < 0)) over posterior draws."""
    draws = np.asarray(draws).ravel()
    return float(max((draws > 0).mean(), (draws < 0).mean()))


def _row(parameter, term, scale_name, draws, interval):
    draws = np.asarray(draws).ravel()
    tail = (1 - interval) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail])
    return {
        "parameter": parameter,
        "term": term,
        "scale": scale_name,
        "mean": float(draws.mean()),
        "sd": float(draws.std(ddof=1)),
        "lower": float(lower),
        "upper": float(upper),
        "pd": probability_of_direction(draws) if parameter == "beta" else np.nan,
    }


def original_scale_slopes(idata: az.InferenceData) -> xr.DataArray:
    """Slopes in scale points of the outcome per scale point of the predictor(s)."""
    scale = scaling(idata)
    y_sd = scale[outcome_name(idata)][1]
    beta = idata.posterior["beta"]
    factor = [y_sd / np.prod([scale[n][1] for n in str(t).split(":")]) for t in beta["term"].values]
    return beta * xr.DataArray(factor, coords={"term": beta["term"]}, dims="term")


def parameter_table(idata: az.InferenceData, interval: float = 0.95) -> pd.DataFrame:
    """Intercept, slopes (standardised and original), group SDs and residual SD."""
    post = idata.posterior
    rows = [_row("Intercept", "", "standardised", post["Intercept"], interval)]
    original = original_scale_slopes(idata)
    for term in post["term"].values:
        rows.append(_row("beta", str(term), "standardised", post["beta"].sel(term=term), interval))
        rows.append(_row("beta", str(term), "original", original.sel(term=term), interval))
    for name in sorted(str(v) for v in post.data_vars if str(v).startswith("sd_")):
        rows += _group_rows(post, name, interval)
    for name in sorted(str(v) for v in post.data_vars if str(v).startswith("corr_")):
        rows += _group_rows(post, name, interval)
    rows.append(_row("sigma", "", "standardised", post["sigma"], interval))
    if "nu" in post:
        rows.append(_row("nu", "", "standardised", post["nu"], interval))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _group_rows(post, name: str, interval: float) -> list[dict]:
    """SDs of a level's intercepts and slopes; their correlations (lower triangle)."""
    draws = post[name]
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
