"""One function per workflow rule: read the rule's inputs, call the layers, write outputs.

Rules and their scripts stay thin; everything here is importable and testable. Every
output is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from intersession import __version__
from intersession.atomic import atomic_directory, together, write_csv, write_text
from intersession.data.codebook import load_codebook
from intersession.data.read import study_format
from intersession.data.score import reliability_table, score_study
from intersession.data.validate import StudyDataError, validate_study
from intersession.provenance import derive_seed, object_digest, posterior_digest
from intersession.tables import read_table

log = logging.getLogger("intersession")


def validate(
    data: str,
    codebook: str,
    items_out: str,
    problems_out: str,
    sheet: str | None = None,
    source_out: str | None = None,
) -> None:
    """Validate the study file; write the problems table always, and only if the file is
    valid the clean items and a description of the source (format, SPSS value labels)."""
    book = load_codebook(codebook)
    try:
        items, problems, raw = validate_study(data, book, sheet)
    except StudyDataError as err:
        write_csv(problems_out, err.problems)
        raise
    write_csv(problems_out, problems)
    with together():
        if source_out:
            labels = {
                column: {
                    f"{code:g}" if isinstance(code, float) else str(code): text
                    for code, text in mapping.items()
                }
                for column, mapping in raw.value_labels.items()
            }
            source = {"format": raw.format, "value_labels": labels}
            write_text(source_out, json.dumps(source, indent=1, sort_keys=True))
        write_csv(items_out, items)
    log.info("%s (%s): %d rows valid, %d warning(s)", data, raw.format, len(items), len(problems))


def score(items: str, codebook: str, scores_out: str, reliability_out: str) -> None:
    """Scale scores per client and reliability per instrument."""
    book = load_codebook(codebook)
    frame = read_table(items)
    scores = score_study(frame, book)
    reliability = reliability_table(frame, book)
    with together():
        write_csv(scores_out, scores)
        write_csv(reliability_out, reliability)
    log.info(
        "scored %d clients on %d instruments\n%s",
        len(scores),
        len(book.instruments),
        reliability.to_string(index=False, float_format="%.3f"),
    )


def fit(
    scores: str,
    codebook: str,
    models_dir: str,
    model: str,
    data_file: str,
    sampler: dict,
    seed: int,
    threads: int,
    fit_outs: dict[str | None, str],
    variant: str | None = None,
) -> None:
    """Fit the declared model, or a ``variant`` of it, under each prior set of ``fit_outs``
    (None: the declared set) and store each fit with its provenance.

    With nutpie and several sets, prior constants are data of the model
    (``model.regression.build_options``) and the model is compiled once for all the sets:
    on the default study a compilation is about 10 of a fit's 15 s. The data's shapes are
    fixed (the same options), which makes each gradient faster."""
    from intersession.inference.fit import sample
    from intersession.inference.refit import compile_structure
    from intersession.inference.stale import fit_identity
    from intersession.model.build import build, prepare
    from intersession.model.declaration import load_model
    from intersession.model.regression import build_options

    book = load_codebook(codebook)
    table = read_table(scores)
    model_seed = derive_seed(seed, model)
    shared = len(fit_outs) > 1 and sampler["backend"] == "nutpie"  # one compilation for all
    structure = None
    for i, (priors, fit_out) in enumerate(fit_outs.items()):
        spec = load_model(models_dir, model, book, priors=priors, variant=variant)
        equations = prepare(spec, table)
        data = equations[-1][1]  # the outcome's equation: groups, exclusions, notes
        if i == 0:
            for note in data.notes:
                log.info("design: %s", note)
        log.info(
            "fitting %s%s on %d rows (seed %d, %s)",
            model,
            f" under prior set {spec.priors['name']}" if len(fit_outs) > 1 else "",
            len(data.frame),
            model_seed,
            sampler["backend"],
        )
        with build_options(priors_as_data=shared, fixed_shapes=True):
            built = build(spec, equations)
            if shared and structure is None:
                structure = compile_structure(build(spec, equations))
        idata = sample(built, sampler, model_seed, cores=threads, structure=structure)
        config = {
            "sampler": sampler,
            "seed": seed,
            "model": spec.declaration,
            "priors": spec.priors,
        }
        provenance = {
            **fit_identity(spec, data_file, codebook, sampler, seed, variant),
            "model": model,
            "data_file": data_file,
            "data_format": study_format(data_file),
            "config_digest": object_digest(config),
            "model_seed": model_seed,
        }
        _store_fit(idata, spec, equations, provenance, fit_out)


def _store_fit(idata, spec, equations, provenance: dict, fit_out: str) -> None:
    """Attach scaling, equations and provenance (the run's, plus what later steps read of
    the model's design) to a fit and write it."""
    from intersession.inference.fit import (
        attach_equations,
        attach_provenance,
        attach_scaling,
        save_fit,
    )
    from intersession.model.regression import outcome_range

    data = equations[-1][1]
    attach_scaling(idata, {k: v for _, d, _ in equations for k, v in d.scaling.items()})
    attach_equations(idata, [(suffix, eq.outcome) for eq, _, suffix in equations])
    attach_provenance(
        idata,
        {
            **provenance,
            "label": spec.label,
            "groups": [
                {"level": g.level, "slopes": list(g.slopes), "correlated": g.correlated}
                for g in data.groups
            ],
            "terms": list(data.terms),
            "equations": [
                {"suffix": suffix, "outcome": eq.outcome, "terms": list(d.terms)}
                for eq, d, suffix in equations
            ],
            "mediation": spec.mediation,
            "excluded": data.excluded,
            "design_notes": list(data.notes),
            "outcome_ranges": {eq.outcome: outcome_range(eq) for eq, _, _ in equations},
            "pointwise": json.loads(idata.log_likelihood.attrs["pointwise_plan"]),
            "posterior_sha256": posterior_digest(idata.posterior),
        },
    )
    save_fit(idata, fit_out)


def require_current(
    fits: dict[str, tuple[str, str | None, str | None]],
    models_dir: str,
    codebook: str,
    data_file: str,
    sampler: dict,
    seed: int,
) -> None:
    """Refuse any fit (path: (model, prior set or None, variant or None)) whose provenance
    does not match the current declaration, prior set, data, codebook, sampler and seed."""
    from intersession.inference.stale import check_current, fit_identity, stored_provenance
    from intersession.model.declaration import load_model

    book = load_codebook(codebook)
    for path, (model, priors, variant) in fits.items():
        spec = load_model(models_dir, model, book, priors=priors, variant=variant)
        expected = fit_identity(spec, data_file, codebook, sampler, seed, variant)
        check_current(path, stored_provenance(path), expected)


def diagnose(fit_path: str, out: str) -> None:
    """Convergence checks of one fit, as a table with pass or fail per check."""
    import arviz as az

    from intersession.checks.diagnostics import diagnose as run_checks

    table = run_checks(az.from_netcdf(fit_path, engine="h5netcdf"))
    write_csv(out, table)
    failed = table.loc[~table["passed"], "check"].tolist()
    if failed:
        log.warning("%s: checks failed: %s", fit_path, ", ".join(failed))
    log.info("\n%s", table.to_string(index=False))


def effects(fit_path: str, interval: float, settings: dict, out_dir: str) -> None:
    """Tidy tables of one fit in ``out_dir``: parameters; per two-way interaction of each
    equation predicted lines, simple slopes, a floodlight and Johnson-Neyman regions; and
    indirect effects of a mediation model (tables stay empty where a model has none)."""
    import arviz as az

    from intersession.effects import mediation, predictions, prior_checks, sensitivity, slopes
    from intersession.effects.parameters import parameter_table
    from intersession.inference.fit import read_provenance
    from intersession.model.regression import base_term

    idata = az.from_netcdf(fit_path, engine="h5netcdf")
    out = Path(out_dir)
    parameters = parameter_table(idata, interval)
    columns = {
        "predictions": predictions.COLUMNS,
        "slopes": slopes.SLOPE_COLUMNS,
        "floodlight": slopes.FLOODLIGHT_COLUMNS,
        "johnson_neyman": slopes.REGION_COLUMNS,
        "indirect": mediation.COLUMNS,
        "prior_predictive": prior_checks.COLUMNS,
        "sensitivity": sensitivity.COLUMNS,
    }
    tables: dict[str, list] = {name: [] for name in columns}
    for suffix, outcome, focal, moderator in predictions.interaction_terms(idata):
        tables["predictions"].append(
            predictions.predicted_lines(idata, focal, moderator, suffix, outcome, interval=interval)
        )
        inter = slopes.Interaction(idata, suffix, outcome, focal, moderator)
        values = settings["moderator_values"].get(base_term(moderator), [])
        tables["slopes"].append(slopes.simple_slopes(inter, values, interval, settings["rope"]))
        tables["floodlight"].append(slopes.floodlight(inter, interval))
        tables["johnson_neyman"].append(slopes.johnson_neyman(inter, settings["jn_probability"]))
    prov = read_provenance(idata)
    ranges = prov.get("outcome_ranges")
    if ranges is None:
        raise ValueError(
            f"{fit_path} was written by an older intersession (no outcome ranges in its "
            "provenance); refit it: snakemake --forcerun fit"
        )
    tables["prior_predictive"].append(prior_checks.prior_predictive_table(idata, ranges))
    tables["sensitivity"].append(sensitivity.power_scaling_table(idata))
    declared = prov.get("mediation")
    if declared:
        tables["indirect"].append(mediation.indirect_effects(idata, declared, interval))
    with together():
        write_csv(out / "parameters.csv", parameters)
        for name, names in columns.items():
            frame = pd.concat(tables[name]) if tables[name] else pd.DataFrame(columns=names)
            write_csv(out / f"{name}.csv", frame)


def prior_comparison(
    cells: list[tuple[str, str]],
    fits: list[str],
    interval: float,
    out: str,
    models_dir: str,
    codebook: str,
    data_file: str,
    sampler: dict,
    seed: int,
) -> None:
    """Key estimates of each (model, prior set) fit, and their shift across prior sets."""
    import arviz as az

    from intersession.effects.prior_comparison import key_estimates
    from intersession.effects.prior_comparison import prior_comparison as compare
    from intersession.inference.fit import read_provenance

    require_current(
        {path: (m, prior_set, None) for (m, prior_set), path in zip(cells, fits, strict=True)},
        models_dir,
        codebook,
        data_file,
        sampler,
        seed,
    )
    estimates = {}
    for cell, path in zip(cells, fits, strict=True):
        idata = az.from_netcdf(path, engine="h5netcdf")
        estimates[cell] = key_estimates(idata, read_provenance(idata).get("mediation"), interval)
    table = compare(estimates)
    write_csv(out, table)
    log.info("\n%s", table.to_string(index=False, float_format="%.3f"))


def loo_comparison(
    model: str,
    fits: dict[str, str],
    scores: str,
    codebook: str,
    data_file: str,
    models_dir: str,
    sampler: dict,
    seed: int,
    outputs: dict[str, str],
    k_threshold: float | None = None,
) -> None:
    """PSIS-LOO of a model as declared and of its variants (moment matching, then exact
    refits, above the Pareto k threshold), compared by ELPD differences and stacking."""
    import arviz as az

    from intersession.checks import loo
    from intersession.effects.parameters import equations, observed_variable
    from intersession.inference.fit import read_provenance
    from intersession.model.build import build, prepare
    from intersession.model.declaration import load_model

    require_current(
        {path: (model, None, None if v == "declared" else v) for v, path in fits.items()},
        models_dir,
        codebook,
        data_file,
        sampler,
        seed,
    )
    book, frame = load_codebook(codebook), read_table(scores)
    summaries, points, results, observed = [], [], {}, {}
    for variant, path in fits.items():
        idata = az.from_netcdf(path, engine="h5netcdf")
        prov = read_provenance(idata)
        var_name, selection = observed_variable(idata, equations(idata)[-1][1])
        observed[variant] = idata.observed_data[var_name].sel(selection).values
        spec = load_model(
            models_dir, model, book, priors=prov["priors"]["name"], variant=prov.get("variant")
        )
        robust = loo.robust_loo(
            idata,
            lambda spec=spec: build(spec, prepare(spec, frame)),
            var_name,
            sampler,
            derive_seed(seed, f"loo {model} {variant}"),
            k_threshold,
        )
        summary, pointwise = loo.loo_rows(model, variant, robust)
        summaries.append(summary)
        points += pointwise
        results[variant] = robust.result
    loo.check_comparable(observed, model)
    table = loo.compare_table(model, results)
    with together():
        write_csv(outputs["loo"], pd.DataFrame(summaries, columns=loo.LOO_COLUMNS))
        write_csv(outputs["pareto_k"], pd.DataFrame(points, columns=loo.K_COLUMNS))
        write_csv(outputs["compare"], table)
    log.info("\n%s", table.to_string(index=False, float_format="%.3f"))


def report(
    config: dict,
    codebook: str,
    scores: str,
    reliability: str,
    problems: str,
    source: str,
    models: list[str],
    fits: list[str],
    effects: list[str],
    diagnostics: list[str],
    out: str,
    prior_comparison: str | None = None,
    loo: dict[str, str] | None = None,
    calibration: list[str] | None = None,
) -> None:
    """The self-contained HTML report ``out``, with its figures (PNG and SVG) in
    ``figures/`` and its tables (CSV) in ``tables/`` beside it; with the prior comparison
    table, the LOO comparison directories (per model) and the SBC and design-analysis
    tables (uniformity, ECDF, power) when the bench ran them."""
    from intersession.report import bench
    from intersession.report import sections as content
    from intersession.report.html import render
    from intersession.report.text import statistical_analysis

    require_current(
        {fit: (model, None, None) for model, fit in zip(models, fits, strict=True)},
        config["models_dir"],
        codebook,
        config["study"]["file"],
        config["sampler"],
        config["seed"],
    )
    folder = Path(out).parent
    with (
        together(),
        atomic_directory(folder / "figures") as figures_dir,
        atomic_directory(folder / "tables") as tables_dir,
    ):
        book = load_codebook(codebook)
        labels = {name: inst.label for name, inst in book.instruments.items()}
        interval = config["report"]["interval"]
        score_table = read_table(scores)
        rel = read_table(reliability)
        rel["mean"] = [score_table[n].mean() for n in rel["instrument"]]
        rel["sd"] = [score_table[n].std() for n in rel["instrument"]]
        write_csv(tables_dir / "study_instruments.csv", rel)
        store = content.FigureStore(figures_dir)
        sections = [
            content.model_section(
                name,
                fit,
                directory,
                read_table(table),
                labels,
                interval,
                store,
                tables_dir,
            )
            for name, fit, directory, table in zip(models, fits, effects, diagnostics, strict=True)
        ]
        priors = bench.prior_section(prior_comparison, labels, interval, store, tables_dir)
        comparisons = bench.loo_section(loo or {}, store, tables_dir)
        calibrated = bench.calibration_section(calibration or [], store, tables_dir)
        problem_table = read_table(problems)
        source = json.loads(Path(source).read_text())
        first = sections[0]["provenance"]
        context = {
            "title": config["report"]["title"],
            "version": __version__,
            "generated": dt.date.today().isoformat(),
            "interval_pct": f"{interval:.0%}",
            "study": {
                "title": book.title,
                "file": config["study"]["file"],
                "codebook": codebook,
                "n_rows": len(score_table),
                "n_clients": score_table["client"].nunique(),
                "n_therapists": score_table["therapist"].nunique() if book.therapist else None,
                "n_sites": score_table["site"].nunique() if "site" in score_table else None,
                "max_sessions": int(score_table.groupby("client").size().max()),
                "n_warnings": int((problem_table["severity"] == "warning").sum()),
                "problems_file": problems,
                "format": source["format"],
                "value_labels": source["value_labels"],
                "instruments": rel.to_dict("records"),
            },
            "models": sections,
            "key_findings": content.key_findings(sections, interval, labels)
            + bench.bench_findings(priors, comparisons),
            "prior_comparison": priors,
            "loo": comparisons,
            "calibration": calibrated,
            "methods": statistical_analysis(sections, config, first["versions"]),
            "results": [line for section in sections for line in section["results"]],
            "all_passed": bool(np.all([r["passed"] for s in sections for r in s["diagnostics"]])),
            "provenance": {
                "data_sha256": first["data_sha256"],
                "seed": config["seed"],
                "sampler": ", ".join(f"{k} {v}" for k, v in config["sampler"].items()),
                "versions": first["versions"],
            },
        }
        write_text(out, render(context))
    log.info("wrote %s", out)
