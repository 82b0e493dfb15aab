"""Simulate studies like Quirk, Smith & Owen (2018), from their single-occasion design up to
many sessions per client, therapists in sites and 100,000 clients, with the generating truth.

Generative story (latent traits on a standardised scale):

- each client has a stable self- and other-alliance (correlated, r = ``alliance_r``); with
  repeated sessions these vary around the client's level from session to session
  (``alliance_within_sd``) and grow over therapy (``alliance_growth`` per session);
- ISP-actions rise with self- and other-alliance and with their product (the reference
  study's interaction); ISP-thoughts do not depend on alliance; progress rises with
  ISP-thoughts, ISP-actions, self- and other-alliance;
- each outcome has therapist intercepts (ICC about .05-.10), site intercepts when there are
  sites, client intercepts when there are repeated sessions, and a residual; those of
  ISP-thoughts and ISP-actions may be correlated (``isp_group_r``, ``isp_residual_r``).

Items are the trait scaled to the instrument's typical mean and SD (alliance ratings pile up
near the top of the scale) plus item noise, rounded and clipped to the response range;
reverse-keyed items are stored reversed. Missingness: a share of item cells carries the
missing code (MCAR), and with sessions some clients drop out early and some sessions are
missed. Scale means are noisy, rounded measures of the traits, so a regression of observed
scores recovers attenuated coefficients; the truth file gives the latent parameters and the
observed-metric ones, estimated once from a very large simulated sample.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

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

#: Rows of the large sample behind the observed-metric truth.
TRUTH_ROWS = 200_000


@dataclass(frozen=True)
class Design:
    """Sizes and nesting: clients in therapists (in sites), sessions per client."""

    n_clients: int = 81
    n_therapists: int = 10
    n_sites: int = 0  # 0: no site level
    n_sessions: int = 1
    dropout_share: float = 0.15  # clients who stop before the last session
    missed_share: float = 0.05  # sessions missed by clients still in therapy

    def __post_init__(self):
        if not 1 <= self.n_therapists <= self.n_clients:
            raise ValueError("need 1 <= therapists <= clients")
        if self.n_sites and not 1 <= self.n_sites <= self.n_therapists:
            raise ValueError("need 1 <= sites <= therapists")
        if self.n_sessions < 1 or self.n_clients < 1:
            raise ValueError("need at least one client and one session")


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
    site_sd: float = 0.20
    client_sd: float = 0.50  # outcome intercepts of clients (repeated sessions only)
    therapist_slope_sd: float = 0.0  # SD across therapists of the self-alliance effect on actions
    client_slope_sd: float = 0.0  # SD across clients of the within-client self-alliance effect
    isp_residual_r: float = 0.0  # residual correlation of ISP-thoughts and ISP-actions
    isp_group_r: float = 0.0  # correlation of their therapist, site and client intercepts
    alliance_within_sd: float = 0.50
    alliance_growth: float = 0.05
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
        total = total + coef * np.prod([traits[name] for name in term.split(":")], axis=0)
    return total


def _assign(n_units: int, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    """Group of each unit, every group used at least once."""
    group = rng.integers(0, n_groups, size=n_units)
    group[:n_groups] = np.arange(n_groups)
    return group


def simulate_traits(
    design: Design, params: GeneratingParameters, rng: np.random.Generator
) -> pd.DataFrame:
    """Latent standardised traits per client and session, with each row's IDs (codes)."""
    n, sessions = design.n_clients, design.n_sessions
    therapist_of_client = _assign(n, design.n_therapists, rng)
    cov = [[1.0, params.alliance_r], [params.alliance_r, 1.0]]
    alliance = rng.multivariate_normal([0.0, 0.0], cov, size=n)
    client = np.repeat(np.arange(n), sessions)
    session = np.tile(np.arange(1, sessions + 1), n)
    therapist = therapist_of_client[client]
    traits = {"self_alliance": alliance[client, 0], "other_alliance": alliance[client, 1]}
    site = None
    if design.n_sites:
        site = _assign(design.n_therapists, design.n_sites, rng)[therapist]
    wobble = {}
    if sessions > 1:
        centred_session = session - (sessions + 1) / 2
        for name in ("self_alliance", "other_alliance"):
            wobble[name] = rng.normal(0.0, params.alliance_within_sd, size=len(client))
            traits[name] = traits[name] + wobble[name] + params.alliance_growth * centred_session
    actions_parts: dict = {}
    for role, terms in (
        ("isp_actions", params.actions),
        ("isp_thoughts", params.thoughts),
        ("progress", params.progress),
    ):
        parts = {"therapist": rng.normal(0.0, params.therapist_sd, size=design.n_therapists)}
        if site is not None:
            parts["site"] = rng.normal(0.0, params.site_sd, size=design.n_sites)
        parts["residual"] = rng.normal(0.0, 1.0, size=len(client))
        if sessions > 1:
            parts["client"] = rng.normal(0.0, params.client_sd, size=n)
        if role == "isp_actions":
            actions_parts = parts
        elif role == "isp_thoughts":
            parts = _correlate(parts, actions_parts, params)
        traits[role] = _linear(terms, traits) + parts["therapist"][therapist] + parts["residual"]
        if site is not None:
            traits[role] = traits[role] + parts["site"][site]
        if sessions > 1:
            traits[role] = traits[role] + parts["client"][client]
        if role == "isp_actions":
            traits[role] = traits[role] + _varying_slopes(
                design, params, traits, wobble, rng, therapist, client
            )
    frame = pd.DataFrame(traits).assign(client=client, therapist=therapist, session=session)
    return frame.assign(site=site) if site is not None else frame


