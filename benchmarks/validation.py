"""Validation of hostile large files: time, peak memory and the size of the problems table.

    flock /tmp/heavy.lock nice -n 5 .venv/bin/python benchmarks/validation.py

Writes study files of the default study's header whose cells are random numbers (every
item cell out of range: the worst case for the problems table) and, for comparison, a
valid file of the same size (the default study's rows repeated with new client IDs), runs
``intersession validate`` on each as a user would, and records wall time, the peak
resident memory of the process, and the rows and bytes of ``problems.csv`` in
``benchmarks/results/validation.md`` and ``validation.csv``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from measure import machine, run_polled

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "simulated_quirk2018"
RESULTS = ROOT / "benchmarks" / "results"


def random_numbers(path: Path, megabytes: float, seed: int = 50) -> int:
    """The study's header, then rows of random numbers until the file has ``megabytes``."""
    header = (STUDY / "study.csv").read_text().splitlines()[0]
    width = header.count(",") + 1
    rng = random.Random(seed)
    rows, size = 0, 0
    with path.open("w") as out:
        out.write(header + "\n")
        while size < megabytes * 2**20:
            size += out.write(",".join(f"{rng.random() * 1e6:.9f}" for _ in range(width)) + "\n")
            rows += 1
    return rows


def valid_rows(path: Path, megabytes: float) -> int:
    """The default study's rows repeated, each copy with its own client IDs."""
    lines = (STUDY / "study.csv").read_text().splitlines()
    rows, size, copy = 0, 0, 0
    with path.open("w") as out:
        out.write(lines[0] + "\n")
        while size < megabytes * 2**20:
            for line in lines[1:]:
                client, rest = line.split(",", 1)
                size += out.write(f"{client}x{copy},{rest}\n")
                rows += 1
            copy += 1
    return rows


def measure(kind: str, path: Path, rows: int, work: Path) -> dict:
    out = work / f"out-{kind}"
    code, seconds, peak = run_polled(
        [
            str(ROOT / ".venv" / "bin" / "intersession"),
            "validate",
            str(path),
            "--codebook",
            str(STUDY / "codebook.yaml"),
            "--out-dir",
            str(out),
        ],
        stdout=open(work / f"{kind}.out", "w"),
        stderr=open(work / f"{kind}.err", "w"),
    )
    problems = pd.read_csv(out / "problems.csv", keep_default_na=False)
    return {
        "file": kind,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "rows": rows,
        "exit_status": code,
        "wall_s": round(seconds, 1),
        "peak_rss_mb": round(peak),
        "problems_total": int(problems["count"].sum()),
        "problems_rows": len(problems),
        "problems_kb": round((out / "problems.csv").stat().st_size / 1024, 1),
        "message_chars": len((work / f"{kind}.err").read_text()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--megabytes",
        type=float,
        nargs="+",
        default=[5, 25, 50],
        help="file sizes; several show whether time and memory grow linearly",
    )
    args = parser.parse_args()
    table = []
    for megabytes in args.megabytes:
        for kind, write in (("random numbers", random_numbers), ("valid", valid_rows)):
            # one file at a time, so the temporary folder never holds more than one study
            with tempfile.TemporaryDirectory() as folder:
                work = Path(folder)
                path = work / f"{kind.replace(' ', '_')}.csv"
                rows = write(path, megabytes)
                table.append(measure(kind, path, rows, work))
                print(table[-1], flush=True)
    frame = pd.DataFrame(table)
    frame.to_csv(RESULTS / "validation.csv", index=False)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    body = "".join("| " + " | ".join(str(v) for v in row) + " |\n" for row in frame.values)
    notes_path = RESULTS / "validation.md"
    notes = ""
    if notes_path.exists() and "\n## Notes\n" in notes_path.read_text():
        notes = "\n## Notes\n" + notes_path.read_text().split("\n## Notes\n", 1)[1]
    notes_path.write_text(
        "# Validating large hostile files\n\n"
        f"`benchmarks/validation.py`, run {stamp}. Machine: {machine()}. "
        f"Load average at the end: {os.getloadavg()[0]:.2f}.\n"
        "`intersession validate` of "
        + ", ".join(f"{m:g}" for m in args.megabytes)
        + " MB files with the default study's "
        "header and codebook: random numbers in every cell (every item cell out of range), "
        "and the default study's rows repeated (valid). Peak memory is the resident memory "
        "of the process, polled every 0.2 s.\n\n" + header + body + notes
    )


if __name__ == "__main__":
    main()
