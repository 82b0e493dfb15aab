"""The fitted-model record: the only code that writes or reads a fit's provenance.

A fit's **identity** is what must match for the fit to be reused: the study file's and
the codebook's SHA-256, the resolved declaration, the prior set, the variant, the sampler
settings and the config seed, summarised by one digest. The **record** adds what later
steps read of the model: its label, equations, grouping levels, mediation paths, excluded
rows, design notes, outcome ranges, the :class:`~intersession.model.parameter_map.ParameterMap`
of its variables, the pointwise plan, the posterior's digest and package versions. It is
stored as JSON in the posterior group's attributes.

Snakemake's rerun triggers refit when the data, a declaration, a prior set or the sampler
settings change. They cannot see a fit copied in from elsewhere, restored from a backup,
or kept by ``--touch`` or ``--rerun-triggers mtime``: every step that reads fits to report
or compare them first compares each fit's stored identity with the current one
(:func:`require_current`) and refuses a fit that differs, naming what changed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from intersession.data.codebook import load_codebook
from intersession.errors import InputError
from intersession.model.declaration import ModelSpec, load_model
from intersession.model.parameter_map import ParameterMap
from intersession.provenance import (
    PROVENANCE_ATTR,
    canonical_json,
    file_sha256,
    object_digest,
    package_versions,
)

#: Identity fields and how to name them to the user.
IDENTITY_NAMES = {
    "data_sha256": "study file (SHA-256)",
    "codebook_sha256": "codebook (SHA-256)",
    "declaration": "model declaration",
    "priors": "prior set",
    "variant": "variant",
    "sampler": "sampler settings",
    "seed": "seed",
}


class StaleFitError(InputError):
    """A fit whose identity does not match the current inputs."""


@dataclass(frozen=True)
class FitIdentity:
    """What a fit was made of (see :data:`IDENTITY_NAMES`)."""

    data_sha256: str
    codebook_sha256: str
    declaration: dict
    priors: dict
    variant: str | None
    sampler: dict
    seed: int

    @property
    def digest(self) -> str:
        """SHA-256 of the identity's canonical JSON: equal identities, equal digests."""
        return object_digest(asdict(self))

    def changes(self, current: FitIdentity) -> list[str]:
        """Each field that differs from ``current``, in words."""
        mine, theirs = asdict(self), asdict(current)
        return [
            f"{IDENTITY_NAMES[key]}: fitted with {_shown(mine[key])}, now {_shown(theirs[key])}"
            for key in IDENTITY_NAMES
            if canonical_json(mine[key]) != canonical_json(theirs[key])
        ]


