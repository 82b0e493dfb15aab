"""From a declaration and the scores to a PyMC model, whatever the kind of declaration.

An equation is ``(spec, data, suffix)``: one outcome's declaration, its prepared rows and
the suffix of its variable names. A regression has one equation (suffix ""), a mediation
two (``_a``, ``_b``), a joint model one per outcome (``_<outcome>``).
"""

from __future__ import annotations

import pandas as pd
import pymc as pm

from intersession.model.declaration import ModelSpec
from intersession.model.joint import build_joint, prepare_joint
from intersession.model.mediation import prepare_mediation
from intersession.model.regression import ModelData, build_equations, prepare_data

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
