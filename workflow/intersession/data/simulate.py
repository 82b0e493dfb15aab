"""Simulate a study like Quirk, Smith & Owen (2018): clients nested in therapists, one
occasion, item-level Likert responses for five instruments, with the generating truth.

Generative story (latent traits on a standardised scale, one draw per client):

- self- and other-alliance are correlated (r = ``alliance_r``);
- ISP-actions rise with self- and other-alliance and with their product (the reference
  study's interaction); ISP-thoughts do not depend on alliance;
- progress rises with ISP-thoughts, ISP-actions, self- and other-alliance;
- each outcome has a therapist intercept (ICC about .05-.10) and a client residual.

Items are the trait scaled to the instrument's typical mean and SD (alliance ratings pile up
near the top of the scale), plus item noise, rounded and clipped to the response range;
reverse-keyed items are stored reversed; a small share of cells carries a missing code.
Because scale means are noisy, rounded measures of the traits, the coefficients a
regression of observed scores recovers differ from the latent ones; the truth file gives
both, the observed-metric ones estimated once from a very large simulated sample.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from intersession.data.codebook import Codebook

ROLES = ("self_alliance", "other_alliance", "isp_thoughts", "isp_actions", "progress")

#: The regressions of the reference study, on standardised observed scale scores.
REFERENCE_REGRESSIONS = {
    "isp_actions": ["self_alliance", "other_alliance", "self_alliance:other_alliance"],
    "isp_thoughts": ["self_alliance", "other_alliance", "self_alliance:other_alliance"],
    "progress": ["isp_thoughts", "isp_actions", "self_alliance", "other_alliance"],
}


@dataclass(frozen=True)
class GeneratingParameters:
    """Latent effects (standardised traits) and the observed scales' typical mean and SD."""

    alliance_r: float = 0.30
    actions: dict = field(
        default_factory=lambda: {
            "self_alliance": 0.40,
            "other_alliance": 0.30,
            "self_alliance:other_alliance": 0.30,
        }
    )
    thoughts: dict = field(
        default_factory=lambda: {
            "self_alliance": 0.0,
            "other_alliance": 0.0,
            "self_alliance:other_alliance": 0.0,
        }
    )
    progress: dict = field(
        default_factory=lambda: {
            "isp_thoughts": 0.25,
            "isp_actions": 0.30,
            "self_alliance": 0.25,
            "other_alliance": 0.20,
        }
    )
    therapist_sd: float = 0.30
    item_noise_sd: float = 0.55
    missing_share: float = 0.01
    scale_mean_sd: dict = field(
        default_factory=lambda: {
            "self_alliance": (5.8, 0.8),
            "other_alliance": (5.0, 1.1),
            "isp_thoughts": (3.0, 0.8),
            "isp_actions": (2.9, 0.8),
            "progress": (5.0, 1.0),
        }
    )


def _linear(terms: dict, traits: dict) -> np.ndarray:
    total = 0.0
    for term, coef in terms.items():
        product = np.prod([traits[name] for name in term.split(":")], axis=0)
        total = total + coef * product
    return total


def simulate_traits(
    n_clients: int, n_therapists: int, params: GeneratingParameters, rng: np.random.Generator
) -> pd.DataFrame:
    """Latent standardised traits per client and each client's therapist."""
    therapist = rng.integers(0, n_therapists, size=n_clients)
    therapist[:n_therapists] = np.arange(min(n_therapists, n_clients))  # every therapist used
    cov = [[1.0, params.alliance_r], [params.alliance_r, 1.0]]
    alliance = rng.multivariate_normal([0.0, 0.0], cov, size=n_clients)
    traits = {"self_alliance": alliance[:, 0], "other_alliance": alliance[:, 1]}
    for role, terms in (
        ("isp_actions", params.actions),
        ("isp_thoughts", params.thoughts),
        ("progress", params.progress),
    ):
        mean = _linear(terms, traits)
        u = rng.normal(0.0, params.therapist_sd, size=n_therapists)[therapist]
        traits[role] = mean + u + rng.normal(0.0, 1.0, size=n_clients)
    return pd.DataFrame(traits).assign(therapist=therapist)


