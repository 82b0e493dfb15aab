"""Write the corpus of bad study files and cases.yaml, the problems each must raise.

Run from the repository root: ``python tests/corpus/make_corpus.py``. The base study is a
small simulated multi-site study (24 clients with two sessions each, 12 therapists,
10 sites: every level has the units a model needs; 48 rows) that validates
without any problem; each case breaks one thing in one format. The files are committed, so
the tests read exactly these bytes; this script documents how they were made.
"""

from __future__ import annotations

import re
import zipfile
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


def write_xlsx_formulas(frame, name, formulas: dict, cached: bool, sheet="Responses"):
    """An .xlsx whose cells ``formulas`` ({(index, column): formula}) hold formulas, with
    their results saved (as Excel saves them) or without (as openpyxl and many scripts
    write them). The saved result of each is the frame's value."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for index, row in frame.iterrows():
        cells = []
        for column, value in row.items():
            if (index, column) in formulas:
                cells.append(formulas[index, column])
            else:
                number = pd.to_numeric(value, errors="coerce")
                cells.append(value if pd.isna(number) else float(number))
        ws.append(cells)
    path = HERE / name
    book.save(path)
    if cached:
        results = {
            f"{openpyxl.utils.get_column_letter(frame.columns.get_loc(c) + 1)}{i + 2}": frame.loc[
                i, c
            ]
            for i, c in formulas
        }
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        for ref, value in results.items():
            xml = re.sub(
                rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v ?/>', rf"\1<f>\2</f><v>{value}</v>", xml
            )
        parts["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for part, data in parts.items():
                z.writestr(part, data)


def write_text(name, text: str):
    (HERE / name).write_bytes(text.encode("utf-8"))


def cases(base: pd.DataFrame) -> list[dict]:
    """Each case: file, how to make it, and the problems expected (row, column, rule)."""
    b = base
    out = []

    def case(file, make, problems=None, message=None, sheet=None, exit_status=1, codebook=None):
        make(file)
        out.append(
            {
                "file": file,
                "sheet": sheet,
                "codebook": codebook,
                "exit_status": exit_status,
                "problems": problems or [],
                "message": message,
            }
        )

    n = len(b.columns)
    lines = b.to_csv(index=False).splitlines()

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
        message=f"  row {len(b) + 2}: 34 cells, expected {n} (11 cell(s) beyond the last column",
    )
    # a cell deleted from the middle of row 6: every later value would shift left
    short = lines.copy()
    cells = short[5].split(",")
    short[5] = ",".join(cells[:10] + cells[11:])
    case(
        "ragged_short_row.csv",
        lambda f: write_text(f, "\n".join(short) + "\n"),
        message=f"  row 6: {n - 1} cells, expected {n} (its last value falls under column 'ia5')",
    )
    long = lines.copy()
    long[3] += ",5"
    case(
        "ragged_long_row.csv",
        lambda f: write_text(f, "\n".join(long) + "\n"),
        message=f"  row 4: {n + 1} cells, expected {n} (1 cell(s) beyond the last column",
    )
    case(
        "trailing_delimiter.csv",
        lambda f: write_text(f, "\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n"),
        message=f"{len(b)} row(s) do not have one cell per header column",
    )
    tsv = b.to_csv(index=False, sep="\t").splitlines()
    tsv[6] = "\t".join(tsv[6].split("\t")[:-1])
    case(
        "ragged_row.tsv",
        lambda f: write_text(f, "\n".join(tsv) + "\n"),
        message=f"  row 7: {n - 1} cells, expected {n} (its last value falls under column 'ia5')",
    )
    open_quote = lines.copy()
    open_quote[4] = '"' + open_quote[4]
    case(
        "unterminated_quote.csv",
        lambda f: write_text(f, "\n".join(open_quote) + "\n"),
        message='row 5: a quote (") opens a cell that is never closed',
    )
    stray = lines.copy()
    stray[2] = '"C01"x' + stray[2][3:]
    case(
        "stray_quote.csv",
        lambda f: write_text(f, "\n".join(stray) + "\n"),
        message="row 3: a quoted cell is followed by more text before the next delimiter ','",
    )
    case(
        "huge_cell.csv",
        lambda f: write_text(f, "\n".join([*lines[:3], '"' + "9" * 200_000 + '"' + lines[3][3:]])),
        message="row 4: a cell is longer than 131,072 characters",
    )
    case(
        "leading_blank_line.csv",
        lambda f: write_text(f, "\n" + "\n".join(lines) + "\n"),
        message="row 1: empty, where the header (the column names) must be",
    )
    case(
        "nul_in_header.csv",
        lambda f: write_csv(b.rename(columns={"it5": "it5\x00"}), f),
        [
            ["error", "", "it5", "column_in_dataframe"],
            ["error", "", "it5\\x00", "control_character"],
            ["warning", "", "it5\\x00", "unknown_column"],
        ],
    )
    case(
        "nul_in_id.csv",
        lambda f: write_csv(set_cell(b, 4, "client_id", "C\x0003"), f),
        [["error", 6, "client_id", "control_character"]],
    )
    case(
        "escape_in_item.csv",
        lambda f: write_csv(set_cell(b, 7, "it1", "3\x1b[2J"), f),
        [
            ["error", 9, "it1", "control_character"],
            ["error", 9, "it1", "numeric"],
        ],
    )
    case(
        "bell_in_note.csv",
        lambda f: write_csv(b.assign(note=["ok"] * 5 + ["ring\x07"] + ["ok"] * (len(b) - 6)), f),
        [["error", 7, "note", "control_character"], ["warning", "", "note", "unknown_column"]],
    )
    case(
        "line_break_in_id.csv",
        lambda f: write_csv(set_cell(b, 2, "therapist_id", "T0\n2"), f),
        [
            ["error", 4, "therapist_id", "control_character"],
            ["error", 5, "therapist_id", "one_therapist_per_client"],
        ],
    )
    # an empty line after row 4 is skipped but counted: the error below it is in row 9
    bad = set_cell(b, 6, "progress_score", "9.75").to_csv(index=False).splitlines()
    case(
        "blank_line.csv",
        lambda f: write_text(f, "\n".join([*bad[:4], "", *bad[4:]]) + "\n"),
        [["error", 9, "progress_score", "response_option"]],
    )
    case(
        "quoted_line_break.csv",
        lambda f: write_csv(
            set_cell(b.assign(note=["a\nmulti-line\nnote"] + [""] * (len(b) - 1)), 6, "sa2", "8"), f
        ),
        [["error", 8, "sa2", "response_option"], ["warning", "", "note", "unknown_column"]],
    )
    # formula injection: accepted as IDs, written out so that a spreadsheet shows them
    injected = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    hostile = b.copy()
    for old, new in zip(b["client_id"].unique(), injected, strict=False):
        hostile["client_id"] = hostile["client_id"].replace(old, new)
    case("injection_ids.csv", lambda f: write_csv(hostile, f), exit_status=0)
    # it3 empty in every row: one warning; rows missing another item now have too few
    others = b[["it1", "it2", "it4", "it5"]].apply(pd.to_numeric)
    short_rows = b.index[(others == -99).any(axis=1)]
    case(
        "item_unanswered.csv",
        lambda f: write_csv(b.assign(it3=""), f),
        [["warning", "", "it3", "item_unanswered"]]
        + [["warning", i + 2, "isp_thoughts", "too_few_items"] for i in short_rows],
        exit_status=0,
    )
    few = b[b["site_id"].isin(["S01", "S02", "S03"])]
    case(
        "few_units.csv",
        lambda f: write_csv(few, f),
        [
            ["warning", "", "client_id", "few_units"],
            ["warning", "", "site_id", "few_units"],
            ["warning", "", "therapist_id", "few_units"],
        ],
        exit_status=0,
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
        "formula_without_value.xlsx",
        lambda f: write_xlsx_formulas(b, f, {(2, "sa1"): "=2+2", (5, "oa2"): "=3"}, cached=False),
        sheet="Responses",
        message="sheet 'Responses': 2 formula cell(s) have no saved value (first: E4 ('=2+2'), "
        "J7 ('=3'))",
    )
    case(
        "formula_with_saved_value.xlsx",
        lambda f: write_xlsx_formulas(b, f, {(2, "sa1"): "=2+2", (5, "oa2"): "=3"}, cached=True),
        sheet="Responses",
        exit_status=0,
    )
    case(
        "cell_beyond_header.xlsx",
        lambda f: write_xlsx(b.assign(**{"": ["", "", "", "x"] + [""] * (len(b) - 4)}), f),
        sheet="Responses",
        message="cell(s) X5 hold values in a column without a header",
    )
    case(
        "delete_char_in_note.xlsx",
        lambda f: write_xlsx(b.assign(note=[""] * 8 + ["S\x7f05"] + [""] * (len(b) - 9)), f),
        [["error", 10, "note", "control_character"], ["warning", "", "note", "unknown_column"]],
        sheet="Responses",
    )
    case(
        "control_char_in_id.sav",
        lambda f: write_sav(set_cell(b, 3, "therapist_id", "T\x0102"), f),
        [
            ["error", 4, "therapist_id", "control_character"],
            ["error", 4, "therapist_id", "one_therapist_per_client"],
        ],
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
    # --- codebooks: YAML that must not expand or hang --------------------------------
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{x}: &{x} [{', '.join([f'*{y}'] * 9)}]\n"
        for y, x in zip("abcdefgh", "bcdefghi", strict=True)
    )
    for file, text in [
        ("alias_bomb_codebook.yaml", laughs),
        ("alias_bomb_in_codebook.yaml", (HERE / "codebook.yaml").read_text() + "x-" + laughs),
        (
            "merge_key_codebook.yaml",
            (HERE / "codebook.yaml")
            .read_text()
            .replace("instruments:", "defaults: &d {}\ninstruments:"),
        ),
    ]:
        case(
            "valid.csv",
            lambda f, text=text, file=file: write_text(file, text),
            message="an anchor (&name or *name) is not allowed in a declaration",
            codebook=file,
        )
    case(
        "valid.csv",
        lambda f: write_text("list_codebook.yaml", "- client_id\n- therapist_id\n"),
        message="expected a mapping of keys to values at the top level",
        codebook="list_codebook.yaml",
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
