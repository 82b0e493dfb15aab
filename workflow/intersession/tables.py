"""Tables the steps pass to each other: CSV files whose ID columns stay text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ID_DTYPES = {"client": str, "therapist": str, "site": str}


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV written by an earlier step, with IDs kept as text ("007" stays "007")."""
    return pd.read_csv(path, dtype=ID_DTYPES)
