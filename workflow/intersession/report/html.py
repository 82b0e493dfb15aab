"""Render the HTML report: a Jinja2 template with autoescaping; figures come as data URIs.

Everything from the user's files (study title, labels, column names) passes through Jinja2's
HTML escaping; the page loads nothing from outside (no scripts, fonts or style sheets).
"""

from __future__ import annotations

import re
from html import unescape

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from intersession.report import apa


def _number(value, digits: int = 2) -> str:
    """A table cell: fixed decimals with a true minus sign (APA), integers with
    thousands separators, NaN empty."""
    if value is None or value != value:  # NaN
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if digits == 0 or isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
        return f"{round(float(value)):,}".replace("-", apa.MINUS)
    return apa.decimal(value, digits)


def _italics(text: str) -> Markup:
    """A reference entry: '*Title*' in italics, the rest escaped."""
    parts = str(text).split("*")
    return Markup("").join(
        Markup("<i>{}</i>").format(part) if i % 2 else escape(part) for i, part in enumerate(parts)
    )


_CAPTION = re.compile(r"<(figcaption|caption)([^>]*)>")


def number_captions(html: str) -> str:
    """'Table N.' and 'Figure N.' before every caption, in the order a reader meets them,
    with ids (``table-N``, ``figure-N``) to link to."""
    counts = {"figcaption": 0, "caption": 0}

    def label(match: re.Match) -> str:
        tag, attributes = match.group(1), match.group(2)
        counts[tag] += 1
        kind = "Figure" if tag == "figcaption" else "Table"
        n = counts[tag]
        return (
            f'<{tag}{attributes} id="{kind.lower()}-{n}"><strong class="number">{kind} {n}.'
            "</strong> "
        )

    return _CAPTION.sub(label, html)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("intersession", "report/templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _number
    env.filters["apa"] = apa.html
    env.filters["pd"] = apa.probability_cell
    env.filters["bounded"] = apa.bounded
    env.filters["italics"] = _italics
    return env


def render(context: dict) -> str:
    """The report's HTML text, its tables and figures numbered; the reference list holds
    the works the text cites (found in a first rendering)."""
    return render_with_references(context)[0]


def render_with_references(context: dict) -> tuple[str, list]:
    """The HTML and its reference list (for the Word and Markdown files)."""
    template = environment().get_template("report.html.j2")
    draft = template.render(**{**context, "references": []})
    references = references_of(draft)
    return number_captions(template.render(**{**context, "references": references})), references


def references_of(html: str) -> list:
    from intersession.report.references import cited, sort_key

    text = re.sub(r"<[^>]+>", " ", html)
    return sorted(cited(unescape(text)), key=sort_key)


def references_bib(html: str) -> str:
    """The BibTeX of the reference list of a rendered report."""
    from intersession.report.references import bibtex

    return bibtex(references_of(html))
