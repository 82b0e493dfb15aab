"""From a declaration and the scores to a PyMC model, whatever the kind of declaration.

An equation is ``(spec, data, suffix)``: one outcome's declaration, its prepared rows and
the suffix of its variable names. A regression has one equation (suffix ""), a mediation
two (``_a``, ``_b``), a joint model one per outcome (``_<outcome>``).
"""

from __future__ import annotations

import pandas as pd
import pymc as pm

from intersession.model.declaration import ModelSpec
from intersession.model.joint import build_joint, joint_name, prepare_joint
from intersession.model.mediation import prepare_mediation
from intersession.model.parameter_map import ParameterMap, parameter_map
from intersession.model.regression import ModelData, build_equations, outcome_range, prepare_data

Equation = tuple[ModelSpec, ModelData, str]


def prepare(spec: ModelSpec, scores: pd.DataFrame) -> list[Equation]:
    """The equations of a declaration, each with its rows after centring and design checks."""
    if spec.mediation:
        return prepare_mediation(spec, scores)
    if spec.outcomes:
        return prepare_joint(spec, scores)
    return [(spec, prepare_data(spec, scores), "")]


def build(spec: ModelSpec, equations: list[Equation]) -> pm.Model:
    """The PyMC model of prepared equations."""
    return build_joint(equations) if spec.outcomes else build_equations(equations)


def describe(spec: ModelSpec, equations: list[Equation], model: pm.Model) -> dict:
    """What later steps read of a built model: each equation (suffix, outcome, family,
    terms), each outcome's possible range and the :class:`ParameterMap` of its variables."""
    described = [
        {"suffix": suffix, "outcome": eq.outcome, "family": eq.family, "terms": list(d.terms)}
        for eq, d, suffix in equations
    ]
    observed = [
        (joint_name(spec.outcomes), {"outcome": [e["outcome"]]})
        if spec.outcomes
        else (e["outcome"], None)
        for e in described
    ]
    parameters: ParameterMap = parameter_map(
        [{**e, "observed": o} for e, o in zip(described, observed, strict=True)],
        model.named_vars,
    )
    return {
        "equations": described,
        "outcome_ranges": {eq.outcome: list(outcome_range(eq)) for eq, _, _ in equations},
        "parameters": parameters,
    }
