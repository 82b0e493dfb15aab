"""All effect tables of one fit, by the names of :data:`intersession.outputs.EFFECT_TABLES`.

Per two-way interaction of each equation with a mean line: predicted lines, simple slopes,
a floodlight and Johnson-Neyman regions (a binary moderator: simple slopes at its two
values; a factor: lines and slopes per category, ``effects.categories``); per outcome the
prior predictive check, the LOO-PIT calibration curve and the predictive check of
therapist (and site) means; power-scaling sensitivity; variance components, ICCs and
Bayesian R²; a mediation model's indirect, direct and total effects. A table a model has
nothing for is empty, with its columns.
"""

from __future__ import annotations

import arviz as az
import pandas as pd

from intersession.checks import calibration
from intersession.effects import (
    categories,
    mediation,
    predictions,
    prior_checks,
    sensitivity,
    slopes,
    variance,
)
from intersession.effects.parameters import parameter_table
from intersession.inference.record import FitRecord
from intersession.model.regression import base_term
from intersession.outputs import EFFECT_TABLES

COLUMNS = {
    "parameters": None,  # built whole by parameter_table
    "predictions": predictions.COLUMNS,
    "slopes": slopes.SLOPE_COLUMNS,
    "floodlight": slopes.FLOODLIGHT_COLUMNS,
    "johnson_neyman": slopes.REGION_COLUMNS,
    "indirect": mediation.COLUMNS,
    "prior_predictive": prior_checks.COLUMNS,
    "sensitivity": sensitivity.COLUMNS,
    "loo_pit": calibration.LOO_PIT_COLUMNS,
    "grouped_ppc": calibration.GROUPED_COLUMNS,
    "variance": variance.COLUMNS,
}


def effect_tables(
    idata: az.InferenceData, record: FitRecord, interval: float, settings: dict
) -> dict:
    """``{name: DataFrame}`` for every name of ``EFFECT_TABLES`` of a fit and its record;
    ``settings`` is the config's ``effects`` section (moderator values, ROPE); the
    Johnson-Neyman regions use ``interval``, as the floodlight band does."""
    parts: dict[str, list] = {name: [] for name in EFFECT_TABLES}
    parts["parameters"].append(parameter_table(idata, interval))
    for suffix, outcome, focal, moderator in predictions.interaction_terms(idata):
        if categories.factor_of(focal) or categories.factor_of(moderator):
            continue  # probed per category below
        parts["predictions"].append(
            predictions.predicted_lines(idata, focal, moderator, suffix, outcome, interval=interval)
        )
        inter = slopes.Interaction(idata, suffix, outcome, focal, moderator)
        values = settings["moderator_values"].get(base_term(moderator), [])
        parts["slopes"].append(slopes.simple_slopes(inter, values, interval, settings["rope"]))
        if len(inter.levels()) == 2:
            continue  # a binary moderator: its two values, no region over the range
        parts["floodlight"].append(slopes.floodlight(inter, interval))
        parts["johnson_neyman"].append(slopes.johnson_neyman(inter, interval))
    for suffix, outcome, focal, factor in categories.factor_interactions(idata, record.factors):
        info = record.factors[factor]
        lines = categories.category_lines(factor, info)
        parts["predictions"].append(
            predictions.predicted_lines(
                idata, focal, factor, suffix, outcome, interval=interval, levels=lines
            )
        )
        parts["slopes"].append(
            categories.category_slopes(idata, suffix, outcome, focal, factor, info, interval)
        )
    parts["prior_predictive"].append(
        prior_checks.prior_predictive_table(idata, record.outcome_ranges)
    )
    parts["sensitivity"].append(sensitivity.power_scaling_table(idata))
    parts["variance"].append(variance.variance_table(idata, interval))
    parts["loo_pit"].append(calibration.loo_pit_table(idata, interval))
    levels = [g["level"] for g in record.groups if g["level"] != "client"]
    parts["grouped_ppc"].append(calibration.grouped_predictive_table(idata, levels, interval))
    if record.mediation:
        parts["indirect"].append(mediation.mediation_effects(idata, record.mediation, interval))
    return {
        name: pd.concat(frames) if frames else pd.DataFrame(columns=COLUMNS[name])
        for name, frames in parts.items()
    }
