"""Validate a study file against its codebook, reporting every problem at once.

The raw file is only read, never written. Each problem names the file, the row number the
user sees in their own tool (spreadsheet row, header = row 1; or SPSS case number), the
column, the offending value, the rule, what was expected and how to fix it. Errors stop the
workflow before any fit; warnings are reported and the run goes on.

Checks are pandera checks: per column (cells), or across rows (duplicates, nesting, ID
spellings, session order: frame-level checks that mark the cells at fault). Each check
gives a mask over the rows; per rule the first :data:`LISTED_PER_RULE` problems are listed
in full and the rest counted in one more row (column ``count``), so a file that is wrong
in every cell gives a short report, in time and memory linear in the file's size.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from intersession.data.codebook import MIN_GROUP_LEVELS, Codebook, Instrument
from intersession.data.read import RawStudy, read_study
from intersession.errors import InputError

log = logging.getLogger(__name__)

PROBLEM_COLUMNS = [
    "severity",
    "file",
    "row",
    "column",
    "value",
    "rule",
    "expected",
    "fix",
    "count",
]
#: Problems listed in full per rule (the first by row); the others are counted.
LISTED_PER_RULE = 1000
#: Characters of a cell's value shown in a problem.
VALUE_CHARS = 200
#: Control characters refused in any cell: C0 but tab, line feed and carriage return (which
#: a free-text column may hold), DEL and C1.
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
#: In ID, session and item cells every control character is refused (after trimming).
CONTROL_STRICT = r"[\x00-\x1f\x7f-\x9f]"


class StudyDataError(InputError):
    """The study file has errors; ``problems`` holds the full table."""

    def __init__(self, message: str, problems: pd.DataFrame):
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Rule:
    severity: str
    expected: Callable[[str, Codebook], str]
    fix: str


def _text(cells: pd.Series) -> pd.Series:
    return cells.astype(str).str.strip()


def _number(cells: pd.Series) -> pd.Series:
    return pd.to_numeric(_text(cells), errors="coerce")


def _blank(cells: pd.Series) -> pd.Series:
    return _text(cells) == ""


def _decimal_comma(cells: pd.Series) -> pd.Series:
    return _text(cells).str.fullmatch(r"[-+]?\d+,\d+")


def _instrument_of(column: str, codebook: Codebook) -> Instrument | None:
    return next((i for i in codebook.instruments.values() if column in i.columns), None)


def _options(column: str, codebook: Codebook) -> str:
    inst = _instrument_of(column, codebook)
    codes = ", ".join(f"{c:g}" for c in inst.missing_codes)
    kind = "a number" if inst.score else "a whole number"
    return (
        f"{kind} from {inst.low:g} to {inst.high:g}"
        + (f", a missing code ({codes})" if codes else "")
        + " or an empty cell"
    )


def _levels(column: str, codebook: Codebook) -> str:
    factor = next(f for f in codebook.factors.values() if f.column == column)
    return (
        f"one of the levels declared for factor '{factor.name}' "
        f"({', '.join(factor.codes)}) or an empty cell"
    )


def _fixed(text: str) -> Callable[[str, Codebook], str]:
    return lambda column, codebook: text


RULES: dict[str, Rule] = {
    "column_in_dataframe": Rule(
        "error",
        lambda column, codebook: f"a column named '{column}' (declared in the codebook)",
        "add the column to the file, or correct its name in the codebook",
    ),
    "id_present": Rule(
        "error", _fixed("a non-empty ID"), "fill in the ID, or delete the row if it is no response"
    ),
    "decimal_comma": Rule(
        "error", _options, "write the number with a decimal point (3.5, not 3,5)"
    ),
    "numeric": Rule(
        "error", _options, "correct the value; use a missing code or leave it empty if unknown"
    ),
    "response_option": Rule(
        "error", _options, "correct the value, or declare it as a missing code in the codebook"
    ),
    "factor_level": Rule(
        "error",
        _levels,
        "correct the value, or add it to the factor's 'levels' in the codebook (levels "
        "match exactly, upper and lower case included)",
    ),
    "session_number": Rule(
        "error",
        _fixed("a session number (e.g. 1, 2, 3)"),
        "write the session as a number; rows without a session belong to no occasion",
    ),
    "one_row_per_client": Rule(
        "error",
        _fixed("one row per client"),
        "remove the duplicated row, or give the clients distinct IDs",
    ),
    "one_row_per_client_session": Rule(
        "error",
        _fixed("one row per client and session"),
        "remove the duplicated row, or correct its session number",
    ),
    "one_therapist_per_client": Rule(
        "error",
        _fixed("the same therapist as in this client's first row"),
        "correct the therapist ID, or declare 'clients_across_therapists' under 'crossed' "
        "in the codebook if clients really change therapist",
    ),
    "one_site_per_therapist": Rule(
        "error",
        _fixed("the same site as in this therapist's first row"),
        "correct the site ID, or declare 'therapists_across_sites' under 'crossed' in the "
        "codebook if therapists really work at several sites",
    ),
    "id_case": Rule(
        "error",
        _fixed("the ID spelled as in its first row (IDs that differ only in case are ambiguous)"),
        "write the ID with the same upper and lower case letters in every row",
    ),
    "id_spaces": Rule(
        "warning",
        _fixed("the ID without leading or trailing spaces"),
        "read as the same ID without the spaces; remove them to silence this warning",
    ),
    "session_order": Rule(
        "warning",
        _fixed("sessions of a client in increasing order"),
        "none needed: rows are sorted by session for the analysis",
    ),
    "item_constant": Rule(
        "warning",
        _fixed("an item whose answers vary between rows"),
        "check the column; a constant item adds nothing to its scale's reliability",
    ),
    "too_few_items": Rule(
        "warning",
        lambda column, codebook: (
            f"at least {codebook.instruments[column].min_answered} answered items of '{column}'"
        ),
        "the scale score of this row is missing and the row is left out of models using it",
    ),
    "control_character": Rule(
        "error",
        _fixed("text without control characters (NUL, bell, escape, a line break in an ID...)"),
        "delete the invisible character (the value shows it as \\x..); it often comes from a "
        "damaged file or a copy from another program",
    ),
    "item_unanswered": Rule(
        "warning",
        _fixed("an item answered in at least one row"),
        "check the column: it is empty (or a missing code) in every row, so the scale's "
        "scores rest on its other items; correct the codebook if the item is elsewhere",
    ),
    "few_units": Rule(
        "warning",
        lambda column, codebook: (
            f"at least {MIN_GROUP_LEVELS} units of this level (the fewest for which a model "
            "can estimate the SD of their intercepts)"
        ),
        "none needed to run: models leave this level's intercepts out and the report says "
        "so; estimating them needs a study with more units",
    ),
    "unknown_column": Rule(
        "warning",
        _fixed("a column declared in the codebook"),
        "ignored; declare it in the codebook if it should be used",
    ),
}


def _response_or_missing(inst: Instrument):
    def check(cells: pd.Series) -> pd.Series:
        value = _number(cells)
        whole = (value == np.round(value)) | bool(inst.score)
        return (
            value.isna()
            | (whole & value.between(inst.low, inst.high))
            | value.isin(inst.missing_codes)
        )

    return check


def _known_level(factor):
    def check(cells: pd.Series) -> pd.Series:
        text = _text(cells)
        return _blank(cells) | text.map(lambda cell: factor.label_of(cell) is not None)

    return check


def _frame_check(columns: list[str], flag: Callable[[pd.DataFrame], pd.Series], target: str):
    """A frame-level check that marks ``target`` in the rows where ``flag`` is True."""

    def check(frame: pd.DataFrame) -> pd.DataFrame:
        ok = pd.DataFrame(True, index=frame.index, columns=frame.columns)
        if set(columns) <= set(frame.columns):
            ok.loc[flag(frame), target] = False
        return ok

    return check


def _filled_ids(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    ids = frame[columns].apply(_text)
    return ids[(ids != "").all(axis=1)]


def _differs_from_first(parent: str, child: str):
    """Rows whose ``child`` ID differs from the one in the first row of their ``parent``."""

    def flag(frame: pd.DataFrame) -> pd.Series:
        ids = _filled_ids(frame, [parent, child])
        first = ids.groupby(parent)[child].transform("first")
        return frame.index.isin(ids.index[ids[child] != first])

    return flag


def _duplicated(columns: list[str]):
    def flag(frame: pd.DataFrame) -> pd.Series:
        ids = _filled_ids(frame, columns)
        return frame.index.isin(ids.index[ids.duplicated(keep=False)])

    return flag


def _case_variant(column: str):
    """Rows whose ID differs from the ID's first spelling only by upper/lower case."""

    def flag(frame: pd.DataFrame) -> pd.Series:
        ids = _text(frame[column])
        first = ids.groupby(ids.str.casefold()).transform("first")
        return ((ids != first) & (ids != "")).to_numpy()

    return flag


