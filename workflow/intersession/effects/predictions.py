"""Predicted outcome over a focal predictor at low, mean and high values of a moderator.

Population-level predictions (group effects at zero, other predictors at their mean) on
the outcome's original scale, for every equation of a model with an interaction (both
outcomes of a joint model, both paths of a mediation), with equal-tailed credible bands.
The moderator is set to its mean and +/- 1 SD (Aiken & West, 1991), the convention for
probing alliance interactions.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from intersession.effects.parameters import scaling
from intersession.inference.record import parameter_map
from intersession.model.families import family

#: The probed moderator values' labels in tables and figures. None starts with a character
#: a spreadsheet reads as a formula (``-1 SD`` would), so :mod:`intersession.tables` never
#: has to quote them: a researcher opening the CSV sees the label as written here.
LOW, MEAN, HIGH = "mean - 1 SD", "mean", "mean + 1 SD"
MODERATOR_LEVELS = {LOW: -1.0, MEAN: 0.0, HIGH: 1.0}
COLUMNS = [
    "outcome",
    "focal",
    "focal_value",
    "moderator",
    "moderator_level",
    "moderator_value",
    "mean",
    "lower",
    "upper",
]


def interaction_terms(idata: az.InferenceData) -> list[tuple[str, str, str, str]]:
    """(suffix, outcome, focal, moderator) of each two-way interaction of each equation
    whose family has a mean line (not ordinal models yet)."""
    found = []
    for eq in parameter_map(idata).equations:
        if not family(eq.family).mean_line:
            continue
        for term in idata.posterior[eq.term_dim].values:
            if str(term).count(":") == 1:
                found.append((eq.suffix, eq.outcome, *str(term).split(":")))
    return found


def predicted_lines(
    idata: az.InferenceData,
    focal: str,
    moderator: str,
    suffix: str = "",
    outcome: str | None = None,
    n_grid: int = 40,
    interval: float = 0.95,
) -> pd.DataFrame:
    """Tidy table: outcome, focal value, moderator level and value, posterior mean and
    credible band, for the equation whose variables end in ``suffix``."""
    scale = scaling(idata)
    eq = parameter_map(idata).equation(suffix)
    outcome = outcome or eq.outcome
    y_mean, y_sd = scale[outcome]
    dim = eq.term_dim
    observed = idata.constant_data[eq.design]
    terms = [str(t) for t in idata.posterior[dim].values]
    focal_obs = observed.sel({dim: focal}).values * scale[focal][1] + scale[focal][0]
    grid = np.linspace(focal_obs.min(), focal_obs.max(), n_grid)
    z_focal = (grid - scale[focal][0]) / scale[focal][1]
    post = idata.posterior.stack(sample=("chain", "draw"))
    beta = post[eq.coefficients].transpose("sample", dim).values
    intercept = post[eq.intercept].values
    mean = family(eq.family).mean
    tail = (1 - interval) / 2
    rows = []
    for label, z_mod in MODERATOR_LEVELS.items():
        z = {focal: z_focal, moderator: np.full(n_grid, z_mod)}
        design = np.column_stack(
            [np.prod([z.get(n, np.zeros(n_grid)) for n in t.split(":")], axis=0) for t in terms]
        )
        mu = mean(intercept[:, None] + beta @ design.T, y_mean, y_sd)
        lower, upper = np.quantile(mu, [tail, 1 - tail], axis=0)
        for i, x in enumerate(grid):
            rows.append(
                {
                    "outcome": outcome,
                    "focal": focal,
                    "focal_value": x,
                    "moderator": moderator,
                    "moderator_level": label,
                    "moderator_value": scale[moderator][0] + z_mod * scale[moderator][1],
                    "mean": mu[:, i].mean(),
                    "lower": lower[i],
                    "upper": upper[i],
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)
