"""Checksums, digests, package versions and per-job seeds, recorded with every fit."""

from __future__ import annotations

import hashlib
import json
import zlib
from importlib import metadata
from pathlib import Path

import numpy as np

#: The posterior group's attribute that holds a fit's provenance (JSON).
PROVENANCE_ATTR = "intersession_provenance"

PACKAGES = ("intersession", "pymc", "pytensor", "nutpie", "arviz", "numpy", "pandas", "snakemake")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical_json(obj) -> str:
    """JSON with sorted keys and no whitespace, so equal objects give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def object_digest(obj) -> str:
    """SHA-256 of an object's canonical JSON."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine a fit's numbers."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def derive_seed(seed: int, *labels: str) -> int:
    """A per-job seed from the config seed and job labels (stable across runs and machines).

    CRC-32 of the labels, not Python's salted ``hash``, so the same config always gives
    the same per-model seed.
    """
    key = zlib.crc32("/".join(labels).encode())
    return int(np.random.SeedSequence([seed, key]).generate_state(1, dtype=np.uint32)[0])


def array_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over named arrays (name, dtype, shape and bytes, in name order): equal only
    for bit-identical draws."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        values = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{values.dtype.str}|{values.shape}|".encode())
        digest.update(values.tobytes())
    return digest.hexdigest()


def posterior_digest(posterior) -> str:
    """:func:`array_digest` of every variable of a posterior (an xarray Dataset): the
    fingerprint of a fit's draws that provenance records and the report shows."""
    return array_digest({str(name): posterior[name].values for name in posterior.data_vars})
