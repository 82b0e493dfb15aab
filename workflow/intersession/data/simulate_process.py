"""Simulate session-by-session process studies with known truth: growth over sessions, a
treatment condition, and lagged within-person effects.

Clients are nested in therapists and randomised to a condition (a factor of the codebook).
Each session s = 0, 1, ..., with some sessions missed, records an alliance score and an
ISP-actions score (ready-made scale scores, in raw units):

- alliance: the client's own level plus session-to-session noise, a_is = m_i + d_is;
- ISP-actions: y_is = b0 + g_c + (b1 + h_c) s + u0_i + u1_i s + v_j
  + phi (y_i,s-1 - mu_i,s-1) + beta d_i,s-1 + e_is,

  a growth curve with condition effects on its intercept (g_c) and slope (h_c), client
  intercepts and time slopes (u0, u1; correlated), therapist intercepts (v), and the
  within-person lagged effects: the autoregression phi on the previous session's deviation
  from the client's own expected value mu, and the cross-lag beta of the previous session's
  alliance deviation. Sessions before the first are at their expected values.

With ``phi = beta = 0`` this is a growth model; with no growth and no condition it is a
stationary lagged model (Falkenstrom et al., 2017), whose observed person-mean centred
estimate of phi is biased by about -(1 + phi) / (T - 1) in T sessions (Nickell, 1981).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ProcessDesign:
    n_clients: int = 120
    n_therapists: int = 20
    n_sessions: int = 8
    missed_share: float = 0.0  # sessions missed at random (their lags are missing)
    conditions: tuple[str, ...] = ("control", "treatment")


@dataclass(frozen=True)
class ProcessTruth:
    """Generating parameters in raw units (see the module docstring)."""

    intercept: float = 3.0
    growth: float = 0.10
    condition: dict = field(default_factory=lambda: {"treatment": 0.30})
    condition_growth: dict = field(default_factory=lambda: {"treatment": 0.05})
    autoregression: float = 0.0
    cross_lag: float = 0.0
    client_sd: float = 0.50
    client_growth_sd: float = 0.05
    client_corr: float = 0.2
    therapist_sd: float = 0.20
    residual_sd: float = 0.40
    alliance_mean: float = 5.5
    alliance_between_sd: float = 0.6
    alliance_within_sd: float = 0.5


#: The stationary lagged process of the recovery tests and ``benchmarks/nickell.py``: no
#: growth, no condition, autoregression 0.3 and cross-lag 0.25.
STATIONARY_LAGS = ProcessTruth(
    growth=0.0,
    condition={},
    condition_growth={},
    client_growth_sd=0.0,
    client_corr=0.0,
    autoregression=0.3,
    cross_lag=0.25,
)
#: The lagged model fitted to it.
LAG_FORMULA = "isp_actions ~ lag(isp_actions) + lag(alliance) + (1 | client) + (1 | therapist)"


def simulate_process(design: ProcessDesign, truth: ProcessTruth, seed: int) -> pd.DataFrame:
    """One row per client and attended session: client, therapist, condition, session,
    alliance, isp_actions."""
    rng = np.random.default_rng(seed)
    n, t = design.n_clients, design.n_sessions
    therapist = np.arange(n) % design.n_therapists
    condition = np.array(design.conditions)[rng.permutation(n) % len(design.conditions)]
    cov = np.array(
        [
            [truth.client_sd**2, truth.client_corr * truth.client_sd * truth.client_growth_sd],
            [
                truth.client_corr * truth.client_sd * truth.client_growth_sd,
                truth.client_growth_sd**2,
            ],
        ]
    )
    u = rng.multivariate_normal([0.0, 0.0], cov, size=n)
    v = rng.normal(0.0, truth.therapist_sd, design.n_therapists)[therapist]
    g = np.array([truth.condition.get(c, 0.0) for c in condition])
    h = np.array([truth.condition_growth.get(c, 0.0) for c in condition])
    own = rng.normal(truth.alliance_mean, truth.alliance_between_sd, n)
    deviation = rng.normal(0.0, truth.alliance_within_sd, (n, t))
    rows, y_dev, a_dev = [], np.zeros(n), np.zeros(n)
    for s in range(t):
        expected = truth.intercept + g + (truth.growth + h) * s + u[:, 0] + u[:, 1] * s + v
        lagged = truth.autoregression * y_dev + truth.cross_lag * a_dev
        y_dev = lagged + rng.normal(0.0, truth.residual_sd, n)
        a_dev = deviation[:, s]
        rows.append(
            pd.DataFrame(
                {
                    "client": [f"C{i:04d}" for i in range(n)],
                    "therapist": [f"T{j:03d}" for j in therapist],
                    "condition": condition,
                    "session": s,
                    "alliance": own + a_dev,
                    "isp_actions": expected + y_dev,
                }
            )
        )
    study = pd.concat(rows, ignore_index=True).sort_values(["client", "session"])
    kept = rng.random(len(study)) >= design.missed_share
    return study[kept].reset_index(drop=True)


def process_codebook(design: ProcessDesign) -> dict:
    """The codebook of a simulated process study (scores as score columns; the condition
    a factor when there are two or more)."""
    return {
        "title": "Simulated session-by-session process study",
        "columns": {"client": "client", "therapist": "therapist", "session": "session"},
        "instruments": {
            "alliance": {"label": "Alliance", "score": "alliance", "range": [-100, 100]},
            "isp_actions": {"label": "ISP-actions", "score": "isp_actions", "range": [-100, 100]},
        },
        "factors": {
            "condition": {
                "column": "condition",
                "label": "Condition",
                "levels": list(design.conditions),
            }
        }
        if len(design.conditions) > 1
        else {},
    }
