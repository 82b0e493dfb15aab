"""Predicted outcome over a focal predictor at low, mean and high values of a moderator.

Population-level predictions (group effects at zero, other predictors at their observed
mean, whatever their centring) on
the outcome's original scale, for every equation of a model with an interaction (both
outcomes of a joint model, both paths of a mediation), with equal-tailed credible bands.
The moderator is set to its mean and +/- 1 SD (Aiken & West, 1991), the convention for
probing alliance interactions.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from intersession.effects.parameters import scaling
from intersession.inference.record import parameter_map
from intersession.model.families import family

#: The probed moderator values' labels in tables and figures. None starts with a character
#: a spreadsheet reads as a formula (``-1 SD`` would), so :mod:`intersession.tables` never
#: has to quote them: a researcher opening the CSV sees the label as written here.
LOW, MEAN, HIGH = "mean - 1 SD", "mean", "mean + 1 SD"
MODERATOR_LEVELS = {LOW: -1.0, MEAN: 0.0, HIGH: 1.0}
COLUMNS = [
    "outcome",
    "focal",
    "focal_value",
    "moderator",
    "moderator_level",
    "moderator_value",
    "mean",
    "lower",
    "upper",
    "held_at",
]


def moderator_levels(observed, moments: tuple) -> list[tuple[str, float]]:
    """(label, value) of each level a moderator is probed at: its two values if it is
    binary (a factor's indicator column, a 0/1 variable), else its mean and +/- 1 SD
    (``moments``), in original units (``observed``: its values in the data)."""
    values = np.unique(np.round(np.asarray(observed, dtype=float), 12))
    if len(values) == 2:
        return [(f"{v:g}", float(v)) for v in values]
    return [(label, moments[0] + z * moments[1]) for label, z in MODERATOR_LEVELS.items()]


def held_at(terms: list[str], focal: str, moderator: str, moments: dict) -> str:
    """The other predictors of the equation, each at its observed mean, in original units:
    'isp_actions=2.88' ('; '-separated; '' when there are none). A mediation's b path is
    drawn with the mediator held here, and the figure says so."""
    others = [t for t in terms if ":" not in t and t not in (focal, moderator)]
    return "; ".join(f"{t}={moments[t][0]:.6g}" if t in moments else f"{t}=mean" for t in others)


def interaction_terms(idata: az.InferenceData) -> list[tuple[str, str, str, str]]:
    """(suffix, outcome, focal, moderator) of each two-way interaction of each equation
    whose family has a mean line (not ordinal models yet)."""
    found = []
    for eq in parameter_map(idata).equations:
        if not family(eq.family).mean_line:
            continue
        for term in idata.posterior[eq.term_dim].values:
            if str(term).count(":") == 1:
                found.append((eq.suffix, eq.outcome, *str(term).split(":")))
    return found


def predicted_lines(
    idata: az.InferenceData,
    focal: str,
    moderator: str,
    suffix: str = "",
    outcome: str | None = None,
    n_grid: int = 40,
    interval: float = 0.95,
    levels: list[tuple[str, float, dict]] | None = None,
) -> pd.DataFrame:
    """Tidy table: outcome, focal value, moderator level and value, posterior mean and
    credible band, for the equation whose variables end in ``suffix``. ``levels`` are
    (label, value, {design column: value in original units}) of each line; default the
    moderator's :func:`moderator_levels` (a factor's categories set all its columns)."""
    scale, observed_moments = scaling(idata), scaling(idata, "observed")
    eq = parameter_map(idata).equation(suffix)
    outcome = outcome or eq.outcome
    y_mean, y_sd = scale[outcome]
    dim = eq.term_dim
    observed = idata.constant_data[eq.design]
    terms = [str(t) for t in idata.posterior[dim].values]
    focal_obs = observed.sel({dim: focal}).values * scale[focal][1] + scale[focal][0]
    grid = np.linspace(focal_obs.min(), focal_obs.max(), n_grid)
    z_focal = (grid - scale[focal][0]) / scale[focal][1]
    post = idata.posterior.stack(sample=("chain", "draw"))
    beta = post[eq.coefficients].transpose("sample", dim).values
    intercept = post[eq.intercept].values
    mean = family(eq.family).mean
    tail = (1 - interval) / 2

    def z_of(name, value):
        return (value - scale[name][0]) / scale[name][1]

    names = {p for t in terms for p in t.split(":")}
    at_mean = {n: z_of(n, observed_moments[n][0]) for n in names}
    if levels is None:
        moderator_obs = scale[moderator][0] + scale[moderator][1] * observed.sel({dim: moderator})
        levels = [
            (label, value, {moderator: value})
            for label, value in moderator_levels(moderator_obs.values, observed_moments[moderator])
        ]
    held = held_at(terms, focal, moderator, observed_moments)
    rows = []
    for label, value, setting in levels:
        z = {n: np.full(n_grid, z_of(n, v)) for n, v in setting.items()}
        z[focal] = z_focal
        design = np.column_stack(
            [
                np.prod([z.get(n, np.full(n_grid, at_mean[n])) for n in t.split(":")], axis=0)
                for t in terms
            ]
        )
        mu = mean(intercept[:, None] + beta @ design.T, y_mean, y_sd)
        lower, upper = np.quantile(mu, [tail, 1 - tail], axis=0)
        for i, x in enumerate(grid):
            rows.append(
                {
                    "outcome": outcome,
                    "focal": focal,
                    "focal_value": x,
                    "moderator": moderator,
                    "moderator_level": label,
                    "moderator_value": value,
                    "mean": mu[:, i].mean(),
                    "lower": lower[i],
                    "upper": upper[i],
                    "held_at": held,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)