def _shown(value) -> str:
    if isinstance(value, str) and len(value) == 64:  # a SHA-256: its first 12 digits
        return value[:12]
    text = canonical_json(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


@dataclass(frozen=True)
class StudyInputs:
    """The workflow's inputs that every fit of a study shares: where declarations live, the
    codebook, the study file, the sampler settings and the config seed."""

    models_dir: str
    codebook: str
    data_file: str
    sampler: dict
    seed: int

    @classmethod
    def from_config(cls, config: dict) -> StudyInputs:
        return cls(
            models_dir=config["models_dir"],
            codebook=config["study"]["codebook"],
            data_file=config["study"]["file"],
            sampler=dict(config["sampler"]),
            seed=config["seed"],
        )

    def spec(self, model: str, priors: str | None = None, variant: str | None = None) -> ModelSpec:
        """The declaration of ``model`` (under prior set ``priors``, as ``variant``)."""
        return load_model(
            self.models_dir, model, load_codebook(self.codebook), priors=priors, variant=variant
        )

    def identity(self, spec: ModelSpec) -> FitIdentity:
        """The identity a fit of ``spec`` made now would have."""
        return FitIdentity(
            data_sha256=file_sha256(self.data_file),
            codebook_sha256=file_sha256(self.codebook),
            declaration=spec.declaration,
            priors=spec.priors,
            variant=spec.declaration.get("variant"),
            sampler=dict(self.sampler),
            seed=self.seed,
        )


@dataclass(frozen=True)
class FitRecord:
    """Everything stored with a fit besides its draws (see the module docstring)."""

    model: str
    label: str
    identity: FitIdentity
    parameters: ParameterMap
    equations: list[dict]  # suffix, outcome, family, terms
    groups: list[dict]  # level, slopes, correlated
    mediation: dict | None
    excluded: dict
    design_notes: list[str]
    outcome_ranges: dict[str, list[float]]
    pointwise: dict
    posterior_sha256: str
    data_file: str
    data_format: str
    model_seed: int
    versions: dict = field(default_factory=package_versions)
    #: Factors the model uses: {name: {label, labels, reference, coding}}.
    factors: dict = field(default_factory=dict)
    #: How each predictor entered: {name: {centring, standardise}}.
    treatments: dict = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return self.identity.digest

    @property
    def formula(self) -> str:
        """The fitted equations with their group terms, brms-style."""
        grouping = "".join(
            f" + ({' + '.join(['1', *g['slopes']])} {'|' if g['correlated'] else '||'} "
            f"{g['level']})"
            for g in self.groups
        )
        return "; ".join(
            f"{eq['outcome']} ~ {' + '.join(eq['terms'])}{grouping}" for eq in self.equations
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["identity_digest"] = self.digest
        return json.dumps(data, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str, source: str = "the fit") -> FitRecord:
        data = json.loads(text)
        if "identity" not in data:
            raise StaleFitError(
                f"{source} was written by an older intersession (no fit record); refit it: "
                f"snakemake --cores all --force {source}"
            )
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["identity"] = FitIdentity(**data["identity"])
        values["parameters"] = ParameterMap.from_dict(data["parameters"])
        return cls(**values)

    def attach(self, idata) -> None:
        """Store the record in ``idata``'s posterior attributes."""
        idata.posterior.attrs[PROVENANCE_ATTR] = self.to_json()

    @classmethod
    def read(cls, idata) -> FitRecord:
        """The record stored with a loaded fit."""
        return cls.from_json(idata.posterior.attrs[PROVENANCE_ATTR])

    @classmethod
    def read_file(cls, path: str | Path) -> FitRecord:
        """A fit file's record, read from its posterior group's attributes alone."""
        import xarray as xr

        with xr.open_dataset(path, group="posterior", engine="h5netcdf") as posterior:
            return cls.from_json(posterior.attrs[PROVENANCE_ATTR], str(path))


def parameter_map(idata) -> ParameterMap:
    """The parameter map of a loaded fit (what effects, checks and plots ask)."""
    return ParameterMap.from_dict(json.loads(idata.posterior.attrs[PROVENANCE_ATTR])["parameters"])


def record_of_fit(
    idata, spec: ModelSpec, equations: list, built, inputs: StudyInputs, model_seed: int
) -> FitRecord:
    """The record of a fit of ``spec`` (prepared ``equations``, ``built`` model) just sampled."""
    from intersession.data.read import study_format
    from intersession.model.build import describe
    from intersession.provenance import posterior_digest

    data = equations[-1][1]  # the outcome's equation: groups, exclusions, notes
    described = describe(spec, equations, built)
    return FitRecord(
        model=spec.name,
        label=spec.label,
        identity=inputs.identity(spec),
        parameters=described["parameters"],
        equations=described["equations"],
        groups=[
            {"level": g.level, "slopes": list(g.slopes), "correlated": g.correlated}
            for g in data.groups
        ],
        mediation=spec.mediation,
        excluded=data.excluded,
        design_notes=list(data.notes),
        outcome_ranges=described["outcome_ranges"],
        pointwise=json.loads(idata.log_likelihood.attrs["pointwise_plan"]),
        posterior_sha256=posterior_digest(idata.posterior),
        data_file=inputs.data_file,
        data_format=study_format(inputs.data_file),
        model_seed=model_seed,
        factors={
            name: {
                "label": f.label,
                "labels": list(f.labels),
                "reference": f.reference,
                "coding": f.coding,
            }
            for name, f in spec.factors.items()
            if name in {v for eq, _, _ in equations for v in eq.variables}
        },
        treatments={
            name: {"centring": t.centring, "standardise": t.standardise}
            for _, d, _ in equations
            for name, t in d.treated.items()
        },
    )


def check_current(path: str, stored: FitIdentity, current: FitIdentity) -> None:
    """Raise :class:`StaleFitError` if ``stored`` differs from ``current`` in any field."""
    changed = stored.changes(current)
    if changed:
        raise StaleFitError(
            f"{path} does not match the current inputs ({'; '.join(changed)}); it will not "
            f"be used. Refit it: snakemake --cores all --force {path}, then rerun snakemake"
        )


def require_current(fits: dict[str, tuple[str, str | None, str | None]], inputs: StudyInputs):
    """Refuse any fit (path: (model, prior set or None, variant or None)) whose identity
    differs from what the current inputs give."""
    for path, (model, priors, variant) in fits.items():
        current = inputs.identity(inputs.spec(model, priors, variant))
        check_current(path, FitRecord.read_file(path).identity, current)
