"""The likelihood families: one registry entry holds everything that differs between them.

A family says how its outcome enters the model (standardised or on a link scale), how its
likelihood is built from the linear predictor, which auxiliary parameters it has (with
their prior-set keys, defaults and display labels), whether its predictions have a mean
line, how its predictive checks draw it (densities or bars) and which observations its
log-likelihood is a density or a probability of (LOO compares only like with like).
Nothing outside this module branches on a family's name: to add a likelihood, add an
entry to :data:`FAMILIES` (and its tests).

- **gaussian**: the outcome is standardised; ``mu = mean_y + sd_y * eta``.
- **student_t**: as gaussian, robust to outlying observations; degrees of freedom
  ``nu ~ Gamma(2, 0.1)`` (Juarez & Steel, 2010).
- **ordinal**: a cumulative logit on the sum score (prorated over answered items,
  rounded) with ordered cutpoints (Burkner & Vuorre, 2019); the cutpoints absorb the
  intercept and slopes are on the latent logit scale.
- **negative_binomial**: counts (for example the between-session tasks a client carried
  out) with a log link, ``log mu = log(mean_y) + eta``, so the intercept is the log ratio
  to the sample's mean count and slopes are log rate ratios; NB2 variance
  ``mu + phi * mu^2`` with ``phi`` the squared overdispersion, whose prior
  ``sqrt(phi) ~ HalfNormal(1)`` contains the Poisson limit and strong overdispersion alike
  (Stan prior choice recommendations; Hilbe, 2011).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from intersession.errors import ModelDataError


@dataclass(frozen=True)
class Auxiliary:
    """A family's parameter besides the linear predictor: its variable name (before the
    equation's suffix), the prior-set key of its prior, that prior's JSON schema (with
    defaults, merged into the prior-set schema; None: a key every prior set has), the
    scale it is reported on and its label."""

    name: str
    prior_key: str
    label: str
    scale: str = "standardised"
    prior_schema: dict | None = None
    variance: bool = False  # a residual SD: shown with group SDs where funnels show


@dataclass(frozen=True)
class Outcome:
    """The outcome as a family models it, for one equation."""

    values: pd.Series  # what the likelihood observes (categories for ordinal)
    centre: float  # mean_y of the link, or 0
    scale: float  # sd_y of the link, or 1 (slopes then stay on the link scale)
    note: str | None = None
    range: tuple[float, float] = (0.0, 1.0)  # lowest and highest possible value


@dataclass(frozen=True)
class Family:
    """One likelihood and everything downstream code must know about it."""

    name: str
    label: str
    description: str
    #: Whether the linear predictor has an intercept (not where cutpoints absorb it).
    intercept: bool
    #: Whether predictions have a mean line on the outcome's scale (``mean``).
    mean_line: bool
    #: Predictive checks: "density" for continuous outcomes, "bars" for discrete ones.
    ppc: str
    #: What the pointwise log-likelihood measures: LOO compares families of one kind only.
    observation: str
    auxiliary: tuple[Auxiliary, ...]
    #: (spec, scores of the outcome) -> Outcome
    outcome: Callable
    #: (spec) -> lowest and highest possible value of the outcome as modelled
    outcome_range: Callable
    #: (name, eta, outcome, priors, suffix, prior_args) -> None: adds the likelihood
    likelihood: Callable
    #: (eta draws, centre, scale) -> expected outcome, where ``mean_line``
    mean: Callable | None = None
    #: How the outcome enters, for the drafted methods text; None: standardised, so that
    #: slopes are in SDs of the outcome per SD of the predictor.
    method: str | None = None
    #: Whether the outcome's instrument must have a range of whole numbers.
    whole_range: bool = False
    #: Whether several outcomes can be modelled jointly (multivariate) in this family.
    multivariate: bool = False

    def auxiliary_names(self, suffix: str = "") -> list[str]:
        return [f"{aux.name}{suffix}" for aux in self.auxiliary]

    def auxiliary_entry(self, name: str) -> Auxiliary:
        """The auxiliary parameter called ``name`` (without an equation's suffix)."""
        return next(aux for aux in self.auxiliary if aux.name == name)


# -- shared pieces -------------------------------------------------------------------------


def _standardised(spec, score: pd.Series) -> Outcome:
    return Outcome(score, float(score.mean()), float(score.std()))


def _response_range(spec) -> tuple[float, float]:
    return spec.outcome_range


def _linear_mean(eta, centre: float, scale: float):
    return centre + scale * eta


def _residual_sd(suffix: str, priors: dict, prior_args) -> object:
    import pymc as pm

    name = f"sigma{suffix}"
    return pm.HalfNormal(name, **prior_args(name, priors["residual_sd"]))


def _prior_schema(description: str, **defaults: float) -> dict:
    """JSON schema of a prior's positive arguments, with their defaults."""
    return {
        "type": "object",
        "additionalProperties": False,
        "default": dict(defaults),
        "description": description,
        "properties": {
            name: {"type": "number", "exclusiveMinimum": 0, "default": value}
            for name, value in defaults.items()
        },
    }


SIGMA = Auxiliary("sigma", "residual_sd", "Residual SD", variance=True)


# -- gaussian and Student-t ----------------------------------------------------------------


def _gaussian(name, eta, outcome: Outcome, priors, suffix, prior_args) -> None:
    import pymc as pm

    sigma = _residual_sd(suffix, priors, prior_args)
    pm.Normal(
        name,
        mu=outcome.centre + outcome.scale * eta,
        sigma=outcome.scale * sigma,
        observed=outcome.values.to_numpy(),
        dims="obs_id",
    )


def _student_t(name, eta, outcome: Outcome, priors, suffix, prior_args) -> None:
    import pymc as pm

    sigma = _residual_sd(suffix, priors, prior_args)
    nu = pm.Gamma(f"nu{suffix}", **prior_args(f"nu{suffix}", priors["student_nu"]))
    pm.StudentT(
        name,
        nu=nu,
        mu=outcome.centre + outcome.scale * eta,
        sigma=outcome.scale * sigma,
        observed=outcome.values.to_numpy(),
        dims="obs_id",
    )


# -- ordinal -------------------------------------------------------------------------------


def _ordinal_range(spec) -> tuple[float, float]:
    low, high = spec.outcome_range
    return 0.0, float(round(spec.outcome_items * (high - low)))


def _ordinal_outcome(spec, score: pd.Series) -> Outcome:
    n, low = spec.outcome_items, spec.outcome_range[0]
    categories = (score * n).round().astype(int) - round(n * low)
    note = (
        f"ordinal outcome: the {spec.outcome} sum score over {n} item(s) (prorated over "
        "answered items, rounded), counted from its lowest possible value"
    )
    return Outcome(categories, 0.0, 1.0, note)


def _ordinal(name, eta, outcome: Outcome, priors, suffix, prior_args) -> None:
    import pymc as pm

    n_cuts = int(outcome.range[1])
    cutpoints = pm.Normal(
        f"cutpoints{suffix}",
        mu=np.linspace(-2.5, 2.5, n_cuts),
        **prior_args(f"cutpoints{suffix}", priors["cutpoints"]),
        transform=pm.distributions.transforms.ordered,
        shape=n_cuts,
    )
    pm.OrderedLogistic(
        name, eta=eta, cutpoints=cutpoints, observed=outcome.values.to_numpy(), dims="obs_id"
    )


# -- negative binomial ---------------------------------------------------------------------


def _count_outcome(spec, score: pd.Series) -> Outcome:
    whole = np.isclose(score, np.round(score)) & (score >= 0)
    if not whole.all():
        row = int(np.flatnonzero(~whole.to_numpy())[0])
        raise CountOutcomeError(
            f"model '{spec.name}': the negative binomial family needs counts (whole numbers "
            f"0 or above) of '{spec.outcome}', but row {row + 1} of the rows used has "
            f"{score.iloc[row]:g}; declare a single-item count instrument, or use "
            "family: gaussian"
        )
    counts = np.round(score).astype(int)
    mean = float(counts.mean())
    if not mean > 0:
        raise CountOutcomeError(
            f"model '{spec.name}': every count of '{spec.outcome}' is 0; a negative binomial "
            "model needs some non-zero counts"
        )
    note = (
        f"count outcome: log link centred on the mean count of {spec.outcome} "
        f"({mean:.3g}); slopes are log rate ratios"
    )
    return Outcome(counts, mean, 1.0, note)


def _negative_binomial(name, eta, outcome: Outcome, priors, suffix, prior_args) -> None:
    import pymc as pm

    over = pm.HalfNormal(
        f"overdispersion{suffix}",
        **prior_args(f"overdispersion{suffix}", priors["nb_overdispersion"]),
    )
    pm.NegativeBinomial(
        name,
        mu=outcome.centre * pm.math.exp(eta),
        alpha=1.0 / pm.math.sqr(over),  # PyMC's alpha is the shape: 1 / phi
        observed=outcome.values.to_numpy(),
        dims="obs_id",
    )


def _log_mean(eta, centre: float, scale: float):
    return centre * np.exp(scale * eta)


class CountOutcomeError(ModelDataError):
    """Outcome values a count family cannot model: an input error, named with its fix."""


# -- the registry --------------------------------------------------------------------------

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family(
            name="gaussian",
            label="Gaussian",
            description="Gaussian likelihood on the outcome's original scale",
            intercept=True,
            mean_line=True,
            ppc="density",
            observation="density",
            auxiliary=(SIGMA,),
            outcome=_standardised,
            outcome_range=_response_range,
            likelihood=_gaussian,
            mean=_linear_mean,
            multivariate=True,
        ),
        Family(
            name="student_t",
            label="Student-t",
            description="Student-t likelihood (robust to outlying observations)",
            intercept=True,
            mean_line=True,
            ppc="density",
            observation="density",
            auxiliary=(
                SIGMA,
                Auxiliary(
                    "nu",
                    "student_nu",
                    "Degrees of freedom (Student-t)",
                    prior_schema=_prior_schema(
                        "Gamma prior on the Student-t degrees of freedom (Juarez & Steel, 2010)",
                        alpha=2,
                        beta=0.1,
                    ),
                ),
            ),
            outcome=_standardised,
            outcome_range=_response_range,
            likelihood=_student_t,
            mean=_linear_mean,
        ),
        Family(
            name="ordinal",
            label="ordinal (cumulative logit)",
            description="cumulative logit on the outcome's sum score",
            intercept=False,
            mean_line=False,
            ppc="bars",
            observation="mass",
            auxiliary=(
                Auxiliary(
                    "cutpoints",
                    "cutpoints",
                    "Cutpoint",
                    scale="logit",
                    prior_schema=_prior_schema(
                        "ordinal family: Normal priors on the ordered cutpoints (logit "
                        "scale), centred on evenly spaced values between -2.5 and 2.5, "
                        "with this SD",
                        sigma=2,
                    ),
                ),
            ),
            outcome=_ordinal_outcome,
            outcome_range=_ordinal_range,
            likelihood=_ordinal,
            method=(
                "ordinal outcomes by a cumulative logit model of their sum score, with slopes "
                "on the latent logit scale per standard deviation of the predictor"
            ),
            whole_range=True,
        ),
        Family(
            name="negative_binomial",
            label="negative binomial (log link)",
            description="negative binomial (NB2) likelihood of counts with a log link",
            intercept=True,
            mean_line=True,
            ppc="bars",
            observation="mass",
            auxiliary=(
                Auxiliary(
                    "overdispersion",
                    "nb_overdispersion",
                    "Overdispersion (square root of phi)",
                    scale="count",
                    prior_schema=_prior_schema(
                        "negative binomial family: Half-Normal prior on the square root "
                        "of the overdispersion phi (variance mu + phi mu^2)",
                        sigma=1,
                    ),
                ),
            ),
            outcome=_count_outcome,
            outcome_range=_response_range,
            likelihood=_negative_binomial,
            mean=_log_mean,
            method=(
                "count outcomes by a negative binomial (NB2) likelihood with a log link, with "
                "slopes as log rate ratios per standard deviation of the predictor"
            ),
            whole_range=True,
        ),
    )
}


def family(name: str) -> Family:
    """The registry entry of ``name`` (declarations are checked against :data:`FAMILIES`)."""
    return FAMILIES[name]


def auxiliary_entry(name: str) -> Auxiliary | None:
    """The auxiliary parameter called ``name`` in any family (tables name them so)."""
    found = [aux for entry in FAMILIES.values() for aux in entry.auxiliary if aux.name == name]
    return found[0] if found else None


def prior_schema_extension() -> dict[str, dict]:
    """Prior-set keys the families add to the prior-set schema, with their defaults."""
    return {
        aux.prior_key: aux.prior_schema
        for entry in FAMILIES.values()
        for aux in entry.auxiliary
        if aux.prior_schema is not None
    }
