"""Predicted outcome over a focal predictor at low, mean and high values of a moderator.

Population-level predictions (therapist effects at zero, other predictors at their mean)
on the outcome's original scale, with equal-tailed credible bands. The moderator is set to
its mean and +/- 1 SD (Aiken & West, 1991), the convention for probing alliance
interactions.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from intersession.effects.parameters import outcome_name, scaling

MODERATOR_LEVELS = {"-1 SD": -1.0, "mean": 0.0, "+1 SD": 1.0}
COLUMNS = [
    "focal",
    "focal_value",
    "moderator",
    "moderator_level",
    "moderator_value",
    "mean",
    "lower",
    "upper",
]


def interaction_terms(idata: az.InferenceData) -> list[tuple[str, str]]:
    """(focal, moderator) pairs of the model's two-way interactions."""
    if "term" not in idata.posterior.coords or "Intercept" not in idata.posterior:
        return []  # several equations (mediation) or an ordinal outcome: no lines yet
    terms = [str(t) for t in idata.posterior["term"].values]
    return [tuple(t.split(":")) for t in terms if t.count(":") == 1]


def predicted_lines(
    idata: az.InferenceData, focal: str, moderator: str, n_grid: int = 40, interval: float = 0.95
) -> pd.DataFrame:
    """Tidy table: focal value, moderator level and value, posterior mean, lower, upper."""
    scale = scaling(idata)
    y_mean, y_sd = scale[outcome_name(idata)]
    observed = idata.constant_data["X"]
    terms = [str(t) for t in idata.posterior["term"].values]
    focal_obs = observed.sel(term=focal).values * scale[focal][1] + scale[focal][0]
    grid = np.linspace(focal_obs.min(), focal_obs.max(), n_grid)
    z_focal = (grid - scale[focal][0]) / scale[focal][1]
    post = idata.posterior.stack(sample=("chain", "draw"))
    beta = post["beta"].transpose("sample", "term").values
    intercept = post["Intercept"].values
    tail = (1 - interval) / 2
    rows = []
    for label, z_mod in MODERATOR_LEVELS.items():
        z = {focal: z_focal, moderator: np.full(n_grid, z_mod)}
        design = np.column_stack(
            [np.prod([z.get(n, np.zeros(n_grid)) for n in t.split(":")], axis=0) for t in terms]
        )
        mu = y_mean + y_sd * (intercept[:, None] + beta @ design.T)
        lower, upper = np.quantile(mu, [tail, 1 - tail], axis=0)
        for i, x in enumerate(grid):
            rows.append(
                {
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
