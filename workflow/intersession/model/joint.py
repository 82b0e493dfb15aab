"""Joint (multivariate) Gaussian regression of several outcomes on the same rows, such as
ISP-thoughts and ISP-actions (brms: ``mvbind(isp_thoughts, isp_actions) ~ ...``).

Each outcome has its own intercept and slopes over the same predictors (with the same
within/between split). At each grouping level the intercepts and random slopes of all
outcomes share one LKJ-correlated covariance, so a client or therapist high on one outcome
may be high on the other; the residuals are bivariate (multivariate) normal with an LKJ
prior on their correlation (Lewandowski, Kurowicka & Joe, 2009). A correlation across
outcomes needs units: a level with fewer than 20 (e.g. 5 sites) keeps each outcome's
effects separate, since there the posterior of a correlation is mostly its prior and the
sampler mixes badly (5 sites: R-hat 1.14, bulk ESS 11 in 2 x 500 draws). Variables of outcome
``y`` carry the suffix ``_y`` (``beta_isp_actions``); the correlations across outcomes are
``corr_<level>`` and ``corr_residual``. The likelihood is on the outcomes' original scale;
its pointwise log-likelihood is per row (both outcomes together), as LOO needs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pymc as pm

from intersession.model.declaration import ModelSpec
from intersession.model.regression import (
    ModelData,
    complete_cases,
    fixed_part,
    group_effects,
    level_index,
    lkj_cholesky,
    model_coords,
    prepare_data,
)

RESIDUAL = "residual"
MIN_CORRELATION_LEVELS = 20


def correlated_levels(data: ModelData) -> tuple[tuple[str, ...], list[str]]:
    """Levels whose effects are correlated across outcomes, and notes on those that are not."""
    levels, notes = [], []
    for group in data.groups:
        n_units = data.frame[group.level].nunique()
        if not group.correlated:
            notes.append(f"{group.level} effects not correlated (declared uncorrelated)")
        elif n_units >= MIN_CORRELATION_LEVELS:
            levels.append(group.level)
        else:
            notes.append(
                f"{group.level} effects not correlated across outcomes: {n_units} "
                f"{group.level}(s), fewer than the {MIN_CORRELATION_LEVELS} needed"
            )
    return tuple(levels), notes


def joint_name(outcomes) -> str:
    """Name of the observed joint variable: ``isp_thoughts_and_isp_actions``."""
    return "_and_".join(outcomes)


def equations(spec: ModelSpec) -> list[ModelSpec]:
    """One single-outcome declaration per outcome of a joint declaration."""
    return [spec.with_outcome(y, name=f"{spec.name}_{y}", outcomes=()) for y in spec.outcomes]


def prepare_joint(spec: ModelSpec, scores: pd.DataFrame) -> list[tuple[ModelSpec, ModelData, str]]:
    """Every outcome's equation on the rows complete in all outcomes and predictors."""
    parts = equations(spec)
    frame, excluded = complete_cases([*spec.outcomes, *spec.variables], scores, spec.name)
    prepared = [replace(prepare_data(part, frame), excluded=excluded) for part in parts]
    _, notes = correlated_levels(prepared[0])
    return [
        (part, replace(data, notes=(*data.notes, *notes)), f"_{part.outcome}")
        for part, data in zip(parts, prepared, strict=True)
    ]


def build_joint(equations: list[tuple[ModelSpec, ModelData, str]]) -> pm.Model:
    """The PyMC model of a joint declaration prepared by :func:`prepare_joint`."""
    spec, data, _ = equations[0]
    priors, frame = spec.priors, data.frame
    outcomes = [eq.outcome for eq, _, _ in equations]
    correlated, _ = correlated_levels(data)
    coords = model_coords([(d, suffix) for _, d, suffix in equations], correlated)
    coords |= {"outcome": outcomes, "outcome_bis": outcomes}
    with pm.Model(coords=coords) as model:
        fixed = [fixed_part(eq, d, suffix) for eq, d, suffix in equations]
        etas = [eta for _, eta in fixed]
        indices: dict = {}
        for group in data.groups:
            blocks = [
                (suffix, x, list(d.terms), group.slopes)
                for (_, d, suffix), (x, _) in zip(equations, fixed, strict=True)
            ]
            index = level_index(group.level, frame, indices)
            if group.level in correlated:
                parts = group_effects(group.level, blocks, index, priors)
            else:
                parts = [
                    group_effects(group.level, [b], index, priors, b[0], group.correlated)[0]
                    for b in blocks
                ]
            etas = [eta + part for eta, (_, part) in zip(etas, parts, strict=True)]
        chol, corr, sds = lkj_cholesky(f"chol_{RESIDUAL}", len(outcomes), priors, "residual_sd")
        pm.Deterministic(f"corr_{RESIDUAL}", corr, dims=("outcome", "outcome_bis"))
        for i, (_, _, suffix) in enumerate(equations):
            pm.Deterministic(f"sigma{suffix}", sds[i])
        means = np.array([d.scaling[eq.outcome][0] for eq, d, _ in equations])
        scales = np.array([d.scaling[eq.outcome][1] for eq, d, _ in equations])
        mu = means + scales * pm.math.stack(etas, axis=1)
        pm.MvNormal(
            joint_name(outcomes),
            mu=mu,
            chol=scales[:, None] * chol,  # residual covariance on the original scale
            observed=frame[outcomes].to_numpy(),
            dims=("obs_id", "outcome"),
        )
    return model
