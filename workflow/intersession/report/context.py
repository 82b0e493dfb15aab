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
from intersession.report import bench as bench_sections
from intersession.report import sections as content
from intersession.report.text import statistical_analysis
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
    priors = bench_sections.prior_section(
        bench.get("prior_comparison"), labels, interval, store, tables_dir
    )
    comparisons = bench_sections.loo_section(bench.get("loo") or {}, store, tables_dir)
    calibrated = bench_sections.calibration_section(
        bench.get("calibration") or [], store, tables_dir
    )
    first = sections[0]["record"]
    return {
        "title": settings["title"],
        "version": __version__,
        "generated": dt.date.today().isoformat(),
        "interval_pct": f"{interval:.0%}",
        "study": study_summary(inputs, study, book, tables_dir),
        "models": sections,
        "key_findings": content.key_findings(sections, interval, labels)
        + bench_sections.bench_findings(priors, comparisons),
        "prior_comparison": priors,
        "loo": comparisons,
        "calibration": calibrated,
        "methods": statistical_analysis(sections, inputs.sampler, interval, first.versions),
        "results": [line for section in sections for line in section["results"]],
        "all_passed": bool(np.all([r["passed"] for s in sections for r in s["diagnostics"]])),
        "provenance": {
            "data_sha256": first.identity.data_sha256,
            "seed": inputs.seed,
            "sampler": ", ".join(f"{k} {v}" for k, v in inputs.sampler.items()),
            "versions": first.versions,
        },
    }
