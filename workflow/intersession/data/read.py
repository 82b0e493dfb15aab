"""Read a study file of any supported format into text cells, exactly as the user typed them.

Formats are chosen by file extension: ``.csv`` (delimiter ``,``, ``;`` or tab, detected
from the header line), ``.tsv``/``.tab`` (tab), ``.sav`` (SPSS; user-missing values become
empty cells, value labels are kept), ``.xlsx`` (Excel; a named sheet, the first by
default; a formula cell is read as the value Excel saved with it). Text files must be
UTF-8, with or without a byte-order mark; any other encoding is refused with a message
rather than guessed.

Cells are returned as text ("" for empty) so validation can report the value the user
sees. Row numbers are those of the user's own tool: spreadsheet rows for CSV and Excel
(the header is row 1) and case numbers for SPSS. Nothing is guessed: a row with more or
fewer cells than the header (whose values would shift into other columns), a quote that
is never closed, or a formula cell without a saved value stops the reading with the rows
or cells at fault and the fix. Empty lines are skipped, but still counted in row numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from intersession.errors import InputError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".sav": "spss", ".xlsx": "excel"}
#: More columns than any questionnaire study has: refused before parsing (a file with a
#: wrong delimiter or a transposed table would otherwise be read cell by cell).
MAX_COLUMNS = 10_000
#: Longest cell of a text file, in characters (the csv module's own limit): a longer one
#: is a quote left open or a file that is not a table.
MAX_CELL = 131_072
#: Rows or cells named in full in one message; the rest are counted.
LISTED = 10
#: Rows turned into columns at a time (bounds the memory of reading large files).
CHUNK_ROWS = 20_000


class StudyFileError(InputError):
    """The study file cannot be read at all (format, encoding, sheet, shape)."""


@dataclass(frozen=True)
class RawStudy:
    """A study file as text cells, with how to number its rows for the user.

    The frame's index is the position of each row in the file (0 = the first row below
    the header), so skipped empty lines keep the numbering of the user's tool.
    """

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
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({str(c): [_cell_text(v) for v in frame[c]] for c in frame.columns})


def _header_names(cells: list[str]) -> list[str]:
    """Column names; an empty header cell is named as pandas names it ('Unnamed: 3')."""
    return [name if name.strip() else f"Unnamed: {i}" for i, name in enumerate(cells)]


def _frame(names: list[str], rows: list[list[str]], index: list[int]) -> pd.DataFrame:
    """A frame of text columns from rows of cells, built a chunk of rows at a time."""
    chunks = []
    for start in range(0, len(rows), CHUNK_ROWS):
        part = rows[start : start + CHUNK_ROWS]
        columns = list(zip(*part, strict=True)) if part else [()] * len(names)
        labels = index[start : start + CHUNK_ROWS]
        chunks.append(
            pd.DataFrame(
                {i: pd.Series(col, index=labels, dtype="str") for i, col in enumerate(columns)}
            )
        )
        rows[start : start + CHUNK_ROWS] = [[]] * len(part)  # free the cells as we go
    frame = pd.concat(chunks) if chunks else pd.DataFrame(columns=range(len(names)))
    frame.columns = names
    return frame


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
                f"{path}: the column name {_short(name)} appears twice in the header; "
                "rename one of the columns"
            )
        seen.add(name)


def _short(value, limit: int = 60) -> str:
    """``repr`` of a value from the user's file, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _quote_error(path: Path, row: int, err: csv.Error, sep: str) -> StudyFileError:
    reason = str(err)
    if "end of data" in reason or "unexpected end" in reason:
        cause = (
            'a quote (") opens a cell that is never closed, so the rest of the file would be '
            "read as that one cell"
        )
        fix = (
            "close the quote; if the quote belongs to the value, put the whole cell in "
            'quotes and write the quote twice ("")'
        )
    elif "field larger" in reason:
        cause = f"a cell is longer than {MAX_CELL:,} characters (often a quote that is not closed)"
        fix = "close the quote, or shorten the cell"
    elif "expected after" in reason:
        cause = (
            f"a quoted cell is followed by more text before the next delimiter {sep!r} "
            "(after a closing quote, only the delimiter or the end of the line may follow)"
        )
        fix = (
            'put the whole cell in quotes and write each quote inside it twice (""), or '
            "remove the stray quote"
        )
    else:
        cause, fix = f"the row cannot be read ({reason})", "correct the row"
    return StudyFileError(f"{path}, row {row}: {cause}; {fix}")


