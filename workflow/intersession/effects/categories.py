"""Probing an interaction with a categorical moderator (a factor of the codebook).

A factor enters a model as indicator columns ``factor[level]`` (``model.regression``):
under treatment coding each level other than the reference has a 1 in its own column, the
reference 0 in all; under sum (effect) coding each level but the last has a 1 in its own
column and the last -1 in all. For ``y ~ x * factor`` the slope of x in a category is
then ``b_x + sum_l code_l * b_{x:factor[l]}`` over the factor's columns, and the difference
between two categories is the difference of their slopes. There is no "-1 SD" of a
category and no Johnson-Neyman region over codes: the simple slope is given per category,
with every pairwise difference (Aiken & West, 1991, ch. 7).
"""

from __future__ import annotations

import itertools

import arviz as az
import numpy as np
import pandas as pd

from intersession.effects.parameters import scaling, summarise
from intersession.effects.slopes import SLOPE_COLUMNS
from intersession.inference.record import parameter_map


def column(factor: str, level: str) -> str:
    """The design column of one level of a factor."""
    return f"{factor}[{level}]"


def factor_of(name: str) -> str | None:
    """The factor of an indicator column ``factor[level]``, else None."""
    return name.split("[")[0] if name.endswith("]") else None


def category_codes(factor: str, info: dict) -> dict[str, dict[str, float]]:
    """Each category's values of the factor's design columns (see the module docstring);
    ``info`` is the fit record's entry of the factor (labels, reference, coding)."""
    labels = info["labels"]
    if info["coding"] == "sum":
        columns = labels[:-1]
        codes = {
            label: {column(factor, c): float(c == label) for c in columns} for label in columns
        }
        codes[labels[-1]] = {column(factor, c): -1.0 for c in columns}
        return {label: codes[label] for label in labels}
    columns = [label for label in labels if label != info["reference"]]
    return {label: {column(factor, c): float(c == label) for c in columns} for label in labels}


def factor_interactions(idata: az.InferenceData, factors: dict) -> list[tuple[str, str, str, str]]:
    """(suffix, outcome, focal, factor) of each equation's interaction of a predictor with
    a factor (once per factor, whichever side of ':' it was written on)."""
    found = []
    for eq in parameter_map(idata).equations:
        for term in idata.posterior[eq.term_dim].values:
            parts = str(term).split(":")
            if len(parts) != 2:
                continue
            for moderator, focal in (parts, parts[::-1]):
                factor = factor_of(moderator)
                entry = (eq.suffix, eq.outcome, focal, factor)
                if factor in factors and factor_of(focal) is None and entry not in found:
                    found.append(entry)
    return found


def category_slopes(
    idata: az.InferenceData,
    suffix: str,
    outcome: str,
    focal: str,
    factor: str,
    info: dict,
    interval: float = 0.95,
) -> pd.DataFrame:
    """The focal predictor's slope in each category of ``factor`` and each pairwise
    difference ("B - A"), standardised and in original units (``moderator_value`` is
    empty: a category has no numeric value)."""
    post = idata.posterior.stack(sample=("chain", "draw"))
    eq = parameter_map(idata).equation(suffix)
    beta, dim = post[eq.coefficients], eq.term_dim
    terms = {str(t) for t in beta[dim].values}

    def coefficient(col: str) -> np.ndarray:
        for name in (f"{focal}:{col}", f"{col}:{focal}"):
            if name in terms:
                return beta.sel({dim: name}).values
        return np.zeros(beta.sizes["sample"])

    base = beta.sel({dim: focal}).values
    slopes = {
        label: base + sum(code * coefficient(col) for col, code in codes.items())
        for label, codes in category_codes(factor, info).items()
    }
    scale = scaling(idata)
    to_original = scale[outcome][1] / scale[focal][1]
    draws = dict(slopes)
    for first, second in itertools.combinations(slopes, 2):
        draws[f"{second} - {first}"] = slopes[second] - slopes[first]
    rows = [
        {
            "outcome": outcome,
            "focal": focal,
            "moderator": factor,
            "moderator_level": label,
            "moderator_value": np.nan,
            "scale": scale_name,
            **summarise(values * factor_value, interval),
            "in_rope": np.nan,
        }
        for label, values in draws.items()
        for scale_name, factor_value in (("standardised", 1.0), ("original", to_original))
    ]
    return pd.DataFrame(rows, columns=SLOPE_COLUMNS)


def category_lines(factor: str, info: dict) -> list[tuple[str, float, dict]]:
    """Lines of predicted outcome per category (``effects.predictions.predicted_lines``)."""
    return [(label, np.nan, codes) for label, codes in category_codes(factor, info).items()]
