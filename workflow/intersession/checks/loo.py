"""Approximate leave-one-out cross-validation of each fit, and comparison of model variants.

- **PSIS-LOO** (Vehtari, Gelman & Gabry, 2017) from the pointwise log-likelihood stored
  with each fit. The Pareto shape k of each observation's importance ratios says whether
  its estimate can be trusted: up to ``good_k = min(1 - 1/log10(S), 0.7)`` (0.7 for 4,000
  draws) it can; above it the importance sampling estimate is unreliable. A stricter
  threshold can be configured (``loo.k_threshold``; 0.5 was the older advice): with 1,000
  draws an influential point whose k fell to 0.56 after moment matching was still 0.19 nats
  from its exact value (``tests/test_loo.py``).
- **Moment matching** (Paananen, Piironen, Burkner & Vehtari, 2021) repairs those
  observations without refitting: the draws are moved, in the unconstrained space, towards
  the leave-one-out posterior using the model's own log density, which is rebuilt from the
  declaration.
- **Exact refits** (reloo) of the observations still above ``good_k`` after matching: the
  same model with that observation's likelihood cancelled by a potential, sampled again.
  At most ``MAX_REFITS`` per fit; any beyond are reported as unresolved.
- **A time budget** (``REPAIR_BUDGET_S`` per fit) bounds both repairs on large studies:
  moment matching is skipped when about ``MATCHING_EVALUATIONS`` evaluations of the log
  density over all draws per flagged observation would exceed it (timed once), and exact
  refits stop when another one (the fit's own sampling time plus compilation) would. At
  200,000 rows one refit takes 20 minutes; the observations left are reported unresolved.
- **Comparison** of variants fitted to the same observations: ELPD differences to the best
  model with the SE of the difference, and stacking weights (Yao, Vehtari, Simpson &
  Gelman, 2018), through arviz-stats' ``compare``. Models of different observations (an
  ordinal sum score against a Gaussian mean score: a probability mass against a density)
  are not comparable and are refused.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr
from scipy.special import logsumexp

from intersession.inference.fit import pointwise_draws

log = logging.getLogger(__name__)

#: Exact refits at most per fit; observations beyond stay flagged as unresolved.
MAX_REFITS = 10
#: Seconds per fit that moment matching and exact refits may take together.
REPAIR_BUDGET_S = 900
#: Log-density evaluations over all draws that matching one observation takes, roughly.
MATCHING_EVALUATIONS = 10
#: Seconds an exact refit spends compiling, beyond its sampling.
REFIT_OVERHEAD_S = 15
LOO_COLUMNS = [
    "model",
    "variant",
    "elpd",
    "se",
    "p_loo",
    "good_k",
    "k_above_psis",
    "k_above_matched",
    "refitted",
    "unresolved",
    "method",
]
COMPARE_COLUMNS = ["model", "variant", "rank", "elpd", "elpd_diff", "dse", "weight", "p_loo"]
K_COLUMNS = ["model", "variant", "observation", "pareto_k", "pareto_k_matched", "refitted"]


def psis_loo(idata: az.InferenceData, var_name: str):
    """PSIS-LOO of the observed variable ``var_name``, with pointwise values."""
    from arviz_base import convert_to_datatree
    from arviz_stats import loo

    with _high_k_handled():
        return loo(convert_to_datatree(idata), var_name=var_name, pointwise=True)


@contextlib.contextmanager
def _high_k_handled() -> Iterator[None]:
    """Silence arviz-stats' advice about high Pareto k: this module acts on it and reports."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Estimated shape parameter of Pareto", UserWarning)
        yield


