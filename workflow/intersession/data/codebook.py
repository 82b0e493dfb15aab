"""The codebook: which columns hold each role (client, therapist, site, session) and each
instrument's items (or its ready-made scale score).

Item counts, response ranges and reverse-keyed items are assumptions about a study, so
they live in the codebook (YAML), never in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intersession.schema import DeclarationError, check, load_yaml

ROLES = ("client", "therapist", "site", "session")
ID_ROLES = ("client", "therapist", "site")
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
class Codebook:
    """A study's codebook, read from YAML and checked against ``codebook.schema.yaml``."""

    path: str
    title: str
    roles: dict[str, str]  # role -> the study file's column
    crossed: frozenset[str]
    instruments: dict[str, Instrument]

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


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook; raise :class:`DeclarationError` naming every problem."""
    doc = check(load_yaml(path), "codebook", str(path))
    problems: list[str] = []
    instruments = {
        name: _instrument(name, spec, doc["missing_codes"], problems)
        for name, spec in doc["instruments"].items()
    }
    owner: dict[str, str] = {f"{col}": f"role '{role}'" for role, col in doc["columns"].items()}
    for inst in instruments.values():
        for column in inst.columns:
            if column in owner:
                problems.append(
                    f"column '{column}' is used by both {owner[column]} and '{inst.name}'"
                )
            owner[column] = f"'{inst.name}'"
    if problems:
        raise DeclarationError(f"{path}: " + "; ".join(problems))
    return Codebook(
        path=str(path),
        title=doc.get("title", Path(path).parent.name),
        roles={role: doc["columns"][role] for role in ROLES if role in doc["columns"]},
        crossed=frozenset(doc["crossed"]),
        instruments=instruments,
    )
