"""Fit a built model and store everything later steps need, with provenance.

Each fit holds the posterior (and the unconstrained values of bounded parameters, for LOO
moment matching), sample stats, prior and prior predictive, posterior predictive, pointwise
``log_likelihood`` and ``log_prior`` (so LOO and power-scaling sensitivity need no refit),
observed and constant data. ``log_prior`` holds the priors a user chose (population-level
coefficients, intercepts, group SDs and correlations, residual SD, degrees of freedom,
cutpoints), not the non-centred offsets' standard normals: power-scaling those perturbs the
hierarchical structure itself and flagged every group SD of a 160-group study under flat
priors (prior sensitivity 0.79; 0.00 without them), as priorsense and brms leave them out
(Kallioinen et al., 2024). Pointwise groups (log-likelihood, posterior predictive) grow
with rows x draws: above a budget (``inference.pointwise``) they are computed for every k-th
draw only and stored as float32, and the fit records what was kept. Provenance goes into the
posterior group's attributes as the fit's record (``inference.record``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings

import arviz as az
import pymc as pm
import xarray as xr

from intersession.atomic import atomic_path
from intersession.inference.pointwise import pointwise_plan
from intersession.inference.progress import Progress, PymcCallback, wait_for_nutpie
from intersession.inference.refit import Structure, compile_structure
from intersession.model.parameter_map import OFFSET
from intersession.provenance import derive_seed

log = logging.getLogger(__name__)


def sample(
    model: pm.Model, sampler: dict, seed: int, cores: int, structure: Structure | None = None
) -> az.InferenceData:
    """Draw from the posterior with the configured NUTS backend, then the derived groups.
    Progress is logged at intervals, to a terminal and a job's log alike.

    Seeds for the posterior, prior predictive and posterior predictive draws are derived
    from ``seed`` so that each is reproducible on its own. With nutpie, ``structure`` is
    the model's structure compiled beforehand (one compilation for several fits), else the
    model is compiled here.
    """
    progress = sys.stderr.isatty()
    backend = sampler["backend"]
    with model:
        start = time.perf_counter()
        if backend == "nutpie":
            compiled = (structure or compile_structure(model)).compiled_for(model)
            idata = nutpie_posterior(model, compiled, sampler, seed, cores, progress)
        else:
            idata = pm.sample(
                draws=sampler["draws"],
                tune=sampler["tune"],
                chains=sampler["chains"],
                cores=cores,
                target_accept=sampler["target_accept"],
                random_seed=derive_seed(seed, "posterior"),
                progressbar=progress,
                compute_convergence_checks=False,
                idata_kwargs={"include_transformed": True},
                callback=PymcCallback(progress_of(sampler)),
            )
        keep_unconstrained(idata)
        log.info(
            "sampled %d chains x %d draws with %s in %.1f s",
            sampler["chains"],
            sampler["draws"],
            backend,
            time.perf_counter() - start,
        )
        pm.compute_log_prior(idata, var_names=chosen_priors(model), progressbar=False)
        rows = sum(v.size for v in idata.observed_data.data_vars.values())
        plan = pointwise_plan(rows, sampler["chains"], sampler["draws"])
        kept = idata if plan["thin"] == 1 else idata.sel(draw=slice(None, None, plan["thin"]))
        pointwise = {
            "log_likelihood": pm.compute_log_likelihood(
                kept, extend_inferencedata=False, progressbar=False
            ),
            "posterior_predictive": pm.sample_posterior_predictive(
                kept,
                random_seed=derive_seed(seed, "posterior_predictive"),
                progressbar=False,
            ).posterior_predictive,
        }
        for name, group in pointwise.items():
            group = group.assign_coords(draw=kept.posterior["draw"])  # PyMC renumbers them
            if plan["thin"] > 1:
                group = group.astype({v: plan["dtype"] for v in _floats(group)})
                log.info(
                    "%s: %d of %d draws kept (every %d-th), %s",
                    name,
                    plan["draws"],
                    plan["of_draws"],
                    plan["thin"],
                    plan["dtype"],
                )
            group.attrs["pointwise_plan"] = json.dumps(plan)
            idata.add_groups({name: group})
        idata.extend(
            pm.sample_prior_predictive(
                draws=sampler["prior_draws"], random_seed=derive_seed(seed, "prior")
            )
        )
    return idata


def progress_of(sampler: dict) -> Progress:
    """Progress lines of a fit with these sampler settings (``inference.progress``)."""
    return Progress(sampler["chains"], sampler["tune"], sampler["draws"])


def chosen_priors(model: pm.Model) -> list[str]:
    """Free variables whose prior a user chose: all but the non-centred group offsets."""
    return [rv.name for rv in model.free_RVs if not rv.name.startswith(OFFSET)]


def nutpie_posterior(
    model: pm.Model, compiled, sampler: dict, seed: int, cores: int, progress: bool
) -> az.InferenceData:
    """nutpie's draws of ``compiled`` (``model`` compiled), with ``model``'s constant and
    observed data as ``pm.sample`` adds them; chains on at most ``cores`` threads."""
    import nutpie
    from pymc.backends.arviz import (
        coords_and_dims_for_inferencedata,
        dict_to_dataset,
        find_constants,
        find_observations,
    )

    start = time.perf_counter()
    running = nutpie.sample(
        compiled,
        draws=sampler["draws"],
        tune=sampler["tune"],
        chains=sampler["chains"],
        cores=cores,
        seed=derive_seed(seed, "posterior"),
        target_accept=sampler["target_accept"],
        save_warmup=False,
        progress_bar=progress,
        blocking=False,
    )
    idata = wait_for_nutpie(running, progress_of(sampler))
    idata.posterior.attrs["sampling_time"] = time.perf_counter() - start
    coords, dims = coords_and_dims_for_inferencedata(model)
    data = {
        "constant_data": find_constants(model),
        "observed_data": find_observations(model),
    }
    idata.add_groups(
        {
            group: dict_to_dataset(values, library=pm, coords=coords, dims=dims, default_dims=[])
            for group, values in data.items()
        },
        coords=coords,
        dims=dims,
    )
    return idata


def _floats(group: xr.Dataset) -> list[str]:
    return [str(v) for v, x in group.data_vars.items() if x.dtype.kind == "f"]


def pointwise_draws(idata: az.InferenceData) -> az.InferenceData:
    """``idata`` restricted to the draws its log-likelihood was computed for (all of them
    unless the fit was thinned, ``inference.pointwise``), so that reweighting the
    posterior by pointwise values (LOO, power-scaling) pairs each draw with its own."""
    kept = idata.log_likelihood["draw"]
    if kept.size == idata.posterior.sizes["draw"]:
        return idata
    posterior_groups = [
        g for g in idata.groups() if not g.startswith("prior") and "draw" in idata[g].dims
    ]
    return idata.sel(draw=kept.values, groups=posterior_groups)


def keep_unconstrained(idata: az.InferenceData) -> None:
    """Move the transformed (unconstrained) values of bounded parameters, ``*__`` in the
    posterior, to the ``unconstrained_posterior`` group that LOO moment matching reads."""
    names = [name for name in idata.posterior.data_vars if str(name).endswith("__")]
    unconstrained = idata.posterior[names]
    idata.posterior = idata.posterior.drop_vars(names)
    with warnings.catch_warnings():  # ArviZ warns about groups outside its schema
        warnings.simplefilter("ignore", UserWarning)
        idata.add_groups(unconstrained_posterior=unconstrained)


def attach_scaling(
    idata: az.InferenceData,
    scaling: dict[str, tuple[float, float]],
    moments: dict[str, tuple[float, float]] | None = None,
) -> None:
    """Store each variable's centre and scale (``scaling_mean``, ``scaling_sd``: how it
    entered the model, for effects in original units) and its observed mean and SD
    (``observed_mean``, ``observed_sd``: where effects are probed; the scaling if not given)."""
    names = list(scaling)
    moments = {**scaling, **(moments or {})}
    stored = {"scaling": scaling, "observed": moments}
    for prefix, values in stored.items():
        for i, key in enumerate((f"{prefix}_mean", f"{prefix}_sd")):
            idata.constant_data[key] = xr.DataArray(
                [values[n][i] for n in names], coords={"variable": names}, dims="variable"
            )


def store_fit(idata: az.InferenceData, record, equations: list, path) -> None:
    """Attach each equation's scaling and moments and the fit's record
    (``inference.record``), then write."""
    scaling = {k: v for _, data, _ in equations for k, v in data.scaling.items()}
    moments = {k: v for _, data, _ in equations for k, v in data.moments.items()}
    attach_scaling(idata, scaling, moments)
    record.attach(idata)
    save_fit(idata, path)


def save_fit(idata: az.InferenceData, path) -> None:
    """Write the InferenceData as NetCDF (h5netcdf), atomically."""
    with atomic_path(path) as tmp:
        idata.to_netcdf(str(tmp), engine="h5netcdf")
