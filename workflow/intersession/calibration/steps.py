"""One function per rule of ``workflow/rules/calibration.smk`` (targets ``sbc`` and
``design``), as :mod:`intersession.steps` is for the main workflow: read the rule's inputs,
call :mod:`intersession.calibration`, write tables and figures atomically.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd

from intersession.atomic import together, write_csv
from intersession.calibration import design, load_regression, plan, sbc
from intersession.data.codebook import load_codebook
from intersession.model.build import build, prepare
from intersession.plots import calibration as figures
from intersession.provenance import derive_seed
from intersession.report.sections import FigureStore
from intersession.tables import read_table

log = logging.getLogger("intersession")


def _gather(paths: list[str], order: list[str]) -> pd.DataFrame:
    return pd.concat([read_table(p) for p in paths], ignore_index=True).sort_values(
        order, kind="stable", ignore_index=True
    )


def sbc_batch(
    scores: str,
    codebook: str,
    models_dir: str,
    settings: dict,
    seed: int,
    batch: int,
    threads: int,
    out: str,
) -> None:
    """Ranks of one batch of SBC replicates. The seeds depend on the generating model, not
    on the fitted variant, so a variant is refitted to the very same datasets."""
    book = load_codebook(codebook)
    spec = load_regression(models_dir, settings["model"], book, "sbc.model")
    fit_spec = load_regression(
        models_dir, settings["model"], book, "sbc.fit_variant", variant=settings["fit_variant"]
    )
    frame = read_table(scores)
    generating, fitted = prepare(spec, frame), prepare(fit_spec, frame)
    sbc.check_same_data(generating, fitted)
    replicates = plan.batch_replicates(settings, batch)
    log.info(
        "SBC %s: replicates %d-%d, %d rows, %s fitted",
        settings["model"],
        replicates.start,
        replicates.stop - 1,
        len(generating[0][1].frame),
        fit_spec.label,
    )
    start = time.perf_counter()
    ranks = sbc.simulate_and_rank(
        build(spec, generating),
        build(fit_spec, fitted),
        replicates,
        settings,
        derive_seed(seed, "sbc", settings["model"]),
        threads,
    )
    log.info("%d replicates in %.1f s", len(replicates), time.perf_counter() - start)
    write_csv(out, ranks)


def sbc_summary(batches: list[str], settings: dict, seed: int, out_dir: str) -> None:
    """All ranks, the uniformity test per parameter, the ECDF curves and their figure."""
    out = Path(out_dir)
    ranks = _gather(batches, ["replicate"])
    null_seed = derive_seed(seed, "sbc", settings["model"], "null")
    table, curves = sbc.uniformity(ranks, settings["thin_draws"], settings["alpha"], null_seed)
    with together():
        write_csv(out / "ranks.csv", ranks)
        write_csv(out / "uniformity.csv", table)
        write_csv(out / "ecdf.csv", curves)
        FigureStore(out).embed(figures.ecdf_difference(curves, table), "ecdf_difference")
    divergent = ranks.loc[ranks["divergences"] > 0, "replicate"].nunique()
    flagged = table.loc[~table["inside_band"], "parameter"].tolist()
    log.info(
        "%d replicates (%d with divergences); outside the bands: %s\n%s",
        ranks["replicate"].nunique(),
        divergent,
        ", ".join(flagged) or "none",
        table.to_string(index=False),
    )


def design_batch(
    codebook: str,
    models_dir: str,
    settings: dict,
    seed: int,
    clients: int,
    sessions: int,
    batch: int,
    threads: int,
    out: str,
) -> None:
    """Interaction estimates of one batch of simulated studies of one size."""
    book = load_codebook(codebook)
    (size,) = (s for s in plan.sizes(settings) if (s.clients, s.sessions) == (clients, sessions))
    design.check_codebook(book, size)
    spec = load_regression(models_dir, settings["model"], book, "design.model")
    replicates = plan.batch_replicates(settings, batch)
    log.info(
        "design %s: %d clients, %d therapists, %d session(s), replicates %d-%d",
        settings["model"],
        size.clients,
        size.therapists,
        size.sessions,
        replicates.start,
        replicates.stop - 1,
    )
    start = time.perf_counter()
    rows = design.fit_replicates(
        spec,
        book,
        size,
        design.generating_parameters(settings["truth"]),
        replicates,
        settings,
        derive_seed(seed, "design", settings["model"]),
        threads,
    )
    log.info("%d studies in %.1f s", len(replicates), time.perf_counter() - start)
    write_csv(out, rows)


def design_summary(
    batches: list[str], codebook: str, models_dir: str, settings: dict, seed: int, out_dir: str
) -> None:
    """All replicates, the detection table per size (with the pseudo-true coefficients of a
    very large sample) and its figure."""
    out = Path(out_dir)
    book = load_codebook(codebook)
    spec = load_regression(models_dir, settings["model"], book, "design.model")
    replicates = _gather(batches, ["clients", "sessions", "replicate"])
    params = design.generating_parameters(settings["truth"])
    truth = {
        s: design.pseudo_truth(book, spec.outcome, params, s, seed) for s in settings["sessions"]
    }
    power = design.power_table(replicates, truth)
    with together():
        write_csv(out / "replicates.csv", replicates)
        write_csv(out / "power.csv", power)
        FigureStore(out).embed(figures.detection(power), "power")
    log.info("\n%s", power.to_string(index=False, float_format="%.3f"))
