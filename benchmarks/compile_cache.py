"""Compilation caches under parallel jobs: lock waits, recompilation and identical results.

Every fit compiles: PyTensor's C code (log-likelihood, predictive draws) into its compile
directory, and nutpie's numba code, whose per-operation pieces PyTensor caches in the same
directory (``<base_compiledir>/numba``). PyTensor serialises writers with one file lock per
compile directory. This script starts N fit processes at once (the default study's
ISP-actions, the workflow's ``steps.fit`` with the default sampler), all sharing one fresh
compile directory (cold) and then the same directory again (warm), for N = 1, 2, 4 and 8
on this machine's cores. Per process it records the wall time, the time spent waiting for
and holding PyTensor's compile lock (its ``lock_ctx`` wrapped), and the SHA-256 digest of
the posterior draws; per state, the number of compiled C modules and numba cache files
written. A shared cache is safe if warm jobs write nothing new (no recompilation of an
unchanged model), lock waits stay a small share of the wall time (no serialisation), and
every process gives the same digest (no corruption).

    .venv/bin/python benchmarks/compile_cache.py [--jobs 1 2 4 8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from measure import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
STUDY = ROOT / "data" / "simulated_quirk2018"
#: The workflow's default sampler settings.
SAMPLER = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["sampler"]


def worker(scores: str, out: str) -> None:
    """One fit with PyTensor's compile lock timed; writes JSON to ``out``."""
    import pytensor.compile.compilelock as compilelock
    import pytensor.link.c.cmodule as cmodule

    waits, holds = [], []
    original = compilelock.lock_ctx

    @contextlib.contextmanager
    def timed(*args, **kwargs):
        asked = time.perf_counter()
        with original(*args, **kwargs):
            got = time.perf_counter()
            try:
                yield
            finally:
                waits.append(got - asked)
                holds.append(time.perf_counter() - got)

    compilelock.lock_ctx = cmodule.lock_ctx = timed
    import arviz as az

    from intersession import steps
    from intersession.inference.record import StudyInputs
    from intersession.provenance import posterior_digest

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fit = Path(tmp) / "fit.nc"
        inputs = StudyInputs(
            models_dir=str(ROOT / "models"),
            codebook=str(STUDY / "codebook.yaml"),
            data_file=str(STUDY / "study.csv"),
            sampler=SAMPLER,
            seed=20181101,
        )
        steps.fit(
            scores=scores, inputs=inputs, model="isp_actions", threads=1, fit_outs={None: str(fit)}
        )
        posterior = az.from_netcdf(fit, engine="h5netcdf").posterior
        digest = posterior_digest(posterior)
    record = {
        "wall_s": time.perf_counter() - start,
        "lock_wait_s": sum(waits),
        "lock_held_s": sum(holds),
        "locks": len(waits),
        "digest": digest,
    }
    Path(out).write_text(json.dumps(record))


def write_scores(path: Path) -> None:
    """The default study's scores, validated and scored as the workflow does."""
    from intersession.data.codebook import load_codebook
    from intersession.data.score import score_study
    from intersession.data.validate import validate_study

    book = load_codebook(STUDY / "codebook.yaml")
    items, _, _ = validate_study(STUDY / "study.csv", book)
    score_study(items, book).to_csv(path, index=False)


def cache_files(compiledir: Path) -> dict:
    """Compiled C modules (one key.pkl each) and numba cache files in a base compile
    directory."""
    return {
        "c_modules": sum(1 for _ in compiledir.rglob("key.pkl")),
        "numba_files": sum(1 for p in compiledir.rglob("*") if p.suffix in (".nbi", ".nbc")),
    }


def run_state(jobs: int, compiledir: Path, scores: Path) -> dict:
    """``jobs`` fits started at once on one compile directory."""
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}"}
    before = cache_files(compiledir)
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"{i}.json" for i in range(jobs)]
        start = time.perf_counter()
        children = [
            subprocess.Popen([sys.executable, __file__, "--worker", str(scores), str(out)], env=env)
            for out in outs
        ]
        for child in children:
            if child.wait():
                raise subprocess.CalledProcessError(child.returncode, child.args)
        wall = time.perf_counter() - start
        records = [json.loads(out.read_text()) for out in outs]
    after = cache_files(compiledir)
    return {
        "jobs": jobs,
        "wall_s": wall,
        "median_job_s": statistics.median(r["wall_s"] for r in records),
        "median_lock_wait_s": statistics.median(r["lock_wait_s"] for r in records),
        "max_lock_wait_s": max(r["lock_wait_s"] for r in records),
        "median_lock_held_s": statistics.median(r["lock_held_s"] for r in records),
        "new_c_modules": after["c_modules"] - before["c_modules"],
        "new_numba_files": after["numba_files"] - before["numba_files"],
        "digests": len({r["digest"] for r in records}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", nargs="+", type=int, default=[1, 2, 4, 8])
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    started = time.strftime("%Y-%m-%d %H:%M")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        scores = Path(tmp) / "scores.csv"
        write_scores(scores)
        for jobs in args.jobs:
            compiledir = Path(tmp) / f"cache{jobs}"
            compiledir.mkdir()
            for state in ("cold", "warm"):
                print(f"{jobs} jobs, {state} ...", flush=True)
                rows.append({"state": state, **run_state(jobs, compiledir, scores)})
                print(json.dumps(rows[-1]), flush=True)
    write(rows, started)


def write(rows: list[dict], started: str) -> None:
    columns = list(rows[0])
    lines = [
        "# Compilation caches under parallel jobs",
        "",
        f"`benchmarks/compile_cache.py`, run {started}. Machine: {machine()}.",
        "N fits of the default study's ISP-actions started at once on one fresh PyTensor",
        "compile directory (cold), then again on the same directory (warm); times in seconds.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    (RESULTS / "compile_cache.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
