"""Wall time of ``snakemake -n`` (parsing the workflow, nothing to do) at two commits,
alternated in one run so that both see the same machine load.

    .venv/bin/python benchmarks/dry_run.py [BEFORE [AFTER]] [--repeats 7]

Each commit is checked out into a temporary worktree whose study is validated and scored
first (before issue 20's fix a dry run reads the scores for its thread counts), so every
timed call parses the workflow and plans the same jobs (fits, effects, bench, report).
Both use this checkout's virtual environment, with the worktree's package first on
``PYTHONPATH``. Writes ``benchmarks/results/dry_run.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import machine

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
SCORES = "results/simulated_quirk2018/scores/scores.csv"


def worktree(ref: str, where: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(where), ref], cwd=ROOT, check=True)
    return where


def environment(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree / "workflow")}


def timed_dry_run(tree: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [*SNAKEMAKE, "-n"], cwd=tree, env=environment(tree), capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise RuntimeError(f"dry run in {tree} failed:\n{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", nargs="?", default="ffe69ba")
    parser.add_argument("after", nargs="?", default="HEAD")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times: dict[str, list[float]] = {args.before: [], args.after: []}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {ref: worktree(ref, Path(tmp) / f"tree{i}") for i, ref in enumerate(times)}
        try:
            for tree in trees.values():
                subprocess.run(
                    [*SNAKEMAKE, "--cores", "1", SCORES],
                    cwd=tree,
                    env=environment(tree),
                    check=True,
                    capture_output=True,
                )
                timed_dry_run(tree)  # warm the file cache and the bytecode
            for _ in range(args.repeats):
                for ref, tree in trees.items():
                    times[ref].append(timed_dry_run(tree))
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    medians = {ref: statistics.median(values) for ref, values in times.items()}
    lines = [
        "# `snakemake -n` on the default study: parse time before and after",
        "",
        f"Machine: {machine()}. Load average at the end: {os.getloadavg()[0]:.2f}.",
        "",
        f"`benchmarks/dry_run.py {args.before} {args.after} --repeats {args.repeats}`: each "
        "commit in its own worktree, validated and scored, then dry runs alternated (each "
        "plans the study's fits, effects, bench and report), seconds of wall time.",
        "",
        "| commit | median s | runs (s) |",
        "|---|---|---|",
    ]
    for ref, values in times.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        lines.append(f"| `{ref}` | {medians[ref]:.2f} | {runs} |")
    ratio = medians[args.before] / medians[args.after]
    lines += ["", f"Ratio of medians (before / after): {ratio:.2f}x.", ""]
    out = ROOT / "benchmarks" / "results" / "dry_run.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