def _session_out_of_order(client: str, session: str):
    def flag(frame: pd.DataFrame) -> pd.Series:
        number, client_ids = _number(frame[session]), _text(frame[client])
        highest_before = number.groupby(client_ids).cummax().groupby(client_ids).shift()
        return (number < highest_before).to_numpy()

    return flag


def _checks(codebook: Codebook) -> dict[str, tuple[dict, list]]:
    """Column and frame checks of the raw file, by severity."""
    columns: dict[str, dict[str, list]] = {"error": {}, "warning": {}}

    def add(severity, column, check):
        columns[severity].setdefault(column, []).append(check)

    for column in codebook.id_columns:
        add("error", column, pa.Check(lambda s: ~_blank(s), name="id_present"))
        add("warning", column, pa.Check(lambda s: (_text(s) == s) | _blank(s), name="id_spaces"))
    if "session" in codebook.roles:
        add(
            "error",
            codebook.roles["session"],
            pa.Check(lambda s: _blank(s) | _number(s).notna(), name="session_number"),
        )
    for inst in codebook.instruments.values():
        for column in inst.columns:
            add("error", column, pa.Check(lambda s: ~_decimal_comma(s), name="decimal_comma"))
            add(
                "error",
                column,
                pa.Check(
                    lambda s: _blank(s) | _number(s).notna() | _decimal_comma(s), name="numeric"
                ),
            )
            add("error", column, pa.Check(_response_or_missing(inst), name="response_option"))
    for factor in codebook.factors.values():
        add(
            "error",
            factor.column,
            pa.Check(_known_level(factor), name="factor_level"),
        )
    roles = codebook.roles
    frame_checks: dict[str, list] = {"error": [], "warning": []}
    keys = [roles["client"]] + ([roles["session"]] if "session" in roles else [])
    if "therapist" in roles and "clients_across_therapists" not in codebook.crossed:
        keys.append(roles["therapist"])  # a second therapist is reported as a nesting error
    frame_checks["error"].append(
        pa.Check(
            _frame_check(keys, _duplicated(keys), roles["client"]),
            name="one_row_per_client_session" if "session" in roles else "one_row_per_client",
        )
    )
    nesting = [
        ("client", "therapist", "clients_across_therapists", "one_therapist_per_client"),
        ("therapist", "site", "therapists_across_sites", "one_site_per_therapist"),
    ]
    for parent, child, crossing, name in nesting:
        if parent in roles and child in roles and crossing not in codebook.crossed:
            pair = [roles[parent], roles[child]]
            frame_checks["error"].append(
                pa.Check(_frame_check(pair, _differs_from_first(*pair), roles[child]), name=name)
            )
    for column in codebook.id_columns:
        frame_checks["error"].append(
            pa.Check(_frame_check([column], _case_variant(column), column), name="id_case")
        )
    if "session" in roles:
        pair = [roles["client"], roles["session"]]
        frame_checks["warning"].append(
            pa.Check(
                _frame_check(pair, _session_out_of_order(*pair), roles["session"]),
                name="session_order",
            )
        )
    return {severity: (columns[severity], frame_checks[severity]) for severity in columns}


