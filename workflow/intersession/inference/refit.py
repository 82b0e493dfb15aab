"""Refit one model structure on many datasets without recompiling it, and draw from its prior.

Simulation-based calibration and the design analysis fit the same model hundreds of times.
nutpie compiles a PyMC model with numba in 6.5 to 13 s (warm and cold caches) and then
samples the 81-row ISP-actions model in about 0.1 s (2 chains x 500 + 500 draws); PyMC's own
sampler reuses its cached C code, but rebuilding and sampling still take about 3 s per fit.
So a model is compiled once and each dataset is passed as data: the model's ``pm.Data``
(design matrix, group indices) and its outcome, which :func:`compile_refitter` turns into
data with ``pm.observe``. Measurements: ``benchmarks/results/sbc.md``.

Swapping data is only valid between models that differ in nothing else: the same terms,
groups, numbers of units, priors and constants (the outcome's standardisation, ``mu =
mean_y + sd_y * eta``, is a constant of the graph). Callers guarantee it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import arviz as az
import numpy as np
import pymc as pm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refitter:
    """A single-outcome model compiled once by nutpie; :meth:`sample` swaps its data."""

    compiled: Any  # nutpie's CompiledPyMCModel
    outcome: str
    data_names: tuple[str, ...]

    def sample(self, values: dict[str, np.ndarray], sampler: dict, seed: int, cores: int):
        """Posterior draws (InferenceData) given ``values`` for the outcome and for any of
        the model's data (``X``, ``therapist_index``...); others keep their compiled values."""
        import nutpie

        unknown = set(values) - {self.outcome, *self.data_names}
        if unknown:
            raise KeyError(f"not data of the compiled model: {sorted(unknown)}")
        data = {_data_name(k) if k == self.outcome else k: v for k, v in values.items()}
        return nutpie.sample(
            self.compiled.with_data(**data),
            draws=sampler["draws"],
            tune=sampler["tune"],
            chains=sampler["chains"],
            cores=cores,
            seed=seed,
            target_accept=sampler["target_accept"],
            save_warmup=False,
            progress_bar=False,
        )


@dataclass(frozen=True)
class Structure:
    """A model compiled once by nutpie, to sample any model of the same structure: the same
    graph with other ``pm.Data`` values (the prior grid: other prior constants)."""

    model: pm.Model  # the model compiled: nutpie's initial point is a function of its data
    compiled: Any  # nutpie's CompiledPyMCModel

    def compiled_for(self, model: pm.Model):
        """The compiled model with ``model``'s data, its initial point included (data of
        another shape than compiled raise pytensor's TypeError when built with fixed shapes)."""
        values = {var.name: var for var in model.data_vars}
        shared = {name: values[name].get_value() for name in self.compiled.shared_data}
        for var in self.model.data_vars:
            if var.name in shared:
                var.set_value(shared[var.name])
        return self.compiled.with_data(**shared)


def compile_structure(model: pm.Model) -> Structure:
    """Compile ``model`` with nutpie (numba), once per structure.

    Its data stay data (of fixed shapes when built so, see ``model.regression``): freezing
    them into constants (``freeze_dims_and_data``) made compilation on the M study take
    15.4 instead of 8.4 s for the same sampling time."""
    import nutpie

    start = time.perf_counter()
    compiled = nutpie.compile_pymc_model(model)
    log.info("compiled the model with nutpie in %.1f s", time.perf_counter() - start)
    return Structure(model, compiled)


def _data_name(outcome: str) -> str:
    return f"{outcome}_observed"


def single_outcome(model: pm.Model) -> str:
    """The name of the model's one observed variable."""
    if len(model.observed_RVs) != 1:
        names = [rv.name for rv in model.observed_RVs]
        raise ValueError(f"expected a model of one outcome, got observed variables {names}")
    return model.observed_RVs[0].name


def compile_refitter(model: pm.Model) -> Refitter:
    """Compile ``model`` (one observed variable) with its outcome turned into data."""
    import nutpie

    outcome = single_outcome(model)
    with pm.model.fgraph.clone_model(model) as copy:
        observed = pm.Data(_data_name(outcome), observed_values(model))
    refittable = pm.observe(copy, {outcome: observed})
    start = time.perf_counter()
    compiled = nutpie.compile_pymc_model(refittable)
    log.info("compiled the model of %s with nutpie in %.1f s", outcome, time.perf_counter() - start)
    return Refitter(compiled, outcome, tuple(var.name for var in model.data_vars))


def observed_values(model: pm.Model) -> np.ndarray:
    """The data of the model's one observed variable."""
    rv = model[single_outcome(model)]
    return np.asarray(model.rvs_to_values[rv].data)


def data_values(model: pm.Model) -> dict[str, np.ndarray]:
    """The outcome and every ``pm.Data`` of ``model``, by name: what :meth:`Refitter.sample`
    takes, read from a freshly built (uncompiled) model of the same structure."""
    values = {var.name: np.asarray(var.get_value()) for var in model.data_vars}
    return {**values, single_outcome(model): observed_values(model)}


def prior_sampler(model: pm.Model, names: list[str]) -> Callable[[int], dict[str, np.ndarray]]:
    """A function of a seed returning one joint draw of the named variables from the
    model's prior (observed variables from the prior predictive), compiled once."""
    outputs = [model[name] for name in names]
    rngs = list(pm.pytensorf.collect_default_updates(outputs=outputs))
    function = pm.pytensorf.compile([], outputs)

    def draw(seed: int) -> dict[str, np.ndarray]:
        pm.pytensorf.reseed_rngs(rngs, seed)
        return dict(zip(names, (np.asarray(v) for v in function()), strict=True))

    return draw


def divergences(idata: az.InferenceData) -> int:
    """Divergent transitions after warm-up."""
    return int(idata.sample_stats["diverging"].sum())
