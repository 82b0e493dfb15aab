"""Power-scaling prior and likelihood sensitivity of a fit, without refitting.

The posterior is reweighted as if the prior (or the likelihood) were raised to a power
near 1 (0.99 and 1.01), by Pareto-smoothed importance sampling on the stored
``log_prior`` and ``log_likelihood`` (on the draws the log-likelihood was kept for, see
``inference.pointwise``); the sensitivity is the cumulative Jensen-Shannon
distance between the base and the perturbed posteriors per log2 of the power (Kallioinen
et al., 2024), computed by arviz-stats ``psense_summary``. Above 0.05 a parameter is
sensitive: to the prior and the likelihood both, a prior-data conflict; to the prior
alone, a weak likelihood (the data say little about it). The parameters checked are the
population-level, group SD and auxiliary ones (``ParameterMap.summarised``; correlation
matrices have constant diagonals).
"""

from __future__ import annotations

import warnings

import arviz as az
import pandas as pd

THRESHOLD = 0.05
COLUMNS = ["parameter", "prior", "likelihood", "diagnosis"]


def power_scaling_table(idata: az.InferenceData) -> pd.DataFrame:
    """One row per parameter element: prior and likelihood sensitivity and the diagnosis
    ('none', 'prior-data conflict' or 'weak likelihood')."""
    from arviz_base import convert_to_datatree
    from arviz_stats import psense_summary

    from intersession.inference.fit import pointwise_draws
    from intersession.inference.record import parameter_map

    checked = set(parameter_map(idata).summarised())
    idata = pointwise_draws(idata)
    names = [str(v) for v in idata.posterior.data_vars if str(v) in checked]
    with warnings.catch_warnings():  # (arviz-stats logs a pointer to its docs on any issue)
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 for draws that never move
        summary = psense_summary(convert_to_datatree(idata), var_names=names, threshold=THRESHOLD)
    table = summary.reset_index(names="parameter")[["parameter", "prior", "likelihood"]]
    table["diagnosis"] = [
        _diagnosis(p, lk) for p, lk in zip(table["prior"], table["likelihood"], strict=True)
    ]
    return table[COLUMNS]


def _diagnosis(prior: float, likelihood: float) -> str:
    if prior >= THRESHOLD and likelihood >= THRESHOLD:
        return "prior-data conflict"
    if prior >= THRESHOLD:
        return "weak likelihood"
    return "none"
