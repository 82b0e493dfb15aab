"""Prior predictive checks: does the prior imply outcomes the instrument cannot produce?

For each outcome, the share of prior predictive draws below the lowest and above the
highest possible score (Gabry et al., 2019; Wesner & Pomeranz, 2021): a prior set that puts
much mass outside the range is weaker than it looks on the standardised scale. Summaries
of the draws (5%, 50%, 95% quantiles) show where the mass lies.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from intersession.effects.parameters import equations, observed_variable

COLUMNS = [
    "outcome",
    "low",
    "high",
    "share_below",
    "share_above",
    "share_outside",
    "q05",
    "q50",
    "q95",
]


def prior_predictive_draws(idata: az.InferenceData, outcome: str) -> np.ndarray:
    """All prior predictive values of ``outcome`` (every draw and row), flattened."""
    var, coords = observed_variable(idata, outcome)
    return np.asarray(idata.prior_predictive[var].sel(coords).values).ravel()


def prior_predictive_table(idata: az.InferenceData, ranges: dict) -> pd.DataFrame:
    """One row per outcome: its possible range and the prior predictive mass outside it."""
    rows = []
    for _, outcome in equations(idata):
        low, high = ranges[outcome]
        draws = prior_predictive_draws(idata, outcome)
        below, above = float(np.mean(draws < low)), float(np.mean(draws > high))
        q05, q50, q95 = np.quantile(draws, [0.05, 0.5, 0.95])
        rows.append(
            {
                "outcome": outcome,
                "low": low,
                "high": high,
                "share_below": below,
                "share_above": above,
                "share_outside": below + above,
                "q05": q05,
                "q50": q50,
                "q95": q95,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
