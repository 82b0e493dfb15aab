"""The corpus of bad study files and codebooks (tests/corpus, written by make_corpus.py),
and huge files generated here.

For each case: the exit status of ``intersession validate``, the exact problems reported
(severity, row, column, rule) or the message for a file that cannot be read at all, no
later-stage output when there is an error, and the input's bytes unchanged.
"""

import hashlib
import random
import time

import pandas as pd
import pytest
import yaml

from intersession.cli import main
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text())


def case_id(case) -> str:
    return case["codebook"] or case["file"]


def test_the_corpus_has_fifty_distinct_defects_across_formats():
    assert len(CASES) >= 50
    assert len([p for p in CORPUS.iterdir() if p.suffix != ".py"]) >= 50
    assert {case["file"].rsplit(".", 1)[1] for case in CASES} >= {"csv", "tsv", "sav", "xlsx"}
    assert len({case_id(c) for c in CASES}) == len(CASES)


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


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_bad_file(case, tmp_path, capsys):
    path = CORPUS / case["file"]
    codebook = CORPUS / (case["codebook"] or "codebook.yaml")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    args = ["validate", str(path), "--codebook", str(codebook), "--out-dir", str(tmp_path)]
    if case["sheet"]:
        args += ["--sheet", case["sheet"]]

    started = time.monotonic()
    code = main(args)

    assert time.monotonic() - started < 10  # an alias bomb took minutes
    assert code == case["exit_status"]
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err) < 20_000
    if case["message"]:
        assert case["message"] in err
        assert f"{codebook if case['codebook'] else path}" in err  # names the file
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


def validate(data, out, codebook=CORPUS / "codebook.yaml", sheet=None) -> int:
    args = ["validate", str(data), "--codebook", str(codebook), "--out-dir", str(out)]
    return main(args + (["--sheet", sheet] if sheet else []))


def test_injected_ids_are_written_safe_for_spreadsheets_and_read_back_unchanged(tmp_path):
    from intersession.tables import read_table

    assert validate(CORPUS / "injection_ids.csv", tmp_path) == 0
    written = pd.read_csv(tmp_path / "items.csv", dtype=str)["client"].unique().tolist()
    assert written[:5] == [
        '\'=HYPERLINK("http://x","y")',
        "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)",
        "'-2+3",
        "C05",
    ]
    original = pd.read_csv(CORPUS / "injection_ids.csv", dtype=str)["client_id"]
    assert read_table(tmp_path / "items.csv")["client"].tolist() == original.tolist()


def test_saved_formula_results_are_read_as_values(tmp_path):
    assert validate(CORPUS / "valid.csv", tmp_path / "csv") == 0
    assert (
        validate(CORPUS / "formula_with_saved_value.xlsx", tmp_path / "xlsx", sheet="Responses")
        == 0
    )
    csv_items = pd.read_csv(tmp_path / "csv" / "items.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "xlsx" / "items.csv"), csv_items)


def test_a_failed_validation_leaves_no_items_of_an_earlier_run(tmp_path, capsys):
    assert validate(CORPUS / "valid.csv", tmp_path) == 0
    assert (tmp_path / "items.csv").exists()
    assert validate(CORPUS / "out_of_range.csv", tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problems.csv"]
    assert validate(CORPUS / "valid.csv", tmp_path) == 0
    assert validate(CORPUS / "ragged_short_row.csv", tmp_path) == 1
    assert list(tmp_path.iterdir()) == []  # unreadable: no table of problems either


def test_a_folder_named_like_a_study_file_is_named_as_a_folder(tmp_path, capsys):
    folder = tmp_path / "study.csv"
    folder.mkdir()
    assert validate(folder, tmp_path / "out") == 1
    assert (
        f"{folder}: is a folder, not a file; give the path of the file" in capsys.readouterr().err
    )


def test_many_ragged_rows_are_listed_up_to_ten_and_counted(tmp_path, capsys):
    lines = (CORPUS / "valid.csv").read_text().splitlines()
    data = tmp_path / "study.csv"
    data.write_text("\n".join([lines[0]] + [line + ",x" for line in lines[1:]]) + "\n")
    assert validate(data, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert f"{data}: 48 row(s) do not have one cell per header column" in err
    assert (
        "  row 11: 24 cells, expected 23 (1 cell(s) beyond the last column 'progress_score')" in err
    )
    assert "  row 12:" not in err and "  ... and 38 more such row(s)" in err


@pytest.mark.parametrize("megabytes", [8])
def test_a_huge_file_of_random_numbers_gives_a_bounded_report(tmp_path, capsys, megabytes):
    """Every item cell out of range: per rule 1,000 problems listed and the rest counted
    (the 50 MB case is measured in benchmarks/results/validation.md)."""
    header = (CORPUS / "valid.csv").read_text().splitlines()[0]
    rng = random.Random(20)
    data = tmp_path / "study.csv"
    rows, size = 0, 0
    with data.open("w") as out:
        out.write(header + "\n")
        while size < megabytes * 2**20:
            line = f"C{rows},T{rows % 40},S{rows % 40 // 4},1," + ",".join(
                f"{rng.uniform(-1e6, 1e6):.6f}" for _ in range(19)
            )
            size += out.write(line + "\n")
            rows += 1
    started = time.monotonic()
    assert validate(data, tmp_path / "out") == 1
    assert time.monotonic() - started < 120
    problems = pd.read_csv(tmp_path / "out" / "problems.csv", keep_default_na=False)
    listed = problems[problems["row"] != ""].groupby("rule").size().to_dict()
    assert listed == {"response_option": 1000}
    unlisted = problems[problems["row"] == ""]
    assert unlisted[["rule", "count"]].values.tolist() == [["response_option", 19 * rows - 1000]]
    assert (
        unlisted["fix"].iloc[0].startswith(f"{19 * rows - 1000:,} more not listed ({19 * rows:,}")
    )
    assert (tmp_path / "out" / "problems.csv").stat().st_size < 400_000
    err = capsys.readouterr().err
    assert f"{19 * rows:,} error(s)" in err and len(err) < 20_000
