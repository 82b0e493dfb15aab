"""Hierarchical regression of one scale score, built from a declaration and the data's design.

- **Centring.** Predictors and the outcome are standardised, so lower-order terms of an
  interaction are simple effects at the mean and priors read in SD units. With repeated
  sessions, a predictor that varies within clients is split into a within-client part
  (person-mean centred) and a between-client part (the client's mean, grand-mean centred),
  and an interaction is formed at each level (within x within, between x between), as is
  standard in alliance research (Curran & Bauer, 2011; Falkenstrom et al., 2017).
- **Design-aware groups.** Intercepts of a level are added only if the data identify them
  (10 or more units, and not one row per unit); random slopes likewise only for 10 or more
  units, over which the slope's predictor varies within units. With fewer units the SD's
  posterior is mostly its prior and NUTS mixes poorly: 5 sites above 50 therapists gave
  bulk ESS 214, R-hat 1.02 and a divergence in 4 x 1,000 draws (500 x 8 study); a nested
  level's variance is then absorbed by the level below it. Every omission is a note.
- **Group effects.** Non-centred (``sd * z``): with few rows per group the centred form
  funnels. Intercepts and slopes of a level are correlated, with an LKJ prior on their
  correlation through a Cholesky factor (Lewandowski, Kurowicka & Joe, 2009), unless
  declared uncorrelated (``(1 + x || level)``): then each has its own half-normal SD.
- **Prior constants** are constants of the graph, or data (``prior_<parameter>_<argument>``)
  with ``build_options(priors_as_data=True)``: the fits of one model under several prior
  sets then share one compiled structure (the workflow's prior grid compiles each model
  once), and each fit's ``constant_data`` shows the constants it used. Data only there: on
  the default study six more data made nutpie's compilation of ISP-actions 2 to 4 s slower
  (11.6-12.7 vs 7.1-10.5 s, two runs each).
- **Fixed shapes** (``build_options(fixed_shapes=True)``, the workflow's fits): the data's
  shapes (rows, units) are part of their types, so numba specialises the compiled
  gradient to them. With the group indices' length unknown, a gradient of the M model
  took 0.189 instead of 0.133 ms. Models refitted to datasets of other sizes (the design
  analysis) are built without.
- **Likelihood**: the declared family's entry in ``model.families`` says how the outcome
  enters (standardised, ``mu = mean_y + sd_y * eta``, or on a link scale) and builds the
  likelihood with its auxiliary parameters. Variable names follow ``model.parameter_map``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pymc as pm

from intersession.data.codebook import MIN_GROUP_LEVELS
from intersession.errors import ModelDataError
from intersession.model.declaration import GroupSpec, ModelSpec
from intersession.model.families import Outcome, family
from intersession.model.parameter_map import OFFSET, group_index

MIN_SLOPE_LEVELS = 10
WITHIN, BETWEEN = "_within", "_between"


@dataclass(frozen=True)
class ModelData:
    """The rows a model uses, its terms after centring, standardisation and design notes."""

    frame: pd.DataFrame
    terms: tuple[str, ...]
    scaling: dict[str, tuple[float, float]]
    groups: tuple[GroupSpec, ...]
    excluded: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def complete_cases(columns: list[str], scores: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Rows with a value in every column, and the count of rows dropped for each column."""
    excluded, keep = {}, pd.Series(True, index=scores.index)
    for name in columns:
        missing = keep & scores[name].isna()
        if missing.any():
            excluded[f"missing {name}"] = int(missing.sum())
        keep &= ~missing
    return scores[keep].reset_index(drop=True), excluded