def traits_to_items(
    traits: pd.DataFrame,
    codebook: Codebook,
    params: GeneratingParameters,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Likert item responses for every instrument of the codebook named after a role."""
    columns = {}
    for role in ROLES:
        inst = codebook.instruments[role]
        mean, sd = params.scale_mean_sd[role]
        trait = traits[role].to_numpy()
        z = (trait - trait.mean()) / trait.std() if len(trait) > 1 else trait
        for item in inst.items:
            raw = mean + sd * z + rng.normal(0.0, params.item_noise_sd, size=len(z))
            value = np.clip(np.round(raw), inst.low, inst.high)
            if item in inst.reverse:
                value = inst.low + inst.high - value
            if inst.missing_codes and params.missing_share > 0:
                missing = rng.random(len(z)) < params.missing_share
                value = np.where(missing, inst.missing_codes[0], value)
            columns[item] = value.astype(int)
    return pd.DataFrame(columns)


def simulate_study(
    codebook: Codebook,
    n_clients: int = 81,
    n_therapists: int = 10,
    seed: int = 2018,
    params: GeneratingParameters | None = None,
) -> tuple[pd.DataFrame, dict]:
    """A study file (IDs and items, as a researcher would hold it) and its generating truth."""
    missing_roles = [role for role in ROLES if role not in codebook.instruments]
    if missing_roles:
        raise ValueError(f"{codebook.path}: the simulator needs instruments named {missing_roles}")
    if not codebook.therapist:
        raise ValueError(f"{codebook.path}: the simulator needs a therapist column")
    params = params or GeneratingParameters()
    rng = np.random.default_rng(seed)
    traits = simulate_traits(n_clients, n_therapists, params, rng)
    items = traits_to_items(traits, codebook, params, rng)
    width = len(str(n_clients))
    study = pd.concat(
        [
            pd.DataFrame(
                {
                    codebook.client: [f"C{i + 1:0{width}d}" for i in range(n_clients)],
                    codebook.therapist: [f"T{t + 1:02d}" for t in traits["therapist"]],
                }
            ),
            items,
        ],
        axis=1,
    )
    truth = {
        "seed": seed,
        "n_clients": n_clients,
        "n_therapists": n_therapists,
        "latent": asdict(params),
        "observed_metric": observed_metric_truth(codebook, params, seed),
    }
    return study, truth


def observed_metric_truth(
    codebook: Codebook, params: GeneratingParameters, seed: int, n_clients: int = 200_000
) -> dict:
    """Standardised regression coefficients of observed scale scores in a very large sample.

    These are the values that the workflow's standardised models estimate, given the
    measurement error and rounding of Likert items (pseudo-true parameters). Ordinary least
    squares on ``n_clients`` simulated clients; the therapist intercepts are independent of
    the predictors, so they do not bias the fixed effects.
    """
    from intersession.data.score import score_study
    from intersession.data.validate import clean_items

    rng = np.random.default_rng([seed, 1])
    traits = simulate_traits(n_clients, max(1, n_clients // 8), params, rng)
    items = traits_to_items(traits, codebook, params, rng)
    items[codebook.client] = np.arange(n_clients).astype(str)
    items[codebook.therapist] = traits["therapist"].astype(str)
    scores = score_study(clean_items(items.astype(str), codebook), codebook).dropna()
    z = {role: (scores[role] - scores[role].mean()) / scores[role].std() for role in ROLES}
    truth = {}
    for outcome, terms in REFERENCE_REGRESSIONS.items():
        design = np.column_stack(
            [np.ones(len(scores))]
            + [np.prod([z[name] for name in term.split(":")], axis=0) for term in terms]
        )
        coef, *_ = np.linalg.lstsq(design, z[outcome].to_numpy(), rcond=None)
        truth[outcome] = {term: round(float(c), 4) for term, c in zip(terms, coef[1:], strict=True)}
    return truth
