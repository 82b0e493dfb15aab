"""Validate a study file against its codebook, reporting every problem at once.

The raw file is only read, never written. Each problem names the file, the row number
the user sees in a spreadsheet (header = row 1), the column, the offending value, the
rule, what was expected and how to fix it. Errors stop the workflow before any fit;
warnings are reported and the run goes on.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from intersession.data.codebook import Codebook, Instrument
from intersession.errors import InputError

log = logging.getLogger(__name__)

PROBLEM_COLUMNS = ["severity", "file", "row", "column", "value", "rule", "expected", "fix"]
HEADER_ROWS = 1  # a CSV's first line holds the column names, so data row i is line i + 2


class StudyDataError(InputError):
    """The study file has errors; ``problems`` holds the full table."""

    def __init__(self, message: str, problems: pd.DataFrame):
        super().__init__(message)
        self.problems = problems


def read_raw_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV as text, cell for cell, so that validation sees what the user typed."""
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except UnicodeDecodeError as err:
        raise StudyDataError(
            f"{path}: not UTF-8 text (byte {err.start}); save the file as 'CSV UTF-8' and rerun",
            pd.DataFrame(columns=PROBLEM_COLUMNS),
        ) from err


def _as_number(cells: pd.Series) -> pd.Series:
    return pd.to_numeric(cells.str.strip(), errors="coerce")


def _is_blank(cells: pd.Series) -> pd.Series:
    return cells.str.strip() == ""


def _is_response_or_missing(instrument: Instrument):
    def check(cells: pd.Series) -> pd.Series:
        value = _as_number(cells)
        option = (value == np.round(value)) & value.between(instrument.low, instrument.high)
        return value.isna() | option | value.isin(instrument.missing_codes)

    return check


def _ids(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ID columns, stripped, of rows where all of them are filled in."""
    ids = frame[columns].apply(lambda s: s.str.strip())
    return ids[(ids != "").all(axis=1)]


def _one_therapist_per_client(codebook: Codebook):
    """Flag rows that list a client under another therapist than the client's first row."""
    client, therapist = codebook.client, codebook.therapist

    def check(frame: pd.DataFrame) -> pd.DataFrame:
        ok = pd.DataFrame(True, index=frame.index, columns=frame.columns)
        if {client, therapist} <= set(frame.columns):
            ids = _ids(frame, [client, therapist])
            first = ids.groupby(client)[therapist].transform("first")
            ok.loc[ids.index[ids[therapist] != first], therapist] = False
        return ok

    return check


def _unique_client(codebook: Codebook):
    """Flag every row of a client listed more than once (under the same therapist)."""
    client = codebook.client
    columns = codebook.id_columns

    def check(frame: pd.DataFrame) -> pd.DataFrame:
        ok = pd.DataFrame(True, index=frame.index, columns=frame.columns)
        if set(columns) <= set(frame.columns):
            ids = _ids(frame, columns)
            repeated = ids.duplicated(keep=False)  # same client and therapist
            ok.loc[ids.index[repeated], client] = False
        return ok

    return check


def build_schema(codebook: Codebook) -> pa.DataFrameSchema:
    """A pandera schema of the raw (text) study file, derived from the codebook."""
    columns = {
        name: pa.Column(checks=pa.Check(lambda s: ~_is_blank(s), name="id_present"))
        for name in codebook.id_columns
    }
    for instrument in codebook.instruments.values():
        for item in instrument.items:
            columns[item] = pa.Column(
                checks=[
                    pa.Check(lambda s: _is_blank(s) | _as_number(s).notna(), name="numeric"),
                    pa.Check(_is_response_or_missing(instrument), name="response_option"),
                ]
            )
    frame_checks = [pa.Check(_unique_client(codebook), name="one_row_per_client")]
    if codebook.therapist:
        frame_checks.append(
            pa.Check(_one_therapist_per_client(codebook), name="one_therapist_per_client")
        )
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False)


