"""The manuscript files: the drafted text and APA tables as Markdown and Word (.docx),
from the same context as the HTML report."""

import io

import pytest

from intersession.report.manuscript import blocks, markdown
from intersession.report.references import WORKS

M = "\u2212"


def context():
    row = {
        "display": "Self-alliance",
        "scale": "standardised",
        "mean": 0.51,
        "sd": 0.09,
        "lower": 0.35,
        "upper": 0.68,
        "pd": 1.0,
        "r_hat": 1.0012,
        "ess_bulk": 4123.0,
    }
    return {
        "title": "Alliance and intersession processes",
        "version": "0.1.0",
        "generated": "2026-12-02",
        "interval_pct": "95%",
        "study": {
            "title": "Simulated study",
            "matrix": [
                {
                    "label": "Self-alliance",
                    "mean": 5.8,
                    "sd": 0.85,
                    "cells": [{"reliability": 0.86}, {}],
                },
                {
                    "label": "ISP-actions",
                    "mean": 2.88,
                    "sd": 0.84,
                    "cells": [{"r": -0.57, "lower": -0.70, "upper": -0.40}, {"reliability": 0.91}],
                },
            ],
        },
        "variance_summary": [],
        "methods": "We fitted five models.",
        "results": [f"The slope was \u03b2 = 0.51, 95% CrI [0.35, 0.68], pd > .999; r = {M}.02."],
        "models": [
            {
                "label": "ISP-actions",
                "parameters": [row, {**row, "scale": "original"}],
                "indirect": [],
                "notes": ["site intercepts left out: the study has no site column"],
            }
        ],
        "references": [WORKS[0]],
    }


def test_markdown_has_the_text_apa_tables_and_references():
    text = markdown(context())
    assert "## Statistical Analysis\n\nWe fitted five models." in text
    assert "*pd* > .999; *r* = \u2212.02" in text  # statistic symbols in italics
    assert "**Table 1**\n\n*Descriptive Statistics and Correlations of the Study Variables*" in text
    assert f"| 2. ISP-actions | 2.88 | 0.84 | {M}.57 [{M}.70, {M}.40] | (.91) |" in text
    assert "| Self-alliance | 0.51 | 0.09 | [0.35, 0.68] | > .999 | 1.001 | 4,123 |" in text
    assert text.count("| Self-alliance | 0.51") == 1  # standardised rows only
    assert "*Note.* Standardised estimates" in text and "Site intercepts left out" in text
    assert "Aiken, L. S., & West, S. G. (1991). *Multiple regression" in text
    kinds = [b[0] for b in blocks(context())]
    assert kinds.count("table") == 2 and kinds[-1] == "reference"


def test_word_document_opens_with_italic_symbols_and_apa_tables(monkeypatch):
    docx = pytest.importorskip("docx")
    from intersession.report.word import document

    doc = docx.Document(io.BytesIO(document(context())))
    texts = [p.text for p in doc.paragraphs]
    assert "Statistical Analysis" in texts and "Results" in texts
    result = next(p for p in doc.paragraphs if p.text.startswith("The slope was"))
    italic = [r.text for r in result.runs if r.italic]
    assert italic == ["pd", "r"]  # and \u03b2 upright
    assert len(doc.tables) == 2
    label = next(p for p in doc.paragraphs if p.text == "Table 1")
    assert label.runs[0].bold
    title = doc.paragraphs[texts.index("Table 1") + 1]
    assert title.runs[0].italic and title.text.startswith("Descriptive Statistics")
    assert doc.tables[1].cell(1, 4).text == "> .999"
    header = doc.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert header.text == "M" and header.italic
    reference = doc.paragraphs[-1]
    assert any(r.italic and r.text.startswith("Multiple regression") for r in reference.runs)
    assert doc.styles["Normal"].font.name == "Times New Roman"
    # the same context gives the same bytes, whenever it is written (resumed runs compare)
    first = document(context())
    monkeypatch.setattr("time.time", lambda: 946_684_800.0)  # written in 2000 instead
    assert document(context()) == first
    assert doc.core_properties.created.date().isoformat() == "2026-12-02"
