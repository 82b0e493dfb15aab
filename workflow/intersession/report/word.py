"""The manuscript blocks (:mod:`intersession.report.manuscript`) as a Word document, with
python-docx: Times New Roman 12 pt, double spacing, headings in APA levels, statistic
symbols and reference titles in italics, tables with horizontal rules only (APA 7)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from intersession.report import apa
from intersession.report.manuscript import blocks


def _runs(paragraph, text: str, italic_stars: bool = False) -> None:
    """Add ``text`` with APA italics (statistic symbols; ``*...*`` spans when asked)."""
    parts = str(text).split("*") if italic_stars else [str(text)]
    for i, part in enumerate(parts):
        for run_text, italic in apa.segments(part):
            run = paragraph.add_run(run_text)
            run.italic = italic or (italic_stars and i % 2 == 1)


def _rule(cell, *sides: str) -> None:
    """A single horizontal line on the given sides of a table cell."""
    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.append(borders)
    for side in sides:
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "6")
        line.set(qn("w:color"), "000000")
        borders.append(line)


def _table(doc, number, title, columns, rows, note) -> None:
    label = doc.add_paragraph()
    label.add_run(f"Table {number}").bold = True
    heading = doc.add_paragraph()
    heading.add_run(title).italic = True
    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    for j, name in enumerate(columns):
        cell = table.cell(0, j)
        _runs(cell.paragraphs[0], name)
        if name in apa.ITALIC:
            for run in cell.paragraphs[0].runs:
                run.italic = True
        _rule(cell, "top", "bottom")
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            _runs(cell.paragraphs[0], value)
            if i == len(rows):
                _rule(cell, "bottom")
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                for run in paragraph.runs:
                    run.font.size = Pt(10)
    note_paragraph = doc.add_paragraph()
    note_paragraph.add_run("Note. ").italic = True
    _runs(note_paragraph, note)


def document(context: dict) -> bytes:
    """The .docx file's bytes."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.DOUBLE
    for block in blocks(context):
        kind = block[0]
        if kind == "heading":
            doc.add_heading(block[2], level=block[1])
        elif kind == "paragraph":
            _runs(doc.add_paragraph(), block[1])
        elif kind == "reference":  # hanging indent; titles in *...* set in italics
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(36)
            paragraph.paragraph_format.first_line_indent = Pt(-36)
            _runs(paragraph, block[1], italic_stars=True)
        else:
            _table(doc, *block[1:])
    doc.core_properties.title = context["title"]
    doc.core_properties.author = f"intersession {context['version']}"
    stamp = dt.datetime.fromisoformat(context["generated"])
    for name in ("created", "modified", "last_printed"):
        setattr(doc.core_properties, name, stamp)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _reproducible(buffer.getvalue(), stamp)


def _reproducible(package: bytes, stamp: dt.datetime) -> bytes:
    """The same .docx (a zip) with every member stamped ``stamp`` instead of the time of
    writing, so that two runs of the same day give the same bytes (the workflow's
    resumed and uninterrupted runs are compared byte for byte)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member.filename))
    return out.getvalue()
