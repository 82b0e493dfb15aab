"""What reviewers ask for first about a study's variables, as tidy tables.

- :func:`correlation_table`: pairwise Pearson correlations of the scale scores with an
  interval at the report's level (Fisher z; with a flat prior on a bivariate normal's
  correlation the posterior is close to it for n of 30 and more), on complete pairs.
  With repeated sessions the scores are averaged per client first (between-client
  correlations), so that sessions do not count as independent clients.
- :func:`missing_items`: per instrument, item responses missing (after missing codes were
  set to empty by validation), rows with any missing item and rows without a score (fewer
  answered items than the codebook's ``min_answered``).
- :func:`exclusion_flow`: per model, rows read, rows excluded per reason and rows used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CORRELATION_COLUMNS = ["variable", "other", "r", "lower", "upper", "n"]
MISSING_COLUMNS = [
    "instrument",
    "items",
    "rows",
    "responses",
    "missing",
    "share_missing",
    "rows_any_missing",
    "rows_unscored",
    "min_answered",
]
FLOW_COLUMNS = ["model", "rows_read", "reason", "excluded", "rows_used"]


def per_client(scores: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Client means of the scores when a client has several rows, else the scores."""
    if "client" in scores and scores["client"].duplicated().any():
        return scores.groupby("client", sort=False)[names].mean()
    return scores[names]


def correlation_table(scores: pd.DataFrame, names: list[str], interval: float) -> pd.DataFrame:
    """Lower triangle of the correlations of ``names`` (in that order)."""
    data = per_client(scores, names)
    z = stats.norm.ppf(1 - (1 - interval) / 2)
    rows = []
    for i, a in enumerate(names):
        for b in names[:i]:
            pair = data[[a, b]].dropna()
            n = len(pair)
            r = float(np.corrcoef(pair[a], pair[b])[0, 1]) if n > 2 else np.nan
            if n > 3 and abs(r) < 1:
                half = z / np.sqrt(n - 3)
                lower, upper = np.tanh(np.arctanh(r) - half), np.tanh(np.arctanh(r) + half)
            else:
                lower = upper = np.nan
            rows.append({"variable": a, "other": b, "r": r, "lower": lower, "upper": upper, "n": n})
    return pd.DataFrame(rows, columns=CORRELATION_COLUMNS)


def missing_items(items: pd.DataFrame, scores: pd.DataFrame, codebook) -> pd.DataFrame:
    """Per instrument: missing item responses and rows left without a score."""
    rows = []
    for inst in codebook.instruments.values():
        columns = [c for c in inst.columns if c in items]
        block = items[columns].apply(pd.to_numeric, errors="coerce")
        missing = int(block.isna().sum().sum())
        responses = block.size
        rows.append(
            {
                "instrument": inst.name,
                "items": len(columns),
                "rows": len(block),
                "responses": responses,
                "missing": missing,
                "share_missing": missing / responses if responses else np.nan,
                "rows_any_missing": int(block.isna().any(axis=1).sum()),
                "rows_unscored": int(scores[inst.name].isna().sum()),
                "min_answered": inst.min_answered if not inst.score else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)


def exclusion_flow(models: list[tuple[str, int, dict, int]]) -> pd.DataFrame:
    """``models``: (label, rows read, {reason: rows excluded}, rows used) per model; one
    row per reason (or one row with no reason when nothing was excluded)."""
    rows = []
    for label, read, excluded, used in models:
        reasons = list(excluded.items()) or [("", 0)]
        for reason, count in reasons:
            rows.append(
                {
                    "model": label,
                    "rows_read": read,
                    "reason": reason,
                    "excluded": int(count),
                    "rows_used": used,
                }
            )
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)
