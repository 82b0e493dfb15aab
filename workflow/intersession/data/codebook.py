"""The codebook: which columns hold each role (client, therapist, site, session), each
instrument's items (or its ready-made scale score), categorical covariates (factors) and
what the report calls each level (``levels: {client: student, therapist: school}``).

Item counts, response ranges and reverse-keyed items are assumptions about a study, so
they live in the codebook (YAML), never in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from intersession.schema import DeclarationError, check, load_yaml

ROLES = ("client", "therapist", "site", "session")
ID_ROLES = ("client", "therapist", "site")
#: The predictor name of the session column (time in growth models and lags).
TIME = "session"
#: Units a grouping level needs for a model to estimate the SD of its intercepts (the model
#: builder leaves a level with fewer out; validation warns about it).
MIN_GROUP_LEVELS = 10


@dataclass(frozen=True)
class Instrument:
    """One scale: its item columns (or score column), range, reverse-keyed items, codes."""

    name: str
    label: str
    items: tuple[str, ...]
    score: str | None
    low: float
    high: float
    reverse: tuple[str, ...]
    missing_codes: tuple[float, ...]
    min_answered: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.score,) if self.score else self.items


@dataclass(frozen=True)
class Factor:
    """A categorical covariate: its column, level codes as written in the file (text or
    numbers), their labels, the reference level and the contrast coding."""

    name: str
    label: str
    column: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    reference: str  # a label
    coding: str  # treatment or sum

    def label_of(self, cell: str) -> str | None:
        """The level label of a cell's text (numeric codes match 1 and 1.0), else None."""
        for code, label in zip(self.codes, self.labels, strict=True):
            if cell == code or _same_number(cell, code):
                return label
        return None

    @property
    def contrasts(self) -> tuple[str, ...]:
        """The levels that get a column: all but the reference (treatment), all but the
        last (sum: each level's deviation from the grand mean of the levels)."""
        if self.coding == "sum":
            return self.labels[:-1]
        return tuple(label for label in self.labels if label != self.reference)


def _same_number(cell: str, code: str) -> bool:
    try:
        return float(cell) == float(code)
    except ValueError:
        return False


@dataclass(frozen=True)
class LevelNames:
    """What the report calls each level: singular and plural (client/clients...)."""

    singular: dict[str, str]

    def __call__(self, level: str, n: int = 1) -> str:
        word = self.singular.get(level, level)
        return word if n == 1 else _plural(word)


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


@dataclass(frozen=True)
class Codebook:
    """A study's codebook, read from YAML and checked against ``codebook.schema.yaml``."""

    path: str
    title: str
    roles: dict[str, str]  # role -> the study file's column
    crossed: frozenset[str]
    instruments: dict[str, Instrument]
    factors: dict[str, Factor] = field(default_factory=dict)
    level_names: LevelNames = field(default_factory=lambda: LevelNames({}))

    @property
    def predictors(self) -> set[str]:
        """Names a model may use as predictors: instruments, factors, and the session
        (time) when the study has one."""
        return {*self.instruments, *self.factors, *([TIME] if "session" in self.roles else [])}

    @property
    def client(self) -> str:
        return self.roles["client"]

    @property
    def therapist(self) -> str | None:
        return self.roles.get("therapist")

    @property
    def id_roles(self) -> dict[str, str]:
        """ID roles (client, therapist, site) present in the study -> their columns."""
        return {role: col for role, col in self.roles.items() if role in ID_ROLES}

    @property
    def id_columns(self) -> list[str]:
        return list(self.id_roles.values())

    @property
    def item_columns(self) -> list[str]:
        return [column for inst in self.instruments.values() for column in inst.columns]


def _instrument(name: str, spec: dict, global_codes: list, problems: list) -> Instrument:
    low, high = spec["range"]
    if low >= high:
        problems.append(f"instrument '{name}': range {spec['range']} must be [lowest, highest]")
    items = tuple(spec.get("items", ()))
    score = spec.get("score")
    if bool(items) == bool(score):
        problems.append(f"instrument '{name}': give either 'items' or 'score', not both or neither")
    unknown = sorted(set(spec["reverse"]) - set(items))
    if unknown:
        problems.append(f"instrument '{name}': reverse-keyed {unknown} are not among its items")
    min_answered = spec.get("min_answered", max(1, len(items) - 1))
    if items and min_answered > len(items):
        problems.append(
            f"instrument '{name}': min_answered {min_answered} exceeds its {len(items)} items"
        )
    return Instrument(
        name=name,
        label=spec.get("label", name.replace("_", " ")),
        items=items,
        score=score,
        low=low,
        high=high,
        reverse=tuple(spec["reverse"]),
        missing_codes=tuple(global_codes) + tuple(spec.get("missing_codes", ())),
        min_answered=min_answered,
    )


def _factor(name: str, spec: dict, problems: list) -> Factor:
    codes = tuple(_code_text(c) for c in spec["levels"])
    labels = tuple(str(c) for c in spec.get("labels", spec["levels"]))
    where = f"factor '{name}'"
    if len(labels) != len(codes):
        problems.append(f"{where}: {len(labels)} labels for {len(codes)} levels")
        labels = codes
    if len(set(codes)) < len(codes) or len(set(labels)) < len(labels):
        problems.append(f"{where}: levels and labels must be distinct")
    reference = spec.get("reference", spec["levels"][0])
    matches = [
        lab for code, lab in zip(codes, labels, strict=True) if _code_text(reference) in (code, lab)
    ]
    if not matches:
        problems.append(
            f"{where}: reference {reference!r} is not one of its levels ({', '.join(codes)})"
        )
    return Factor(
        name=name,
        label=spec.get("label", name.replace("_", " ")),
        column=spec["column"],
        codes=codes,
        labels=labels,
        reference=matches[0] if matches else labels[0],
        coding=spec["coding"],
    )


def _code_text(code) -> str:
    """A level code as text: 1 and 1.0 both as '1'."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook; raise :class:`DeclarationError` naming every problem."""
    doc = check(load_yaml(path), "codebook", str(path))
    problems: list[str] = []
    instruments = {
        name: _instrument(name, spec, doc["missing_codes"], problems)
        for name, spec in doc["instruments"].items()
    }
    factors = {name: _factor(name, spec, problems) for name, spec in doc["factors"].items()}
    clash = sorted(set(factors) & (set(instruments) | {TIME}))
    if clash:
        problems.append(f"{clash} name both a factor and an instrument (or the session)")
    owner: dict[str, str] = {f"{col}": f"role '{role}'" for role, col in doc["columns"].items()}
    used = [(inst.name, column) for inst in instruments.values() for column in inst.columns]
    for name, column in used + [(f.name, f.column) for f in factors.values()]:
        if column in owner:
            problems.append(f"column '{column}' is used by both {owner[column]} and '{name}'")
        owner[column] = f"'{name}'"
    if problems:
        raise DeclarationError(f"{path}: " + "; ".join(problems))
    return Codebook(
        path=str(path),
        title=doc.get("title", Path(path).parent.name),
        roles={role: doc["columns"][role] for role in ROLES if role in doc["columns"]},
        crossed=frozenset(doc["crossed"]),
        instruments=instruments,
        factors=factors,
        level_names=LevelNames(doc["levels"]),
    )
