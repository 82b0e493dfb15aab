"""The drafted text and the APA tables for a manuscript, as one list of blocks that
:func:`markdown` and :mod:`intersession.report.word` render: so the Word file, the Markdown
file and the HTML report say the same thing, from the same context.

Blocks are ``("heading", level, text)``, ``("paragraph", text)`` (statistic symbols are
set in italics by the renderers, :func:`intersession.report.apa.segments`) and
``("table", number, title, columns, rows, note)``. Tables follow APA 7: a bold number, an
italic title, horizontal rules only, a note below; numbers as in the report.
"""

from __future__ import annotations

from intersession.report import apa


def _p(value) -> str:
    return apa.probability_cell(value)


def _ci(row, form=apa.decimal) -> str:
    return f"[{form(row['lower'])}, {form(row['upper'])}]"


def tables(context: dict) -> list[tuple]:
    """The APA tables: descriptives and correlations, ICC and R², then per model its
    population-level estimates (and a mediation's effects)."""
    found = []
    study = context["study"]
    level = context["interval_pct"]
    n = len(study["matrix"])
    rows = []
    for i, row in enumerate(study["matrix"]):
        cells = []
        for j, cell in enumerate(row["cells"]):
            if j < i:
                cells.append(f"{apa.bounded(cell['r'])} {_ci(cell, apa.bounded)}")
            elif j == i:
                cells.append(f"({apa.bounded(cell['reliability'])})")
            else:
                cells.append("")
        rows.append(
            [f"{i + 1}. {row['label']}", apa.decimal(row["mean"]), apa.decimal(row["sd"]), *cells]
        )
    found.append(
        (
            "Descriptive Statistics and Correlations of the Study Variables",
            ["Variable", "M", "SD", *[str(k + 1) for k in range(n)]],
            rows,
            f"Correlations with {level} intervals in brackets (Fisher z); reliability "
            "(McDonald's \u03c9, else Cronbach's \u03b1) on the diagonal.",
        )
    )
    if context.get("variance_summary"):
        found.append(
            (
                "Intraclass Correlations and Bayesian R\u00b2 per Model",
                ["Model", "Outcome", "ICC", "R\u00b2 marginal", "R\u00b2 conditional"],
                [
                    [
                        row["model"],
                        row["outcome"],
                        "; ".join(
                            f"{i['level']} {apa.bounded(i['mean'])} {_ci(i, apa.bounded)}"
                            for i in row["icc"]
                        ),
                        f"{apa.bounded(row['r2_marginal']['mean'])} "
                        f"{_ci(row['r2_marginal'], apa.bounded)}",
                        f"{apa.bounded(row['r2_conditional']['mean'])} "
                        f"{_ci(row['r2_conditional'], apa.bounded)}",
                    ]
                    for row in context["variance_summary"]
                ],
                f"Posterior means with {level} credible intervals; ICC of each level beyond the "
                "predictors (Nakagawa & Schielzeth, 2013).",
            )
        )
    for model in context["models"]:
        rows = [
            [
                row["display"],
                apa.decimal(row["mean"]),
                apa.decimal(row["sd"]),
                _ci(row),
                _p(row["pd"]),
                apa.decimal(row["r_hat"], 3) if row.get("r_hat") == row.get("r_hat") else "",
                f"{row['ess_bulk']:,.0f}" if row.get("ess_bulk") == row.get("ess_bulk") else "",
            ]
            for row in model["parameters"]
            if row["scale"] == "standardised"
        ]
        found.append(
            (
                f"Posterior Estimates of the {model['label']} Model",
                ["Parameter", "Estimate", "SD", f"{level} CrI", "pd", "R-hat", "Bulk ESS"],
                rows,
                "Standardised estimates (SD of the outcome per SD of the predictor); pd = "
                "probability of direction. "
                + " ".join(f"{note[:1].upper()}{note[1:]}." for note in model["notes"]),
            )
        )
        if model["indirect"]:
            found.append(
                (
                    f"Indirect, Direct and Total Effects in the {model['label']} Model",
                    ["Effect", "Moderator", "Estimate", f"{level} CrI", "pd"],
                    [
                        [
                            row["effect"],
                            row["moderator_level"],
                            apa.decimal(row["mean"], 3),
                            _ci(row, lambda v: apa.decimal(v, 3)),
                            _p(row["pd"]),
                        ]
                        for row in model["indirect"]
                    ],
                    "Standardised. Mediator and outcome were measured together: the effects "
                    "decompose associations and are not evidence of causal order.",
                )
            )
    return [("table", i + 1, *entry) for i, entry in enumerate(found)]


def blocks(context: dict) -> list[tuple]:
    """Title, the drafted Statistical analysis and Results, the tables, the references."""
    out = [
        ("heading", 0, context["title"]),
        (
            "paragraph",
            f"{context['study']['title']}. Drafted by intersession "
            f"{context['version']} on {context['generated']}: check every number "
            "against the report before submitting.",
        ),
        ("heading", 1, "Statistical Analysis"),
        ("paragraph", context["methods"]),
        ("heading", 1, "Results"),
        *[("paragraph", line) for line in context["results"]],
        ("heading", 1, "Tables"),
        *tables(context),
        ("heading", 1, "References"),
        *[("reference", ref.apa) for ref in context["references"]],
    ]
    return out


def markdown(context: dict) -> str:
    """The blocks as Markdown: statistic symbols and titles in ``*...*``, pipe tables."""
    lines = []
    for block in blocks(context):
        kind = block[0]
        if kind == "heading":
            lines += ["#" * (block[1] + 1) + " " + block[2], ""]
        elif kind == "paragraph":
            lines += [apa.markdown(block[1]), ""]
        elif kind == "reference":
            lines += [block[1], ""]
        else:
            _, number, title, columns, rows, note = block
            lines += [f"**Table {number}**", "", f"*{title}*", ""]
            lines.append("| " + " | ".join(columns) + " |")
            lines.append("|" + "|".join("---" for _ in columns) + "|")
            lines += [
                "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows
            ]
            lines += ["", f"*Note.* {apa.markdown(note)}", ""]
    return "\n".join(lines).rstrip() + "\n"
