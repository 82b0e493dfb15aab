"""Mutation testing of the statistical core with mutmut, against the fast test tier.

One command (README, "Tests"):

    .venv/bin/python quality/mutation.py                     # effects/ and checks/, working tree
    .venv/bin/python quality/mutation.py --modules model/regression.py --label after-model
    .venv/bin/python quality/mutation.py --ref main --label before
    .venv/bin/python quality/mutation.py --modules effects/slopes.py --timeout 600

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
import io
import json
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
    "effects/predictions.py",
    "checks/diagnostics.py",
]
#: Run on its own (``--modules model/regression.py``): its tests build models.
MODEL = ["model/regression.py"]
STAGED = ["tests", "models", "data", "config", "pyproject.toml"]
#: Fast test files of the statistical core, none of which samples a posterior: the data
#: layer's and the project's tests never run this code, and the tests that sample
#: (test_inference, test_loo, test_calibration) take 10-60 s each, which a mutant that
#: survives would pay for every test that covers it.
TESTS = [
    "test_slopes.py",
    "test_effects.py",
    "test_mediation.py",
    "test_diagnostics.py",
    "test_sensitivity.py",
    "test_figures.py",
    "test_report_text.py",
]
#: Model-building tests (no sampling), added when model/regression.py is mutated.
MODEL_TESTS = ["test_model.py", "test_parameterisation.py"]
#: Functions of model/regression.py mutated: the data preparation (rows, centring,
#: standardisation, design matrix, prior choice). The graph-building functions (group
#: effects, equations) are checked by tests that compile or sample models: minutes per
#: surviving mutant.
REGRESSION = [
    "complete_cases",
    "treatments",
    "factor_columns",
    "_without_between",
    "expand_terms",
    "_identify_groups",
    "base_term",
    "_scaling",
    "_check_variation",
    "uncentred",
    "prepare_data",
    "outcome_range",
    "design_matrix",
    "slope_priors",
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


def test_files(modules: list[str]) -> list[str]:
    return TESTS + (MODEL_TESTS if set(MODEL) & set(modules) else [])


def configure(into: Path, modules: list[str]) -> None:
    paths = [f"src/intersession/{m}" for m in modules]
    tests = [f"tests/{t}" for t in test_files(modules) if (into / "tests" / t).exists()]
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


def patterns(modules: list[str], functions: list[str] | None = None) -> list[str]:
    """mutmut's names of the mutants to run: every function of a module, or the listed
    functions of model/regression.py (``functions``, by default :data:`REGRESSION`)."""
    names = []
    for module in modules:
        dotted = "intersession." + module.removesuffix(".py").replace("/", ".")
        if module == "model/regression.py":
            names += [f"{dotted}.x_{function}__mutmut_*" for function in functions or REGRESSION]
        else:
            names.append(f"{dotted}.*")
    return names


#: Run in the scratch folder: the status and diff of every mutant that was run and not
#: killed, in one process (``mutmut show`` per mutant takes a second each).
_SURVIVORS = """
import fnmatch, json, sys
from mutmut.__main__ import (SourceFileMutationData, get_diff_for_mutant,
    status_by_exit_code, walk_mutatable_files)
names, rows, counts, killed = json.loads(sys.argv[1]), [], {}, []
for path in walk_mutatable_files():
    m = SourceFileMutationData(path=path)
    m.load()
    for name, code in m.exit_code_by_key.items():
        if not any(fnmatch.fnmatch(name, n) for n in names):
            continue
        status = status_by_exit_code[code]
        counts[status] = counts.get(status, 0) + 1
        if status == "killed":
            killed.append(name)
        if status in ("survived", "no tests", "timeout", "suspicious"):
            diff = get_diff_for_mutant(name, path=m.path)
            changed = [line for line in diff.splitlines()
                       if line[:1] in "+-" and not line.startswith(("+++", "---"))]
            rows.append({"mutant": name, "status": status, "diff": changed})