class _Problems:
    """Problems found so far: per rule the first :data:`LISTED_PER_RULE` by row in full,
    and the count of all."""

    def __init__(self, raw: RawStudy, codebook: Codebook, limit: int = LISTED_PER_RULE):
        self.raw, self.codebook, self.limit = raw, codebook, limit
        self.rows: list[tuple] = []
        self.total: Counter = Counter()

    def cells(self, rule: str, column: str, bad) -> None:
        """Cells of ``column`` in the rows where the boolean mask ``bad`` is True."""
        bad = np.asarray(bad, dtype=bool)
        count = int(bad.sum())
        if count:
            self.total[rule] += count
            for index in self.raw.frame.index[np.flatnonzero(bad)[: self.limit]]:
                self.rows.append(_problem(self.raw, self.codebook, rule, column, index))

    def add(self, rule: str, column: str, index=None, value: str | None = None) -> None:
        self.total[rule] += 1
        self.rows.append(_problem(self.raw, self.codebook, rule, column, index, value))

    def table(self) -> pd.DataFrame:
        problems = pd.DataFrame(self.rows, columns=PROBLEM_COLUMNS).drop_duplicates()
        order = problems["row"].map(lambda r: -1 if r == "" else r)
        problems = (
            problems.assign(_severity=problems["severity"] != "error", _order=order)
            .sort_values(["_severity", "_order", "column", "rule"])
            .groupby("rule", sort=False)
            .head(self.limit)
        )
        unlisted = []
        for rule, listed in problems.groupby("rule", sort=False).size().items():
            more = self.total[rule] - listed
            if more > 0:
                spec = RULES[rule]
                unlisted.append(
                    (
                        spec.severity,
                        self.raw.path,
                        "",
                        "",
                        "",
                        rule,
                        problems.loc[problems["rule"] == rule, "expected"].iloc[0],
                        f"{more:,} more not listed ({self.total[rule]:,} in all; the first "
                        f"{listed:,} by row are listed): {spec.fix}",
                        more,
                        spec.severity != "error",
                        10**12,
                    )
                )
        extra = pd.DataFrame(unlisted, columns=[*PROBLEM_COLUMNS, "_severity", "_order"])
        return (
            pd.concat([problems, extra] if unlisted else [problems])
            .sort_values(["_severity", "_order", "column", "rule"], kind="stable")
            .drop(columns=["_severity", "_order"])
            .reset_index(drop=True)
        )