def _decompose(spec: ModelSpec, frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple, list]:
    """Within/between parts of predictors that vary within clients, and the expanded terms."""
    repeated = "session" in frame and frame["client"].duplicated().any()
    if not repeated or spec.centring == "grand":
        return frame, spec.terms, []
    split = [v for v in spec.variables if (frame.groupby("client")[v].std().fillna(0) > 0).any()]
    frame = frame.copy()
    for name in split:
        client_mean = frame.groupby("client")[name].transform("mean")
        frame[name + WITHIN] = frame[name] - client_mean
        frame[name + BETWEEN] = client_mean
    terms = []
    for term in spec.terms:
        parts = term.split(":")
        if not any(p in split for p in parts):
            terms.append(term)
            continue
        for suffix in (WITHIN, BETWEEN):
            terms.append(":".join(p + suffix if p in split else p for p in parts))
    notes = (
        [
            f"{', '.join(split)} split into within-client (person-mean centred) and "
            "between-client (client mean, grand-mean centred) parts; interactions at each level"
        ]
        if split
        else []
    )
    return frame, tuple(terms), notes


def _identify_groups(
    spec: ModelSpec, frame: pd.DataFrame, terms: tuple[str, ...]
) -> tuple[tuple[GroupSpec, ...], list[str]]:
    notes, groups = [], []
    for group in spec.groups:
        level = group.level
        if level not in frame.columns:
            notes.append(f"{level} intercepts left out: the study has no {level} column")
            continue
        n_levels = frame[level].nunique()
        if n_levels < MIN_GROUP_LEVELS:
            notes.append(
                f"{level} intercepts left out: {n_levels} {level}(s) in the data, fewer than "
                f"the {MIN_GROUP_LEVELS} needed to estimate their SD"
            )
            continue
        if n_levels == len(frame):
            notes.append(
                f"{level} intercepts left out: one row per {level}, so its intercept cannot be "
                "told apart from the residual"
            )
            continue
        slopes = []
        for slope in group.slopes:
            target = next((t for t in terms if t in (slope, _within(slope))), None)
            varies = (
                (frame.groupby(level)[target.split(":")[0]].std().fillna(0) > 1e-12).mean()
                if target
                else 0.0
            )
            if n_levels < MIN_SLOPE_LEVELS:
                notes.append(
                    f"{slope} slopes by {level} left out: {n_levels} {level}(s), fewer than "
                    f"the {MIN_SLOPE_LEVELS} needed"
                )
            elif varies < 0.5:
                notes.append(
                    f"{slope} slopes by {level} left out: {slope} does not vary within most "
                    f"{level}s"
                )
            else:
                slopes.append(target)
        groups.append(GroupSpec(level, tuple(slopes), group.correlated))
    return tuple(groups), notes


def _within(term: str) -> str:
    return ":".join(p + WITHIN for p in term.split(":"))


def base_term(term: str) -> str:
    """The declared term of a fitted one: 'a_within:b_within' -> 'a:b'."""
    return ":".join(p.removesuffix(WITHIN).removesuffix(BETWEEN) for p in term.split(":"))


def prepare_data(spec: ModelSpec, scores: pd.DataFrame) -> ModelData:
    """Complete cases, centring (within/between with repeated sessions), standardisation
    and the grouping structure the design identifies."""
    frame, excluded = complete_cases([spec.outcome, *spec.variables], scores)
    if len(frame) < 3:
        left_out = ", ".join(f"{n} for {reason}" for reason, n in excluded.items()) or "none"
        raise ModelDataError(
            f"model '{spec.name}': {len(frame)} of the study's {len(scores)} rows have a value "
            "for every variable it uses "
            f"({', '.join([spec.outcome, *spec.variables])}), too few to fit (rows left out: "
            f"{left_out}). Fix: check that these scales are answered in the same rows (the "
            "validation warnings list unanswered items and rows with too few items), or "
            "leave the scale missing most rows out of the model's declaration"
        )
    frame, terms, notes = _decompose(spec, frame)
    groups, group_notes = _identify_groups(spec, frame, terms)
    variables = list(dict.fromkeys(p for t in terms for p in t.split(":")))
    scaling = {name: (float(frame[name].mean()), float(frame[name].std())) for name in variables}
    raw = {spec.outcome: (0.0, float(frame[spec.outcome].std())), **scaling}
    zero_sd = [name for name, (_, sd) in raw.items() if not sd > 0]
    if zero_sd:
        names = ", ".join(sorted({base_term(name) for name in zero_sd}))
        raise ModelDataError(
            f"model '{spec.name}': {names} take(s) a single value in all {len(frame)} rows the "
            "model uses, so its effect cannot be estimated. Fix: leave it out of the model's "
            "declaration, or check its items in the study file (the validation warnings list "
            "constant and unanswered items)"
        )
    outcome = family(spec.family).outcome(spec, frame[spec.outcome])
    frame = frame.assign(**{spec.outcome: outcome.values})
    scaling = {spec.outcome: (outcome.centre, outcome.scale), **scaling}
    if outcome.note:
        notes.append(outcome.note)
    return ModelData(frame, terms, scaling, groups, excluded, tuple(notes + group_notes))


