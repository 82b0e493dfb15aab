"""Model declarations and prior sets: YAML files in ``models/`` and ``models/priors/``.

A researcher adds a model by adding a file; no code changes. A declaration gives the
outcome, the population-level terms (``a:b`` is an interaction) and the grouping levels
with their random slopes, or the same as a brms-style formula parsed by ``formulae``::

    formula: isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | therapist)

Several outcomes (``outcome: [isp_thoughts, isp_actions]``, or ``mvbind(isp_thoughts,
isp_actions) ~ ...`` in a formula) declare a joint model with correlated outcomes.

Declarations are checked against their schemas and against the codebook (every term must
name an instrument, every level a role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from intersession.data.codebook import Codebook, LevelNames
from intersession.model.derived import lagged, normalise, source
from intersession.model.families import FAMILIES, prior_schema_extension
from intersession.schema import DeclarationError, check, load_yaml

LEVELS = ("client", "therapist", "site")

#: Variants of a declaration, for model comparison and calibration: what each changes.
VARIANTS = {
    "no_interaction": "without the interaction terms (and their random slopes)",
    **{name: f"with a {entry.label} likelihood" for name, entry in FAMILIES.items()},
    "no_therapist": "without therapist effects",
}


@dataclass(frozen=True)
class GroupSpec:
    """Intercepts of one grouping level, with random slopes of some predictors, correlated
    (LKJ) or each with its own SD."""

    level: str
    slopes: tuple[str, ...] = ()
    correlated: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """One declared model: outcome, population-level terms, grouping levels, family, priors."""

    name: str
    label: str
    outcome: str
    terms: tuple[str, ...]
    groups: tuple[GroupSpec, ...]
    family: str
    priors: dict
    declaration: dict
    mediation: dict | None = None
    outcome_items: int = 1  # items summed for an ordinal outcome (1 for a score column)
    outcome_range: tuple[float, float] = (0.0, 1.0)  # response range of one item
    outcomes: tuple[str, ...] = ()  # the outcomes of a joint model; outcome is the first
    #: Centring and standardisation: the model's defaults and per-variable overrides
    #: (``{name: {centring, standardise}}``); ``model.regression`` resolves them per variable.
    centring: str = "within_between"
    standardise: bool = True
    options: dict = field(default_factory=dict)
    #: The codebook's factors (categorical covariates), by name.
    factors: dict = field(default_factory=dict)
    #: What the study calls each level (``data.codebook.LevelNames``): notes use its words.
    level_names: LevelNames = field(default_factory=lambda: LevelNames({}))
    #: Items and response range of every instrument of the codebook, by name, so that an
    #: equation of another outcome (a mediator, a joint model's outcome) gets its own.
    scales: dict = field(default_factory=dict)

    def with_outcome(self, outcome: str, **changes) -> ModelSpec:
        """This declaration for another outcome, with that instrument's items and range."""
        items, low, high = self.scales[outcome]
        return replace(
            self, outcome=outcome, outcome_items=items, outcome_range=(low, high), **changes
        )

    @property
    def variables(self) -> list[str]:
        """Instruments used as predictors (the components of every term), in first-seen order."""
        seen: dict[str, None] = {}
        for term in self.terms:
            for name in term.split(":"):
                seen.setdefault(name)
        return list(seen)


def family_property() -> dict:
    """The declaration's ``family`` key: one of the registry's families."""
    described = "; ".join(f"{name}: {entry.description}" for name, entry in FAMILIES.items())
    return {"family": {"enum": list(FAMILIES), "default": "gaussian", "description": described}}


def model_names(models_dir: str | Path, requested: list[str] | None) -> list[str]:
    """The models to fit: those requested, or every declaration in ``models_dir``."""
    available = sorted(path.stem for path in Path(models_dir).glob("*.yaml"))
    if requested is None:
        if not available:
            raise DeclarationError(f"{models_dir}: no model declarations (*.yaml) found")
        return available
    missing = [name for name in requested if name not in available]
    if missing:
        raise DeclarationError(
            f"config key 'models' lists {missing}, which have no file in {models_dir}/; "
            f"available: {', '.join(available)}"
        )
    return list(requested)


def prior_set_names(models_dir: str | Path, requested: list[str]) -> list[str]:
    """The prior sets of the prior grid; each must have a file in ``models_dir/priors``."""
    missing = [
        name for name in requested if not (Path(models_dir) / "priors" / f"{name}.yaml").is_file()
    ]
    if missing:
        raise DeclarationError(
            f"config key prior_grid.prior_sets lists {missing}, which have no file in "
            f"{models_dir}/priors/"
        )
    return list(requested)


