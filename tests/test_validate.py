"""Validation lists every problem with its spreadsheet row, column, value, rule and fix."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from intersession.data.read import StudyFileError, read_study
from intersession.data.validate import (
    StudyDataError,
    clean_items,
    format_problems,
    validate_study,
)
from tests.conftest import DEFAULT_STUDY

TINY = "id,ther,a1,a2,a3,b1,b2,note\nc1,t1,1,2,3,4,5,x\nc2,t1,5,-9,1,7,1,\nc3,t2,2,3,2,,3,\n"


def write(tmp_path, text, name="study.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_study_is_valid(default_codebook):
    items, problems, _ = validate_study(DEFAULT_STUDY / "study.csv", default_codebook)
    assert len(items) == 81
    assert problems.empty
    assert items["therapist"].nunique() == 10


def test_clean_items_sets_missing_codes_and_blanks_to_nan(tmp_path, tiny_codebook):
    items, problems, _ = validate_study(write(tmp_path, TINY), tiny_codebook)
    assert items.columns.tolist() == ["client", "therapist", "a1", "a2", "a3", "b1", "b2"]
    assert np.isnan(items.loc[1, "a2"]) and np.isnan(items.loc[2, "b1"])
    assert items.loc[0, "a3"] == 3.0
    # an unknown column and two therapists (too few for therapist effects) are warnings
    assert problems[["severity", "column", "value", "rule"]].values.tolist() == [
        ["warning", "note", "", "unknown_column"],
        ["warning", "ther", "2 therapist(s)", "few_units"],
    ]


def test_every_problem_is_reported_with_row_and_column(tmp_path, tiny_codebook):
    text = (
        "id,ther,a1,a2,a3,b1\n"  # b2 missing from the file
        "c1,t1,1,2,3,4\n"  # row 2: fine
        " ,t1,9,2,3,4\n"  # row 3: empty ID; a1 = 9 out of 1-5
        "c3,t2,2,two,2.5,4\n"  # row 4: non-numeric a2; a3 = 2.5 not an option
        "c3,t3,2,2,2,4\n"  # row 5: c3 again, under another therapist
    )
    path = write(tmp_path, text)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StudyDataError) as err:
        validate_study(path, tiny_codebook)
    errors = err.value.problems.query("severity == 'error'")
    found = errors[["row", "column", "value", "rule"]].values.tolist()
    assert found == [
        ["", "b2", "", "column_in_dataframe"],
        [3, "a1", "9", "response_option"],
        [3, "id", " ", "id_present"],
        [4, "a2", "two", "numeric"],
        [4, "a3", "2.5", "response_option"],
        [5, "ther", "t3", "one_therapist_per_client"],
    ]
    warnings = err.value.problems.query("severity == 'warning'")
    assert warnings[["column", "rule"]].values.tolist() == [
        ["a2", "item_constant"],
        ["b1", "item_constant"],
        ["ther", "few_units"],
    ]
    assert str(err.value).startswith(f"{path}: 6 error(s), 3 warning(s); no model was fitted.")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_repeated_client_under_the_same_therapist_is_a_duplicate(tmp_path, tiny_codebook):
    text = TINY + "c2,t1,1,1,1,1,1,\n"
    with pytest.raises(StudyDataError) as err:
        validate_study(write(tmp_path, text), tiny_codebook)
    errors = err.value.problems.query("severity == 'error'")
    assert errors[["row", "column", "value", "rule"]].values.tolist() == [
        [3, "id", "c2", "one_row_per_client"],
        [5, "id", "c2", "one_row_per_client"],
    ]


def test_message_names_file_row_column_value_expected_and_fix(tmp_path, tiny_codebook):
    path = write(tmp_path, "id,ther,a1,a2,a3,b1,b2\nc1,t1,6,2,3,4,5\n")
    with pytest.raises(StudyDataError) as err:
        validate_study(path, tiny_codebook)
    assert format_problems(err.value.problems) == (
        f"ERROR {path}, row 2, column 'a1': value '6' [response_option]\n"
        "    expected a whole number from 1 to 5, a missing code (-9) or an empty cell; "
        "fix: correct the value, or declare it as a missing code in the codebook\n"
        f"WARNING {path}, column 'ther' [few_units]\n"
        "    expected at least 10 units of this level (the fewest for which a model can "
        "estimate the SD of their intercepts); fix: none needed to run: models leave this "
        "level's intercepts out and the report says so; estimating them needs a study with "
        "more units"
    )


def test_non_utf8_file_is_refused_with_a_fix(tmp_path, tiny_codebook):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,ther,a1\nJos\xe9,t1,1\n".encode("latin-1"))
    with pytest.raises(StudyFileError, match=r"not UTF-8 text .* save the file as 'CSV UTF-8'"):
        read_study(path)


def test_utf8_bom_is_accepted(tmp_path, tiny_codebook):
    path = tmp_path / "bom.csv"
    path.write_bytes(TINY.encode("utf-8-sig"))
    items, _, _ = validate_study(path, tiny_codebook)
    assert items["client"].tolist() == ["c1", "c2", "c3"]


def test_clean_items_strips_ids(tiny_codebook):
    raw = pd.DataFrame(
        {
            "id": [" c1 "],
            "ther": ["t1"],
            "a1": ["1"],
            "a2": ["2"],
            "a3": ["3"],
            "b1": ["-9"],
            "b2": ["7"],
        }
    )
    items = clean_items(raw, tiny_codebook)
    assert items.loc[0, "client"] == "c1"
    assert np.isnan(items.loc[0, "b1"])


def test_study_without_therapists_and_with_declared_crossing(tmp_path):
    import yaml

    from intersession.data.codebook import load_codebook

    doc = {
        "columns": {"client": "id", "therapist": "ther", "session": "s"},
        "crossed": ["clients_across_therapists"],
        "instruments": {"a": {"items": ["a1", "a2"], "range": [1, 5]}},
    }
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(doc))
    text = "id,ther,s,a1,a2\nc1,t1,1,1,2\nc1,t2,2,3,3\nc2,t1,1,4,5\n"
    items, problems, _ = validate_study(write(tmp_path, text), load_codebook(tmp_path / "cb.yaml"))
    # c1 sees two therapists: allowed by the codebook; two clients and two therapists are
    # too few for their effects
    assert problems[["column", "value", "rule"]].values.tolist() == [
        ["id", "2 client(s)", "few_units"],
        ["ther", "2 therapist(s)", "few_units"],
    ]
    assert items["session"].tolist() == [1.0, 2.0, 1.0]
    del doc["columns"]["therapist"], doc["crossed"]
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(doc))
    items, problems, _ = validate_study(write(tmp_path, text), load_codebook(tmp_path / "cb.yaml"))
    assert items.columns.tolist() == ["client", "session", "a1", "a2"]
    assert problems[["column", "rule"]].values.tolist() == [
        ["id", "few_units"],
        ["ther", "unknown_column"],
    ]