def outcome_range(spec: ModelSpec) -> tuple[float, float]:
    """Lowest and highest possible value of the outcome as modelled (the family says)."""
    return family(spec.family).outcome_range(spec)


def design_matrix(terms, frame: pd.DataFrame, scaling: dict) -> np.ndarray:
    """One column per term: standardised predictors and products of them for interactions."""
    names = dict.fromkeys(p for t in terms for p in t.split(":"))
    z = {name: (frame[name] - scaling[name][0]) / scaling[name][1] for name in names}
    return np.column_stack([np.prod([z[n] for n in t.split(":")], axis=0) for t in terms])


def lkj_cholesky(name: str, n: int, priors: dict, sd_prior: str):
    """Cholesky factor, correlation matrix and SDs of an ``n``-dimensional covariance with
    half-normal SDs (prior ``priors[sd_prior]``) and an LKJ(eta) correlation prior."""
    return pm.LKJCholeskyCov(
        name,
        n=n,
        **prior_args(name, priors["correlation"]),
        sd_dist=pm.HalfNormal.dist(**prior_args(f"{name}_sd", priors[sd_prior]), shape=n),
        compute_corr=True,
        store_in_trace=False,
    )


def group_effects(
    level: str, blocks: list, index, priors: dict, suffix: str = "", correlated: bool = True
) -> list:
    """Contributions of one level's intercepts and slopes to each block's linear predictor.

    A block is one equation's ``(suffix, x, terms, slopes)``. Correlated: all intercepts and
    slopes of the level, over all blocks, share one LKJ-correlated covariance (non-centred:
    ``z @ L.T``); ``sd_<level><block suffix>`` holds each block's SDs and
    ``corr_<level><suffix>`` the whole correlation matrix. Uncorrelated (brms's ``||``):
    each effect of each block has its own half-normal SD (non-centred). A lone intercept
    gets a half-normal SD either way.
    """
    sizes = [1 + len(slopes) for *_, slopes in blocks]
    if sum(sizes) == 1:
        name = f"sd_{level}{suffix}"
        sd = pm.HalfNormal(name, **prior_args(name, priors["group_sd"]))
        offset = pm.Normal(f"{OFFSET}{level}{suffix}", 0.0, 1.0, dims=level)
        return [(sd * offset)[index]]
    if not correlated:
        return [_uncorrelated_block(level, block, index, priors) for block in blocks]
    chol, corr, sds = lkj_cholesky(f"chol_{level}{suffix}", sum(sizes), priors, "group_sd")
    effect_dim = f"{level}_effect{suffix}"
    pm.Deterministic(f"corr_{level}{suffix}", corr, dims=(effect_dim, f"{effect_dim}_bis"))
    offset = pm.Normal(f"{OFFSET}{level}{suffix}", 0.0, 1.0, dims=(level, effect_dim))
    effects = pm.math.dot(offset, chol.T)  # (units, all effects of the level)
    contributions, start = [], 0
    for (block_suffix, x, terms, slopes), size in zip(blocks, sizes, strict=True):
        pm.Deterministic(
            f"sd_{level}{block_suffix}",
            sds[start : start + size],
            dims=f"{level}_effect{block_suffix}",
        )
        columns = [effects[:, k] for k in range(start, start + size)]
        contributions.append(_block_part(columns, index, x, terms, slopes))
        start += size
    return contributions


