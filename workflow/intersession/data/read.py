"""Read a study file of any supported format into text cells, exactly as the user typed them.

Formats are chosen by file extension: ``.csv`` (delimiter ``,``, ``;`` or tab, detected
from the header line), ``.tsv``/``.tab`` (tab), ``.sav`` (SPSS; user-missing values become
empty cells, value labels are kept), ``.xlsx`` (Excel; a named sheet, the first by
default). Text files must be UTF-8, with or without a byte-order mark; any other encoding
is refused with a message rather than guessed.

Cells are returned as text ("" for empty) so validation can report the value the user
sees. Row numbers are those of the user's own tool: spreadsheet rows for CSV and Excel
(the header is row 1) and case numbers for SPSS.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pandas as pd

from intersession.errors import InputError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".sav": "spss", ".xlsx": "excel"}
#: More columns than any questionnaire study has: refused before parsing (a file with a
#: wrong delimiter or a transposed table would otherwise be read cell by cell).
MAX_COLUMNS = 10_000


class StudyFileError(InputError):
    """The study file cannot be read at all (format, encoding, sheet)."""


@dataclass(frozen=True)
class RawStudy:
    """A study file as text cells, with how to number its rows for the user."""

    path: str
    format: str
    frame: pd.DataFrame
    first_row: int  # the user's number of frame row 0
    row_label: str  # "row" (spreadsheet) or "case" (SPSS)
    value_labels: dict[str, dict] = field(default_factory=dict)

    def user_row(self, index: int) -> int:
        return int(index) + self.first_row


def _cell_text(value) -> str:
    """A typed cell (SPSS, Excel) as the user would read it: 5 not 5.0; empty for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({str(c): [_cell_text(v) for v in frame[c]] for c in frame.columns})


def _text_lines(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise StudyFileError(
            f"{path}: not UTF-8 text (byte {err.start} of the file cannot be read as UTF-8); "
            "save the file as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) and rerun"
        ) from err


def _refuse_too_many_columns(path: Path, count: int) -> None:
    if count > MAX_COLUMNS:
        raise StudyFileError(
            f"{path}: the header has {count:,} columns, more than the {MAX_COLUMNS:,} a study "
            "file may have (one per item and identifier); check that the file is not "
            "transposed and that its delimiter is a comma, semicolon or tab"
        )


def _refuse_duplicate_names(path: Path, names: list) -> None:
    _refuse_too_many_columns(path, len(names))
    seen = set()
    for name in map(str, names):
        if name in seen:
            raise StudyFileError(
                f"{path}: the column name {name!r} appears twice in the header; "
                "rename one of the columns"
            )
        seen.add(name)


def _read_delimited(path: Path, fmt: str) -> pd.DataFrame:
    text = _text_lines(path)
    if not text.strip():
        raise StudyFileError(f"{path}: the file is empty; expected a header row and data rows")
    header = text.splitlines()[0]
    _refuse_too_many_columns(path, max(header.count(d) for d in ",;\t") + 1)
    if fmt == "tsv":
        sep = "\t"
    else:
        try:
            sep = csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    names = next(csv.reader([header], delimiter=sep))
    _refuse_duplicate_names(path, names)
    try:
        return pd.read_csv(
            StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except pd.errors.ParserError as err:
        raise StudyFileError(
            f"{path}: cannot be read as {fmt.upper()} ({err}); every row needs as many "
            "cells as the header"
        ) from err


def _read_spss(path: Path) -> tuple[pd.DataFrame, dict]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path))  # user-missing values come back as NaN
    except Exception as err:  # pyreadstat raises its own ReadstatError, and OSError
        raise StudyFileError(f"{path}: cannot be read as an SPSS .sav file: {err}") from err
    _refuse_too_many_columns(path, frame.shape[1])
    return _as_text(frame), dict(meta.variable_value_labels)


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:  # zipfile.BadZipFile, openpyxl errors
        raise StudyFileError(f"{path}: cannot be read as an Excel .xlsx file: {err}") from err
    with book:
        if sheet is not None and sheet not in book.sheet_names:
            raise StudyFileError(
                f"{path}: no sheet named {sheet!r}; sheets: {', '.join(book.sheet_names)}. "
                "Set study.sheet in the config to one of them"
            )
        name = sheet if sheet is not None else 0
        header = pd.read_excel(book, sheet_name=name, header=None, nrows=1)
        _refuse_duplicate_names(path, header.iloc[0].tolist() if len(header) else [])
        frame = pd.read_excel(book, sheet_name=name, dtype=object, keep_default_na=False)
    return _as_text(frame)


def study_format(path: str | Path) -> str:
    """The format of a study file, from its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise StudyFileError(
            f"{path}: unknown file type {suffix!r}; supported: {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def read_study(path: str | Path, sheet: str | None = None) -> RawStudy:
    """Read ``path`` as text cells; raise :class:`StudyFileError` if it cannot be read."""
    path = Path(path)
    fmt = study_format(path)
    if not path.is_file():
        raise StudyFileError(f"{path}: file not found")
    labels: dict = {}
    if fmt in ("csv", "tsv"):
        frame = _read_delimited(path, fmt)
    elif fmt == "spss":
        frame, labels = _read_spss(path)
    else:
        frame = _read_excel(path, sheet)
    if frame.empty:
        raise StudyFileError(f"{path}: no data rows below the header; expected one row per client")
    first_row, row_label = (1, "case") if fmt == "spss" else (2, "row")
    return RawStudy(str(path), fmt, frame, first_row, row_label, labels)
