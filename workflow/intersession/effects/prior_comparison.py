"""How the key estimates move across prior sets: the self- and other-alliance slopes, their
interaction, and for a mediation model the indirect effect and the index of moderated
mediation.

Each estimate's shift is given in units of its posterior SD under the reference set
(``default``): shifts under 0.5 SD leave the conclusion untouched in practice; an
interval that excludes 0 under one set and not another is the sign that a conclusion
hinges on the prior.
"""

from __future__ import annotations

import arviz as az
import pandas as pd

from intersession.effects.mediation import indirect_effects
from intersession.effects.parameters import SLOPE_ROW, equations, parameter_table
from intersession.model.mediation import B_PATH
from intersession.model.regression import base_term

KEY_TERMS = ("self_alliance", "other_alliance", "self_alliance:other_alliance")
REFERENCE = "default"
SUMMARY = ["mean", "sd", "lower", "upper"]
COLUMNS = [
    "model",
    "prior_set",
    "outcome",
    "estimate",
    "mean",
    "sd",
    "lower",
    "upper",
    "excludes_zero",
    "shift_sd",
]


def key_estimates(idata: az.InferenceData, mediation: dict | None, interval: float) -> pd.DataFrame:
    """Standardised key slopes of every equation (at each level of a within/between split),
    and the indirect effect at the moderator's mean and the index of a mediation model."""
    table = parameter_table(idata, interval)
    slopes = table[
        (table["parameter"] == SLOPE_ROW)
        & table["term"].map(lambda term: base_term(str(term)) in KEY_TERMS)
        & (table["scale"] == "standardised")
    ]
    frames = [slopes.rename(columns={"term": "estimate"})[["outcome", "estimate", *SUMMARY]]]
    if mediation:
        effects = indirect_effects(idata, mediation, interval)
        effects = effects[effects["moderator_level"].isin(["mean", ""])]
        frames.append(
            pd.DataFrame(
                {
                    "outcome": dict(equations(idata))[B_PATH],
                    "estimate": [
                        f"{effect} ({level})" if level != "all" else effect
                        for effect, level in zip(effects["effect"], effects["level"], strict=True)
                    ],
                    **{c: effects[c].to_numpy() for c in SUMMARY},
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def prior_comparison(estimates: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """One table of key estimates per (model, prior set), with each shift against the
    model's ``default`` set in units of its posterior SD (empty when it has no default)."""
    rows = []
    for (model, prior_set), frame in estimates.items():
        rows.append(frame.assign(model=model, prior_set=prior_set))
    table = pd.concat(rows, ignore_index=True)
    table["excludes_zero"] = (table["lower"] > 0) | (table["upper"] < 0)
    reference = table[table["prior_set"] == REFERENCE].set_index(["model", "outcome", "estimate"])
    keyed = table.set_index(["model", "outcome", "estimate"]).index
    ref_mean = reference["mean"].reindex(keyed).to_numpy()
    ref_sd = reference["sd"].reindex(keyed).to_numpy()
    table["shift_sd"] = (table["mean"].to_numpy() - ref_mean) / ref_sd
    return table[COLUMNS]
