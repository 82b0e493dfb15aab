"""Scale scores from item responses: reverse-keying, a minimum of answered items, reliability."""

from __future__ import annotations

import pandas as pd

from intersession.data.codebook import Codebook, Instrument
from intersession.data.reliability import cronbach_alpha, mcdonald_omega


def keyed_items(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The instrument's items with reverse-keyed ones flipped: low + high - x."""
    out = items[list(instrument.items)].astype(float).copy()
    for item in instrument.reverse:
        out[item] = instrument.low + instrument.high - out[item]
    return out


def scale_score(items: pd.DataFrame, instrument: Instrument) -> pd.Series:
    """Mean of the answered (keyed) items; missing when fewer than ``min_answered`` answered."""
    keyed = keyed_items(items, instrument)
    answered = keyed.notna().sum(axis=1)
    return keyed.mean(axis=1).where(answered >= instrument.min_answered).rename(instrument.name)


def score_study(items: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per client: IDs, then one scale score per instrument."""
    scores = items[list(codebook.id_roles)].copy()
    for instrument in codebook.instruments.values():
        scores[instrument.name] = scale_score(items, instrument)
    return scores


def reliability_table(items: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Per instrument: items, clients scored, complete cases, Cronbach's alpha, McDonald's omega."""
    rows = []
    for instrument in codebook.instruments.values():
        keyed = keyed_items(items, instrument)
        complete = keyed.dropna().to_numpy()
        rows.append(
            {
                "instrument": instrument.name,
                "label": instrument.label,
                "n_items": len(instrument.items),
                "n_scored": int(scale_score(items, instrument).notna().sum()),
                "n_complete": len(complete),
                "alpha": cronbach_alpha(complete),
                "omega": mcdonald_omega(complete),
            }
        )
    return pd.DataFrame(rows)
