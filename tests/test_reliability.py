"""Reliability of the workflow: reproducible posteriors, crash safety, stale results and
concurrent runs, on one-model runs of the default study (ISP-actions, no bench) in copies
of the workflow:

- ``clean``: uninterrupted, one job at a time (``--cores 1``);
- ``crashed``: killed with SIGKILL (the whole process group) at four points, each time
  resumed as a user would (``snakemake --unlock``, then the same command), two jobs at a
  time; kill points are injected by ``tests/faults/sitecustomize.py``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
import yaml

from intersession.inference.record import FitRecord
from intersession.provenance import array_digest, file_sha256, posterior_digest
from tests.conftest import ROOT, STUDY, copy_workflow, snakemake

pytestmark = pytest.mark.e2e

FAULTS = ROOT / "tests" / "faults"
ONE_MODEL = {
    "models": ["isp_actions"],
    "prior_grid": {"models": [], "prior_sets": ["default"]},
    "loo": {"models": [], "variants": []},
}
ITEMS = f"results/{STUDY}/validated/items.csv"
FIT = f"results/{STUDY}/fits/isp_actions.nc"
REPORT = f"reports/{STUDY}/report.html"
FIGURES = f"reports/{STUDY}/figures"
#: (name, kill point): see tests/faults/sitecustomize.py.
KILL_POINTS = [
    ("validation", "replace:*/validated/problems.csv"),
    ("sampling", "call:nutpie:sample:0"),
    ("NetCDF write", f"replace:*{FIT}"),
    ("report rendering", "replace:*/.figures.*.tmp/isp_actions_ppc_1.png"),
]
LOCKED = "Error: Directory cannot be locked."
INCOMPLETE = "The files below seem to be incomplete."


def one_model_workflow(directory: Path) -> Path:
    work = copy_workflow(directory)
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    (work / "config" / "config.yaml").write_text(yaml.safe_dump({**config, **ONE_MODEL}))
    return work


def fit_digest(work: Path) -> str:
    """The posterior digest the fit's provenance records, after checking it against the
    stored draws."""
    recorded = FitRecord.read_file(work / FIT).posterior_sha256
    with xr.open_dataset(work / FIT, group="posterior", engine="h5netcdf") as posterior:
        assert posterior_digest(posterior) == recorded
    return recorded


def snapshot(work: Path) -> dict[str, str]:
    """A digest per output a reader uses: tables and JSON byte for byte, each NetCDF group's
    arrays, figures as PNG (SVGs carry random ids), the report with its date blanked."""
    digests = {}
    for path in sorted((work / "results").rglob("*")) + sorted((work / "reports").rglob("*")):
        relative = str(path.relative_to(work))
        if path.is_dir() or "/benchmarks/" in relative or path.suffix == ".svg":
            continue
        if path.suffix == ".nc":
            groups = {}
            for group in ("posterior", "posterior_predictive", "log_likelihood", "prior"):
                with xr.open_dataset(path, group=group, engine="h5netcdf") as data:
                    groups |= {f"{group}/{v}": data[v].values for v in data.data_vars}
            digests[relative] = array_digest(groups)
        elif path.name == "report.html":
            text = re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", path.read_text())
            digests[relative] = hashlib.sha256(text.encode()).hexdigest()
        else:
            digests[relative] = file_sha256(path)
    return digests


def leftovers(work: Path) -> list[str]:
    """Temporaries of atomic writes anywhere in the outputs."""
    return sorted(
        str(p.relative_to(work))
        for folder in ("results", "reports")
        for p in (work / folder).rglob(".*.tmp")
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    work = one_model_workflow(tmp_path_factory.mktemp("clean"))
    result = snakemake(work, cores="1")
    assert result.returncode == 0, result.stderr[-4000:]
    return work


def killed(work: Path, point: str, mark: Path) -> subprocess.CompletedProcess:
    """Run Snakemake (two jobs at a time) in its own process group, killed at ``point``."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(FAULTS), os.environ.get("PYTHONPATH", "")]),
        "INTERSESSION_KILL_AT": point,
        "INTERSESSION_KILL_MARK": str(mark),
    }
    return snakemake(work, env=env, start_new_session=True, timeout=900)


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    """The run killed at each point in turn, then completed; what each kill left behind."""
    work = one_model_workflow(tmp_path_factory.mktemp("crashed"))
    mark = work / "kill_marks.txt"
    after = {}
    for number, (name, point) in enumerate(KILL_POINTS):
        if number == 1:  # the first kill left Snakemake's lock: a rerun is refused
            after["refused"] = killed(work, point, mark)
        if number:
            unlocked = snakemake(work, "--unlock")
            assert unlocked.returncode == 0, unlocked.stderr[-2000:]
        result = killed(work, point, mark)
        marks = mark.read_text().splitlines()
        after[name] = {
            "returncode": result.returncode,
            "mark": marks[-1],
            "exists": {p: (work / p).exists() for p in (ITEMS, FIT, REPORT, FIGURES)},
            "leftovers": leftovers(work),
            "stderr": result.stderr,
        }
    assert snakemake(work, "--unlock").returncode == 0
    final = snakemake(work)
    assert final.returncode == 0, final.stderr[-4000:]
    return work, after