def _correlate(own: dict, other: dict, params: GeneratingParameters) -> dict:
    """ISP-thoughts' group and residual terms correlated with those of ISP-actions:
    ``r * other + sqrt(1 - r^2) * own`` (same SDs), r = ``isp_residual_r`` for the residual
    and ``isp_group_r`` for the therapist, site and client intercepts."""
    mixed = {}
    for key, values in own.items():
        r = params.isp_residual_r if key == "residual" else params.isp_group_r
        mixed[key] = r * other[key] + np.sqrt(1.0 - r**2) * values
    return mixed


def _varying_slopes(design, params, traits, wobble, rng, therapist, client) -> np.ndarray:
    """Random slopes of self-alliance on ISP-actions: by therapist, and (within) by client."""
    extra = np.zeros(len(client))
    if params.therapist_slope_sd > 0:
        slope = rng.normal(0.0, params.therapist_slope_sd, size=design.n_therapists)
        extra += slope[therapist] * traits["self_alliance"]
    if params.client_slope_sd > 0 and wobble:
        slope = rng.normal(0.0, params.client_slope_sd, size=design.n_clients)
        extra += slope[client] * wobble["self_alliance"]
    return extra


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


def attended(design: Design, traits: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Rows kept: dropouts stop after a random session, and some sessions are missed."""
    if design.n_sessions == 1:
        return np.ones(len(traits), dtype=bool)
    n = design.n_clients
    last = np.full(n, design.n_sessions)
    drops = rng.random(n) < design.dropout_share
    last[drops] = rng.integers(1, design.n_sessions, size=drops.sum())
    session = traits["session"].to_numpy()
    missed = (rng.random(len(traits)) < design.missed_share) & (session > 1)
    return (session <= last[traits["client"].to_numpy()]) & ~missed


def _label(prefix: str, codes: np.ndarray, count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"{prefix}{c + 1:0{width}d}" for c in codes]


def simulate_study(
    codebook: Codebook,
    design: Design | None = None,
    seed: int = 2018,
    params: GeneratingParameters | None = None,
) -> tuple[pd.DataFrame, dict]:
    """A study file (IDs and items, as a researcher would hold it) and its generating truth.

    The codebook must name instruments after the five roles and declare the ID columns the
    design needs: therapist always, site when ``design.n_sites``, session when sessions > 1.
    """
    design = design or Design()
    params = params or GeneratingParameters()
    study = simulate_rows(codebook, design, seed, params)
    truth = {
        "seed": seed,
        **asdict(design),
        "n_rows": len(study),
        "latent": asdict(params),
        "observed_metric": observed_metric_truth(codebook, design, params, seed),
    }
    return study, truth


def simulate_rows(
    codebook: Codebook, design: Design, seed: int, params: GeneratingParameters
) -> pd.DataFrame:
    """The rows of a simulated study file (IDs and items), without the truth (which takes a
    200,000-row sample): for simulating many studies, as the design analysis does."""
    missing_roles = [role for role in ROLES if role not in codebook.instruments]
    needed = ["therapist"] + ["site"] * bool(design.n_sites) + ["session"] * (design.n_sessions > 1)
    missing_columns = [role for role in needed if role not in codebook.roles]
    if missing_roles or missing_columns:
        raise ValueError(
            f"{codebook.path}: the simulator needs instruments named {missing_roles} and "
            f"columns for {missing_columns}"
            if missing_roles
            else f"{codebook.path}: this design needs columns for {missing_columns}"
        )
    rng = np.random.default_rng(seed)
    traits = simulate_traits(design, params, rng)
    items = traits_to_items(traits, codebook, params, rng)
    ids = {
        codebook.roles["client"]: _label("C", traits["client"].to_numpy(), design.n_clients),
        codebook.roles["therapist"]: _label(
            "T", traits["therapist"].to_numpy(), design.n_therapists
        ),
    }
    if design.n_sites:
        ids[codebook.roles["site"]] = _label("S", traits["site"].to_numpy(), design.n_sites)
    if design.n_sessions > 1:
        ids[codebook.roles["session"]] = traits["session"].to_numpy()
    study = pd.concat([pd.DataFrame(ids), items], axis=1)
    return study[attended(design, traits, rng)].reset_index(drop=True)


def observed_metric_truth(
    codebook: Codebook, design: Design, params: GeneratingParameters, seed: int
) -> dict:
    """Standardised regression coefficients of observed scale scores in a very large sample.

    These are the values that the workflow's standardised models estimate, given the
    measurement error and rounding of Likert items (pseudo-true parameters): ordinary least
    squares over about :data:`TRUTH_ROWS` simulated rows of the same design. Group
    intercepts are independent of the predictors, so they do not bias the fixed effects.
    """
    from intersession.data.score import score_study
    from intersession.data.validate import clean_items

    n_clients = max(1, TRUTH_ROWS // design.n_sessions)
    big = Design(
        n_clients=n_clients,
        n_therapists=max(1, n_clients // 8),
        n_sites=min(design.n_sites, max(1, n_clients // 8)),
        n_sessions=design.n_sessions,
    )
    rng = np.random.default_rng([seed, 1])
    traits = simulate_traits(big, params, rng)
    items = traits_to_items(traits, codebook, params, rng)
    items[codebook.roles["client"]] = traits["client"].astype(str)
    items[codebook.roles["therapist"]] = traits["therapist"].astype(str)
    scores = score_study(clean_items(items.astype(str), _ids_only(codebook)), codebook).dropna()
    z = {role: (scores[role] - scores[role].mean()) / scores[role].std() for role in ROLES}
    truth = {}
    for outcome, terms in REFERENCE_REGRESSIONS.items():
        design_matrix = np.column_stack(
            [np.ones(len(scores))]
            + [np.prod([z[name] for name in term.split(":")], axis=0) for term in terms]
        )
        coef, *_ = np.linalg.lstsq(design_matrix, z[outcome].to_numpy(), rcond=None)
        truth[outcome] = {term: round(float(c), 4) for term, c in zip(terms, coef[1:], strict=True)}
    return truth


def _ids_only(codebook: Codebook) -> Codebook:
    """The codebook without site and session roles (the truth's large sample has neither)."""
    roles = {r: c for r, c in codebook.roles.items() if r in ("client", "therapist")}
    return replace(codebook, roles=roles)
