"""Indirect effects of a moderated mediation fit, as a tidy table.

At moderator values -1 SD, mean and +1 SD (standardised w = -1, 0, 1) the indirect effect
of the predictor through the mediator is (a_x + a_xw * w) * b_m, and the index of
moderated mediation a_xw * b_m (Hayes, 2015) says how much it changes per SD of the
moderator; an index whose interval excludes 0 supports moderated mediation. With repeated
sessions both are given at the within- and the between-client level.

:func:`mediation_effects` adds, at the same moderator values, the direct effect of the
predictor on the outcome, c_x + c_xw * w (the b path's own slope of the predictor and its
interaction with the moderator, where the b path has them), and the total effect, direct
plus indirect, computed draw by draw so that the three summaries describe one posterior.
These are the effects of a regression model, not causal effects: read causally they
assume the predictor precedes the mediator, the mediator the outcome, and no unmeasured
confounding of any path (with one measurement occasion nothing in the data orders them).
"""

from __future__ import annotations

import arviz as az
import pandas as pd

from intersession.effects.parameters import summarise
from intersession.effects.predictions import MODERATOR_LEVELS
from intersession.inference.record import parameter_map
from intersession.model.mediation import A_PATH, B_PATH
from intersession.model.regression import BETWEEN, WITHIN

COLUMNS = ["effect", "level", "moderator_level", "mean", "sd", "lower", "upper", "pd"]


def indirect_effects(
    idata: az.InferenceData, mediation: dict, interval: float = 0.95
) -> pd.DataFrame:
    """Indirect effects at three moderator levels and the index, per level of the data."""
    post, pmap = idata.posterior, parameter_map(idata)
    a_path, b_path = pmap.equation(A_PATH), pmap.equation(B_PATH)
    a, b = post[a_path.coefficients], post[b_path.coefficients]
    rows = []
    for level in ("", WITHIN, BETWEEN):
        x, w, m = (mediation[key] + level for key in ("predictor", "moderator", "mediator"))
        if x not in a[a_path.term_dim].values or m not in b[b_path.term_dim].values:
            continue
        a_x, a_xw = a.sel({a_path.term_dim: x}), a.sel({a_path.term_dim: f"{x}:{w}"})
        b_m = b.sel({b_path.term_dim: m})
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


def mediation_effects(
    idata: az.InferenceData, mediation: dict, interval: float = 0.95
) -> pd.DataFrame:
    """Indirect, direct and total effects at the moderator's -1 SD, mean and +1 SD, then
    the index of moderated mediation, per level of the data (``effect`` = ``indirect``,
    ``direct``, ``total`` or ``index of moderated mediation``)."""
    post, pmap = idata.posterior, parameter_map(idata)
    a_path, b_path = pmap.equation(A_PATH), pmap.equation(B_PATH)
    a, b = post[a_path.coefficients], post[b_path.coefficients]
    a_terms, b_terms = set(a[a_path.term_dim].values), set(b[b_path.term_dim].values)
    rows = []
    for level in ("", WITHIN, BETWEEN):
        x, w, m = (mediation[key] + level for key in ("predictor", "moderator", "mediator"))
        if x not in a_terms or m not in b_terms:
            continue
        a_x, a_xw = a.sel({a_path.term_dim: x}), a.sel({a_path.term_dim: f"{x}:{w}"})
        b_m = b.sel({b_path.term_dim: m})
        c_x = b.sel({b_path.term_dim: x}) if x in b_terms else 0.0 * b_m
        c_xw = b.sel({b_path.term_dim: f"{x}:{w}"}) if f"{x}:{w}" in b_terms else 0.0 * b_m
        name = level.lstrip("_") or "all"
        for label, z in MODERATOR_LEVELS.items():
            indirect = (a_x + a_xw * z) * b_m
            direct = c_x + c_xw * z
            for effect, draws in (
                ("indirect", indirect),
                ("direct", direct),
                ("total", indirect + direct),
            ):
                rows.append(
                    {
                        "effect": effect,
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