def unconstrained_draws(model: pm.Model, idata: az.InferenceData) -> xr.DataArray:
    """All free parameters in the sampler's unconstrained space, as (chain, draw, upar):
    bounded ones from the ``unconstrained_posterior`` group, the rest from the posterior."""
    stored = getattr(idata, "unconstrained_posterior", None)
    blocks = []
    for value in model.value_vars:
        source = stored if stored is not None and value.name in stored else idata.posterior
        if value.name not in source:
            raise KeyError(
                f"the fit has no draws of {value.name}: it was written before unconstrained "
                "draws were stored; refit it (snakemake --forcerun fit)"
            )
        draws = source[value.name]
        blocks.append(draws.values.reshape(draws.sizes["chain"], draws.sizes["draw"], -1))
    return xr.DataArray(np.concatenate(blocks, axis=-1), dims=("chain", "draw", "upar"))


@functools.cache  # compiled once per model: timed for the budget, then used to match
def _density_functions(model: pm.Model, var_name: str):
    """Functions of one flat unconstrained vector: the joint log density (with Jacobian)
    and the pointwise log-likelihood of ``var_name``."""
    point = model.initial_point()
    names = [value.name for value in model.value_vars]
    shapes = [np.shape(point[name]) for name in names]
    edges = np.cumsum([0] + [int(np.prod(shape)) for shape in shapes])
    logp = model.compile_logp(jacobian=True)
    observed = model[var_name]
    pointwise = model.compile_fn(
        model.logp(vars=[observed], sum=False)[0], inputs=model.value_vars, point_fn=True
    )

    def as_point(vector: np.ndarray) -> dict:
        return {
            name: vector[edges[i] : edges[i + 1]].reshape(shapes[i]) for i, name in enumerate(names)
        }

    return (lambda v: logp(as_point(v))), (lambda v: np.ravel(pointwise(as_point(v))))


def _evaluation_s(model: pm.Model, idata: az.InferenceData, var_name: str) -> float:
    """Seconds one evaluation of the model's log density over all draws takes (timed on
    10 draws)."""
    log_prob, _ = _density_functions(model, var_name)
    upars = unconstrained_draws(model, idata)
    timed = upars.isel(chain=[0], draw=slice(0, 10))
    start = time.perf_counter()
    _over_draws(log_prob, timed)
    per_draw = (time.perf_counter() - start) / timed.sizes["draw"]
    return per_draw * upars.sizes["chain"] * upars.sizes["draw"]


def _over_draws(function, upars: xr.DataArray) -> xr.DataArray:
    values = np.apply_along_axis(function, -1, upars.values)
    return xr.DataArray(values, dims=("chain", "draw"))


def moment_matched_loo(
    idata: az.InferenceData, model: pm.Model, var_name: str, result, k_threshold: float
):
    """``result`` (PSIS-LOO) with moment matching of the observations above ``k_threshold``."""
    from arviz_base import convert_to_datatree
    from arviz_stats import loo_moment_match

    log_prob, log_lik = _density_functions(model, var_name)
    with _high_k_handled():
        return loo_moment_match(
            convert_to_datatree(idata),
            result,
            log_prob_upars_fn=lambda u: _over_draws(log_prob, u),
            log_lik_i_upars_fn=lambda u, i: _over_draws(lambda v: log_lik(v)[i], u),
            upars=unconstrained_draws(model, idata),
            var_name=var_name,
            k_threshold=k_threshold,
            pointwise=True,
        )