def _ragged_error(path: Path, names: list[str], ragged: list[tuple[int, int]], total: int):
    expected = len(names)
    lines = []
    for row, found in ragged[:LISTED]:
        if found < expected:
            where = f"its last value falls under column {_short(names[found - 1])}"
        else:
            where = f"{found - expected} cell(s) beyond the last column {_short(names[-1])}"
        lines.append(f"  row {row}: {found} cells, expected {expected} ({where})")
    more = f"\n  ... and {total - LISTED:,} more such row(s)" if total > LISTED else ""
    return StudyFileError(
        f"{path}: {total:,} row(s) do not have one cell per header column, so their values "
        "would shift into other columns:\n"
        + "\n".join(lines)
        + more
        + "\nFix: give every row exactly one cell per column of the header: add the missing "
        "cells (an empty cell is nothing between two delimiters, e.g. 1,,3), remove the extra "
        "ones, and put a cell that holds the delimiter in quotes"
    )


def _read_delimited(path: Path, fmt: str) -> pd.DataFrame:
    text = _text_lines(path)
    if not text.strip():
        raise StudyFileError(f"{path}: the file is empty; expected a header row and data rows")
    header = text.split("\n", 1)[0].rstrip("\r")
    _refuse_too_many_columns(path, max(header.count(d) for d in ",;\t") + 1)
    if fmt == "tsv":
        sep = "\t"
    else:
        try:
            sep = csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    del text  # checked; the rows are streamed from the file (a copy costs 4 bytes a character)
    records = 0  # records read so far: the spreadsheet row of the last one
    rows, index, ragged, n_ragged = [], [], [], 0
    names: list[str] = []
    stream = path.open(encoding="utf-8-sig", newline="")  # lines end at \n, \r or \r\n
    try:
        for cells in csv.reader(stream, delimiter=sep, strict=True):
            records += 1
            if records == 1:
                if not any(cell.strip() for cell in cells):
                    raise StudyFileError(
                        f"{path}, row 1: empty, where the header (the column names) must be; "
                        "delete the empty lines above the header"
                    )
                names = _header_names(cells)
                _refuse_duplicate_names(path, names)
                continue
            if not cells:  # an empty line
                continue
            if len(cells) != len(names):
                n_ragged += 1
                if len(ragged) < LISTED:
                    ragged.append((records, len(cells)))
                continue
            rows.append(cells)
            index.append(records - 2)
    except csv.Error as err:
        raise _quote_error(path, records + 1, err, sep) from None
    finally:
        stream.close()
    if n_ragged:
        raise _ragged_error(path, names, ragged, n_ragged)
    return _frame(names, rows, index)


