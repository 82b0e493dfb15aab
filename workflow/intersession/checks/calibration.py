"""Calibration of the predictive distributions, as tables the report's figures draw.

**Grouped predictive check**: the observed mean of each outcome per unit of a grouping
level (therapist, site) against the interval of that mean over posterior predictive data
sets; a unit outside its interval is one the model's group effects do not capture.

**LOO-PIT**:
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
GROUPED_COLUMNS = ["outcome", "level", "unit", "observed_mean", "lower", "upper", "outside"]


def grouped_predictive_table(idata, levels: list[str], interval: float) -> pd.DataFrame:
    """Per outcome and grouping level (other than client): each unit's observed mean and
    the equal-tailed ``interval`` of its mean over the posterior predictive draws."""
    pmap = parameter_map(idata)
    frames = []
    for eq in pmap.equations:
        selection = dict(eq.selection or {})
        observed = idata.observed_data[eq.observed].sel(selection).values.ravel()
        predicted = idata.posterior_predictive[eq.observed].sel(selection).values
        predicted = predicted.reshape(-1, observed.size)
        for level in levels:
            index = idata.constant_data[pmap.index(level)].values
            units = idata.posterior[level].values
            counts = np.bincount(index, minlength=len(units))
            means = np.bincount(index, weights=observed, minlength=len(units)) / counts
            draws = np.stack(
                [
                    np.bincount(index, weights=row, minlength=len(units)) / counts
                    for row in predicted
                ]
            )
            tail = (1 - interval) / 2
            lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
            frames.append(
                pd.DataFrame(
                    {
                        "outcome": eq.outcome,
                        "level": level,
                        "unit": [str(u) for u in units],
                        "observed_mean": means,
                        "lower": lower,
                        "upper": upper,
                        "outside": (means < lower) | (means > upper),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=GROUPED_COLUMNS)
    return pd.concat(frames, ignore_index=True)[GROUPED_COLUMNS]


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