def test_each_kill_point_fired_and_left_nothing_under_a_final_name(crashed):
    after = crashed[1]
    validation, sampling, netcdf, report = (after[name] for name, _ in KILL_POINTS)
    assert all(after[name]["returncode"] == -9 for name, _ in KILL_POINTS)
    assert re.fullmatch(r"replace .*/validated/problems\.csv \(\d+ bytes .*\)", validation["mark"])
    assert validation["exists"] == {ITEMS: False, FIT: False, REPORT: False, FIGURES: False}
    [half] = validation["leftovers"]
    assert re.fullmatch(rf"results/{STUDY}/validated/\.problems\.csv\.\w+\.tmp", half)
    assert sampling["mark"] == "call nutpie.sample + 0.0 s"
    assert sampling["exists"] == {ITEMS: True, FIT: False, REPORT: False, FIGURES: False}
    assert sampling["leftovers"] == []  # the rerun validation removed the cut problems table
    size = int(re.search(r"\((\d+) bytes written", netcdf["mark"]).group(1))
    assert netcdf["mark"].endswith(f"cut to {size // 2})") and size > 100_000
    assert netcdf["exists"] == {ITEMS: True, FIT: False, REPORT: False, FIGURES: False}
    [half] = netcdf["leftovers"]
    assert re.fullmatch(rf"results/{STUDY}/fits/\.isp_actions\.nc\.\w+\.tmp", half)
    assert "/.figures." in report["mark"] and report["mark"].count("isp_actions_ppc_1.png")
    assert report["exists"] == {ITEMS: True, FIT: True, REPORT: False, FIGURES: False}


def test_a_killed_run_keeps_its_lock_and_the_rerun_says_how_to_release_it(crashed):
    refused = crashed[1]["refused"]
    assert refused.returncode == 1
    assert LOCKED in refused.stderr and "--unlock" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_resumed_run_equals_an_uninterrupted_one(clean, crashed):
    work, _ = crashed
    assert leftovers(work) == []
    assert snapshot(work) == snapshot(clean)
    identity = FitRecord.read_file(work / FIT).identity
    assert identity.data_sha256 == file_sha256(work / f"data/{STUDY}/study.csv")
    assert identity.codebook_sha256 == file_sha256(work / f"data/{STUDY}/codebook.yaml")


def test_clean_runs_give_bit_identical_posteriors_serial_or_parallel(default_run, clean, crashed):
    """The full e2e run (five models and a bench, two jobs at a time), the one-model run
    (one job at a time) and the crashed-and-resumed run: one digest."""
    assert fit_digest(default_run) == fit_digest(clean) == fit_digest(crashed[0])


@pytest.fixture
def copy_of_clean(clean, tmp_path):
    """A copy of the clean run, with its outputs, their times and Snakemake's records."""
    work = tmp_path / "copy"
    shutil.copytree(clean, work, symlinks=True)
    return work


def jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Snakemake's job counts of a dry run, without the target rule ``all``."""
    if "Nothing to be done" in result.stdout + result.stderr:
        return {}
    table = result.stdout.split("Job stats:")[1].split("total")[0]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M))
    return {rule: int(n) for rule, n in counts.items() if rule != "all"}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


DOWNSTREAM_OF_FIT = {"fit": 1, "diagnose": 1, "effects": 1, "report": 1}
CHANGES = {
    "data": (
        f"data/{STUDY}/study.csv",
        "C01,T01,5,5,",
        "C01,T01,5,4,",
        {"validate": 1, "score": 1},
    ),
    "declaration": ("models/isp_actions.yaml", "label: ", "label: Edited ", {}),
    "declared prior set": ("models/priors/default.yaml", "label: ", "label: Edited ", {}),
}


@pytest.mark.parametrize("change", ["data", "declaration", "declared prior set"])
def test_a_changed_input_reruns_exactly_the_jobs_it_affects(copy_of_clean, change):
    path, old, new, upstream = CHANGES[change]
    before = snakemake(copy_of_clean, "--dry-run")
    assert jobs(before) == {}, before.stdout[-2000:]
    edit(copy_of_clean / path, old, new)
    assert jobs(snakemake(copy_of_clean, "--dry-run")) == upstream | DOWNSTREAM_OF_FIT


def test_an_unused_prior_set_or_declaration_changes_nothing(copy_of_clean):
    edit(copy_of_clean / "models/priors/sceptical.yaml", "label: ", "label: Edited ")
    edit(copy_of_clean / "models/isp_thoughts.yaml", "label: ", "label: Edited ")
    assert jobs(snakemake(copy_of_clean, "--dry-run")) == {}


def test_a_changed_seed_changes_the_posterior_and_a_stale_fit_is_refused(clean, copy_of_clean):
    other_seed = ["--config", "seed=20181102"]
    assert jobs(snakemake(copy_of_clean, "--dry-run", *other_seed)) == DOWNSTREAM_OF_FIT
    refit = snakemake(copy_of_clean, FIT, *other_seed)  # --config takes every word after it
    assert refit.returncode == 0, refit.stderr[-3000:]
    assert fit_digest(copy_of_clean) != fit_digest(clean)
    # back on the configured seed, Snakemake sees the changed parameter and refits...
    assert jobs(snakemake(copy_of_clean, "--dry-run")) == DOWNSTREAM_OF_FIT
    # ...and told to look at file times alone, the report refuses the other seed's fit
    stale = snakemake(copy_of_clean, "--rerun-triggers", "mtime")
    assert stale.returncode == 1
    assert (
        f"{FIT} does not match the current inputs (seed: fitted with 20181102, now "
        f"20181101); it will not be used. Refit it: snakemake --cores all --force {FIT}, "
        "then rerun snakemake"
    ) in stale.stderr
    assert "Traceback" not in stale.stderr
    assert not (copy_of_clean / REPORT).exists()  # Snakemake removed the job's old output


def test_a_second_run_in_the_same_folder_is_refused_while_the_first_runs(clean, copy_of_clean):
    command = [sys.executable, "-m", "snakemake", "--cores", "1", "--forcerun", "fit"]
    # the first run refits (about 15 s); the second starts once the first holds its lock
    first = subprocess.Popen(
        command, cwd=copy_of_clean, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    locks = copy_of_clean / ".snakemake" / "locks"
    deadline = time.monotonic() + 120
    while not any(locks.glob("*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = snakemake(copy_of_clean, "--forcerun", "fit", cores="1")
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    # refused by Snakemake's lock, or, when it looks while the first run is finishing a
    # job, because that job's output is marked incomplete (it is being written)
    assert second.returncode == 1, second.stderr[-2000:]
    assert LOCKED in second.stderr or INCOMPLETE in second.stderr, second.stderr[-2000:]
    assert "Traceback" not in second.stderr
    assert fit_digest(copy_of_clean) == fit_digest(clean)
    assert leftovers(copy_of_clean) == []
