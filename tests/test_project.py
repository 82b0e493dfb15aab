"""Project hygiene: linters clean, environment.yml in step with pyproject.toml, README commands."""

import re
import subprocess
import sys
import tomllib

import pytest
import yaml
from packaging.version import Version

from tests.conftest import ROOT


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_ruff_is_clean():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout


def test_snakemake_lint_is_clean():
    result = run(sys.executable, "-m", "snakemake", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stderr


def test_snakefmt_is_clean():
    result = run(sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow/rules")
    assert result.returncode == 0, result.stderr


def _requirement(text):
    """(name, bounds) of a requirement; a pip extra is dropped (conda has none)."""
    name, spec = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?\s*(.*)", text).groups()
    return name.lower(), spec.replace(" ", "")


def _dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]["test"]


@pytest.mark.parametrize("env_file", ["environment.yml", "workflow/envs/intersession.yaml"])
def test_conda_environments_have_the_same_dependencies_as_pyproject(env_file):
    pyproject = dict(_requirement(d) for d in _dependencies()[0])
    doc = yaml.safe_load((ROOT / env_file).read_text())
    assert doc["channels"] == ["conda-forge", "bioconda", "nodefaults"]
    env = doc["dependencies"]
    assert "python=3.11" in env
    assert not any(isinstance(d, dict) for d in env), "no pip section: Snakemake copies the file"
    conda = dict(
        _requirement(d)
        for d in env
        if isinstance(d, str) and not re.match(r"(python|pip)($|[=<>])", d)  # python-docx stays
    )
    assert conda == pyproject


def _pins(path):
    """{name: version} of a lock file made by requirements/refresh."""
    text = (ROOT / "requirements" / path).read_text()
    return {m[0].lower(): m[1] for m in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


def test_lock_files_pin_every_direct_dependency_within_its_bounds_with_hashes():
    """The locks install what pyproject.toml allows (run them through requirements/refresh
    after editing it); lowest.txt holds each direct dependency at its floor."""
    from packaging.requirements import Requirement

    runtime, test = _dependencies()
    run, full, lowest = _pins("run.txt"), _pins("test.txt"), _pins("lowest.txt")
    assert {k: v for k, v in full.items() if k in run} == run
    for text in runtime + test:
        req = Requirement(text)
        name = req.name.lower()
        assert req.specifier.contains(full[name]), (text, full[name])
        floor = min((s.version for s in req.specifier if s.operator == ">="), default=None)
        assert Version(lowest[name]) == Version(floor), (text, lowest[name])
        if text in runtime:
            assert name in run
    for path in ("run.txt", "test.txt", "lowest.txt"):
        blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / "requirements" / path).read_text())
        assert all("--hash=sha256:" in b for b in blocks[1:]), path
        assert "--python-version 3.11 --python-platform x86_64-manylinux_2_28" in blocks[0]


def test_readme_quick_start_has_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```(?:sh|bash)\n(.*?)```", readme, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "snakemake" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_every_third_party_import_of_the_package_is_a_declared_dependency():
    """A clean machine has only what pyproject.toml declares (CI caught two misses)."""
    import ast
    from importlib.metadata import packages_distributions

    declared = {
        re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower().replace("_", "-")
        for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    owners = packages_distributions()
    missing = set()
    for path in (ROOT / "workflow").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("intersession", "snakemake"):
                    continue
                dists = {d.lower().replace("_", "-") for d in owners.get(top, [top])}
                if not dists & declared:
                    missing.add(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, sorted(missing)


def test_parsing_the_workflow_imports_no_sampler_or_arviz():
    """Every module the rules import while Snakemake parses them (a dry run included)
    leaves PyMC, PyTensor, nutpie and ArviZ unimported: those take seconds to load."""
    imports = sorted(
        {
            line.strip()
            for path in [ROOT / "Snakefile", *(ROOT / "workflow" / "rules").glob("*.smk")]
            for line in path.read_text().splitlines()
            if re.match(r"\s*(from intersession\S* import|import intersession)", line)
        }
    )
    assert len(imports) >= 5, imports
    heavy = ("pymc", "pytensor", "nutpie", "arviz", "arviz_stats", "matplotlib")
    code = "\n".join([*imports, "import sys", f"print([m for m in {heavy} if m in sys.modules])"])
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_ci_sets_ci_so_browser_and_cluster_tests_cannot_skip():
    """The Chromium and SLURM tests skip without root unless CI is set; CI sets it itself."""
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    test_line = next(i for i, line in enumerate(script) if "pytest" in line)
    assert "export CI=true" in script[:test_line]
