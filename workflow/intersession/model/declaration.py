"""Model declarations and prior sets: YAML files in ``models/`` and ``models/priors/``.

A researcher adds a model by adding a file; no code changes. Declarations are checked
against their schemas and against the codebook (every term must name an instrument).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intersession.data.codebook import Codebook
from intersession.schema import DeclarationError, check, load_yaml


@dataclass(frozen=True)
class ModelSpec:
    """One declared model: outcome, population-level terms, grouping levels, family, priors."""

    name: str
    label: str
    outcome: str
    terms: tuple[str, ...]
    groups: tuple[str, ...]
    family: str
    priors: dict
    declaration: dict

    @property
    def variables(self) -> list[str]:
        """Instruments used as predictors (the components of every term), in first-seen order."""
        seen: dict[str, None] = {}
        for term in self.terms:
            for name in term.split(":"):
                seen.setdefault(name)
        return list(seen)


def load_priors(models_dir: str | Path, name: str) -> dict:
    """Prior set ``models_dir/priors/<name>.yaml``, checked against its schema."""
    path = Path(models_dir) / "priors" / f"{name}.yaml"
    return {"name": name, **check(load_yaml(path), "priors", str(path))}


def load_model(models_dir: str | Path, name: str, codebook: Codebook) -> ModelSpec:
    """Model ``models_dir/<name>.yaml`` with its prior set, checked against the codebook."""
    path = Path(models_dir) / f"{name}.yaml"
    doc = check(load_yaml(path), "model", str(path))
    known = set(codebook.instruments)
    problems = []
    if doc["outcome"] not in known:
        problems.append(f"outcome '{doc['outcome']}' is not an instrument of the codebook")
    for term in doc["predictors"]:
        for part in term.split(":"):
            if part not in known:
                problems.append(f"predictor '{part}' (in '{term}') is not an instrument")
            if part == doc["outcome"]:
                problems.append(f"predictor '{term}' uses the outcome '{part}'")
    if problems:
        allowed = ", ".join(sorted(known))
        raise DeclarationError(f"{path}: " + "; ".join(problems) + f" (instruments: {allowed})")
    return ModelSpec(
        name=name,
        label=doc.get("label", name),
        outcome=doc["outcome"],
        terms=tuple(doc["predictors"]),
        groups=tuple(doc["groups"]),
        family=doc["family"],
        priors=load_priors(models_dir, doc["priors"]),
        declaration=doc,
    )