def bench_models(
    models_dir: str | Path, fitted: list[str], requested: list[str], key: str
) -> list[str]:
    """The models of a bench comparison (config key ``key``) that are also fitted; a name
    without a declaration file is an error."""
    available = set(model_names(models_dir, None))
    unknown = [name for name in requested if name not in available]
    if unknown:
        raise DeclarationError(
            f"config key {key}.models lists {unknown}, which have no file in {models_dir}/"
        )
    return [name for name in requested if name in fitted]


def parse_formula(formula: str, source: str) -> dict:
    """Outcome, predictors and groups of a brms-style formula (parsed by ``formulae``)."""
    import formulae

    uncorrelated = set(re.findall(r"\|\|\s*([A-Za-z_]\w*)\s*\)", formula))
    try:
        described = formulae.model_description(formula.replace("||", "|").replace("^", "**"))
    except Exception as err:  # formulae raises several parser error types
        raise DeclarationError(f"{source}: cannot parse formula {formula!r}: {err}") from err

    def names(term) -> list[str]:
        return [normalise(variable.name) for variable in term.components]

    if described.response is None:
        raise DeclarationError(f"{source}: formula {formula!r} has no outcome (left of '~')")
    outcome = names(described.response.term)
    call = getattr(described.response.term.components[0], "call", None)
    if call is not None:
        if call.callee != "mvbind" or call.kwargs:
            raise DeclarationError(
                f"{source}: the outcome {outcome[0]} of formula {formula!r} is not an "
                "instrument; several outcomes are written mvbind(outcome1, outcome2)"
            )
        outcome = [[arg.name for arg in call.args]]
    predictors, groups = [], {}
    for term in described.terms:
        kind = type(term).__name__
        if kind == "Term":
            predictors.append(":".join(names(term)))
        elif kind == "GroupSpecificTerm":
            level = ":".join(names(term.factor))
            slopes = groups.setdefault(level, [])
            if type(term.expr).__name__ == "Term":
                slopes.append(":".join(names(term.expr)))
        elif kind != "Intercept":
            raise DeclarationError(f"{source}: formula term {term} is not supported")
    return {
        "outcome": outcome[0],
        "predictors": predictors,
        "groups": [
            {"level": level, "slopes": slopes, "correlated": level not in uncorrelated}
            for level, slopes in groups.items()
        ],
    }


def load_priors(models_dir: str | Path, name: str) -> dict:
    """Prior set ``models_dir/priors/<name>.yaml``, checked against its schema."""
    path = Path(models_dir) / "priors" / f"{name}.yaml"
    extension = prior_schema_extension()
    return {"name": name, **check(load_yaml(path), "priors", str(path), extension)}


def _groups(entries: list) -> tuple[GroupSpec, ...]:
    specs = []
    for entry in entries:
        if isinstance(entry, str):
            specs.append(GroupSpec(entry))
        else:
            specs.append(
                GroupSpec(
                    entry["level"],
                    tuple(entry.get("slopes", ())),
                    entry.get("correlated", True),
                )
            )
    return tuple(specs)


def _group_entry(group: GroupSpec, slopes) -> dict:
    return {"level": group.level, "slopes": list(slopes), "correlated": group.correlated}


def apply_variant(doc: dict, variant: str, source: str) -> dict:
    """The declaration ``doc`` (outcome and predictors resolved) changed as ``variant`` says."""
    if variant not in VARIANTS:
        raise DeclarationError(
            f"{source}: unknown variant {variant!r}; variants: {', '.join(VARIANTS)}"
        )
    if variant in FAMILIES:
        return {**doc, "family": variant}
    if variant == "no_therapist":
        groups = [g for g in _groups(doc.get("groups", [])) if g.level != "therapist"]
        return {**doc, "groups": [_group_entry(g, g.slopes) for g in groups]}
    if "mediation" in doc or not any(":" in term for term in doc["predictors"]):
        raise DeclarationError(
            f"{source}: variant no_interaction needs a regression with an interaction"
        )
    keep = [term for term in doc["predictors"] if ":" not in term]
    groups = [
        _group_entry(g, [s for s in g.slopes if s in keep]) for g in _groups(doc.get("groups", []))
    ]
    return {**doc, "predictors": keep, "groups": groups}


