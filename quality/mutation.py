"""Mutation testing of the statistical core with mutmut, against the fast test tier.

One command (README, "Tests"):

    .venv/bin/python quality/mutation.py                     # the core modules, working tree
    .venv/bin/python quality/mutation.py --ref main --label before
    .venv/bin/python quality/mutation.py --modules effects/slopes.py --timeout 600
    .venv/bin/python quality/mutation.py --rerun quality/results/mutation-before.json

``--rerun`` tests again only the mutants that survived a previous run (by name; the
functions changed since then are mutated afresh) and carries over that run's kills: a
mutant killed by the old tests is killed by the new ones, which only add assertions.

mutmut (3.x) rewrites each function of a module into variants with one small change (an
operator, a constant, a dropped argument) and runs the tests that execute that function
(fastest first) against each; a variant that no test notices "survives". mutmut imports
the mutated code from ``mutants/src`` (or ``mutants/``), so the package is staged in a
scratch folder as ``src/intersession`` beside the tests, models and data it reads; the
checkout is never touched. Bounded to fit a session: only the modules given, only the
fast tier (``-m "not slow and not e2e"``), and ``--timeout`` seconds per run. The tally
and every surviving mutant (its diff) go to ``quality/results/mutation-<label>.md`` and
``.json``.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "workflow/intersession"
#: The statistical core, most important first (issue 23).
CORE = [
    "effects/slopes.py",
    "effects/mediation.py",
    "effects/parameters.py",
    "effects/sensitivity.py",
    "effects/prior_checks.py",
    "checks/diagnostics.py",
    "model/regression.py",
]
STAGED = ["tests", "models", "data", "config", "pyproject.toml"]
#: Test files of the statistical core (the data layer's and the project's are left out:
#: they never run this code, and the project checks need the whole checkout).
TESTS = [
    "test_slopes.py",
    "test_effects.py",
    "test_mediation.py",
    "test_diagnostics.py",
    "test_sensitivity.py",
    "test_model.py",
    "test_inference.py",
    "test_loo.py",
    "test_figures.py",
    "test_report_text.py",
    "test_calibration.py",
    "test_hostile_inputs.py",
]
FAST = ["-m", "not slow and not e2e", "-p", "no:cacheprovider", "-q", "-x"]


def stage(ref: str | None, into: Path) -> None:
    """The package as ``src/intersession`` and the files its tests read, from the working
    tree or from git ``ref``."""
    if ref is None:
        shutil.copytree(ROOT / PACKAGE, into / "src" / "intersession")
        for name in STAGED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, into / name)
            else:
                shutil.copy2(source, into / name)
    else:
        archive = subprocess.run(
            ["git", "archive", ref, PACKAGE, *STAGED], cwd=ROOT, capture_output=True, check=True
        ).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(into, filter="data")
        (into / "src").mkdir()
        (into / PACKAGE).rename(into / "src" / "intersession")
    for cache in into.rglob("__pycache__"):
        shutil.rmtree(cache)


def configure(into: Path, modules: list[str]) -> None:
    paths = [f"src/intersession/{m}" for m in modules]
    tests = [f"tests/{t}" for t in TESTS if (into / "tests" / t).exists()]
    with (into / "pyproject.toml").open("a") as f:
        f.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["src"]\n'
            f"only_mutate = {json.dumps(paths)}\n"
            f"pytest_add_cli_args = {json.dumps(FAST)}\n"
            f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
            'also_copy = ["models", "data", "config"]\n'
            "use_git_change_detection = false\n"
        )


def mutmut(into: Path, *args: str, timeout: float | None = None) -> str:
    exe = str(Path(sys.executable).with_name("mutmut"))
    result = subprocess.run(
        [exe, *args], cwd=into, capture_output=True, text=True, timeout=timeout, check=False
    )
    return result.stdout + result.stderr


def survivors(into: Path) -> list[dict]:
    """Each surviving (or untested, timed-out) mutant with the lines it changed."""
    listing = mutmut(into, "results")
    pattern = r"^\s+(\S+__mutmut_\d+): (survived|no tests|timeout|suspicious)"
    found = re.findall(pattern, listing, re.M)
    rows = []
    for name, status in found:
        diff = mutmut(into, "show", name)
        changed = [
            line
            for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        rows.append({"mutant": name, "status": status, "diff": changed})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="+", default=CORE, help="paths under intersession/")
    parser.add_argument("--ref", help="take package and tests from this git ref")
    parser.add_argument("--label", default="after")
    parser.add_argument("--timeout", type=float, default=2400, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--rerun", type=Path, help="JSON of a previous run: its survivors only")
    parser.add_argument("--changed", nargs="*", default=[], help="mutant name patterns to add")
    args = parser.parse_args(argv)
    previous = json.loads(args.rerun.read_text()) if args.rerun else None
    names = []
    if previous:
        args.modules = previous["modules"]
        names = [row["mutant"] for row in previous["survivors"]] + args.changed
    work = Path(tempfile.mkdtemp(prefix="intersession-mutation-"))
    stage(args.ref, work)
    configure(work, args.modules)
    start = time.perf_counter()
    try:
        log = mutmut(work, "run", "--max-children", "1", *names, timeout=args.timeout)
        finished = True
    except subprocess.TimeoutExpired:
        log, finished = "", False
    seconds = time.perf_counter() - start
    mutmut(work, "export-cicd-stats")
    stats_file = work / "mutants" / "mutmut-cicd-stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    left = survivors(work)
    if previous:  # mutmut tallies every mutant it knows; count only those run again
        stats = rerun_stats(previous, names, left)
    tested = stats.get("killed", 0) + stats.get("survived", 0)
    record = {
        "label": args.label,
        "ref": args.ref or "working tree",
        "modules": args.modules,
        "finished": finished,
        "seconds": round(seconds),
        "stats": stats,
        "kill_rate": round(stats.get("killed", 0) / tested, 4) if tested else None,
        "survivors": left,
    }
    out = ROOT / "quality" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"mutation-{args.label}.json").write_text(json.dumps(record, indent=1) + "\n")
    (out / f"mutation-{args.label}.md").write_text(report(record))
    print(report(record).split("\n## ")[0])
    if not finished:
        print(log[-2000:], file=sys.stderr)
    if args.keep:
        print(f"scratch folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def rerun_stats(previous: dict, names: list[str], left: list[dict]) -> dict:
    """Tally of a rerun: the previous run's kills, plus its survivors killed now."""
    before = previous["stats"]
    still = [row for row in left if any(fnmatch.fnmatch(row["mutant"], n) for n in names)]
    rerun = len([row for row in previous["survivors"] if row["status"] == "survived"])
    survived = len([row for row in still if row["status"] == "survived"])
    return {
        **before,
        "killed": before["killed"] + rerun - survived,
        "survived": survived,
        "rerun": len(previous["survivors"]),
    }


def report(record: dict) -> str:
    s = record["stats"]
    lines = [
        f"# Mutation run '{record['label']}' ({record['ref']})",
        "",
        f"mutmut over {', '.join(record['modules'])}; fast tier; "
        f"{record['seconds']} s{'' if record['finished'] else ' (stopped by the timeout)'}.",
        "",
        f"- mutants: {s.get('total', 0)}; killed {s.get('killed', 0)}, survived "
        f"{s.get('survived', 0)}, no tests {s.get('no_tests', 0)}, timeout "
        f"{s.get('timeout', 0)}, suspicious {s.get('suspicious', 0)}",
        f"- kill rate (killed / (killed + survived)): {record['kill_rate']}",
        "",
        "## Surviving mutants",
        "",
    ]
    for row in record["survivors"]:
        lines.append(f"- `{row['mutant']}` ({row['status']})")
        lines += [f"      {line}" for line in row["diff"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