def _problem(
    raw: RawStudy, codebook: Codebook, rule: str, column: str, index, value: str | None = None
) -> tuple:
    spec = RULES[rule]
    row = "" if index is None else raw.user_row(index)
    if value is None:
        value = "" if index is None else str(raw.frame.at[index, column])
    return (
        spec.severity,
        raw.path,
        row,
        shown(column),
        shown(value),
        rule,
        spec.expected(column, codebook),
        spec.fix,
        1,
    )


def shown(text: str) -> str:
    """A value from the user's file as a problem shows it: control characters written as
    ``\\xNN``, cut to :data:`VALUE_CHARS` characters."""
    text = re.sub(CONTROL_STRICT, lambda m: f"\\x{ord(m.group()):02x}", str(text))
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 3] + "..."


def _answers(frame: pd.DataFrame, inst: Instrument, column: str) -> pd.Series:
    """A column's numbers with the instrument's missing codes set to NaN."""
    value = _number(frame[column])
    return value.where(~value.isin(inst.missing_codes))


def _too_few_items(found: _Problems, raw: RawStudy, codebook: Codebook) -> None:
    for inst in codebook.instruments.values():
        if inst.score or not set(inst.items) <= set(raw.frame.columns):
            continue
        answered = sum(_answers(raw.frame, inst, item).notna().astype(int) for item in inst.items)
        few = (answered < inst.min_answered).to_numpy()
        found.total["too_few_items"] += int(few.sum())
        for index in raw.frame.index[np.flatnonzero(few)[: found.limit]]:
            value = f"{answered[index]} of {len(inst.items)} answered"
            found.rows.append(_problem(raw, codebook, "too_few_items", inst.name, index, value))


def _column_checks(found: _Problems, raw: RawStudy, codebook: Codebook) -> None:
    """Items that vary in no row, or that no row answers."""
    for inst in codebook.instruments.values():
        for item in inst.columns:
            if item not in raw.frame.columns:
                continue
            answers = _answers(raw.frame, inst, item)
            if answers.notna().sum() == 0:
                found.add("item_unanswered", item)
            elif len(raw.frame) > 1 and answers.nunique() == 1 and not inst.score:
                found.add("item_constant", item)


def _few_units(found: _Problems, raw: RawStudy, codebook: Codebook) -> None:
    """Grouping levels with fewer units than a model needs to estimate their SD (clients
    only count with sessions: without them, client intercepts are never estimated)."""
    for role, column in codebook.id_roles.items():
        if column not in raw.frame.columns or (
            role == "client" and "session" not in codebook.roles
        ):
            continue
        ids = _text(raw.frame[column])
        units = ids[ids != ""].nunique()
        if 0 < units < MIN_GROUP_LEVELS:
            found.add("few_units", column, value=f"{units} {role}(s)")


