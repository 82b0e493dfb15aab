"""Calibration of the leave-one-out predictive distributions (LOO-PIT), as a table to draw.

The LOO-PIT value of an observation is the leave-one-out predictive probability of a value
at or below it (PSIS-weighted; ties of discrete outcomes broken at random; arviz-stats
``loo_pit``). For a calibrated model they are uniform. The table holds the difference
between their ECDF and the uniform CDF on a grid of at most :data:`GRID` points, with a
simultaneous band at the report's interval level, found by simulating :data:`SIMULATIONS`
uniform samples of the same size (Sailynoja, Burkner & Vehtari, 2022): a curve leaving the
band is miscalibrated (a U shape: predictions too narrow; a hump: too wide).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intersession.inference.fit import pointwise_draws
from intersession.inference.record import parameter_map

GRID = 200
SIMULATIONS = 1000
SEED = 214
LOO_PIT_COLUMNS = ["outcome", "pit", "ecdf_difference", "lower", "upper"]


def loo_pit_table(idata, interval: float) -> pd.DataFrame:
    """Per outcome with a pointwise log-likelihood of its own (not a joint model's
    outcomes): the ECDF difference of its LOO-PIT values and the simultaneous band."""
    from arviz_base import convert_to_datatree
    from arviz_stats import loo_pit
    from arviz_stats.ecdf_utils import (
        compute_ecdf,
        get_pointwise_confidence_band,
        simulate_confidence_bands,
    )

    kept = pointwise_draws(idata)
    frames = []
    for eq in parameter_map(idata).equations:
        if eq.selection:  # one log-likelihood value per row of both outcomes together
            continue
        tree = convert_to_datatree(kept)
        pit = np.asarray(loo_pit(tree, var_names=[eq.observed], random_state=SEED)[eq.observed])
        pit = pit.ravel()
        n = len(pit)
        points = np.arange(1, n) / n if n - 1 <= GRID else np.linspace(0, 1, GRID + 2)[1:-1]
        rng = np.random.default_rng(SEED)
        prob = simulate_confidence_bands(n, 1, points, interval, SIMULATIONS, rng)
        lower, upper = get_pointwise_confidence_band(prob, n, points)
        frames.append(
            pd.DataFrame(
                {
                    "outcome": eq.outcome,
                    "pit": points,
                    "ecdf_difference": compute_ecdf(pit, points) - points,
                    "lower": lower - points,
                    "upper": upper - points,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=LOO_PIT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[LOO_PIT_COLUMNS]
