"""Variance components, intraclass correlations and Bayesian R² of each Gaussian equation.

Per posterior draw, on the standardised scale of the outcome (Nakagawa & Schielzeth, 2013,
in its Bayesian form; Gelman et al., 2019, for R² computed draw by draw):

- variance of the fitted population-level part, ``var_f = Var_i(X_i beta)`` over the
  observations;
- each grouping level's intercept variance ``sd_g²`` (random slopes' variance is not
  included: with slopes the level's variance depends on the predictors);
- the residual variance ``sigma²``.

Then the (adjusted) ICC of level g is ``sd_g² / (Σ sd² + sigma²)``: the share of the
outcome's variance, beyond the predictors, that lies between units of g;
R² marginal ``var_f / (var_f + Σ sd² + sigma²)`` and conditional
``(var_f + Σ sd²) / (var_f + Σ sd² + sigma²)``. Variance components are given as SDs and
variances, standardised and in the outcome's squared scale points. Likelihoods other than
the Gaussian have no residual variance on the outcome's scale: they get no rows.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from intersession.effects.parameters import scaling, summarise
from intersession.inference.record import parameter_map
from intersession.model.parameter_map import GROUP_SD

COLUMNS = ["outcome", "quantity", "level", "scale", "mean", "sd", "lower", "upper"]
RESIDUAL = "residual"


def _intercept_sd(draws: xr.DataArray) -> xr.DataArray:
    """A level's SD draws; of a level with slopes, the intercepts' SD."""
    extra = [d for d in draws.dims if d not in ("chain", "draw")]
    if not extra:
        return draws
    names = [str(v) for v in draws[extra[0]].values]
    pick = next((i for i, n in enumerate(names) if n.endswith("Intercept")), 0)
    return draws.isel({extra[0]: pick})


def variance_table(idata: az.InferenceData, interval: float = 0.95) -> pd.DataFrame:
    """Rows per Gaussian equation: ``sd`` and ``variance`` of each level and the residual
    (standardised and original), ``icc`` of each grouping level, ``r2_marginal`` and
    ``r2_conditional``."""
    post, pmap, scale = idata.posterior, parameter_map(idata), scaling(idata)
    rows = []
    for eq in pmap.equations:
        sigma = next((a for a in eq.auxiliary if eq.row_name(a) == "sigma"), None)
        if eq.family != "gaussian" or sigma is None:
            continue
        y_sd = scale[eq.outcome][1]
        design = idata.constant_data[eq.design]
        obs = next(d for d in design.dims if d != eq.term_dim)
        fitted = xr.dot(post[eq.coefficients], design, dim=eq.term_dim)
        var_f = fitted.var(dim=obs)
        levels = {
            eq.row_name(name).removeprefix(GROUP_SD): _intercept_sd(post[name])
            for name in eq.group_sds
        }
        levels[RESIDUAL] = post[sigma]
        var_groups = sum((sd**2 for name, sd in levels.items() if name != RESIDUAL), 0.0 * var_f)
        var_e = levels[RESIDUAL] ** 2
        total = var_f + var_groups + var_e

        def add(quantity, level, scale_name, draws, outcome=eq.outcome):
            values = np.asarray(draws.transpose("chain", "draw").values)
            summary = summarise(values, interval)
            summary.pop("pd")
            rows.append(
                {
                    "outcome": outcome,
                    "quantity": quantity,
                    "level": level,
                    "scale": scale_name,
                    **summary,
                }
            )

        for level, sd in levels.items():
            add("sd", level, "standardised", sd)
            add("variance", level, "standardised", sd**2)
            add("sd", level, "original", sd * y_sd)
            add("variance", level, "original", (sd * y_sd) ** 2)
        for level, sd in levels.items():
            if level != RESIDUAL:
                add("icc", level, "standardised", sd**2 / (var_groups + var_e))
        add("r2_marginal", "", "standardised", var_f / total)
        add("r2_conditional", "", "standardised", (var_f + var_groups) / total)
    return pd.DataFrame(rows, columns=COLUMNS)
