"""Is a stored fit still the fit of the current inputs?

Snakemake's rerun triggers refit when the data, a declaration, a prior set or the sampler
settings change. They cannot see a fit copied in from elsewhere, restored from a backup,
or kept by ``--touch`` or ``--rerun-triggers mtime``. Every step that reads fits to report
or compare them first checks each fit's provenance against the current inputs (the
fields of :func:`fit_identity`) and refuses a fit that differs, naming what changed.
"""

from __future__ import annotations

import json

import xarray as xr

from intersession.errors import InputError
from intersession.provenance import PROVENANCE_ATTR, canonical_json, file_sha256

#: Provenance fields that identify a fit's inputs, and how to name them to the user.
IDENTITY = {
    "data_sha256": "study file (SHA-256)",
    "codebook_sha256": "codebook (SHA-256)",
    "declaration": "model declaration",
    "priors": "prior set",
    "variant": "variant",
    "sampler": "sampler settings",
    "seed": "seed",
}


class StaleFitError(InputError):
    """A fit whose provenance does not match the current inputs."""


def fit_identity(
    spec, data_file: str, codebook: str, sampler: dict, seed: int, variant: str | None
) -> dict:
    """The provenance fields that must match for a fit to be reused (see :data:`IDENTITY`)."""
    return {
        "data_sha256": file_sha256(data_file),
        "codebook_sha256": file_sha256(codebook),
        "declaration": spec.declaration,
        "priors": spec.priors,
        "variant": variant,
        "sampler": dict(sampler),
        "seed": seed,
    }


def stored_provenance(path: str) -> dict:
    """A fit file's provenance, read from its posterior group's attributes alone."""
    with xr.open_dataset(path, group="posterior", engine="h5netcdf") as posterior:
        return json.loads(posterior.attrs[PROVENANCE_ATTR])


def _shown(value) -> str:
    if isinstance(value, str) and len(value) == 64:  # a SHA-256: its first 12 digits
        return value[:12]
    text = canonical_json(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def check_current(path: str, provenance: dict, expected: dict) -> None:
    """Raise :class:`StaleFitError` if ``provenance`` differs from ``expected`` (an
    :func:`fit_identity`) in any field; compared as canonical JSON."""
    changed = [
        f"{IDENTITY[key]}: fitted with {_shown(provenance.get(key))}, now {_shown(value)}"
        for key, value in expected.items()
        if canonical_json(provenance.get(key)) != canonical_json(value)
    ]
    if changed:
        raise StaleFitError(
            f"{path} does not match the current inputs ({'; '.join(changed)}); it will not "
            f"be used. Refit it: snakemake --cores all --force {path}, then rerun snakemake"
        )
