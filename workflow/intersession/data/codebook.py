"""The codebook: which columns identify clients and therapists, and each instrument's items.

Item counts, response ranges and reverse-keyed items are assumptions about a study, so
they live in the codebook (YAML), never in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intersession.schema import DeclarationError, check, load_yaml


@dataclass(frozen=True)
class Instrument:
    """One scale: its item columns, response range, reverse-keyed items and missing codes."""

    name: str
    label: str
    items: tuple[str, ...]
    low: int
    high: int
    reverse: tuple[str, ...]
    missing_codes: tuple[float, ...]
    min_answered: int


@dataclass(frozen=True)
class Codebook:
    """A study's codebook, read from YAML and checked against ``codebook.schema.yaml``."""

    path: str
    title: str
    client: str
    therapist: str | None
    instruments: dict[str, Instrument]

    @property
    def id_roles(self) -> dict[str, str]:
        """Role (``client``, ``therapist``) -> the study file's column for it."""
        return {
            role: col
            for role, col in (("client", self.client), ("therapist", self.therapist))
            if col
        }

    @property
    def id_columns(self) -> list[str]:
        return list(self.id_roles.values())

    @property
    def item_columns(self) -> list[str]:
        return [item for inst in self.instruments.values() for item in inst.items]


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook; raise :class:`DeclarationError` naming every problem."""
    doc = check(load_yaml(path), "codebook", str(path))
    problems = []
    seen: dict[str, str] = {}
    instruments = {}
    for name, spec in doc["instruments"].items():
        low, high = spec["range"]
        if low >= high:
            problems.append(f"instrument '{name}': range {spec['range']} must be [lowest, highest]")
        for item in spec["items"]:
            if item in seen:
                problems.append(f"item '{item}' is listed under both '{seen[item]}' and '{name}'")
            seen[item] = name
        unknown = sorted(set(spec["reverse"]) - set(spec["items"]))
        if unknown:
            problems.append(f"instrument '{name}': reverse-keyed {unknown} are not among its items")
        n_items = len(spec["items"])
        min_answered = spec.get("min_answered", max(1, n_items - 1))
        if min_answered > n_items:
            problems.append(
                f"instrument '{name}': min_answered {min_answered} exceeds its {n_items} items"
            )
        codes = tuple(doc["missing_codes"]) + tuple(spec.get("missing_codes", ()))
        instruments[name] = Instrument(
            name=name,
            label=spec.get("label", name.replace("_", " ")),
            items=tuple(spec["items"]),
            low=low,
            high=high,
            reverse=tuple(spec["reverse"]),
            missing_codes=codes,
            min_answered=min_answered,
        )
    ids = [doc["columns"]["client"], doc["columns"].get("therapist")]
    clash = sorted(set(filter(None, ids)) & set(seen))
    if clash:
        problems.append(f"columns {clash} are declared both as IDs and as items")
    if problems:
        raise DeclarationError(f"{path}: " + "; ".join(problems))
    return Codebook(
        path=str(path),
        title=doc.get("title", Path(path).parent.name),
        client=doc["columns"]["client"],
        therapist=doc["columns"].get("therapist"),
        instruments=instruments,
    )
