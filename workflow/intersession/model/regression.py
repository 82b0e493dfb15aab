"""Hierarchical Gaussian regression of one scale score, as a generative story.

Predictors and the outcome are standardised (grand-mean centred, divided by their SD), so
an interaction's lower-order terms are simple effects at the sample mean and the priors of
a prior set read in SD units. The likelihood is written on the outcome's original scale
(``mu = mean_y + sd_y * eta``), so log-likelihoods and predictive draws are in the units of
the instrument. Group intercepts (client, therapist, site, as declared and as the design
can identify them) are non-centred (``sd * z``): with few rows per group the centred form
funnels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pymc as pm

from intersession.model.declaration import ModelSpec

#: Fewest levels for which a grouping SD is estimated; below this it is left out.
MIN_GROUP_LEVELS = 3


@dataclass(frozen=True)
class ModelData:
    """The rows a model uses, their standardisation and what the design allowed."""

    frame: pd.DataFrame
    scaling: dict[str, tuple[float, float]]
    groups: tuple[str, ...]
    excluded: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _unidentified(level: str, frame: pd.DataFrame) -> str | None:
    """Why the data cannot identify intercepts of ``level``, or None if they can."""
    if level not in frame.columns:
        return f"the study has no {level} column"
    n_levels = frame[level].nunique()
    if n_levels < MIN_GROUP_LEVELS:
        return (
            f"{n_levels} {level}(s) in the data, fewer than the {MIN_GROUP_LEVELS} needed to "
            "estimate their SD"
        )
    if n_levels == len(frame):
        return f"one row per {level}, so its intercept cannot be told apart from the residual"
    return None


def prepare_data(spec: ModelSpec, scores: pd.DataFrame) -> ModelData:
    """Complete cases for the model's variables, their means and SDs, and design checks."""
    needed = [spec.outcome, *spec.variables]
    excluded = {}
    keep = pd.Series(True, index=scores.index)
    for name in needed:
        missing = keep & scores[name].isna()
        if missing.any():
            excluded[f"missing {name}"] = int(missing.sum())
        keep &= ~missing
    frame = scores[keep].reset_index(drop=True)
    scaling = {name: (float(frame[name].mean()), float(frame[name].std())) for name in needed}
    notes, groups = [], []
    for level in spec.groups:
        reason = _unidentified(level, frame)
        if reason:
            notes.append(f"{level} intercepts left out: {reason}")
        else:
            groups.append(level)
    zero_sd = [name for name, (_, sd) in scaling.items() if not sd > 0]
    if zero_sd:
        raise ValueError(f"model '{spec.name}': {zero_sd} do not vary across the rows used")
    return ModelData(frame, scaling, tuple(groups), excluded, tuple(notes))


def design_matrix(spec: ModelSpec, frame: pd.DataFrame, scaling: dict) -> np.ndarray:
    """One column per term: standardised predictors and products of them for interactions."""
    z = {name: (frame[name] - scaling[name][0]) / scaling[name][1] for name in spec.variables}
    return np.column_stack(
        [np.prod([z[name] for name in term.split(":")], axis=0) for term in spec.terms]
    )


def build_model(spec: ModelSpec, data: ModelData) -> pm.Model:
    """The PyMC model: intercept, slopes, non-centred group intercepts, Gaussian residual."""
    priors = spec.priors
    frame = data.frame
    y_mean, y_sd = data.scaling[spec.outcome]
    coords = {"term": list(spec.terms), "obs_id": np.arange(len(frame))}
    group_codes = {}
    for level in data.groups:
        codes, levels = pd.factorize(frame[level].astype(str), sort=True)
        coords[level] = list(levels)
        group_codes[level] = codes
    with pm.Model(coords=coords) as model:
        x = pm.Data("X", design_matrix(spec, frame, data.scaling), dims=("obs_id", "term"))
        intercept = pm.Normal("Intercept", **priors["intercept"])
        beta = pm.Normal("beta", **priors["slopes"], dims="term")
        eta = intercept + pm.math.dot(x, beta)
        for level, codes in group_codes.items():
            index = pm.Data(f"{level}_index", codes, dims="obs_id")
            sd = pm.HalfNormal(f"sd_{level}", **priors["group_sd"])
            offset = pm.Normal(f"z_{level}", 0.0, 1.0, dims=level)
            eta = eta + (sd * offset)[index]
        sigma = pm.HalfNormal("sigma", **priors["residual_sd"])
        pm.Normal(
            spec.outcome,
            mu=y_mean + y_sd * eta,
            sigma=y_sd * sigma,
            observed=frame[spec.outcome].to_numpy(),
            dims="obs_id",
        )
    return model
