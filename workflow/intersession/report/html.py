"""Render the HTML report: a Jinja2 template with autoescaping, figures inlined as data URIs.

Everything from the user's files (study title, labels, column names) passes through Jinja2's
HTML escaping; the page loads nothing from outside (no scripts, fonts or style sheets).
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def figure_data_uri(fig: plt.Figure) -> str:
    """PNG of the figure as a ``data:`` URI; the figure is closed afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


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
    return env


def render(context: dict) -> str:
    """The report's HTML text."""
    return environment().get_template("report.html.j2").render(**context)
