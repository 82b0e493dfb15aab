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

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pymc as pm

from intersession.data.codebook import MIN_GROUP_LEVELS, TIME
from intersession.errors import ModelDataError
from intersession.model.declaration import GroupSpec, ModelSpec
from intersession.model.derived import MEAN, lagged, source, with_derived
from intersession.model.families import Outcome, family
from intersession.model.parameter_map import COEFFICIENTS, INTERCEPT, OFFSET, group_index

MIN_SLOPE_LEVELS = 10
WITHIN, BETWEEN = "_within", "_between"
CENTRED = "_centred"  # the intercept at the design's means, where predictors are uncentred


@dataclass(frozen=True)
class ModelData:
    """The rows a model uses, its terms after centring, standardisation and design notes.

    ``scaling`` holds each design column's (centre, scale): ``(x - centre) / scale`` enters
    the model (for the outcome, as its family says); ``moments`` the columns' observed
    (mean, SD), at which effects are probed; ``treated`` each predictor's treatment."""

    frame: pd.DataFrame
    terms: tuple[str, ...]
    scaling: dict[str, tuple[float, float]]
    groups: tuple[GroupSpec, ...]
    excluded: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    moments: dict[str, tuple[float, float]] = field(default_factory=dict)
    treated: dict = field(default_factory=dict)


def complete_cases(
    columns: list[str], scores: pd.DataFrame, model: str = ""
) -> tuple[pd.DataFrame, dict]:
    """Rows with a value in every column (derived ones made first, ``model.derived``),
    and the count of rows dropped for each column."""
    scores = with_derived(columns, scores, model)
    excluded, keep = {}, pd.Series(True, index=scores.index)
    for name in columns:
        missing = keep & scores[name].isna()
        if missing.any():
            reason = " (no previous session)" if lagged(name) else ""
            excluded[f"missing {name}{reason}"] = int(missing.sum())
        keep &= ~missing
    return scores[keep].reset_index(drop=True), excluded


@dataclass(frozen=True)
class Treatment:
    """How one declared predictor enters the design: centred at its grand mean, split into
    within- and between-client parts, or left as measured (``none``); divided by its SD
    or not. A factor's indicator columns and time are never centred nor standardised."""

    centring: str  # none | grand | within | latent (the autoregressive term only)
    standardise: bool


def treatments(spec: ModelSpec, frame: pd.DataFrame) -> dict[str, Treatment]:
    """The treatment of each predictor of ``spec`` (factors have none: their coding is
    the codebook's), from the declaration's defaults and its ``variables`` overrides.

    Defaults: with repeated sessions a predictor that varies within clients is split
    (``within_between``), otherwise grand-mean centred; continuous predictors are
    standardised, binary ones (two distinct values) never; time (the session) is neither
    centred nor standardised (the intercept is at session 0), and never split."""
    repeated = "session" in frame and frame["client"].duplicated().any()
    default = "within" if spec.centring in ("within_between", "within") else spec.centring
    chosen = {}
    for name in spec.variables:
        if name in spec.factors:
            continue
        option = spec.options.get(name, spec.options.get(source(name), {}))
        varies = repeated and bool((frame.groupby("client")[name].std().fillna(0) > 0).any())
        if source(name) == TIME and not lagged(name):  # time and its growth terms
            centring = option.get("centring", "none")
            if centring == "within":
                raise ModelDataError(
                    f"model '{spec.name}': variables: {name}: centring 'within' splits a "
                    "predictor into within- and between-client parts, but time is "
                    "within-client by construction. Fix: centring none (the intercept at "
                    "session 0) or grand (at the mean session)"
                )
            chosen[name] = Treatment(centring, option.get("standardise", False))
            continue
        centring = option.get("centring", default if varies or default != "within" else "grand")
        if centring == "latent" and (lagged(name) != spec.outcome or spec.outcomes):
            raise ModelDataError(
                f"model '{spec.name}': variables: {name}: latent centring is available for "
                f"the autoregressive term lag({spec.outcome}) of a single-outcome model. "
                "Fix: centring within (observed person means), grand or none"
            )
        if centring == "within" and not varies:
            where = (
                "the study has one row per client" if not repeated else "no client's values vary"
            )
            raise ModelDataError(
                f"model '{spec.name}': variables: {name}: centring 'within' needs values "
                f"that vary within clients, but {where}. Fix: centring grand or none"
            )
        binary = frame[name].nunique() == 2
        chosen[name] = Treatment(
            centring, option.get("standardise", spec.standardise and not binary)
        )
    return chosen


