"""Everything the report template shows, gathered from the steps' tables and the fits' records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from intersession import __version__
from intersession.atomic import write_csv
from intersession.data.codebook import load_codebook
from intersession.data.validate import counts
from intersession.report import apa
from intersession.report import bench as bench_sections
from intersession.report import sections as content
from intersession.report.findings import model_findings
from intersession.report.text import prior_text, statistical_analysis
from intersession.tables import read_table


def study_summary(inputs, study: dict, book, tables_dir: Path) -> dict:
    """The study's size, design, data file and instruments (with reliability, mean, SD)."""
    scores = read_table(study["scores"])
    rel = read_table(study["reliability"])
    rel["mean"] = [scores[n].mean() for n in rel["instrument"]]
    rel["sd"] = [scores[n].std() for n in rel["instrument"]]
    write_csv(tables_dir / "study_instruments.csv", rel)
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
    }


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
    findings = model_findings(sections, labels, interval, priors, comparisons)
    shared = [n for n in sections[0]["notes"] if all(n in s["notes"] for s in sections)]
    for section in sections:  # a note every model shares is said once, in the Study
        section["own_notes"] = [n for n in section["notes"] if n not in shared]
    return {
        "title": settings["title"],
        "version": __version__,
        "generated": dt.date.today().isoformat(),
        "interval_pct": f"{interval:.0%}",
        "study": study_summary(inputs, study, book, tables_dir),
        "models": sections,
        "key_findings": findings,
        "shared_notes": shared,
        "checks_summary": checks_summary(sections, priors, comparisons),
        "prior_sets": prior_sets(inputs, sections, priors),
        "prior_comparison": priors,
        "loo": comparisons,
        "calibration": calibrated,
        "methods": statistical_analysis(sections, inputs.sampler, interval, first.versions),
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