json.dump({"counts": counts, "rows": rows, "killed": killed}, sys.stdout)
"""


def survivors(into: Path, names: list[str]) -> tuple[dict, list[dict], list[str]]:
    """Counts by status of the mutants named, and each one not killed with its diff."""
    result = subprocess.run(
        [sys.executable, "-c", _SURVIVORS, json.dumps(names)],
        cwd=into,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(result.stdout)
    counts = found["counts"]
    counts["total"] = sum(counts.values())
    counts["no_tests"] = counts.pop("no tests", 0)
    return counts, found["rows"], sorted(found["killed"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="+", default=CORE, help="paths under intersession/")
    parser.add_argument("--ref", help="take package and tests from this git ref")
    parser.add_argument("--label", default="after")
    parser.add_argument("--timeout", type=float, default=330, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--functions",
        nargs="+",
        help="model/regression.py: mutate only these functions (split a run to fit --timeout)",
    )
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="labels")
    args = parser.parse_args(argv)
    if args.compare:
        print(compare(*args.compare))
        return 0
    names = patterns(args.modules, args.functions)
    work = Path(tempfile.mkdtemp(prefix="intersession-mutation-"))
    stage(args.ref, work)
    configure(work, args.modules)
    start = time.perf_counter()
    try:
        log = mutmut(work, "run", "--max-children", "2", *names, timeout=args.timeout)
        finished = True
    except subprocess.TimeoutExpired:
        log, finished = "", False
    seconds = time.perf_counter() - start
    stats, left, killed = survivors(work, names)
    tested = stats.get("killed", 0) + stats.get("survived", 0)
    record = {
        "label": args.label,
        "ref": args.ref or "working tree",
        "modules": args.modules,
        "functions": args.functions or (REGRESSION if set(MODEL) & set(args.modules) else None),
        "tests": test_files(args.modules),
        "finished": finished,
        "seconds": round(seconds),
        "stats": stats,
        "kill_rate": round(stats.get("killed", 0) / tested, 4) if tested else None,
        "survivors": left,
        "killed": killed,
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


def per_module(record: dict) -> dict[str, tuple[int, int]]:
    """Killed and surviving mutants per module, from a run's record."""
    counts: dict[str, list[int]] = {}
    for name in record["killed"]:
        counts.setdefault(name.rsplit(".", 1)[0], [0, 0])[0] += 1
    for row in record["survivors"]:
        if row["status"] == "survived":
            counts.setdefault(row["mutant"].rsplit(".", 1)[0], [0, 0])[1] += 1
    return {module: (k, s) for module, (k, s) in sorted(counts.items())}


def compare(before: str, after: str) -> str:
    """Markdown table of kill rates per module, before and after."""
    out = ROOT / "quality" / "results"
    runs = [json.loads((out / f"mutation-{label}.json").read_text()) for label in (before, after)]
    tables = [per_module(r) for r in runs]
    lines = [
        f"| module | {before}: killed / survived | rate | {after}: killed / survived | rate |",
        "|---|---|---|---|---|",
    ]
    for module in sorted(set(tables[0]) | set(tables[1])):
        cells = []
        for table in tables:
            k, s = table.get(module, (0, 0))
            cells += [f"{k} / {s}", f"{k / (k + s):.1%}" if k + s else "-"]
        lines.append(f"| {module.removeprefix('intersession.')} | " + " | ".join(cells) + " |")
    totals = []
    for r in runs:
        k, s = r["stats"].get("killed", 0), r["stats"].get("survived", 0)
        totals += [f"{k} / {s}", f"{k / (k + s):.1%}" if k + s else "-"]
    lines.append("| **all** | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def report(record: dict) -> str:
    s = record["stats"]
    lines = [
        f"# Mutation run '{record['label']}' ({record['ref']})",
        "",
        f"mutmut over {', '.join(record['modules'])}"
        + (f" (model/regression.py: {', '.join(fs)})" if (fs := record.get("functions")) else "")
        + "; fast tests without sampling "
        f"({', '.join(record['tests'])}); "
        f"{record['seconds']} s{'' if record['finished'] else ' (stopped by the timeout)'}.",
        "",
        f"- mutants: {s.get('total', 0)}; killed {s.get('killed', 0)}, survived "
        f"{s.get('survived', 0)}, no tests {s.get('no_tests', 0)}, timeout "
        f"{s.get('timeout', 0)}, suspicious {s.get('suspicious', 0)}, not run (timeout of "
        f"the whole run) {s.get('not checked', 0)}",
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
