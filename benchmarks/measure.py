"""What the benchmark scripts share: the machine's description, a process tree's peak
memory, and the per-job records of Snakemake's ``benchmark:`` directive.

    .venv/bin/python benchmarks/measure.py results/<study>/benchmarks   # time per rule
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    total, stack = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        current = stack.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 2**20


def machine() -> str:
    from intersession.provenance import package_versions

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, {platform.machine()}, "
        f"Python {platform.python_version()}; {versions}"
    )


def run_polled(args: list[str], **popen) -> tuple[int, float, float]:
    """Run ``args``; its return code, wall seconds and the peak resident memory (MB) of its
    whole process tree, polled every 0.2 s."""
    start = time.perf_counter()
    child = subprocess.Popen(args, **popen)
    peak = 0.0
    while child.poll() is None:
        peak = max(peak, tree_rss_mb(child.pid))
        time.sleep(0.2)
    return child.returncode, time.perf_counter() - start, peak


def job_records(directory: Path) -> list[dict]:
    """Every job's benchmark record under ``directory`` (``results/<study>/benchmarks``):
    job (its file's path without ``.tsv``), seconds and max RSS (MB)."""
    import pandas as pd

    records = []
    for path in sorted(Path(directory).rglob("*.tsv")):
        row = pd.read_csv(path, sep="\t").iloc[0]
        job = str(path.relative_to(directory).with_suffix(""))
        records.append({"job": job, "s": float(row["s"]), "max_rss_mb": float(row["max_rss"])})
    return records


def rule_summary(records: list[dict]) -> str:
    """A Markdown table of jobs per rule (the job path's first part, ``bench/<kind>`` for the
    bench): jobs, total and median seconds, largest max RSS; the total last."""
    import pandas as pd

    table = pd.DataFrame(records)
    parts = table["job"].str.split("/")
    table["rule"] = [p[0] if p[0] != "bench" else "/".join(p[:2]) for p in parts]
    summary = (
        table.groupby("rule")
        .agg(
            jobs=("s", "size"),
            total_s=("s", "sum"),
            median_s=("s", "median"),
            max_rss_mb=("max_rss_mb", "max"),
        )
        .sort_values("total_s", ascending=False)
    )
    lines = ["| rule | jobs | total s | median s | max RSS MB |", "|---|---|---|---|---|"]
    lines += [
        f"| {r.Index} | {r.jobs} | {r.total_s:.1f} | {r.median_s:.1f} | {r.max_rss_mb:.0f} |"
        for r in summary.itertuples()
    ]
    lines.append(f"| all | {len(table)} | {table['s'].sum():.1f} | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(rule_summary(job_records(Path(sys.argv[1]))))


def write_keeping_notes(path: Path, text: str, script: str) -> None:
    """Write a results file, keeping the written notes below the marker line of ``script``
    (``<!-- notes: kept by <script> -->``) of the file it replaces."""
    marker = f"<!-- notes: kept by {script} -->\n"
    notes = path.read_text().partition(marker)[2] if path.exists() else ""
    path.write_text(text + (f"\n{marker}{notes}" if notes else ""))