def factor_columns(spec: ModelSpec, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Indicator columns ``factor[level]`` of each factor the model uses (treatment: 1 for
    the level, else 0; sum: also -1 for the last level), and each factor's columns."""
    columns, made = {}, {}
    for name in spec.variables:
        factor = spec.factors.get(name)
        if factor is None:
            continue
        value = frame[name].astype(str)
        made[name] = []
        for label in factor.contrasts:
            column = f"{name}[{label}]"
            indicator = (value == label).astype(float)
            if factor.coding == "sum":
                indicator -= (value == factor.labels[-1]).astype(float)
            columns[column] = indicator
            made[name].append(column)
    return frame.assign(**columns), made


def _without_between(parts: list[str], split: list[str], outcomes: set[str]) -> bool:
    """Whether a term keeps only its within-client version: a lag of the outcome (the
    client mean of the outcome is its client intercept, not a predictor), or ``lag(x)``
    where x is split too (both between parts are the client means of x)."""
    return any(lagged(p) in split or lagged(p) in outcomes for p in parts if lagged(p))


def expand_terms(
    spec: ModelSpec, frame: pd.DataFrame, treated: dict[str, Treatment]
) -> tuple[pd.DataFrame, tuple, dict[str, list[str]], list]:
    """The fitted terms of each declared term: a factor's indicator columns in its place
    (one term per level for an interaction with it), and for a split predictor its
    within-client part (person-mean centred) and between-client part (the client mean),
    with interactions formed at each level (within x within, between x between; Curran &
    Bauer, 2011; Falkenstrom et al., 2017). Returns the frame with the new columns, the
    fitted terms, each declared term's random-slope targets (within parts, every level of
    a factor) and notes."""
    frame, indicators = factor_columns(spec, frame)
    outcomes = {spec.outcome, *spec.outcomes}
    split = [name for name, t in treated.items() if t.centring == "within"]
    notes = []
    if split:
        frame = frame.copy()
        for name in split:
            if lagged(name):  # deviation from the client's mean over all sessions
                client_mean = frame[name + MEAN]
            else:
                client_mean = frame.groupby("client")[name].transform("mean")
            frame[name + WITHIN] = frame[name] - client_mean
            frame[name + BETWEEN] = client_mean
    terms, targets = [], {}
    for term in spec.terms:
        parts = term.split(":")
        levels = (WITHIN, BETWEEN) if any(p in split for p in parts) else ("",)
        versions = []
        for suffix in levels:
            choices = [indicators.get(p, [p + suffix if p in split else p]) for p in parts]
            versions.append([":".join(combo) for combo in itertools.product(*choices)])
        if len(versions) == 2 and _without_between(parts, split, outcomes):
            versions = versions[:1]
        terms += [t for version in versions for t in version]
        targets[term] = versions[0]
    doubled = [p for p in split if lagged(p) in split]
    if doubled:
        notes.append(
            f"{', '.join(doubled)}: within-client part only; the between-client part is "
            f"that of {', '.join(lagged(p) for p in doubled)} (the same client means)"
        )
    autoregressive = [p for p in split if lagged(p) in outcomes]
    if autoregressive:
        notes.append(
            f"{', '.join(autoregressive)}: the previous session's deviation from the "
            "client's observed mean (observed person-mean centring; with few sessions per "
            "client this estimate of the autoregression is biased downwards, Nickell, 1981)"
        )
    if split:
        notes.append(
            f"{', '.join(split)} split into within-client (person-mean centred) and "
            "between-client (client mean, grand-mean centred) parts; interactions at each level"
        )
    for name, columns in indicators.items():
        factor = spec.factors[name]
        coding = (
            f"treatment coding against {factor.reference}"
            if factor.coding == "treatment"
            else f"sum coding (each level against the mean of the levels; {factor.labels[-1]} "
            "is minus the others)"
        )
        notes.append(f"{factor.label}: {len(columns)} indicator column(s), {coding}")
    return frame, tuple(terms), targets, notes


def _identify_groups(
    spec: ModelSpec, frame: pd.DataFrame, targets: dict[str, list[str]]
) -> tuple[tuple[GroupSpec, ...], list[str]]:
    notes, groups = [], []
    for group in spec.groups:
        level = group.level
        one, many = spec.level_names(level), spec.level_names(level, 2)
        if level not in frame.columns:
            notes.append(f"{one} intercepts left out: the study has no {one} column")
            continue
        n_levels = frame[level].nunique()
        if n_levels < MIN_GROUP_LEVELS:
            notes.append(
                f"{one} intercepts left out: {n_levels} {one}(s) in the data, fewer than "
                f"the {MIN_GROUP_LEVELS} needed to estimate their SD"
            )
            continue
        if n_levels == len(frame):
            notes.append(
                f"{one} intercepts left out: one row per {one}, so its intercept cannot be "
                "told apart from the residual"
            )
            continue
        slopes = []
        for slope in group.slopes:
            fitted = targets.get(slope, [])
            varies = min(
                (
                    (frame.groupby(level)[column].std().fillna(0) > 1e-12).mean()
                    for target in fitted
                    for column in target.split(":")
                ),
                default=0.0,
            )
            if n_levels < MIN_SLOPE_LEVELS:
                notes.append(
                    f"{slope} slopes by {one} left out: {n_levels} {one}(s), fewer than "
                    f"the {MIN_SLOPE_LEVELS} needed"
                )
            elif varies < 0.5:
                notes.append(
                    f"{slope} slopes by {one} left out: {slope} does not vary within most {many}"
                )
            else:
                slopes += fitted
        groups.append(GroupSpec(level, tuple(slopes), group.correlated))
    return tuple(groups), notes


def base_term(term: str) -> str:
    """The declared term of a fitted one: 'a_within:b_within' -> 'a:b', 'x:f[B]' -> 'x:f'."""
    return ":".join(
        p.split("[")[0].removesuffix(WITHIN).removesuffix(BETWEEN) for p in term.split(":")
    )


def declared_variable(column: str) -> str:
    """The declared predictor of a design column: 'a_within' -> 'a', 'f[B]' -> 'f'."""
    return base_term(column)


def _scaling(column: str, values: pd.Series, treated: dict[str, Treatment]) -> tuple[float, float]:
    """(centre, scale) of a design column: ``(x - centre) / scale`` enters the model."""
    treatment = treated.get(declared_variable(column))
    if treatment is None:  # a factor's indicator column
        return 0.0, 1.0
    centre = 0.0 if treatment.centring in ("none", "latent") else float(values.mean())
    return centre, float(values.std()) if treatment.standardise else 1.0


def prepare_data(spec: ModelSpec, scores: pd.DataFrame) -> ModelData:
    """Complete cases, centring and standardisation as declared (see :func:`treatments`),
    factors' indicator columns, and the grouping structure the design identifies."""
    frame, excluded = complete_cases([spec.outcome, *spec.variables], scores, spec.name)
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
    treated = treatments(spec, frame)
    frame, terms, targets, notes = expand_terms(spec, frame, treated)
    groups, group_notes = _identify_groups(spec, frame, targets)
    columns = list(dict.fromkeys(p for t in terms for p in t.split(":")))
    moments = {
        name: (float(frame[name].mean()), float(frame[name].std()))
        for name in [spec.outcome, *columns]
    }
    _check_variation(spec, moments, len(frame))
    scaling = {name: _scaling(name, frame[name], treated) for name in columns}
    outcome = family(spec.family).outcome(spec, frame[spec.outcome])
    frame = frame.assign(**{spec.outcome: outcome.values})
    scaling = {spec.outcome: (outcome.centre, outcome.scale), **scaling}
    if outcome.note:
        notes.append(outcome.note)
    uncentred = [name for name, t in treated.items() if t.centring == "none"]
    if uncentred:
        notes.append(
            f"{', '.join(uncentred)} not centred: the intercept and lower-order terms of "
            "interactions are at 0 on their scale"
        )
    return ModelData(
        frame, terms, scaling, groups, excluded, tuple(notes + group_notes), moments, treated
    )


def _check_variation(spec: ModelSpec, moments: dict, n_rows: int) -> None:
    """A plain error for a variable (or a between-client part) without variation."""
    constant = [name for name, (_, sd) in moments.items() if not sd > 0]
    between = [name for name in constant if name.endswith(BETWEEN)]
    if between:
        names = ", ".join(declared_variable(name) for name in between)
        raise ModelDataError(
            f"model '{spec.name}': the client means of {names} are the same for every client "
            "(a balanced design, as with a time variable), so a between-client part cannot be "
            f"estimated. Fix: add to the declaration variables: {{{names.split(', ')[0]}: "
            "{centring: grand}} (or none), which keeps it whole"
        )
    if constant:
        names = ", ".join(sorted({base_term(name) for name in constant}))
        raise ModelDataError(
            f"model '{spec.name}': {names} take(s) a single value in all {n_rows} rows the "
            "model uses, so its effect cannot be estimated. Fix: leave it out of the model's "
            "declaration, or check its items in the study file (the validation warnings list "
            "constant and unanswered items)"
        )


def outcome_range(spec: ModelSpec) -> tuple[float, float]:
    """Lowest and highest possible value of the outcome as modelled (the family says)."""
    return family(spec.family).outcome_range(spec)


def design_matrix(terms, frame: pd.DataFrame, scaling: dict) -> np.ndarray:
    """One column per term: ``(x - centre) / scale`` of each predictor (standardised by
    default) and products of them for interactions."""
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
        part = (sd * offset)[index]
        return [(part, part)]
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
    """(intercept, intercept plus slope x predictor) per row, from each effect's vector
    over units (the intercept alone: a client's level, for latent centring).

    Each unit-level vector is indexed by row on its own and slopes multiply rows of the
    (terms x rows) design matrix one by one: indexing a (units x effects) matrix by row,
    and ``dot`` without a BLAS in nutpie's numba code, made every gradient about 4x slower
    at 17,542 rows and sampling 3.7x slower (83 vs 23 s; ``benchmarks/results/samplers.md``).
    A term's values are one contiguous row: columns of a (rows x terms) matrix, strided,
    took a third longer per gradient of the M model (0.178 vs 0.133 ms).
    """
    intercept = part = columns[0][index]
    for column, slope in zip(columns[1:], slopes, strict=True):
        part = part + column[index] * x[terms.index(slope)]
    return intercept, part


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
        args = prior_args(name, priors["intercept"])
        if not uncentred(data):
            return x, eta + pm.Normal(name, **args)
        means = design_matrix(data.terms, data.frame, data.scaling).mean(axis=0)
        centred = pm.Normal(f"{name}{CENTRED}", **args)
        eta = eta + pm.Deterministic(name, centred - pm.math.dot(beta, means))
    return x, eta


def uncentred(data: ModelData) -> bool:
    """Whether some predictor enters uncentred (``centring: none``, or a factor's
    indicator columns). The intercept's prior is then placed at the design columns' means
    (``Intercept_centred``) and the intercept at predictors = 0 derived from it, as brms
    does: the intercept at 0 may lie far from the outcome's mean, where a prior in SD units
    around 0 would pull it. The likelihood and the group effects are unchanged."""
    factors = any("[" in column for t in data.terms for column in t.split(":"))
    return factors or any(t.centring == "none" for t in data.treated.values())


def _variable(name: str):
    """The current model's variable ``name``, or 0 if it has none (no intercept)."""
    model = pm.modelcontext(None)
    return model[name] if name in model.named_vars else 0.0


def _equation(spec: ModelSpec, data: ModelData, suffix: str, indices: dict) -> None:
    """One regression equation inside the current model: variables named ``<name><suffix>``."""
    priors, frame, terms = spec.priors, data.frame, list(data.terms)
    x, eta = fixed_part(spec, data, suffix)
    level = _variable(f"{INTERCEPT}{suffix}")
    for group in data.groups:
        index = level_index(group.level, frame, indices)
        block = (suffix, x, terms, group.slopes)
        [(intercepts, part)] = group_effects(
            group.level, [block], index, priors, suffix, group.correlated
        )
        eta, level = eta + part, level + intercepts
    y_centre, y_scale = data.scaling[spec.outcome]
    for j, term in enumerate(terms):
        if data.treated.get(term, Treatment("", False)).centring == "latent":
            # beta (lag(y) - mu_i): the client's latent level mu_i in the column's units
            eta = eta - _variable(f"{COEFFICIENTS}{suffix}")[j] * (
                (y_centre + y_scale * level) / data.scaling[term][1]
            )
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
