"""Scale scores from item responses: reverse-keying, a minimum of answered items, reliability.

One score per row (client, or client and session). Instruments declared with a ``score``
column take that column as the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from intersession.data.codebook import ROLES, Codebook, Instrument
from intersession.data.reliability import cronbach_alpha, mcdonald_omega, multilevel_omega


def keyed_items(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The instrument's items with reverse-keyed ones flipped: low + high - x."""
    out = items[list(instrument.items)].astype(float).copy()
    for item in instrument.reverse:
        out[item] = instrument.low + instrument.high - out[item]
    return out


def scale_score(items: pd.DataFrame, instrument: Instrument) -> pd.Series:
    """Mean of the answered (keyed) items; missing when fewer than ``min_answered`` answered."""
    if instrument.score:
        return items[instrument.score].astype(float).rename(instrument.name)
    keyed = keyed_items(items, instrument)
    answered = keyed.notna().sum(axis=1)
    return keyed.mean(axis=1).where(answered >= instrument.min_answered).rename(instrument.name)


def score_study(items: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per client (and session): the roles present, one score per instrument, then
    each factor's level label."""
    scores = items[[role for role in ROLES if role in items.columns]].copy()
    for instrument in codebook.instruments.values():
        scores[instrument.name] = scale_score(items, instrument)
    for name in codebook.factors:
        scores[name] = items[name]
    return scores


def reliability_table(items: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Per instrument: items, rows scored, complete cases, alpha and omega; with repeated
    sessions also within- and between-client omega. Score-only instruments get none."""
    repeated = "session" in items.columns and items["client"].duplicated().any()
    rows = []
    for instrument in codebook.instruments.values():
        row = {
            "instrument": instrument.name,
            "label": instrument.label,
            "n_items": len(instrument.items),
            "n_scored": int(scale_score(items, instrument).notna().sum()),
            "n_complete": np.nan,
            "alpha": np.nan,
            "omega": np.nan,
            "omega_within": np.nan,
            "omega_between": np.nan,
        }
        if instrument.items:
            keyed = keyed_items(items, instrument)
            complete = keyed.notna().all(axis=1)
            row["n_complete"] = int(complete.sum())
            row["alpha"] = cronbach_alpha(keyed[complete].to_numpy())
            row["omega"] = mcdonald_omega(keyed[complete].to_numpy())
            if repeated:
                within, between = multilevel_omega(
                    keyed[complete].to_numpy(), items.loc[complete, "client"].to_numpy()
                )
                row["omega_within"], row["omega_between"] = within, between
        rows.append(row)
    return pd.DataFrame(rows)