def find_problems(raw: RawStudy, codebook: Codebook) -> pd.DataFrame:
    """Problems in the raw study, one row each (see :data:`PROBLEM_COLUMNS`): per rule the
    first :data:`LISTED_PER_RULE` by row, and a row counting the rest."""
    found = _Problems(raw, codebook)
    frame = raw.frame
    declared = set(codebook.roles.values()) | set(codebook.item_columns)
    declared |= {factor.column for factor in codebook.factors.values()}
    for column in frame.columns:
        if re.search(CONTROL_STRICT, column):  # the header's cell
            found.add("control_character", column, value=column)
        pattern = CONTROL_STRICT if column in declared else CONTROL
        found.cells("control_character", column, _text(frame[column]).str.contains(pattern))
    for severity, (columns, frame_checks) in _checks(codebook).items():
        for column, checks in columns.items():
            if column not in frame.columns:
                if severity == "error":  # once per column
                    found.add("column_in_dataframe", column)
                continue
            for check in checks:
                found.cells(check.name, column, ~check(frame[column]).check_output.to_numpy())
        for check in frame_checks:
            ok = check(frame).check_output
            for column in ok.columns[~ok.all().to_numpy()]:
                found.cells(check.name, column, ~ok[column].to_numpy())
    _column_checks(found, raw, codebook)
    _few_units(found, raw, codebook)
    _too_few_items(found, raw, codebook)
    for column in frame.columns:
        if column not in declared:
            found.add("unknown_column", column)
    return found.table()


def counts(problems: pd.DataFrame) -> tuple[int, int]:
    """Errors and warnings of a problems table, counting the problems it does not list."""
    if "count" not in problems:  # written before problems were counted: one row each
        problems = problems.assign(count=1)
    by_severity = problems.groupby("severity")["count"].sum()
    return int(by_severity.get("error", 0)), int(by_severity.get("warning", 0))


def format_problems(problems: pd.DataFrame, row_label: str = "row", limit: int = 50) -> str:
    """A readable listing, two lines per problem (the full table is in the CSV)."""
    lines = []
    for p in problems.head(limit).itertuples(index=False):
        has_row = p.row != "" and not pd.isna(p.row)
        where = f"{row_label} {p.row}, column '{p.column}'" if has_row else f"column '{p.column}'"
        if p.column == "" or pd.isna(p.column):
            where = f"{int(p.count):,} more"
        value = f": value {p.value!r}" if has_row else ""
        lines.append(f"{p.severity.upper()} {p.file}, {where}{value} [{p.rule}]")
        lines.append(f"    expected {p.expected}; fix: {p.fix}")
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more (see the problems table)")
    return "\n".join(lines)


def clean_items(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """IDs (named by role) stripped of spaces, session and items as numbers, factors as
    their level labels (named by factor), missing = NaN."""
    out = pd.DataFrame({role: _text(frame[col]) for role, col in codebook.id_roles.items()})
    if "session" in codebook.roles:
        out["session"] = _number(frame[codebook.roles["session"]])
    for inst in codebook.instruments.values():
        for column in inst.columns:
            out[column] = _answers(frame, inst, column)
    for factor in codebook.factors.values():
        out[factor.name] = _text(frame[factor.column]).map(factor.label_of)
    return out


def validate_study(
    data_path: str | Path, codebook: Codebook, sheet: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, RawStudy]:
    """Return (clean items, problems, raw study); raise :class:`StudyDataError` on errors."""
    raw = read_study(data_path, sheet)
    problems = find_problems(raw, codebook)
    n_errors, n_warn = counts(problems)
    if n_errors:
        raise StudyDataError(
            f"{raw.path}: {n_errors:,} error(s), {n_warn:,} warning(s); no model was fitted.\n"
            + format_problems(problems, raw.row_label),
            problems,
        )
    if n_warn:
        listing = format_problems(problems, raw.row_label)
        log.warning("%s: %s warning(s)\n%s", raw.path, f"{n_warn:,}", listing)
    return clean_items(raw.frame, codebook), problems, raw
