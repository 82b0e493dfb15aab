"""First-stage moderated mediation as two equations in one model (Hayes, 2015, model 8).

- a path: mediator ~ predictor + moderator + predictor:moderator
- b and direct paths: outcome ~ mediator + predictor + moderator + predictor:moderator

Both equations use the same rows, the declared grouping levels (each with its own group
effects) and the same centring; with repeated sessions the within/between split applies, so
indirect effects exist at each level. The indirect effect of the predictor at moderator
value w (standardised) is (a_x + a_xw * w) * b_m; the index of moderated mediation is
a_xw * b_m (Hayes, 2015).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from intersession.model.declaration import ModelSpec
from intersession.model.regression import ModelData, complete_cases, prepare_data

A_PATH, B_PATH = "_a", "_b"


def equations(spec: ModelSpec) -> tuple[ModelSpec, ModelSpec]:
    """The a-path and b-path regressions of a mediation declaration."""
    m = spec.mediation
    moderated = (m["predictor"], m["moderator"], f"{m['predictor']}:{m['moderator']}")
    a_path = spec.with_outcome(
        m["mediator"], name=f"{spec.name}{A_PATH}", terms=moderated, mediation=None
    )
    b_path = replace(
        spec, name=f"{spec.name}{B_PATH}", terms=(m["mediator"], *moderated), mediation=None
    )
    return a_path, b_path


def prepare_mediation(
    spec: ModelSpec, scores: pd.DataFrame
) -> list[tuple[ModelSpec, ModelData, str]]:
    """Both equations on the rows complete in all four variables."""
    a_path, b_path = equations(spec)
    frame, excluded = complete_cases([b_path.outcome, *b_path.variables], scores, spec.name)
    a_data = prepare_data(a_path, frame)
    b_data = replace(prepare_data(b_path, frame), excluded=excluded)
    return [(a_path, a_data, A_PATH), (b_path, b_data, B_PATH)]
