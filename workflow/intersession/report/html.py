"""Render the HTML report: a Jinja2 template with autoescaping; figures come as data URIs.

Everything from the user's files (study title, labels, column names) passes through Jinja2's
HTML escaping; the page loads nothing from outside (no scripts, fonts or style sheets).
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from intersession.report import apa


def _number(value, digits: int = 2) -> str:
    if value is None or value != value:  # NaN
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if digits == 0 or isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
        return f"{round(float(value)):,}"
    return f"{value:.{digits}f}"


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
    return env


def render(context: dict) -> str:
    """The report's HTML text."""
    return environment().get_template("report.html.j2").render(**context)
