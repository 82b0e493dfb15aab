"""APA 7 number and statistic formats (report/apa.py), pinned by hand."""

import math

import pytest

from intersession.report import apa

M = "\u2212"


@pytest.mark.parametrize(
    ("n", "text"), [(0, "zero"), (5, "five"), (9, "nine"), (10, "10"), (81, "81"), (1200, "1,200")]
)
def test_numbers_under_ten_are_words(n, text):
    assert apa.words(n) == text


def test_counts_agree_in_number():
    assert apa.count(5, "model") == "five models"
    assert apa.count(1, "model") == "one model"
    assert apa.count(81, "client") == "81 clients"
    assert apa.count(2, "analysis", "analyses") == "two analyses"


def test_all_of_a_count_reads_as_english():
    assert apa.every(5, "model") == "all five models"
    assert apa.every(2, "model") == "both models"
    assert apa.every(1, "model") == "the model"


def test_true_minus_and_no_negative_zero():
    assert apa.decimal(-0.241) == f"{M}0.24"
    assert apa.decimal(-0.001) == "0.00"
    assert "-" not in apa.decimal(-12.5, 1)
    assert apa.decimal(float("nan")) == ""


def test_bounded_statistics_have_no_leading_zero():
    assert apa.bounded(0.024) == ".02"
    assert apa.bounded(-0.3) == f"{M}.30"
    assert apa.bounded(1.0) == "1.00"  # a perfect correlation keeps its 1


def test_probabilities_and_pd():
    assert apa.probability(0.9864) == "= .986"
    assert apa.probability(0.99996) == "> .999"
    assert apa.probability(1.0) == "> .999"
    assert apa.probability(0.9995) == "> .999"  # would round to 1.000
    assert apa.probability(0.0002) == "< .001"
    assert apa.probability_cell(1.0) == "> .999"  # tables say what the text says
    assert apa.probability_cell(0.8491) == ".849"
    assert apa.probability_cell(math.nan) == ""


def test_interval():
    assert apa.interval(-0.051, 0.44, 0.95) == f"95% CrI [{M}0.05, 0.44]"
    assert apa.interval(-0.21, 0.25, 0.9, is_bounded=True) == f"90% CrI [{M}.21, .25]"


def test_statistic_symbols_are_italic_and_greek_letters_upright():
    text = f"\u03b2 = 0.24, pd = .99; r = .02, M = 5.80, SD = 0.85, \u0394ELPD = {M}2.3, SE = 2.4"
    html = str(apa.html(text))
    for symbol in ("pd", "r", "M", "SD", "SE"):
        assert f"<i>{symbol}</i> =" in html, symbol
    assert "<i>\u03b2</i>" not in html and "\u03b2 = 0.24" in html
    assert "<i>ELPD</i>" not in html and "\u0394ELPD" in html
    assert apa.markdown("r = .02 and pd > .999") == "*r* = .02 and *pd* > .999"


def test_italics_leave_words_alone_and_escape_html():
    text = "Other-alliance = 5 <b> for every M"
    html = str(apa.html(text))
    assert "<i>" not in html  # "e =" ends a word, "M" has no relation after it
    assert "&lt;b&gt;" in html


def test_every_author_year_citation_of_the_report_has_a_reference():
    """Scans the report's template and modules for 'Author (et al.|& Other), year' and
    'Author et al. (year)'; each must be found by the reference list's patterns, so the
    list cannot miss a work the text cites."""
    import re
    from pathlib import Path

    import intersession.report as report
    from intersession.report.references import SOFTWARE, WORKS, _pattern, bibtex, cited

    folder = Path(report.__file__).parent
    sources = [*folder.glob("*.py"), *(folder / "templates").glob("*.j2")]
    text = "\n".join(p.read_text() for p in sources)
    text = text.replace("\\u00e4", "\u00e4").replace("\\u00f6", "\u00f6").replace("&amp;", "&")
    citation = re.compile(
        r"\b([A-Z][\w\u00c0-\u017f-]+)(?: et al\.|(?:, [A-Z][\w\u00c0-\u017f-]+)*,? "
        r"(?:&|and) [A-Z][\w\u00c0-\u017f-]+)?,? \(?((?:19|20)\d\d)\b"
    )
    found = {m.group(0) for m in citation.finditer(text)}
    assert len(found) >= 15
    for mention in found:
        assert any(_pattern(ref).search(mention) for ref in WORKS + SOFTWARE), mention
    listed = cited("as Hayes (2015) and Yao et al., 2018 showed")
    assert [r.key for r in listed[:2]] == ["hayes2015", "yao2018"]
    assert listed[2:] == SOFTWARE  # software always listed
    assert bibtex(listed).count("@") == len(listed)
    assert "doi = {10.1080/00273171.2014.962683}" in bibtex(listed)


def test_tables_and_figures_are_numbered_in_reading_order():
    from intersession.report.html import number_captions

    html = (
        '<table><caption class="note">A</caption></table><figure><figcaption>F</figcaption>'
        '</figure><table><caption class="note">B</caption></table>'
    )
    assert number_captions(html) == (
        '<table><caption class="note" id="table-1"><strong class="number">Table 1.</strong> A'
        '</caption></table><figure><figcaption id="figure-1"><strong class="number">Figure 1.'
        '</strong> F</figcaption></figure><table><caption class="note" id="table-2"><strong '
        'class="number">Table 2.</strong> B</caption></table>'
    )


def test_table_cells_use_a_true_minus_and_pd_as_the_text_does():
    from intersession.report.html import environment

    env = environment()
    assert env.filters["num"](-0.261) == f"{M}0.26"
    assert env.filters["num"](-1234.0) == f"{M}1,234"
    assert env.filters["pd"](1.0) == "> .999" and env.filters["pd"](0.992) == ".992"


def test_figures_are_saved_at_print_resolution(tmp_path):
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    from intersession.report.sections import FigureStore

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1])
    uri = FigureStore(tmp_path).embed(fig, "f")
    assert mpimg.imread(tmp_path / "f.png").shape[:2] == (300, 600)  # 300 dpi
    assert (tmp_path / "f.svg").stat().st_size > 0 and uri.startswith("data:image/png")