def _uncorrelated_block(level: str, block: tuple, index, priors: dict):
    """One block's intercepts and slopes, each with its own SD."""
    block_suffix, x, terms, slopes = block
    effect_dim = f"{level}_effect{block_suffix}"
    name = f"sd_{level}{block_suffix}"
    sd = pm.HalfNormal(name, **prior_args(name, priors["group_sd"]), dims=effect_dim)
    offset = pm.Normal(f"{OFFSET}{level}{block_suffix}", 0.0, 1.0, dims=(level, effect_dim))
    columns = [offset[:, k] * sd[k] for k in range(1 + len(slopes))]
    return _block_part(columns, index, x, terms, slopes)


def _block_part(columns: list, index, x, terms, slopes):
    """Intercept plus slope x predictor, per row, from each effect's vector over units.

    Each unit-level vector is indexed by row on its own and slopes multiply rows of the
    (terms x rows) design matrix one by one: indexing a (units x effects) matrix by row,
    and ``dot`` without a BLAS in nutpie's numba code, made every gradient about 4x slower
    at 17,542 rows and sampling 3.7x slower (83 vs 23 s; ``benchmarks/results/samplers.md``).
    A term's values are one contiguous row: columns of a (rows x terms) matrix, strided,
    took a third longer per gradient of the M model (0.178 vs 0.133 ms).
    """
    part = columns[0][index]
    for column, slope in zip(columns[1:], slopes, strict=True):
        part = part + column[index] * x[terms.index(slope)]
    return part


def level_index(level: str, frame: pd.DataFrame, indices: dict):
    """Shared ``pm.Data`` of each row's unit code at ``level`` (created once per model)."""
    if level not in indices:
        codes, _ = pd.factorize(frame[level].astype(str), sort=True)
        indices[level] = model_data(group_index(level), codes, dims="obs_id")
    return indices[level]


def model_coords(equations: list[tuple[ModelData, str]], correlated: tuple[str, ...] = ()) -> dict:
    """Coordinates of rows, terms, grouping units and effects; the effects of a level in
    ``correlated`` form one set over all equations (``<level>_effect``, joint models)."""
    frame = equations[0][0].frame
    coords = {"obs_id": np.arange(len(frame))}
    for data, suffix in equations:
        coords[f"term{suffix}"] = list(data.terms)
        for group in data.groups:
            level, effects = group.level, ["Intercept", *group.slopes]
            coords[level] = sorted(frame[level].astype(str).unique())
            if level in correlated:
                coords[f"{level}_effect{suffix}"] = effects
                both = coords.setdefault(f"{level}_effect", [])
                both += [f"{suffix.lstrip('_')}/{effect}" for effect in effects]
                coords[f"{level}_effect_bis"] = both
            elif group.slopes:
                coords[f"{level}_effect{suffix}"] = effects
                coords[f"{level}_effect{suffix}_bis"] = effects
    return coords


@dataclass(frozen=True)
class BuildOptions:
    """How data and prior constants enter a model's graph (see the module docstring)."""

    priors_as_data: bool = False
    fixed_shapes: bool = False


_OPTIONS: ContextVar[BuildOptions | None] = ContextVar("build_options", default=None)


def _options() -> BuildOptions:
    return _OPTIONS.get() or BuildOptions()


@contextmanager
def build_options(**options: bool) -> Iterator[None]:
    """Models built inside take these :class:`BuildOptions`."""
    token = _OPTIONS.set(replace(_options(), **options))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def model_data(name: str, value: np.ndarray, dims=None):
    """``pm.Data`` of ``value``; with ``fixed_shapes`` its shape is part of its type."""
    value = np.asarray(value)
    shape = {"shape": value.shape} if _options().fixed_shapes else {}
    return pm.Data(name, value, dims=dims, **shape)


