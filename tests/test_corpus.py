"""The corpus of bad study files (tests/corpus, written by make_corpus.py).

For each file: the exit status of ``intersession validate``, the exact problems reported
(severity, row, column, rule) or the message for a file that cannot be read at all, no
later-stage output when there is an error, and the input's bytes unchanged.
"""

import hashlib

import pandas as pd
import pytest
import yaml

from intersession.cli import main
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text())


def test_the_corpus_has_thirty_distinct_defects_across_formats():
    assert len(CASES) >= 30
    assert {case["file"].rsplit(".", 1)[1] for case in CASES} >= {"csv", "tsv", "sav", "xlsx"}
    defects = {(tuple(map(tuple, c["problems"])), c["message"]) for c in CASES}
    assert len(defects) == len(CASES)


def test_the_base_study_is_valid(tmp_path):
    code = main(
        [
            "validate",
            str(CORPUS / "valid.csv"),
            "--codebook",
            str(CORPUS / "codebook.yaml"),
            "--out-dir",
            str(tmp_path),
        ]
    )
    assert code == 0
    assert pd.read_csv(tmp_path / "problems.csv").empty


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file(case, tmp_path, capsys):
    path = CORPUS / case["file"]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    args = [
        "validate",
        str(path),
        "--codebook",
        str(CORPUS / "codebook.yaml"),
        "--out-dir",
        str(tmp_path),
    ]
    if case["sheet"]:
        args += ["--sheet", case["sheet"]]

    code = main(args)

    assert code == case["exit_status"]
    err = capsys.readouterr().err
    if case["message"]:
        assert case["message"] in err
        assert f"{path}: " in err  # the message names the file
        assert not (tmp_path / "problems.csv").exists()
    else:
        problems = pd.read_csv(tmp_path / "problems.csv", dtype=str, keep_default_na=False)
        found = [
            [p.severity, int(p.row) if p.row else "", p.column, p.rule]
            for p in problems.itertuples()
        ]
        assert found == case["problems"]
        for severity, row, column, rule in case["problems"]:
            label = "case" if path.suffix == ".sav" else "row"
            if severity == "error" and row != "":
                assert f"{label} {row}, column '{column}'" in err
                assert f"[{rule}]" in err
    assert (tmp_path / "items.csv").exists() == (case["exit_status"] == 0)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
