"""The first commands a user types work before any result exists: a dry run, the DAG and
the rule graph of a fresh clone; a config that is wrong stops them in plain words naming
the config file in use."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT, copy_workflow, snakemake

BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{x}: &{x} [{', '.join([f'*{y}'] * 9)}]\n" for y, x in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory):
    """A git clone of the repository's committed tree: no results, logs or .snakemake."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path_factory.mktemp("fresh") / "intersession"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    return clone


@pytest.mark.parametrize("flag", ["--dry-run", "--dag", "--rulegraph"])
def test_a_fresh_clone_plans_the_workflow_without_results(fresh_clone, flag):
    result = snakemake(fresh_clone, flag, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (fresh_clone / "results").exists()
    if flag == "--dry-run":
        # fits are sized from the study file (81 rows: one thread, 1 GB), not from scores
        assert "rule fit:" in result.stdout
        assert "mem_mb=1011" in result.stdout
    else:
        assert result.stdout.startswith("digraph")


def test_an_alias_bomb_in_the_config_stops_at_once_naming_it(tmp_path):
    work = copy_workflow(tmp_path / "w")
    config = work / "config" / "config.yaml"
    config.write_text(
        config.read_text() + "\nextra:\n" + "".join(f"  {line}\n" for line in BOMB.splitlines())
    )
    result = snakemake(work, "--dry-run", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        "config/config.yaml: not valid YAML: an anchor (&name or *name) is not allowed in a "
        "declaration; write each value out"
    )
    assert "Traceback" not in result.stderr


def test_a_config_path_error_names_the_config_file_in_use(tmp_path):
    work = copy_workflow(tmp_path / "w")
    (work / "data" / "folder.csv").mkdir()
    mine = work / "mine.yaml"
    text = (work / "config" / "config.yaml").read_text()
    mine.write_text(
        text.replace("data/simulated_quirk2018/study.csv", "data/folder.csv").replace(
            "data/simulated_quirk2018/codebook.yaml", "data/missing.yaml"
        )
    )
    result = snakemake(work, "--dry-run", "--configfile", "mine.yaml", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "mine.yaml (over config/config.yaml): study.file is 'data/folder.csv', which is a "
        "folder, not a file; study.codebook is 'data/missing.yaml', which does not exist. "
        "Correct the path in the config; a relative path is read from the folder Snakemake "
        f"runs in, {work}"
    )
    mine.write_text(text.replace("study.csv", "study.txt"))
    result = snakemake(work, "--dry-run", "--configfile", "mine.yaml", timeout=60)
    assert (
        "key 'study.file' has value 'data/simulated_quirk2018/study.txt': the study file's name "
        "must end in .csv, .tsv, .tab (UTF-8 text), .sav (SPSS) or .xlsx (Excel)"
    ) in result.stderr
    assert "pattern" not in result.stderr