def _read_spss(path: Path) -> tuple[pd.DataFrame, dict]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path))  # user-missing values come back as NaN
    except Exception as err:  # pyreadstat raises its own ReadstatError, and OSError
        raise StudyFileError(f"{path}: cannot be read as an SPSS .sav file: {err}") from err
    _refuse_too_many_columns(path, frame.shape[1])
    return _as_text(frame), dict(meta.variable_value_labels)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    """The sheet's cells, each as the value Excel saved (for a formula, its last result).

    A formula cell without a saved value (a file written by a script or some exports,
    never opened and saved in a spreadsheet program) is refused: its value is unknown.
    """
    import openpyxl

    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as err:  # zipfile.BadZipFile, openpyxl errors
        raise StudyFileError(f"{path}: cannot be read as an Excel .xlsx file: {err}") from err
    streams = []  # the sheets' row readers: each holds a file open in the archive until closed
    try:
        if sheet is not None and sheet not in values.sheetnames:
            raise StudyFileError(
                f"{path}: no sheet named {_short(sheet)}; sheets: "
                f"{', '.join(values.sheetnames)}. Set study.sheet in the config to one of them"
            )
        name = sheet if sheet is not None else values.sheetnames[0]
        streams = [book[name].iter_rows(values_only=True) for book in (values, formulas)]
        cells = zip(*streams, strict=False)
        names: list[str] = []
        rows, index, unsaved, n_unsaved, beyond = [], [], [], 0, []
        for number, (row, formula_row) in enumerate(cells, start=1):
            row = list(row)
            for j, (value, formula) in enumerate(zip(row, formula_row, strict=False)):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    n_unsaved += 1
                    if len(unsaved) < LISTED:
                        unsaved.append(f"{_column_letter(j)}{number} ({_short(formula, 40)})")
            if number == 1:
                while row and row[-1] is None:
                    row.pop()
                names = _header_names([_cell_text(v) for v in row])
                _refuse_duplicate_names(path, names)
                continue
            text = [_cell_text(v) for v in row]
            extra = [j for j in range(len(names), len(text)) if text[j].strip()]
            if extra and len(beyond) < LISTED:
                beyond.append(f"{_column_letter(extra[0])}{number}")
            text = (text + [""] * len(names))[: len(names)]
            if not any(text) and not extra:
                continue  # an empty row
            rows.append(text)
            index.append(number - 2)
    finally:
        # zip stops at the first reader to end and leaves the other one suspended; closing
        # it closes its file in the archive (openpyxl >= 3.1.3), so close() below closes
        # the file itself now rather than when the reader is garbage-collected
        for stream in streams:
            stream.close()
        values.close()
        formulas.close()
    if n_unsaved:
        raise StudyFileError(
            f"{path}, sheet {_short(name)}: {n_unsaved:,} formula cell(s) have no saved value "
            f"(first: {', '.join(unsaved)}); the file was written by a program that stores "
            "formulas without their results. Open it in Excel or LibreOffice and save it "
            "(the results are then saved with the formulas), or export the sheet as CSV UTF-8"
        )
    if beyond:
        raise StudyFileError(
            f"{path}, sheet {_short(name)}: cell(s) {', '.join(beyond)} hold values in a column "
            "without a header; give the column a name in row 1, or delete the values"
        )
    if not names:
        raise StudyFileError(f"{path}, sheet {_short(name)}: the sheet is empty")
    return _frame(names, rows, index)


def study_format(path: str | Path) -> str:
    """The format of a study file, from its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise StudyFileError(
            f"{path}: unknown file type {_short(suffix)}; supported: {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def require_file(path: Path, what: str = "file") -> None:
    """Refuse a path that is missing or a folder, saying which."""
    if path.is_dir():
        raise StudyFileError(f"{path}: is a folder, not a {what}; give the path of the {what}")
    if not path.is_file():
        raise StudyFileError(
            f"{path}: {what} not found (relative paths are read from {Path.cwd()})"
        )


def read_study(path: str | Path, sheet: str | None = None) -> RawStudy:
    """Read ``path`` as text cells; raise :class:`StudyFileError` if it cannot be read."""
    path = Path(path)
    fmt = study_format(path)
    require_file(path)
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


def count_rows(path: str | Path) -> int:
    """About how many data rows a study file has, read cheaply (line count, SPSS header,
    Excel dimension) without parsing it; 0 if it cannot be read. For sizing jobs before
    validation has run (Snakemake's dry run)."""
    path = Path(path)
    try:
        fmt = study_format(path)
        if fmt in ("csv", "tsv"):
            with path.open("rb") as stream:
                lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
            return max(lines - 1, 0)
        if fmt == "spss":
            import pyreadstat

            _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
            return int(meta.number_rows or 0)
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        try:
            return max(int(book.worksheets[0].max_row or 1) - 1, 0)
        finally:
            book.close()
    except Exception:  # sizing only: validation reports what is wrong with the file
        return 0
