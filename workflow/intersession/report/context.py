"""Everything the report template shows, gathered from the steps' tables and the fits' records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from intersession import __version__
from intersession.atomic import write_csv
from intersession.data.codebook import ROLES, load_codebook
from intersession.data.validate import counts
from intersession.effects import descriptives
from intersession.report import apa
from intersession.report import bench as bench_sections
from intersession.report import sections as content
from intersession.report.findings import model_findings
from intersession.report.text import prior_text, statistical_analysis
from intersession.tables import read_table


def study_summary(inputs, study: dict, book, tables_dir: Path, interval: float = 0.95) -> dict:
    """The study's size, design, data file and instruments (with reliability, mean, SD),
    the correlations of the scores (reliability on the diagonal), missing responses and
    the codebook's words for its levels (``words``: client, clients, therapist...)."""
    scores = read_table(study["scores"])
    rel = read_table(study["reliability"])
    rel["mean"] = [scores[n].mean() for n in rel["instrument"]]
    rel["sd"] = [scores[n].std() for n in rel["instrument"]]
    write_csv(tables_dir / "study_instruments.csv", rel)
    names = list(rel["instrument"])
    correlations = descriptives.correlation_table(scores, names, interval)
    write_csv(tables_dir / "study_correlations.csv", correlations)
    missing = None
    if study.get("items"):
        missing = descriptives.missing_items(read_table(study["items"]), scores, book)
        write_csv(tables_dir / "study_missing.csv", missing)
        missing = missing.assign(
            label=[book.instruments[n].label for n in missing["instrument"]]
        ).to_dict("records")
    problems = read_table(study["problems"])
    source = json.loads(Path(study["source"]).read_text())
    return {
        "title": book.title,
        "file": inputs.data_file,
        "codebook": inputs.codebook,
        "n_rows": len(scores),
        "n_clients": scores["client"].nunique(),
        "n_therapists": scores["therapist"].nunique() if book.therapist else None,
        "n_sites": scores["site"].nunique() if "site" in scores else None,
        "max_sessions": int(scores.groupby("client").size().max()),
        "n_warnings": counts(problems)[1],
        "problems_file": study["problems"],
        "format": source["format"],
        "value_labels": source["value_labels"],
        "instruments": rel.to_dict("records"),
        "words": {
            **{role: book.level_names(role) for role in ROLES},
            **{f"{role}s": book.level_names(role, 2) for role in ROLES},
        },
        "matrix": correlation_matrix(rel, correlations),
        "missing": missing,
        "between_clients": bool(scores["client"].duplicated().any()),
    }


def correlation_matrix(rel, correlations) -> list[dict]:
    """Rows of the APA correlation table: label, M, SD, then per column the correlation
    with its interval (lower triangle) or the reliability (omega, else alpha) on the
    diagonal."""
    table = correlations.set_index(["variable", "other"])
    names = list(rel["instrument"])
    rows = []
    for i, row in enumerate(rel.to_dict("records")):
        reliability = row.get("omega")
        if reliability is None or reliability != reliability:
            reliability = row.get("alpha")
        cells = []
        for j, other in enumerate(names):
            if j < i:
                r = table.loc[(row["instrument"], other)]
                cells.append({"r": r["r"], "lower": r["lower"], "upper": r["upper"]})
            elif j == i:
                cells.append({"reliability": reliability})
            else:
                cells.append({})
        rows.append({"label": row["label"], "mean": row["mean"], "sd": row["sd"], "cells": cells})
    return rows


def exclusion_flow(sections: list[dict], n_rows: int, tables_dir: Path) -> list[dict]:
    """Rows read, excluded per reason and used, per model (one computation for the table
    and its CSV)."""
    flow = descriptives.exclusion_flow(
        [(s["label"], n_rows, dict(s["excluded"]), int(s["n_obs"])) for s in sections]
    )
    write_csv(tables_dir / "study_exclusions.csv", flow)
    return flow.to_dict("records")


def variance_summary(sections: list[dict], labels: dict) -> list[dict]:
    """Per model and outcome: ICC of each level, R² marginal and conditional (rows of the
    models' variance tables, so the Study's table and each model's agree)."""
    rows = []
    for s in sections:
        table = pd.DataFrame(s["variance"])
        if table.empty:
            continue
        for outcome, part in table.groupby("outcome", sort=False):
            std = part[part["scale"] == "standardised"]
            rows.append(
                {
                    "model": s["label"],
                    "outcome": labels.get(outcome, outcome),
                    "icc": std[std["quantity"] == "icc"].to_dict("records"),
                    "r2_marginal": std[std["quantity"] == "r2_marginal"].iloc[0].to_dict(),
                    "r2_conditional": std[std["quantity"] == "r2_conditional"].iloc[0].to_dict(),
                }
            )
    return rows


