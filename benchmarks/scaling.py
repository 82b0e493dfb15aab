"""Wall time and peak memory of the whole workflow against the number of rows.

Each size is a simulated multi-site study (the workflow's simulator, 10 sessions per
client with no dropout or missed sessions, so rows = 10 x clients; 40 clients per
therapist, at least 10 therapists; 10 therapists per site) run through the whole DAG in a
fresh copy of the workflow: validate, score, fit, diagnostics, effects, LOO, report. The
model is ISP-actions as declared in ``models/`` (within- and between-client parts,
client, therapist and site intercepts as the design allows), with the default sampler
(nutpie, 4 chains x 1,000 tuning + 1,000 draws); the prior grid is off and LOO is of the
declared model alone, so one fit per size. The largest size is issue 7's L study
(20,000 clients x 10 sessions, 500 therapists: 200,000 rows).

Measured: wall time of ``snakemake --cores 2`` (caches warm from the previous size) and the
peak resident memory of its whole process tree (polled every 0.2 s); per job, Snakemake's
``benchmark:`` records (seconds and max RSS of each rule). Also the fit file's size and
what the fit kept of its pointwise groups (``inference.fit.POINTWISE_BUDGET``).

    .venv/bin/python benchmarks/scaling.py [--rows 1000 5000 20000 50000 200000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml
from measure import job_records, machine, run_polled, write_keeping_notes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
STUDY = "scaling"
SESSIONS = 10


def prepare(work: Path, rows: int) -> None:
    """A copy of the workflow whose config points at a simulated study of ``rows`` rows."""
    from intersession.data.codebook import load_codebook
    from intersession.data.simulate import Design, GeneratingParameters, simulate_rows
    from tests.conftest import copy_workflow  # the tests' copy: the workflow without results

    copy_workflow(work)
    codebook = ROOT / "tests" / "designs" / "multisite_codebook.yaml"
    shutil.copy2(codebook, work / "codebook.yaml")
    clients = rows // SESSIONS
    therapists = max(10, clients // 40)
    design = Design(clients, therapists, therapists // 10, SESSIONS, 0.0, 0.0)
    params = GeneratingParameters(therapist_slope_sd=0.15)
    simulate_rows(load_codebook(codebook), design, 2026, params).to_csv(
        work / "study.csv", index=False
    )
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    config["study"] = {"name": STUDY, "file": "study.csv", "codebook": "codebook.yaml"}
    config["models"] = ["isp_actions"]
    config["prior_grid"]["models"] = []
    config["loo"].update(models=["isp_actions"], variants=[])
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def measure(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prepare(work, rows)
        log = work / "snakemake.log"
        with log.open("w") as out:
            code, wall, peak = run_polled(
                [sys.executable, "-m", "snakemake", "--cores", "2"],
                cwd=work,
                stdout=out,
                stderr=out,
            )
        if code:
            sys.exit(f"{rows} rows: snakemake failed\n{log.read_text()[-3000:]}")
        fit = work / "results" / STUDY / "fits" / "isp_actions.nc"
        return {
            "rows": rows,
            "wall_s": wall,
            "peak_rss_mb": peak,
            "fit_file_mb": fit.stat().st_size / 2**20,
            "pointwise": _pointwise(fit),
            "jobs": job_records(work / "results" / STUDY / "benchmarks"),
        }


def _pointwise(fit: Path) -> str:
    from intersession.inference.record import FitRecord

    plan = FitRecord.read_file(fit).pointwise
    return f"{plan['draws']:,} of {plan['of_draws']:,} draws, {plan['dtype']}"


def write(records: list[dict], started: str) -> None:
    rows = []
    for r in records:
        by_job = {j["job"]: j for j in r["jobs"]}
        rows.append(
            {
                "rows": r["rows"],
                "wall_s": round(r["wall_s"], 1),
                "peak_rss_mb": round(r["peak_rss_mb"]),
                "fit_s": round(by_job["fit/isp_actions"]["s"], 1),
                "fit_max_rss_mb": round(by_job["fit/isp_actions"]["max_rss_mb"]),
                "loo_s": round(by_job["bench/loo/isp_actions"]["s"], 1),
                "loo_max_rss_mb": round(by_job["bench/loo/isp_actions"]["max_rss_mb"]),
                "report_s": round(by_job["report"]["s"], 1),
                "report_max_rss_mb": round(by_job["report"]["max_rss_mb"]),
                "fit_file_mb": round(r["fit_file_mb"]),
                "pointwise": r["pointwise"],
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(RESULTS / "scaling.csv", index=False)
    (RESULTS / "scaling_jobs.json").write_text(json.dumps(records, indent=1))
    lines = [
        "# Whole workflow against rows",
        "",
        f"`benchmarks/scaling.py`, run {started}. Machine: {machine()}.",
        "One model (ISP-actions), nutpie 4 chains x 1,000 + 1,000, `snakemake --cores 2`;"
        " peak RSS of Snakemake's whole process tree; per-job times and max RSS from"
        " Snakemake's `benchmark:` files (all jobs in `scaling_jobs.json`).",
        "",
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
    ]
    lines += [
        "| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    write_keeping_notes(RESULTS / "scaling.md", "\n".join(lines) + "\n", "scaling.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", nargs="+", type=int, default=[1_000, 5_000, 20_000, 50_000, 200_000]
    )
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M")
    records = []
    for rows in args.rows:
        print(f"{rows:,} rows ...", flush=True)
        records.append(measure(rows))
        print(json.dumps({k: v for k, v in records[-1].items() if k != "jobs"}), flush=True)
        write(records, started)


if __name__ == "__main__":
    main()
