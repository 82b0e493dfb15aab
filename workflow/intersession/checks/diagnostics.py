"""Convergence diagnostics of a fit against fixed thresholds, as a pass/fail table.

- R-hat: rank-normalised split R-hat (Vehtari et al., 2021), largest over all posterior
  quantities; pass if <= 1.01.
- Bulk and tail ESS (same reference), smallest over all quantities; pass if >= 400
  (100 per chain for 4 chains).
- Divergent transitions: pass if there are none.
- E-BFMI (Betancourt, 2016), smallest over chains; pass if >= 0.3.
- Tree-depth saturation: share of draws that hit the maximum tree depth; pass if none do
  (a saturated tree means the sampler stopped early, not that the draw is wrong).

Quantities that are constant by construction (the diagonal of a correlation matrix) have
no R-hat or ESS and are skipped.
"""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pandas as pd

THRESHOLDS = {"r_hat": 1.01, "ess": 400, "divergences": 0, "ebfmi": 0.3, "treedepth": 0.0}

#: Sample-stat names differ between backends (nutpie, PyMC).
_DEPTH_SATURATED = ("maxdepth_reached", "reached_max_treedepth")


def _worst(series: pd.Series, largest: bool) -> tuple[float, str]:
    series = series.dropna()
    label = series.idxmax() if largest else series.idxmin()
    return float(series[label]), str(label)


def diagnose(idata: az.InferenceData) -> pd.DataFrame:
    """One row per check: value, threshold, pass, and the parameter or chain that decided it."""
    with warnings.catch_warnings():
        # the constant diagonal of a correlation matrix has no between/within variance (0/0):
        # its R-hat and ESS are NaN and left out below
        warnings.simplefilter("ignore", RuntimeWarning)
        per_param = az.summary(idata, kind="diagnostics")
    stats = idata.sample_stats
    rows = []
    r_hat, where = _worst(per_param["r_hat"], largest=True)
    rows.append(
        ("r_hat_max", r_hat, f"<= {THRESHOLDS['r_hat']}", r_hat <= THRESHOLDS["r_hat"], where)
    )
    for kind in ("bulk", "tail"):
        ess, where = _worst(per_param[f"ess_{kind}"], largest=False)
        rows.append(
            (f"ess_{kind}_min", ess, f">= {THRESHOLDS['ess']}", ess >= THRESHOLDS["ess"], where)
        )
    n_div = int(stats["diverging"].sum())
    rows.append(
        (
            "divergences",
            n_div,
            f"<= {THRESHOLDS['divergences']}",
            n_div == THRESHOLDS["divergences"],
            f"of {stats['diverging'].size} draws",
        )
    )
    bfmi = np.atleast_1d(az.bfmi(idata))
    chain = int(np.argmin(bfmi))
    rows.append(
        (
            "ebfmi_min",
            float(bfmi[chain]),
            f">= {THRESHOLDS['ebfmi']}",
            bool(bfmi[chain] >= THRESHOLDS["ebfmi"]),
            f"chain {chain}",
        )
    )
    name = next(n for n in _DEPTH_SATURATED if n in stats)
    share = float(stats[name].mean())
    rows.append(
        (
            "treedepth_saturated_share",
            share,
            f"<= {THRESHOLDS['treedepth']:g}",
            share <= THRESHOLDS["treedepth"],
            f"{int(stats[name].sum())} draws",
        )
    )
    table = pd.DataFrame(rows, columns=["check", "value", "threshold", "passed", "where"])
    table["passed"] = table["passed"].astype(bool)
    return table
