"""Shared fixtures: paths into the repository and a small, fully known codebook."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from intersession.data.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STUDY = ROOT / "data" / "simulated_quirk2018"
#: Sampler settings of the bounded statistical checks: 2 chains x 500 draws with nutpie.
BOUNDED_SAMPLER = {
    "backend": "nutpie",
    "chains": 2,
    "tune": 500,
    "draws": 500,
    "target_accept": 0.9,
    "prior_draws": 10,
}
#: The groups every stored fit holds.
FIT_GROUPS = {
    "posterior",
    "sample_stats",
    "prior",
    "prior_predictive",
    "posterior_predictive",
    "log_likelihood",
    "log_prior",
    "observed_data",
    "constant_data",
    "unconstrained_posterior",
}
WORKFLOW_PARTS = ("Snakefile", "environment.yml", "workflow", "config", "data", "models")


@pytest.fixture(scope="session")
def default_codebook():
    return load_codebook(DEFAULT_STUDY / "codebook.yaml")


@pytest.fixture(scope="session")
def multisite_codebook():
    """The default instruments with site and session columns."""
    return load_codebook(ROOT / "tests" / "designs" / "multisite_codebook.yaml")


@pytest.fixture
def tiny_codebook(tmp_path):
    """Two instruments: a (3 items, 1-5, a3 reversed) and b (2 items, 1-7), code -9 missing."""
    doc = {
        "columns": {"client": "id", "therapist": "ther"},
        "missing_codes": [-9],
        "instruments": {
            "a": {
                "items": ["a1", "a2", "a3"],
                "range": [1, 5],
                "reverse": ["a3"],
                "min_answered": 2,
            },
            "b": {"items": ["b1", "b2"], "range": [1, 7]},
        },
    }
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(doc))
    return load_codebook(path)


def write_model(directory: Path, **declaration) -> Path:
    """A models directory holding declaration ``m.yaml`` and the default prior set."""
    (directory / "priors").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "models" / "priors" / "default.yaml", directory / "priors")
    (directory / "m.yaml").write_text(yaml.safe_dump(declaration))
    return directory


def copy_workflow(dest: Path) -> Path:
    """A copy of everything the workflow needs, so a test run never touches the checkout."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / part)
    return dest


def chromium() -> str:
    """Path of Debian's Chromium; installed with apt-get when missing and running as root
    (CI). Elsewhere the browser test is skipped with the command that enables it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=900, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
            env=env,
            timeout=1800,
            check=False,
        )
        found = shutil.which("chromium")
    if not found:
        message = "Chromium not found: install it with 'sudo apt-get install chromium'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found
