"""The workflow on a real single-node SLURM (Debian's packages), against a local run.

The test set-up installs the packages when they are missing and it runs as root (as CI
does), starts munged, slurmctld and slurmd, and stops them by PID afterwards. A CI-sized
study (one model's fit and effects and a prior-grid fit, 2 chains x 300 draws) runs once
locally and once through snakemake-executor-plugin-slurm; every job that is not a local
rule must have run under a SLURM job ID, and the posterior draws of every fit must be
bit-identical (same digests) between the two runs.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import arviz as az
import pytest
import yaml

from intersession.provenance import posterior_digest
from tests import slurm_cluster
from tests.conftest import ROOT, copy_workflow

pytestmark = pytest.mark.e2e

STUDY = "simulated_quirk2018"
CI_CONFIG = {
    "models": ["isp_actions"],
    "sampler": {"chains": 2, "tune": 300, "draws": 300, "prior_draws": 50},
    "prior_grid": {"models": ["isp_actions"], "prior_sets": ["default", "sceptical"]},
    "loo": {"models": []},
}
#: The targets: a fit's effects and a prior-grid fit (the report adds nothing to the
#: question and a minute of cluster jobs).
TARGETS = [
    f"results/{STUDY}/effects/isp_actions/parameters.csv",
    f"results/{STUDY}/bench/priors/isp_actions/sceptical.nc",
]
#: Jobs that are not local rules: the fit, the prior-grid fit and the effects.
CLUSTER_JOBS = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if slurm_cluster.missing():
        if os.geteuid() != 0:
            if os.environ.get("CI"):
                pytest.fail("SLURM is not installed and the test cannot install it (not root)")
            pytest.skip(
                "SLURM is not installed; as root: apt-get install --no-install-recommends "
                + " ".join(slurm_cluster.PACKAGES)
            )
        slurm_cluster.install()
    started = slurm_cluster.start(tmp_path_factory.mktemp("slurm"))
    yield started
    started.stop()


def ci_workflow(directory: Path) -> Path:
    work = copy_workflow(directory)
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    for key, value in CI_CONFIG.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) else value
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def snakemake(
    work: Path, *args: str, timeout: int, env: dict | None = None
) -> subprocess.CompletedProcess:
    # SIGINT on timeout: a waiting Snakemake ignores SIGTERM for long (slurm-notes.md)
    return subprocess.run(
        ["timeout", "-s", "INT", str(timeout), sys.executable, "-m", "snakemake", *args],
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, **(env or {})},
    )


def fit_digests(work: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(work.joinpath("results", STUDY).rglob("*.nc")):
        posterior = az.from_netcdf(path, engine="h5netcdf").posterior
        digests[str(path.relative_to(work))] = posterior_digest(posterior)
    return digests


def test_workflow_on_slurm_matches_a_local_run(cluster, tmp_path):
    local = ci_workflow(tmp_path / "local")
    result = snakemake(local, "--cores", "2", *TARGETS, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]

    remote = ci_workflow(tmp_path / "slurm")
    profile = ROOT / "tests" / "profiles" / "slurm-ci"
    # progress lines every 0.02 s: the CI-sized fit samples for well under a second
    fast = {"INTERSESSION_PROGRESS_SECONDS": "0.02"}
    result = snakemake(remote, "--profile", str(profile), *TARGETS, timeout=1200, env=fast)
    assert result.returncode == 0, result.stderr[-3000:]
    fit_log = (remote / "logs" / STUDY / "fit" / "isp_actions.log").read_text()
    assert re.search(r"INFO sampling: 2 chains, .* elapsed", fit_log), fit_log[-2000:]

    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", result.stderr)
    assert len(submitted) == CLUSTER_JOBS, result.stderr[-3000:]
    logs = list(remote.joinpath(".snakemake", "slurm_logs").rglob("*.log"))
    assert {p.stem for p in logs} >= set(submitted)
    for path in logs:
        assert "Finished jobid" in path.read_text() or "Nothing to be done" in path.read_text()

    local_digests, remote_digests = fit_digests(local), fit_digests(remote)
    assert len(local_digests) == 2
    assert remote_digests == local_digests
    for name in ("parameters.csv", "slopes.csv"):
        for model in CI_CONFIG["models"]:
            part = Path("results", STUDY, "effects", model, name)
            assert (remote / part).read_bytes() == (local / part).read_bytes()
