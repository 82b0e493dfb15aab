"""One thin adapter per workflow rule: read the rule's inputs, call the layers, write outputs.

Rules and their scripts stay thin; everything here is importable and testable. Every
output is written atomically. A study's shared fit inputs travel as one
:class:`~intersession.inference.record.StudyInputs`; heavy layers (PyMC, ArviZ) are
imported by the steps that need them, so validating and scoring start fast.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from intersession.atomic import atomic_directory, atomic_path, together, write_csv, write_text
from intersession.data.codebook import load_codebook
from intersession.data.score import reliability_table, score_study
from intersession.data.validate import StudyDataError, counts, validate_study
from intersession.errors import InputError
from intersession.provenance import derive_seed
from intersession.tables import read_table

if TYPE_CHECKING:
    from intersession.inference.record import StudyInputs

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
    valid the clean items and a description of the source (format, SPSS value labels).
    A failed validation removes what an earlier run wrote there, so no stale items remain
    beside the new problems (or, for a file that cannot be read at all, none)."""
    try:
        items, problems, raw = validate_study(data, load_codebook(codebook), sheet)
    except StudyDataError as err:
        _remove(items_out, source_out)
        write_csv(problems_out, err.problems)
        raise
    except InputError:
        _remove(items_out, source_out, problems_out)
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
    log.info(
        "%s (%s): %d rows valid, %d warning(s)", data, raw.format, len(items), counts(problems)[1]
    )


def _remove(*paths: str | None) -> None:
    for path in paths:
        if path:
            Path(path).unlink(missing_ok=True)


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
    inputs: StudyInputs,
    model: str,
    threads: int,
    fit_outs: dict[str | None, str],
    variant: str | None = None,
) -> None:
    """Fit the declared model, or a ``variant`` of it, under each prior set of ``fit_outs``
    (None: the declared set) and store each fit with its record.

    With nutpie and several sets, prior constants are data of the model
    (``model.regression.build_options``) and the model is compiled once for all the sets:
    on the default study a compilation is about 10 of a fit's 15 s. The data's shapes are
    fixed (the same options), which makes each gradient faster."""
    from intersession.inference.fit import sample, store_fit
    from intersession.inference.record import record_of_fit
    from intersession.inference.refit import compile_structure
    from intersession.model.build import build, prepare
    from intersession.model.regression import build_options

    table = read_table(scores)
    sampler = inputs.sampler
    model_seed = derive_seed(inputs.seed, model)
    shared = len(fit_outs) > 1 and sampler["backend"] == "nutpie"  # one compilation for all
    structure = None
    for i, (priors, fit_out) in enumerate(fit_outs.items()):
        spec = inputs.spec(model, priors, variant)
        equations = prepare(spec, table)
        if i == 0:
            for note in equations[-1][1].notes:
                log.info("design: %s", note)
        log.info(
            "fitting %s%s on %d rows (seed %d, %s)",
            model,
            f" under prior set {spec.priors['name']}" if len(fit_outs) > 1 else "",
            len(equations[-1][1].frame),
            model_seed,
            sampler["backend"],
        )
        with build_options(priors_as_data=shared, fixed_shapes=True):
            built = build(spec, equations)
            if shared and structure is None:
                structure = compile_structure(build(spec, equations))
        idata = sample(built, sampler, model_seed, cores=threads, structure=structure)
        record = record_of_fit(idata, spec, equations, built, inputs, model_seed)
        store_fit(idata, record, equations, fit_out)


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
    """The effect tables of one fit (``effects.tables``) as ``<out_dir>/<name>.csv``."""
    import arviz as az

    from intersession.effects.tables import effect_tables
    from intersession.inference.record import FitRecord

    record = FitRecord.read_file(fit_path)  # a fit without one asks for a refit
    idata = az.from_netcdf(fit_path, engine="h5netcdf")
    tables = effect_tables(idata, record, interval, settings)
    with together():
        for name, frame in tables.items():
            write_csv(Path(out_dir) / f"{name}.csv", frame)


def prior_comparison(
    cells: list[tuple[str, str]], fits: list[str], interval: float, out: str, inputs: StudyInputs
) -> None:
    """Key estimates of each (model, prior set) fit, and their shift across prior sets."""
    import arviz as az

    from intersession.effects.prior_comparison import key_estimates
    from intersession.effects.prior_comparison import prior_comparison as compare
    from intersession.inference.record import FitRecord, require_current

    paths = dict(zip(fits, cells, strict=True))
    require_current({path: (m, prior_set, None) for path, (m, prior_set) in paths.items()}, inputs)
    estimates = {}
    for path, cell in paths.items():
        idata = az.from_netcdf(path, engine="h5netcdf")
        estimates[cell] = key_estimates(idata, FitRecord.read(idata).mediation, interval)
    table = compare(estimates)
    write_csv(out, table)
    log.info("\n%s", table.to_string(index=False, float_format="%.3f"))


def loo_comparison(
    model: str,
    fits: dict[str, str],
    scores: str,
    inputs: StudyInputs,
    outputs: dict[str, str],
    k_threshold: float | None = None,
) -> None:
    """PSIS-LOO of a model as declared and of its variants (moment matching, then exact
    refits, above the Pareto k threshold), compared by ELPD differences and stacking."""
    from intersession.checks.loo import compare_fits
    from intersession.inference.record import require_current

    variants = {v: None if v == "declared" else v for v in fits}
    require_current({path: (model, None, variants[v]) for v, path in fits.items()}, inputs)
    tables = compare_fits(model, fits, variants, read_table(scores), inputs, k_threshold)
    with together():
        for name, table in tables.items():
            write_csv(outputs[name], table)
    log.info("\n%s", tables["compare"].to_string(index=False, float_format="%.3f"))


def report(
    inputs: StudyInputs,
    settings: dict,
    study: dict,
    models: list[str],
    fits: list[str],
    effects: list[str],
    diagnostics: list[str],
    out: str,
    bench: dict | None = None,
) -> None:
    """The self-contained HTML report ``out``, with its figures (PNG and SVG) in
    ``figures/`` and its tables (CSV) in ``tables/`` beside it. ``settings`` is the
    config's ``report`` section; ``study`` the paths of the study's tables (scores,
    reliability, problems, source); ``bench`` those of the prior comparison, the LOO
    comparisons (per model) and the calibration tables, where they ran."""
    from intersession.inference.record import require_current
    from intersession.report.context import report_context
    from intersession.report.html import render_with_references
    from intersession.report.manuscript import markdown
    from intersession.report.references import bibtex
    from intersession.report.word import document as word_document

    require_current({fit: (m, None, None) for m, fit in zip(models, fits, strict=True)}, inputs)
    folder = Path(out).parent
    with (
        together(),
        atomic_directory(folder / "figures") as figures_dir,
        atomic_directory(folder / "tables") as tables_dir,
    ):
        context = report_context(
            inputs,
            settings,
            study,
            list(zip(models, fits, effects, diagnostics, strict=True)),
            bench or {},
            figures_dir,
            tables_dir,
        )
        html, references = render_with_references(context)
        write_text(out, html)
        write_text(folder / "references.bib", bibtex(references))
        # the drafted text and APA tables for a manuscript, from the same context
        manuscript_context = {**context, "references": references}
        write_text(folder / "report.md", markdown(manuscript_context))
        with atomic_path(folder / "report.docx") as tmp:
            tmp.write_bytes(word_document(manuscript_context))
    log.info("wrote %s", out)
