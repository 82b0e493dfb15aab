"""Tables the steps pass to each other: CSV files whose ID columns stay text.

Researchers open these tables in spreadsheet programs, which run a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula ("CSV injection",
OWASP). Every text cell (and column name) written is made safe the OWASP way: such a cell
gets a leading apostrophe, and so does a cell that already starts with one, which makes
the change reversible; numbers written as text (``-98``, ``+1.5e3``) are left alone.
:func:`read_table` removes the apostrophe again, so the steps see the original text (an ID
such as ``=HYPERLINK(...)`` stays the same key from validation to the report).

The quote is meant for text from the user's files (IDs, names): the package's own labels
never start with such a character (the moderator levels are ``mean - 1 SD``, not
``-1 SD``; thresholds read ``<= 0``, not ``= 0``), so a researcher never sees a stray
apostrophe on them. Quoting every text cell, rather than the columns known to hold user
text, keeps the protection where a user's name reaches a table by a path nobody listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ID_DTYPES = {"client": str, "therapist": str, "site": str}
#: First characters a spreadsheet program reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it (see the module docstring)."""
    if text.startswith("'") or (text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def original_text(text: str) -> str:
    """The text :func:`safe_text` was given."""
    return text[1:] if text.startswith("'") else text


def _each_text(frame: pd.DataFrame, change) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: change(c) if isinstance(c, str) else c)
    columns = {}
    for name, column in frame.items():
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            columns[name] = column.map(lambda v: change(v) if isinstance(v, str) else v)
    return frame.assign(**columns) if columns else frame


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name passed through :func:`safe_text`."""
    return _each_text(frame, safe_text)


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV written by an earlier step, with IDs kept as text ("007" stays "007") and text
    cells as they were before :func:`spreadsheet_safe`."""
    return _each_text(pd.read_csv(path, dtype=ID_DTYPES), original_text)
