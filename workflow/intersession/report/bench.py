"""The report's view of the methodologist's bench: prior comparison and LOO comparison."""

from __future__ import annotations

import re
from pathlib import Path

from intersession.atomic import write_csv
from intersession.effects.parameters import SLOPE_ROW
from intersession.plots import comparison
from intersession.report.labels import parameter_label
from intersession.report.sections import figure_entry
from intersession.tables import read_table


def prior_section(
    path: str | None,
    labels: dict,
    interval: float,
    store,
    tables_dir: Path,
    model_labels: dict | None = None,
) -> dict | None:
    """Key estimates per model across prior sets: rows for the table and a forest plot per
    model; ``None`` when the prior grid is off."""
    if path is None:
        return None
    table = read_table(path)
    write_csv(tables_dir / "prior_comparison.csv", table)
    table["display"] = [
        parameter_label(SLOPE_ROW, e, labels) if not e.startswith(("indirect", "index")) else e
        for e in table["estimate"]
    ]
    names = {**labels, **dict(zip(table["estimate"], table["display"], strict=True))}
    models = []
    model_labels = model_labels or {}
    for model, rows in table.groupby("model", sort=False):
        fig = comparison.prior_forest(rows, names, interval)
        label = model_labels.get(model, model)
        rows = rows.assign(outcome_label=[labels.get(y, y) for y in rows["outcome"]])
        models.append(
            {
                "name": model,
                "label": label,
                "rows": rows.to_dict("records"),
                "figure": figure_entry(
                    store,
                    fig,
                    f"{model}_prior_comparison",
                    f"Forest plot of the key estimates of the {label} model under each prior set",
                    f"Key estimates of the {label} model under each prior set: posterior mean and "
                    f"{interval:.0%} interval (standardised). Estimates that keep their side "
                    "of zero under every set do not hinge on the prior.",
                ),
                "max_shift": float(rows["shift_sd"].abs().max()),
                "flips": _flips(rows, labels),
            }
        )
    return {"models": models}


def _flips(rows, labels: dict) -> list[str]:
    """Estimates whose interval excludes 0 under some prior sets and not under others
    (named with their outcome when the model has several)."""
    several = rows["outcome"].nunique() > 1
    return [
        (f"{labels.get(outcome, outcome)}: " if several else "") + display
        for (outcome, display), group in rows.groupby(["outcome", "display"], sort=False)
        if group["excludes_zero"].nunique() > 1
    ]


def loo_section(
    directories: dict[str, str], store, tables_dir: Path, model_labels: dict | None = None
) -> list[dict]:
    """Per compared model: the comparison table, LOO per variant and the figures; variants
    named in words ("as declared", "without the interaction terms ...")."""
    from intersession.report.findings import variant_label

    sections = []
    model_labels = model_labels or {}
    for model, directory in directories.items():
        label = model_labels.get(model, model)
        tables = {
            name: read_table(Path(directory) / f"{name}.csv")
            for name in ("loo", "compare", "pareto_k")
        }
        for name, table in tables.items():
            write_csv(tables_dir / f"{model}_loo_{name}.csv", table)
        good_k = float(tables["loo"]["good_k"].iloc[0])
        for name in ("compare", "loo"):
            tables[name]["variant_label"] = [
                variant_label(v).removeprefix("the ") for v in tables[name]["variant"]
            ]
        drawn = {  # the figures' names of the variants: short, in words
            name: table.assign(variant=[short_variant(v) for v in table["variant"]])
            for name, table in tables.items()
        }
        sections.append(
            {
                "name": model,
                "label": label,
                "compare": tables["compare"].to_dict("records"),
                "loo": tables["loo"].to_dict("records"),
                "figures": [
                    figure_entry(
                        store,
                        comparison.loo_comparison(drawn["compare"]),
                        f"{model}_loo_comparison",
                        f"ELPD differences of the variants of the {label} model",
                        "Expected log predictive density of each variant relative to the "
                        "best (0), with the SE of the difference and the stacking weight. "
                        "Differences within about 2 SE do not separate the models; stacking "
                        "weights are weights of a predictive combination, not model "
                        "probabilities.",
                    ),
                    figure_entry(
                        store,
                        comparison.pareto_k(drawn["pareto_k"], good_k),
                        f"{model}_pareto_k",
                        f"Pareto k per observation for the variants of the {label} model",
                        f"Pareto k of each observation's importance weights. Above "
                        f"{good_k:.2f} the PSIS estimate is unreliable: the observation was "
                        "moment matched (dots: after matching) and, if still above, refitted "
                        "without it (crosses).",
                    ),
                ],
            }
        )
    return sections


def short_variant(variant: str) -> str:
    """'no_interaction' -> 'without the interaction terms'; 'declared' -> 'as declared'."""
    from intersession.report.findings import variant_label

    text = variant_label(variant).removeprefix("the ").removeprefix("variant ")
    text = text.removeprefix("model ")
    return re.sub(r" \(.*\)$", "", text)


def calibration_section(paths: list[str], store, tables_dir: Path) -> dict | None:
    """SBC uniformity (table and ECDF-difference figure) and the design analysis (detection
    per study size, table and figure); ``None`` unless the report includes them."""
    if not paths:
        return None
    from intersession.plots import calibration

    uniformity_path, ecdf_path, power_path = paths
    uniformity, ecdf = read_table(uniformity_path), read_table(ecdf_path)
    power = read_table(power_path)
    for name, table in (("sbc_uniformity", uniformity), ("design_power", power)):
        write_csv(tables_dir / f"{name}.csv", table)
    return {
        "uniformity": uniformity.to_dict("records"),
        "replicates": int(uniformity["replicates"].iloc[0]),
        "power": power[power["scale"] == "standardised"].to_dict("records"),
        "figures": [
            figure_entry(
                store,
                calibration.ecdf_difference(ecdf, uniformity),
                "sbc_ecdf_difference",
                "ECDF difference of the SBC ranks of each parameter with simultaneous bands",
                "Simulation-based calibration: the ECDF of each parameter's rank minus the "
                "uniform CDF, with a simultaneous band (Sailynoja, Burkner & Vehtari, 2022). "
                "A calibrated model stays inside every band.",
            ),
            figure_entry(
                store,
                calibration.detection(power),
                "design_detection",
                "Detection probability of the interaction and interval width by study size",
                "Design analysis: the share of simulated studies whose 95% interval of the "
                "self x other-alliance interaction excludes 0 (with its Monte Carlo SE), and "
                "the median interval width, by number of clients.",
            ),
        ],
    }
