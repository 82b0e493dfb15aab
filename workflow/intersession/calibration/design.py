"""Design analysis: how many clients (and sessions) detect the self x other interaction?

For each study size, studies are simulated from a chosen truth (the simulator's generating
parameters, :class:`~intersession.data.simulate.GeneratingParameters`, with overrides),
scored as the workflow scores a study file, and fitted with the declared model. Per size
the table gives the **detection probability** (share of studies whose ``interval``
credible interval of the interaction excludes 0) with its Monte Carlo SE
``sqrt(p (1 - p) / R)`` over R replicates, the median interval width (standardised and
original scale), the mean estimate and, where the simulator knows it, the pseudo-true
standardised coefficient and the interval's coverage of it (Gelman & Carlin, 2014, on
design analysis; the "power" of a Bayesian interval is its frequentist detection rate).

Each replicate is analysed as a researcher would analyse it: the predictors and outcome
standardised by the replicate's own means and SDs, the groups the design identifies (with
8 clients per therapist, fewer than 80 clients give fewer than 10 therapists, and the model
then has no therapist level). The outcome is standardised before the model is built, so
every replicate of a size compiles to the same model (intercept 0 and residual SD 1 on the
outcome's SD scale: the same posterior of the standardised coefficients as fitting
``mean_y + sd_y * eta`` to the raw outcome) and one compilation serves a whole batch.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import xarray as xr

from intersession.calibration.plan import Size
from intersession.data.codebook import Codebook
from intersession.data.score import score_study
from intersession.data.simulate import (
    Design,
    GeneratingParameters,
    observed_metric_truth,
    simulate_rows,
)
from intersession.data.validate import clean_items
from intersession.effects.parameters import summarise, to_original_scale
from intersession.inference.refit import compile_refitter, data_values, divergences
from intersession.model.build import build, prepare
from intersession.model.declaration import ModelSpec
from intersession.model.parameter_map import COEFFICIENTS, TERM
from intersession.model.regression import ModelData
from intersession.provenance import derive_seed
from intersession.schema import DeclarationError

REPLICATE_COLUMNS = [
    "clients",
    "therapists",
    "sessions",
    "replicate",
    "rows",
    "levels",
    "term",
    "scale",
    "mean",
    "sd",
    "lower",
    "upper",
    "excludes_zero",
    "width",
    "divergences",
]
POWER_COLUMNS = [
    "clients",
    "therapists",
    "sessions",
    "levels",
    "term",
    "scale",
    "replicates",
    "detection",
    "detection_mcse",
    "median_width",
    "mean_estimate",
    "truth",
    "coverage",
]


def generating_parameters(overrides: dict) -> GeneratingParameters:
    """The simulator's defaults with ``overrides`` (config ``design.truth``); a mapping
    (e.g. ``actions``) is updated key by key."""
    defaults = GeneratingParameters()
    allowed = [f.name for f in fields(GeneratingParameters)]
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise DeclarationError(
            f"config key 'design.truth': {', '.join(unknown)} not generating parameters; "
            f"allowed: {', '.join(allowed)}"
        )
    merged = {
        key: {**getattr(defaults, key), **value} if isinstance(value, dict) else value
        for key, value in overrides.items()
    }
    return replace(defaults, **merged)


def check_codebook(codebook: Codebook, size: Size) -> None:
    """Repeated sessions need a codebook with a session column."""
    if size.sessions > 1 and "session" not in codebook.roles:
        raise DeclarationError(
            f"config key 'design.sessions': {size.sessions} sessions per client need a "
            f"session column, which the codebook {codebook.path} does not declare; set "
            "design.codebook to one that does (e.g. tests/designs/multisite_codebook.yaml)"
        )


def simulate_scores(
    codebook: Codebook, size: Size, params: GeneratingParameters, seed: int
) -> pd.DataFrame:
    """Scale scores of one simulated study, cleaned and scored as the workflow does
    (the simulator writes only valid values, so the file-level validation is skipped)."""
    design = Design(n_clients=size.clients, n_therapists=size.therapists, n_sessions=size.sessions)
    study = simulate_rows(codebook, design, seed, params)
    return score_study(clean_items(study.astype(str), codebook), codebook)


def standardised_outcome(data: ModelData, outcome: str) -> ModelData:
    """``data`` with the outcome standardised by its own mean and SD (and scaling 0, 1)."""
    mean, sd = data.scaling[outcome]
    frame = data.frame.assign(**{outcome: (data.frame[outcome] - mean) / sd})
    return replace(data, frame=frame, scaling={**data.scaling, outcome: (0.0, 1.0)})


def interaction_rows(idata, data: ModelData, outcome: str, interval: float) -> list[dict]:
    """Summary of each interaction term's slope, standardised and on the original scale
    (scale points of the outcome per scale point of each predictor, from ``data.scaling``)."""
    beta = idata.posterior[COEFFICIENTS]
    scales = {
        "standardised": beta,
        "original": to_original_scale(beta, data.scaling, outcome, TERM),
    }
    rows = []
    for term in (t for t in data.terms if ":" in t):
        for scale, beta in scales.items():
            summary = summarise(beta.sel(term=term).values, interval)
            lower, upper = summary["lower"], summary["upper"]
            rows.append(
                {
                    "term": term,
                    "scale": scale,
                    "mean": summary["mean"],
                    "sd": summary["sd"],
                    "lower": lower,
                    "upper": upper,
                    "excludes_zero": bool(lower > 0 or upper < 0),
                    "width": upper - lower,
                }
            )
    return rows


def fit_replicates(
    spec: ModelSpec,
    codebook: Codebook,
    size: Size,
    params: GeneratingParameters,
    replicates: range,
    settings: dict,
    seed: int,
    cores: int,
) -> pd.DataFrame:
    """Simulate, score and fit each replicate of one size; one row per replicate, interaction
    term and scale. One compiled model serves every replicate of the same structure."""
    compiled, rows = {}, []
    for replicate in replicates:
        replicate_seed = derive_seed(seed, size.label, str(replicate))
        scores = simulate_scores(codebook, size, params, replicate_seed)
        ((_, data, _),) = prepare(spec, scores)
        model = build(spec, [(spec, standardised_outcome(data, spec.outcome), "")])
        key = (data.terms, data.groups, *(data.frame[g.level].nunique() for g in data.groups))
        if key not in compiled:
            compiled[key] = compile_refitter(model)
        values = data_values(model)
        idata = compiled[key].sample(
            values, settings, derive_seed(replicate_seed, "posterior"), cores
        )
        x = xr.Dataset({"X": (("term", "obs_id"), values["X"])})
        idata.add_groups(constant_data=x)  # as a fit stores it, beside the scaling
        context = {
            "clients": size.clients,
            "therapists": size.therapists,
            "sessions": size.sessions,
            "replicate": replicate,
            "rows": len(data.frame),
            "levels": " ".join(g.level for g in data.groups) or "none",
            "divergences": divergences(idata),
        }
        for row in interaction_rows(idata, data, spec.outcome, settings["interval"]):
            rows.append({**context, **row})
    return pd.DataFrame(rows, columns=REPLICATE_COLUMNS)


def pseudo_truth(
    codebook: Codebook, outcome: str, params: GeneratingParameters, sessions: int, seed: int
) -> dict[str, float]:
    """Standardised coefficients of observed scores in a very large simulated sample, by
    term (the simulator's reference regressions; empty for another outcome)."""
    design = Design(n_clients=10, n_therapists=10, n_sessions=sessions)  # only sessions count
    return observed_metric_truth(codebook, design, params, seed).get(outcome, {})


def power_table(replicates: pd.DataFrame, truth: dict[int, dict[str, float]]) -> pd.DataFrame:
    """Per size, term and scale: detection probability and its MCSE, median interval width,
    mean estimate; with the pseudo-true standardised coefficient (``truth[sessions][term]``)
    the interval's coverage of it."""
    keys = ["clients", "therapists", "sessions", "levels", "term", "scale"]
    rows = []
    for values, group in replicates.groupby(keys, sort=True):
        row = dict(zip(keys, values, strict=True))
        p, n = group["excludes_zero"].mean(), len(group)
        value = truth.get(row["sessions"], {}).get(row["term"], np.nan)
        if row["scale"] != "standardised":
            value = np.nan
        covered = (group["lower"] <= value) & (value <= group["upper"])
        rows.append(
            {
                **row,
                "replicates": n,
                "detection": p,
                "detection_mcse": float(np.sqrt(p * (1 - p) / n)),
                "median_width": group["width"].median(),
                "mean_estimate": group["mean"].mean(),
                "truth": value,
                "coverage": covered.mean() if np.isfinite(value) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=POWER_COLUMNS)
