"""Write the corpus of bad study files and cases.yaml, the problems each must raise.

Run from the repository root: ``python tests/corpus/make_corpus.py``. The base study is a
small simulated multi-site study (24 clients with two sessions each, 12 therapists,
10 sites: every level has the units a model needs; 48 rows) that validates
without any problem; each case breaks one thing in one format. The files are committed, so
the tests read exactly these bytes; this script documents how they were made.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import yaml

from intersession.data.codebook import load_codebook
from intersession.data.simulate import Design, simulate_study

HERE = Path(__file__).parent
CODEBOOK = HERE / "codebook.yaml"
DESIGN = Design(
    n_clients=24, n_therapists=12, n_sites=10, n_sessions=2, dropout_share=0, missed_share=0
)


def base_study() -> pd.DataFrame:
    simulation = HERE.parent / "designs" / "multisite_codebook.yaml"
    study, _ = simulate_study(load_codebook(simulation), DESIGN, seed=4)
    progress = ["pr1", "pr2", "pr3", "pr4"]
    study["progress_score"] = study[progress].where(study[progress] != -99).mean(axis=1).round(2)
    return study.drop(columns=progress).astype(str)


def set_cell(frame: pd.DataFrame, index: int, column: str, value: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[index, column] = value
    return frame


def write_csv(frame, name, sep=","):
    (HERE / name).write_text(frame.to_csv(index=False, sep=sep), encoding="utf-8")


def write_sav(frame, name):
    typed = frame.copy()
    for column in typed.columns:
        if column not in ("client_id", "therapist_id", "site_id"):
            typed[column] = pd.to_numeric(typed[column], errors="coerce")
    pyreadstat.write_sav(typed, str(HERE / name), missing_ranges={"sa1": [-99]})


def write_xlsx(frame, name, sheet="Responses"):
    typed = frame.copy()
    for column in typed.columns:
        numbers = pd.to_numeric(typed[column], errors="coerce")
        typed[column] = typed[column].where(numbers.isna(), numbers).astype(object)
    typed.to_excel(HERE / name, sheet_name=sheet, index=False)


def cases(base: pd.DataFrame) -> list[dict]:
    """Each case: file, how to make it, and the problems expected (row, column, rule)."""
    b = base
    out = []

    def case(file, make, problems=None, message=None, sheet=None, exit_status=1):
        make(file)
        out.append(
            {
                "file": file,
                "sheet": sheet,
                "exit_status": exit_status,
                "problems": problems or [],
                "message": message,
            }
        )

    other_client = b.loc[2, "client_id"]
    # a row whose site has a second therapist: moving it there breaks only client nesting
    row, colleague = next(
        (i, t)
        for i in b.index
        for t in b.loc[b.site_id == b.loc[i, "site_id"], "therapist_id"].unique()
        if t != b.loc[i, "therapist_id"] and b.loc[i, "session"] == "2"
    )
    # --- CSV -------------------------------------------------------------------------
    case(
        "missing_item_column.csv",
        lambda f: write_csv(b.drop(columns=["oa3"]), f),
        [["error", "", "oa3", "column_in_dataframe"]],
    )
    case(
        "missing_client_column.csv",
        lambda f: write_csv(b.drop(columns=["client_id"]), f),
        [["error", "", "client_id", "column_in_dataframe"]],
    )
    case(
        "empty_client_id.csv",
        lambda f: write_csv(set_cell(b, 3, "client_id", ""), f),
        [["error", 5, "client_id", "id_present"]],
    )
    case(
        "empty_therapist_id.csv",
        lambda f: write_csv(set_cell(b, 0, "therapist_id", ""), f),
        [["error", 2, "therapist_id", "id_present"]],
    )
    case(
        "empty_site_id.csv",
        lambda f: write_csv(set_cell(b, 7, "site_id", " "), f),
        [["error", 9, "site_id", "id_present"]],
    )
    case(
        "out_of_range.csv",
        lambda f: write_csv(set_cell(b, 4, "sa2", "8"), f),
        [["error", 6, "sa2", "response_option"]],
    )
    case(
        "not_a_whole_number.csv",
        lambda f: write_csv(set_cell(b, 5, "ia1", "2.5"), f),
        [["error", 7, "ia1", "response_option"]],
    )
    case(
        "undeclared_negative_code.csv",
        lambda f: write_csv(set_cell(b, 6, "it2", "-98"), f),
        [["error", 8, "it2", "response_option"]],
    )
    case(
        "non_numeric_item.csv",
        lambda f: write_csv(set_cell(b, 1, "oa1", "three"), f),
        [["error", 3, "oa1", "numeric"]],
    )
    case(
        "decimal_comma.csv",
        lambda f: write_csv(set_cell(b, 2, "progress_score", "4,5"), f, sep=";"),
        [["error", 4, "progress_score", "decimal_comma"]],
    )
    case(
        "score_out_of_range.csv",
        lambda f: write_csv(set_cell(b, 8, "progress_score", "9.5"), f),
        [["error", 10, "progress_score", "response_option"]],
    )
    case(
        "client_under_two_therapists.csv",
        lambda f: write_csv(set_cell(b, row, "therapist_id", colleague), f),
        [["error", row + 2, "therapist_id", "one_therapist_per_client"]],
    )
    case(
        "therapist_in_two_sites.csv",
        lambda f: write_csv(
            set_cell(b, 3, "site_id", "S02" if b.loc[3, "site_id"] == "S01" else "S01"), f
        ),
        [["error", 5, "site_id", "one_site_per_therapist"]],
    )
    case(
        "duplicated_client_session.csv",
        lambda f: write_csv(set_cell(b, 1, "session", "1"), f),
        [
            ["error", 2, "client_id", "one_row_per_client_session"],
            ["error", 3, "client_id", "one_row_per_client_session"],
        ],
    )
    case(
        "non_numeric_session.csv",
        lambda f: write_csv(set_cell(b, 5, "session", "second"), f),
        [["error", 7, "session", "session_number"]],
    )
    case(
        "id_differs_in_case.csv",
        lambda f: write_csv(set_cell(b, 3, "client_id", other_client.lower()), f),
        [["error", 5, "client_id", "id_case"]],
    )
    case(
        "latin1_encoding.csv",
        lambda f: (HERE / f).write_bytes(
            set_cell(b, 0, "client_id", "Jos\u00e9").to_csv(index=False).encode("latin-1")
        ),
        message="not UTF-8 text",
    )
    case(
        "empty_file.csv",
        lambda f: (HERE / f).write_bytes(b""),
        message="the file is empty; expected a header row and data rows",
    )
    case(
        "header_only.csv",
        lambda f: (HERE / f).write_text(",".join(b.columns) + "\n"),
        message="no data rows below the header",
    )
    case(
        "ragged_row.csv",
        lambda f: (HERE / f).write_text(b.to_csv(index=False) + "C99,T01,S01,1" + ",4" * 30 + "\n"),
        message="every row needs as many cells as the header",
    )
    case(
        "duplicate_header.csv",
        lambda f: write_csv(b.rename(columns={"sa2": "sa1"}), f),
        message="the column name 'sa1' appears twice in the header",
    )
    case("unknown_extension.dat", lambda f: write_csv(b, f), message="unknown file type '.dat'")
    # --- TSV -------------------------------------------------------------------------
    case(
        "out_of_range.tsv",
        lambda f: write_csv(set_cell(b, 9, "oa4", "0"), f, sep="\t"),
        [["error", 11, "oa4", "response_option"]],
    )
    case(
        "empty_client_id.tsv",
        lambda f: write_csv(set_cell(b, 10, "client_id", ""), f, sep="\t"),
        [["error", 12, "client_id", "id_present"]],
    )
    # --- SPSS ------------------------------------------------------------------------
    case(
        "out_of_range.sav",
        lambda f: write_sav(set_cell(b, 4, "it3", "6"), f),
        [["error", 5, "it3", "response_option"]],
    )
    case(
        "missing_item_column.sav",
        lambda f: write_sav(b.drop(columns=["ia5"]), f),
        [["error", "", "ia5", "column_in_dataframe"]],
    )
    case(
        "empty_client_id.sav",
        lambda f: write_sav(set_cell(b, 0, "client_id", ""), f),
        [["error", 1, "client_id", "id_present"]],
    )
    case(
        "not_an_spss_file.sav",
        lambda f: write_csv(b, f),
        message="cannot be read as an SPSS .sav file",
    )
    # --- Excel -----------------------------------------------------------------------
    case(
        "sheet_missing.xlsx",
        lambda f: write_xlsx(b, f, sheet="Data"),
        sheet="Responses",
        message="no sheet named 'Responses'; sheets: Data",
    )
    case(
        "non_numeric_item.xlsx",
        lambda f: write_xlsx(set_cell(b, 2, "sa4", "n/a"), f),
        [["error", 4, "sa4", "numeric"]],
        sheet="Responses",
    )
    case(
        "decimal_comma.xlsx",
        lambda f: write_xlsx(set_cell(b, 6, "progress_score", "3,25"), f),
        [["error", 8, "progress_score", "decimal_comma"]],
        sheet="Responses",
    )
    case(
        "duplicated_client_session.xlsx",
        lambda f: write_xlsx(set_cell(b, 11, "session", "1"), f),
        [
            ["error", 12, "client_id", "one_row_per_client_session"],
            ["error", 13, "client_id", "one_row_per_client_session"],
        ],
        sheet="Responses",
    )
    case(
        "not_an_excel_file.xlsx",
        lambda f: write_csv(b, f),
        message="cannot be read as an Excel .xlsx file",
    )
    # --- warnings only: the run goes on ------------------------------------------------
    case(
        "id_with_spaces.csv",
        lambda f: write_csv(set_cell(b, 2, "client_id", f" {b.loc[2, 'client_id']} "), f),
        [["warning", 4, "client_id", "id_spaces"]],
        exit_status=0,
    )
    case(
        "sessions_out_of_order.csv",
        lambda f: write_csv(b.iloc[[1, 0, *range(2, len(b))]], f),
        [["warning", 3, "session", "session_order"]],
        exit_status=0,
    )
    case(
        "constant_item.csv",
        lambda f: write_csv(b.assign(it4="3"), f),
        [["warning", "", "it4", "item_constant"]],
        exit_status=0,
    )
    case(
        "too_few_items.csv",
        lambda f: write_csv(
            b.assign(sa1=b["sa1"].where(b.index != 4, ""), sa2=b["sa2"].where(b.index != 4, "-99")),
            f,
        ),
        [["warning", 6, "self_alliance", "too_few_items"]],
        exit_status=0,
    )
    case(
        "unknown_column.csv",
        lambda f: write_csv(b.assign(notes="x"), f),
        [["warning", "", "notes", "unknown_column"]],
        exit_status=0,
    )
    return out


def main() -> None:
    base = base_study()
    write_csv(base, "valid.csv")
    listing = cases(base)
    (HERE / "cases.yaml").write_text(
        "# Written by make_corpus.py: the problems each bad file must raise.\n"
        + yaml.safe_dump(listing, sort_keys=False)
    )
    print(f"wrote {len(listing)} cases to {HERE}")


if __name__ == "__main__":
    main()
