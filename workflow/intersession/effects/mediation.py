"""Indirect effects of a moderated mediation fit, as a tidy table.

At moderator values -1 SD, mean and +1 SD (standardised w = -1, 0, 1) the indirect effect
of the predictor through the mediator is (a_x + a_xw * w) * b_m, and the index of
moderated mediation a_xw * b_m (Hayes, 2015) says how much it changes per SD of the
moderator; an index whose interval excludes 0 supports moderated mediation. With repeated
sessions both are given at the within- and the between-client level.
"""

from __future__ import annotations

import arviz as az
import pandas as pd

from intersession.effects.parameters import summarise
from intersession.effects.predictions import MODERATOR_LEVELS

COLUMNS = ["effect", "level", "moderator_level", "mean", "sd", "lower", "upper", "pd"]


def indirect_effects(
    idata: az.InferenceData, mediation: dict, interval: float = 0.95
) -> pd.DataFrame:
    """Indirect effects at three moderator levels and the index, per level of the data."""
    post = idata.posterior
    a, b = post["beta_a"], post["beta_b"]
    rows = []
    for level in ("", "_within", "_between"):
        x, w, m = (mediation[key] + level for key in ("predictor", "moderator", "mediator"))
        if x not in a["term_a"].values or m not in b["term_b"].values:
            continue
        a_x, a_xw = a.sel(term_a=x), a.sel(term_a=f"{x}:{w}")
        b_m = b.sel(term_b=m)
        name = level.lstrip("_") or "all"
        for label, z in MODERATOR_LEVELS.items():
            draws = (a_x + a_xw * z) * b_m
            rows.append(
                {
                    "effect": "indirect",
                    "level": name,
                    "moderator_level": label,
                    **summarise(draws, interval),
                }
            )
        rows.append(
            {
                "effect": "index of moderated mediation",
                "level": name,
                "moderator_level": "",
                **summarise(a_xw * b_m, interval),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
