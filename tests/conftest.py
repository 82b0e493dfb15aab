"""Shared fixtures: paths into the repository and a small, fully known codebook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import Phase, settings

from intersession import steps
from intersession.data.codebook import load_codebook
from intersession.tables import read_table

# HYPOTHESIS_PROFILE=quick skips shrinking, to find failing cases fast while developing.
settings.register_profile("quick", phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

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
#: The default study's name: results/<STUDY>/ and reports/<STUDY>/.
STUDY = "simulated_quirk2018"
WORKFLOW_PARTS = ("Snakefile", "environment.yml", "workflow", "config", "data", "models")


@pytest.fixture(scope="session")
def default_codebook():
    return load_codebook(DEFAULT_STUDY / "codebook.yaml")


@pytest.fixture(scope="session")
def default_scores(tmp_path_factory, default_codebook):
    """Scores of the default study, computed here (the checkout's results/ may be absent)."""
    out = tmp_path_factory.mktemp("scores")
    steps.validate(
        str(DEFAULT_STUDY / "study.csv"),
        str(DEFAULT_STUDY / "codebook.yaml"),
        str(out / "items.csv"),
        str(out / "problems.csv"),
    )
    steps.score(
        str(out / "items.csv"),
        str(DEFAULT_STUDY / "codebook.yaml"),
        str(out / "scores.csv"),
        str(out / "reliability.csv"),
    )
    return read_table(out / "scores.csv")


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


def snakemake(work, *args, timeout=1200, cores="2", **popen):
    """Run Snakemake in ``work`` (captured output)."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", cores, *args],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=timeout,
        **popen,
    )


#: The bench of the e2e run: one prior set and one variant beside the declared ones (the
#: default config's full 3 x 4 grid and both variants cost 11 more fits).
E2E_BENCH = {
    "prior_grid": {"models": ["isp_actions"], "prior_sets": ["default", "sceptical"]},
    "loo": {"models": ["isp_actions"], "variants": ["no_interaction"]},
}


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """One full run of the default config (4 chains x 1,000 draws, two jobs at a time) with
    a smaller bench, shared by the end-to-end and reliability tests."""
    work = copy_workflow(tmp_path_factory.mktemp("default"))
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    (work / "config" / "config.yaml").write_text(yaml.safe_dump({**config, **E2E_BENCH}))
    result = snakemake(work)
    assert result.returncode == 0, result.stderr[-4000:]
    return work