def report_context(
    inputs,
    settings: dict,
    study: dict,
    models: list[tuple[str, str, str, str]],
    bench: dict,
    figures_dir: Path,
    tables_dir: Path,
) -> dict:
    """The template's context. ``inputs``: the study's ``StudyInputs``; ``settings``: the
    config's ``report`` section; ``models``: (name, fit, effects
    directory, diagnostics table) per model; ``bench``: the prior comparison table, LOO
    directories per model and calibration tables, where they ran."""
    book = load_codebook(inputs.codebook)
    labels = {name: inst.label for name, inst in book.instruments.items()}
    labels |= {name: factor.label for name, factor in book.factors.items()}
    labels["session"] = book.level_names("session").capitalize()
    labels |= {role: book.level_names(role) for role in ROLES if role != "session"}
    interval = settings["interval"]
    store = content.FigureStore(figures_dir)
    sections = [
        content.model_section(
            name, fit, directory, read_table(table), labels, interval, store, tables_dir
        )
        for name, fit, directory, table in models
    ]
    model_labels = {s["name"]: s["label"] for s in sections}
    priors = bench_sections.prior_section(
        bench.get("prior_comparison"), labels, interval, store, tables_dir, model_labels
    )
    comparisons = bench_sections.loo_section(
        bench.get("loo") or {}, store, tables_dir, model_labels
    )
    calibrated = bench_sections.calibration_section(
        bench.get("calibration") or [], store, tables_dir
    )
    first = sections[0]["record"]
    summary = study_summary(inputs, study, book, tables_dir, interval)
    findings = model_findings(sections, labels, interval, priors, comparisons)
    shared = [n for n in sections[0]["notes"] if all(n in s["notes"] for s in sections)]
    for section in sections:  # a note every model shares is said once, in the Study
        section["own_notes"] = [n for n in section["notes"] if n not in shared]
    return {
        "title": settings["title"],
        "version": __version__,
        "generated": dt.date.today().isoformat(),
        "interval_pct": f"{interval:.0%}",
        "study": summary,
        "exclusions": exclusion_flow(sections, summary["n_rows"], tables_dir),
        "variance_summary": variance_summary(sections, labels),
        "models": sections,
        "key_findings": findings,
        "shared_notes": shared,
        "checks_summary": checks_summary(sections, priors, comparisons),
        "prior_sets": prior_sets(inputs, sections, priors),
        "prior_comparison": priors,
        "loo": comparisons,
        "calibration": calibrated,
        "methods": statistical_analysis(sections, inputs.sampler, interval, first.versions, labels),
        "results": [line for finding in findings for line in finding["results"]],
        "all_passed": bool(np.all([r["passed"] for s in sections for r in s["diagnostics"]])),
        "provenance": {
            "data_sha256": first.identity.data_sha256,
            "seed": inputs.seed,
            "sampler": ", ".join(f"{k} {v}" for k, v in inputs.sampler.items()),
            "versions": first.versions,
        },
    }


def prior_sets(inputs, sections: list[dict], priors: dict | None) -> list[dict]:
    """Every prior set the report uses (the models' own and the prior grid's), defined:
    its label, the priors in words and the rationale from its file."""
    from intersession.model.declaration import load_priors

    names = [s["record"].identity.priors["name"] for s in sections]
    if priors:
        names += [row["prior_set"] for m in priors["models"] for row in m["rows"]]
    found = []
    for name in dict.fromkeys(names):
        declared = load_priors(inputs.models_dir, name)
        found.append(
            {
                "name": name,
                "label": declared.get("label", name),
                "priors": prior_text(declared),
                "rationale": str(declared.get("rationale", "")).strip(),
            }
        )
    return found


def checks_summary(sections: list[dict], priors: dict | None, loo: list[dict]) -> dict:
    """The summary box's two kinds of checks: convergence (does the sampler's output
    represent the posterior?) and methods (what do the priors imply, how sensitive are the
    estimates, how well do the models predict?)."""
    failed = sorted({s["label"] for s in sections for r in s["diagnostics"] if not r["passed"]})
    convergence = (
        "Convergence checks (R-hat, bulk and tail ESS, divergences, E-BFMI, tree depth): "
        + (
            f"all passed for {apa.every(len(sections), 'model')}."
            if not failed
            else f"failed for {', '.join(failed)}; read their estimates with caution."
        )
    )
    methods = []
    shares = [
        (row["share_outside"], s["label"], row["outcome"])
        for s in sections
        for row in s["prior_predictive"]
    ]
    if shares:
        top = max(shares, key=lambda x: x[0])
        methods.append(
            "Prior predictive checks: at most "
            f"{apa.share(top[0])} of values outside an outcome's possible range "
            f"({top[1]} model)."
        )
    flagged = [
        (s["label"], row["display"], row["diagnosis"])
        for s in sections
        for row in s["sensitivity"]
        if row["diagnosis"] != "none"
    ]
    methods.append(
        "Power-scaling sensitivity: "
        + (
            "no parameter flagged."
            if not flagged
            else f"{apa.count(len(flagged), 'parameter')} flagged ("
            + "; ".join(f"{m}: {p}, {d}" for m, p, d in flagged)
            + ")."
        )
    )
    if priors:
        flips = [(m["label"], f) for m in priors["models"] for f in m["flips"]]
        methods.append(
            "Prior sets: "
            + (
                "no conclusion about zero changes with the prior."
                if not flips
                else "the conclusion about zero depends on the prior for "
                + "; ".join(f"{f} ({m})" for m, f in flips)
                + "."
            )
        )
    if loo:
        unresolved = sum(int(row["unresolved"]) for m in loo for row in m["loo"])
        methods.append(
            f"PSIS-LOO: {apa.count(len(loo), 'model')} compared with their variants; "
            + (
                "every Pareto k resolved."
                if not unresolved
                else f"{apa.count(unresolved, 'observation')} with unresolved Pareto k."
            )
        )
    return {"convergence": convergence, "methods": methods, "failed": failed}
