"""What a declared model should estimate on a simulated design: its pseudo-true values.

Scale scores are noisy, rounded measures of the simulated traits, so a model of observed
scores estimates attenuated effects. The pseudo-true values are those a model reaches in a
very large sample of the same design (White, 1982): the fixed effects by least squares on
the model's own standardised design matrix (group effects are independent of the
predictors, so they do not bias them), and for a joint model the residual correlation of
the outcomes within clients (least-squares residuals, person-mean centred when clients have
repeated sessions, so that client intercepts drop out).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from intersession.data.codebook import Codebook
from intersession.data.score import score_study
from intersession.data.simulate import Design, GeneratingParameters, simulate_study
from intersession.data.validate import clean_items
from intersession.model.build import prepare
from intersession.model.declaration import ModelSpec
from intersession.model.regression import ModelData, design_matrix


@dataclass(frozen=True)
class PseudoTruth:
    beta: dict[str, dict[str, float]]  # outcome -> term -> standardised slope
    residual_corr: float | None = None  # joint models of two outcomes


def least_squares(data: ModelData, outcome: str) -> tuple[dict[str, float], np.ndarray]:
    """Standardised slopes of ``outcome`` on the model's design matrix, and the residuals."""
    x = np.column_stack(
        [np.ones(len(data.frame)), design_matrix(data.terms, data.frame, data.scaling)]
    )
    mean, sd = data.scaling[outcome]
    y = ((data.frame[outcome] - mean) / sd).to_numpy()
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return dict(zip(data.terms, coef[1:].tolist(), strict=True)), y - x @ coef


def pseudo_truth(
    spec: ModelSpec,
    codebook: Codebook,
    design: Design,
    params: GeneratingParameters,
    seed: int,
    factor: int = 20,
) -> PseudoTruth:
    """Pseudo-true values of ``spec`` from a study ``factor`` times larger (clients and
    therapists) than ``design``."""
    big = replace(
        design, n_clients=design.n_clients * factor, n_therapists=design.n_therapists * factor
    )
    study, _ = simulate_study(codebook, big, seed=seed, params=params)
    scores = score_study(clean_items(study.astype(str), codebook), codebook)
    beta, residuals = {}, {}
    for equation, data, _ in prepare(spec, scores):
        beta[equation.outcome], residuals[equation.outcome] = least_squares(data, equation.outcome)
    corr = None
    if len(spec.outcomes) == 2:
        frame = pd.DataFrame(residuals).assign(client=data.frame["client"].to_numpy())
        if design.n_sessions > 1:
            frame[list(residuals)] -= frame.groupby("client")[list(residuals)].transform("mean")
        corr = float(frame[list(residuals)].corr().iloc[0, 1])
    return PseudoTruth(beta, corr)