def prior_args(parameter: str, arguments: dict, dims: str | None = None) -> dict:
    """A prior's arguments: constants, or with ``priors_as_data`` ``pm.Data`` named
    ``prior_<parameter>_<argument>`` (vectors along ``dims``), so that another prior set
    changes the model's data, not its graph."""
    if not _options().priors_as_data:
        return {argument: np.asarray(value, dtype=float) for argument, value in arguments.items()}
    return {
        argument: model_data(
            f"prior_{parameter}_{argument}",
            np.asarray(value, dtype=float),
            dims=dims if np.ndim(value) else None,
        )
        for argument, value in arguments.items()
    }


def slope_priors(terms, priors: dict) -> tuple[np.ndarray, np.ndarray]:
    """Normal prior mean and SD of each term's slope: ``interaction_slopes`` for a:b terms,
    ``term_slopes[<instrument>]`` for an instrument's main effect (within and between parts
    included), otherwise ``slopes``."""
    chosen = []
    for term in terms:
        instrument = base_term(term)
        if ":" in term and "interaction_slopes" in priors:
            chosen.append(priors["interaction_slopes"])
        elif ":" not in term and instrument in priors.get("term_slopes", {}):
            chosen.append(priors["term_slopes"][instrument])
        else:
            chosen.append(priors["slopes"])
    return np.array([c["mu"] for c in chosen], float), np.array([c["sigma"] for c in chosen], float)


def fixed_part(spec: ModelSpec, data: ModelData, suffix: str):
    """Design matrix (``X<suffix>``, one row per term: see :func:`_block_part`) and
    population-level linear predictor of one equation."""
    priors = spec.priors
    x = model_data(
        f"X{suffix}",
        np.ascontiguousarray(design_matrix(data.terms, data.frame, data.scaling).T),
        dims=(f"term{suffix}", "obs_id"),
    )
    mu, sigma = slope_priors(data.terms, priors)
    name = f"beta{suffix}"
    args = prior_args(name, {"mu": mu, "sigma": sigma}, dims=f"term{suffix}")
    beta = pm.Normal(name, **args, dims=f"term{suffix}")
    eta = sum(beta[j] * x[j] for j in range(len(data.terms)))
    if family(spec.family).intercept:  # not where cutpoints absorb it
        name = f"Intercept{suffix}"
        eta = eta + pm.Normal(name, **prior_args(name, priors["intercept"]))
    return x, eta


def _equation(spec: ModelSpec, data: ModelData, suffix: str, indices: dict) -> None:
    """One regression equation inside the current model: variables named ``<name><suffix>``."""
    priors, frame, terms = spec.priors, data.frame, list(data.terms)
    x, eta = fixed_part(spec, data, suffix)
    for group in data.groups:
        index = level_index(group.level, frame, indices)
        block = (suffix, x, terms, group.slopes)
        eta = eta + group_effects(group.level, [block], index, priors, suffix, group.correlated)[0]
    y_centre, y_scale = data.scaling[spec.outcome]
    outcome = Outcome(frame[spec.outcome], y_centre, y_scale, range=outcome_range(spec))
    family(spec.family).likelihood(spec.outcome, eta, outcome, priors, suffix, prior_args)


def build_model(spec: ModelSpec, data: ModelData) -> pm.Model:
    """The PyMC model: intercept, slopes, group effects and the declared likelihood."""
    with pm.Model(coords=model_coords([(data, "")])) as model:
        _equation(spec, data, "", {})
    return model


def build_equations(equations: list[tuple[ModelSpec, ModelData, str]]) -> pm.Model:
    """Several equations over the same rows in one model (e.g. the a and b paths of a
    mediation), each with its own intercept, slopes, group effects and residual."""
    with pm.Model(coords=model_coords([(data, suffix) for _, data, suffix in equations])) as model:
        indices: dict = {}
        for spec, data, suffix in equations:
            _equation(spec, data, suffix, indices)
    return model