def _expected_and_fix(rule: str, column: str, codebook: Codebook) -> tuple[str, str]:
    instrument = next(
        (inst for inst in codebook.instruments.values() if column in inst.items), None
    )
    codes = ", ".join(f"{c:g}" for c in instrument.missing_codes) if instrument else ""
    options = (
        f"a whole number from {instrument.low} to {instrument.high}"
        + (f", a missing code ({codes})" if codes else "")
        + " or an empty cell"
        if instrument
        else ""
    )
    table = {
        "column_in_dataframe": (
            f"a column named '{column}' (declared in the codebook)",
            "add the column to the file, or correct its name in the codebook",
        ),
        "id_present": (
            "a non-empty ID",
            "fill in the ID, or delete the row if it is not a client's response",
        ),
        "numeric": (options, "correct the value; use a missing code or leave it empty if unknown"),
        "response_option": (
            options,
            "correct the value, or declare it as a missing code in the codebook",
        ),
        "one_row_per_client": (
            "one row per client",
            "remove the duplicated row, or give the clients distinct IDs",
        ),
        "one_therapist_per_client": (
            "the same therapist as in this client's first row",
            "correct the therapist ID, or give the client in this row a distinct ID",
        ),
    }
    return table[rule]


def find_problems(frame: pd.DataFrame, codebook: Codebook, file: str) -> pd.DataFrame:
    """Every problem in the raw ``frame``, one row each (see :data:`PROBLEM_COLUMNS`)."""
    rows = []
    try:
        build_schema(codebook).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for case in cases.itertuples(index=False):
            rule = str(case.check)
            if rule == "column_in_dataframe":
                column, row, value = str(case.failure_case), "", ""
            else:
                column = case.column
                if isinstance(case.failure_case, dict):  # frame-level checks: {column: value}
                    (column,) = case.failure_case
                row = int(case.index) + HEADER_ROWS + 1
                value = str(frame.at[int(case.index), column])
            expected, fix = _expected_and_fix(rule, column, codebook)
            rows.append(("error", file, row, column, value, rule, expected, fix))
    declared = set(codebook.id_columns) | set(codebook.item_columns)
    for column in frame.columns:
        if column not in declared:
            rows.append(
                (
                    "warning",
                    file,
                    "",
                    column,
                    "",
                    "unknown_column",
                    "a column declared in the codebook",
                    "ignored; declare it in the codebook if it should be used",
                )
            )
    problems = pd.DataFrame(rows, columns=PROBLEM_COLUMNS).drop_duplicates()
    order = problems["row"].map(lambda r: -1 if r == "" else r)
    return (
        problems.assign(_order=order)
        .sort_values(["_order", "column", "rule"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def format_problems(problems: pd.DataFrame, limit: int = 50) -> str:
    """A readable listing, one line per problem (the full table is in the CSV)."""
    lines = []
    for p in problems.head(limit).itertuples(index=False):
        where = f"row {p.row}, column '{p.column}'" if p.row != "" else f"column '{p.column}'"
        value = f": value {p.value!r}" if p.row != "" else ""
        lines.append(f"{p.severity.upper()} {p.file}, {where}{value} [{p.rule}]")
        lines.append(f"    expected {p.expected}; fix: {p.fix}")
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more (see the problems table)")
    return "\n".join(lines)


def clean_items(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """IDs (named by role) stripped of spaces; items as numbers, missing codes set to NaN."""
    out = pd.DataFrame({role: frame[col].str.strip() for role, col in codebook.id_roles.items()})
    for instrument in codebook.instruments.values():
        for item in instrument.items:
            value = _as_number(frame[item])
            out[item] = value.where(~value.isin(instrument.missing_codes))
    return out


def validate_study(data_path: str | Path, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (clean items, problems); raise :class:`StudyDataError` if any error was found."""
    file = str(data_path)
    frame = read_raw_csv(data_path)
    problems = find_problems(frame, codebook, file)
    errors = problems[problems["severity"] == "error"]
    n_warn = len(problems) - len(errors)
    if len(errors):
        raise StudyDataError(
            f"{file}: {len(errors)} error(s), {n_warn} warning(s); no model was fitted.\n"
            + format_problems(problems),
            problems,
        )
    if n_warn:
        log.warning("%s: %d warning(s)\n%s", file, n_warn, format_problems(problems))
    return clean_items(frame, codebook), problems