def exact_loo_i(model: pm.Model, var_name: str, i: int, sampler: dict, seed: int) -> float:
    """log p(y_i | y_-i) by refitting: the same model (same scaling and priors) with
    observation ``i``'s likelihood cancelled by a potential; its density averaged over the
    leave-one-out draws, recorded during sampling (the whole pointwise log-likelihood of a
    200,000-row study would take 6.4 GB)."""
    observed = model[var_name]
    with model:
        log_lik_i = pm.logp(observed, model.rvs_to_values[observed])[i]  # of the parameters
        pm.Potential(f"leave_out_{i}", -log_lik_i)
        pm.Deterministic(f"held_out_{i}", log_lik_i)
        idata = pm.sample(
            draws=sampler["draws"],
            tune=sampler["tune"],
            chains=sampler["chains"],
            target_accept=sampler["target_accept"],
            nuts_sampler=sampler["backend"],
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    held_out = idata.posterior[f"held_out_{i}"].values.ravel()
    return float(logsumexp(held_out) - np.log(held_out.size))


@dataclass
class RobustLoo:
    """PSIS-LOO after moment matching and exact refits, with the Pareto k before and after
    matching and the observations refitted."""

    result: object  # arviz_stats.ELPDData
    k_threshold: float
    k_psis: np.ndarray
    k_matched: np.ndarray
    refitted: list[int]
    matched: bool = True  # False: moment matching skipped (over the time budget)


def robust_loo(
    idata: az.InferenceData,
    build_model: Callable[[], pm.Model],
    var_name: str,
    sampler: dict,
    seed: int,
    k_threshold: float | None = None,
) -> RobustLoo:
    """PSIS-LOO; observations above ``k_threshold`` (default ``good_k``) are moment
    matched, and those still above are refitted exactly (at most :data:`MAX_REFITS`; any
    beyond stay flagged)."""
    from arviz_stats import ELPDData

    idata = pointwise_draws(idata)
    result = psis_loo(idata, var_name)
    threshold = result.good_k if k_threshold is None else k_threshold
    k_psis = result.pareto_k.values.ravel().copy()
    start, matched = time.perf_counter(), False
    flagged = int((k_psis > threshold).sum())
    if flagged:
        model = build_model()
        cost = flagged * MATCHING_EVALUATIONS * _evaluation_s(model, idata, var_name)
        if cost <= REPAIR_BUDGET_S:
            result, matched = moment_matched_loo(idata, model, var_name, result, threshold), True
        else:
            log.info(
                "%s: moment matching of %d observations skipped (~%.0f s)", var_name, flagged, cost
            )
    k_matched = result.pareto_k.values.ravel().copy()
    left = REPAIR_BUDGET_S - (time.perf_counter() - start)
    per_refit = float(idata.posterior.attrs.get("sampling_time", 0.0)) + REFIT_OVERHEAD_S
    n_refits = min(MAX_REFITS, max(int(left // per_refit), 0))
    refitted = [int(i) for i in np.flatnonzero(k_matched > threshold)[:n_refits]]
    if not refitted:
        return RobustLoo(result, threshold, k_psis, k_matched, [], matched)
    elpd_i = result.elpd_i.copy()
    for i in refitted:
        elpd_i.values.flat[i] = exact_loo_i(build_model(), var_name, i, sampler, seed + i)
    elpd = float(elpd_i.sum())
    log.info("%s: %d observation(s) refitted for exact LOO", var_name, len(refitted))
    exact = ELPDData(
        kind="loo",
        elpd=elpd,
        se=float(np.sqrt(elpd_i.size * elpd_i.values.var())),
        p=result.p + result.elpd - elpd,
        n_samples=result.n_samples,
        n_data_points=result.n_data_points,
        scale="log",
        warning=bool((np.delete(k_matched, refitted) > threshold).any()),
        good_k=result.good_k,
        elpd_i=elpd_i,
        pareto_k=result.pareto_k,
    )
    return RobustLoo(exact, threshold, k_psis, k_matched, refitted, matched)


def loo_rows(model_name: str, variant: str, loo: RobustLoo) -> tuple[dict, list]:
    """One summary row of a LOO result and one row per observation's Pareto k."""
    good_k = loo.k_threshold
    above = {
        "k_above_psis": int((loo.k_psis > good_k).sum()),
        "k_above_matched": int((loo.k_matched > good_k).sum()),
        "refitted": len(loo.refitted),
    }
    steps = ["PSIS"] + ["moment matching"] * bool(above["k_above_psis"] and loo.matched)
    steps += [f"{above['refitted']} exact refit(s)"] * bool(above["refitted"])
    summary = {
        "model": model_name,
        "variant": variant,
        "elpd": loo.result.elpd,
        "se": loo.result.se,
        "p_loo": loo.result.p,
        "good_k": good_k,
        **above,
        "unresolved": above["k_above_matched"] - above["refitted"],
        "method": " + ".join(steps),
    }
    points = [
        {
            "model": model_name,
            "variant": variant,
            "observation": i,
            "pareto_k": float(k0),
            "pareto_k_matched": float(k1),
            "refitted": i in loo.refitted,
        }
        for i, (k0, k1) in enumerate(zip(loo.k_psis, loo.k_matched, strict=True))
    ]
    return summary, points


def check_comparable(
    observed: dict[str, np.ndarray], model_name: str, kinds: dict[str, str] | None = None
) -> None:
    """Refuse to compare variants whose observations differ (values or count), or whose
    likelihoods measure them differently (a density against a probability mass: the
    families' ``observation``)."""
    reference_name, reference = next(iter(observed.items()))
    if kinds and len(set(kinds.values())) > 1:
        described = ", ".join(f"{name}: {kind}" for name, kind in kinds.items())
        raise ValueError(
            f"LOO comparison of {model_name}: the variants' likelihoods are not all of one "
            f"kind ({described}), so their ELPDs are not comparable; remove the odd one "
            "from config key loo.variants"
        )
    for name, values in observed.items():
        if values.shape != reference.shape or not np.allclose(values, reference):
            raise ValueError(
                f"LOO comparison of {model_name}: variant {name} models other observations "
                f"than {reference_name} (e.g. an ordinal sum score against a mean score), so "
                "their ELPDs are not comparable; remove it from config key loo.variants"
            )


def compare_table(model_name: str, results: dict) -> pd.DataFrame:
    """ELPD differences, their SE and stacking weights of the variants in ``results``."""
    from arviz_stats import compare

    with warnings.catch_warnings():  # arviz-stats 0.8 sorts in place, deprecated in pandas 3
        warnings.filterwarnings("ignore", "The inplace keyword", DeprecationWarning)
        table = compare(results, method="stacking")
    return pd.DataFrame(
        {
            "model": model_name,
            "variant": table.index,
            "rank": table["rank"].to_numpy(),
            "elpd": table["elpd"].to_numpy(),
            "elpd_diff": table["elpd_diff"].to_numpy(),
            "dse": table["dse"].to_numpy(),
            "weight": table["weight"].to_numpy(),
            "p_loo": table["p"].to_numpy(),
        },
        columns=COMPARE_COLUMNS,
    )


def compare_fits(
    model: str,
    fits: dict[str, str],
    variants: dict[str, str | None],
    frame: pd.DataFrame,
    inputs,
    k_threshold: float | None = None,
) -> dict[str, pd.DataFrame]:
    """LOO of each fit (``fits``: name -> path; ``variants``: name -> variant or None) of
    ``model`` with the repairs above, and their comparison: tables ``loo``, ``pareto_k``
    and ``compare``. ``inputs`` (``inference.record.StudyInputs``) rebuilds each model's
    log density for moment matching and refits."""
    from intersession.inference.record import parameter_map
    from intersession.model.build import build, prepare
    from intersession.model.families import family
    from intersession.provenance import derive_seed

    summaries, points, results, observed, kinds = [], [], {}, {}, {}
    for name, path in fits.items():
        idata = az.from_netcdf(path, engine="h5netcdf")
        eq = parameter_map(idata).equations[-1]
        var_name, selection = eq.observed, dict(eq.selection or {})
        observed[name] = idata.observed_data[var_name].sel(selection).values
        kinds[name] = family(eq.family).observation
        spec = inputs.spec(model, None, variants[name])
        robust = robust_loo(
            idata,
            lambda spec=spec: build(spec, prepare(spec, frame)),
            var_name,
            inputs.sampler,
            derive_seed(inputs.seed, f"loo {model} {name}"),
            k_threshold,
        )
        summary, pointwise = loo_rows(model, name, robust)
        summaries.append(summary)
        points += pointwise
        results[name] = robust.result
    check_comparable(observed, model, kinds)
    return {
        "loo": pd.DataFrame(summaries, columns=LOO_COLUMNS),
        "pareto_k": pd.DataFrame(points, columns=K_COLUMNS),
        "compare": compare_table(model, results),
    }