def load_model(
    models_dir: str | Path,
    name: str,
    codebook: Codebook,
    priors: str | None = None,
    variant: str | None = None,
) -> ModelSpec:
    """Model ``models_dir/<name>.yaml`` with its prior set (or the set ``priors``), changed
    as ``variant`` says (see :data:`VARIANTS`), checked against the codebook."""
    path = Path(models_dir) / f"{name}.yaml"
    doc = check(load_yaml(path), "model", str(path), family_property())
    if priors is not None:
        doc = {**doc, "priors": priors}
    if "mediation" in doc:
        if "formula" in doc or "predictors" in doc or "outcome" not in doc:
            raise DeclarationError(
                f"{path}: a mediation model gives 'outcome' and 'mediation', not "
                "'formula' or 'predictors'"
            )
        m = doc["mediation"]
        doc = {
            **doc,
            "predictors": [
                m["mediator"],
                m["predictor"],
                m["moderator"],
                f"{m['predictor']}:{m['moderator']}",
            ],
        }
    elif "formula" in doc:
        if "outcome" in doc or "predictors" in doc:
            raise DeclarationError(
                f"{path}: give either 'formula' or 'outcome' and 'predictors', not both"
            )
        doc = {**doc, **parse_formula(doc["formula"], str(path))}
    elif "outcome" not in doc or "predictors" not in doc:
        raise DeclarationError(f"{path}: give 'formula', or 'outcome' and 'predictors'")
    if variant is not None:
        doc = {**apply_variant(doc, variant, str(path)), "variant": variant}
    known = codebook.predictors
    roles = {name: role for role, name in codebook.level_names.singular.items()}
    groups = tuple(
        replace(g, level=roles.get(g.level, g.level)) for g in _groups(doc.get("groups", []))
    )
    outcomes = doc["outcome"] if isinstance(doc["outcome"], list) else [doc["outcome"]]
    problems = [
        f"outcome '{y}' is not an instrument of the codebook"
        for y in outcomes
        if y not in codebook.instruments
    ]
    joint = [name for name, entry in FAMILIES.items() if entry.multivariate]
    if len(outcomes) > 1 and (doc["family"] not in joint or "mediation" in doc):
        problems.append(
            f"a model of several outcomes has family {' or '.join(joint)} and no mediation"
        )
    if len(set(outcomes)) < len(outcomes):
        problems.append(f"outcomes {outcomes} repeat an instrument")
    for term in doc["predictors"]:
        for part in term.split(":"):
            if source(part) not in known:
                problems.append(
                    f"predictor '{part}' (in '{term}') is not an instrument, a factor or the "
                    "session"
                )
            if part in outcomes:
                problems.append(
                    f"predictor '{term}' uses the outcome '{part}' (its previous session's "
                    f"value is written lag({part}))"
                )
            if lagged(part) and "session" not in codebook.roles:
                problems.append(
                    f"predictor '{part}' needs a session column in the codebook (a lag is "
                    "the value at the client's previous session)"
                )
    for group in groups:
        if group.level not in LEVELS:
            named = [codebook.level_names(level) for level in LEVELS]
            problems.append(
                f"grouping level '{group.level}' is not one of {', '.join(LEVELS)}"
                + (f" (or {', '.join(named)})" if named != list(LEVELS) else "")
            )
        for slope in group.slopes:
            if slope not in doc["predictors"]:
                problems.append(
                    f"random slope '{slope}' by {group.level} is not a population-level term"
                )
    for name, option in doc["variables"].items():
        if source(name) not in known:
            problems.append(f"variables: '{name}' is not an instrument, a factor or the session")
        elif name in codebook.factors and option:
            problems.append(
                f"variables: '{name}' is a factor; its coding is set in the codebook "
                "(treatment or sum), not by centring or standardise"
            )
    if problems:
        allowed = ", ".join(sorted(known))
        raise DeclarationError(f"{path}: " + "; ".join(problems) + f" (predictors: {allowed})")
    outcome = codebook.instruments[outcomes[0]]
    entry = FAMILIES[doc["family"]]
    if entry.whole_range and not all(float(v).is_integer() for v in (outcome.low, outcome.high)):
        raise DeclarationError(
            f"{path}: the {doc['family']} outcome '{outcome.name}' needs a range of whole numbers"
        )
    label = doc.get("label", name)
    return ModelSpec(
        name=name,
        label=f"{label} ({VARIANTS[variant]})" if variant else label,
        outcome=outcomes[0],
        terms=tuple(doc["predictors"]),
        groups=groups,
        family=doc["family"],
        priors=load_priors(models_dir, doc["priors"]),
        declaration=doc,
        mediation=doc.get("mediation"),
        outcome_items=max(1, len(outcome.items)),
        outcome_range=(outcome.low, outcome.high),
        outcomes=tuple(outcomes) if len(outcomes) > 1 else (),
        centring=doc["centring"],
        standardise=doc["standardise"],
        options=doc["variables"],
        factors=dict(codebook.factors),
        level_names=codebook.level_names,
        scales={
            name: (max(1, len(inst.items)), inst.low, inst.high)
            for name, inst in codebook.instruments.items()
        },
    )
