"""Power-scaling sensitivity must tell the three cases apart, and only user-chosen priors
enter the stored ``log_prior``.

Fast: exact conjugate posteriors (normal mean, known SD), drawn directly, with their
log-prior and pointwise log-likelihood: a prior centred 3 SDs of the data away from the
data (prior-data conflict), a likelihood of two noisy observations (weak likelihood) and a
flat prior on plenty of data (none). Slow: real fits of a 160-therapist study under flat
priors, where no group SD may be flagged (and would be if the non-centred offsets entered
``log_prior``), and under a deliberately conflicting slope prior, which must be flagged.
"""

import arviz as az
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from intersession.effects.sensitivity import THRESHOLD, power_scaling_table
from intersession.inference.fit import chosen_priors
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model
from tests.conftest import BOUNDED_SAMPLER, ROOT, write_model
from tests.fakes import with_parameter_map


def conjugate_fit(y, noise_sd, prior_mu, prior_sd, draws=4000, seed=0):
    """Exact posterior draws of the mean ``Intercept`` of y ~ Normal(mean, noise_sd) under
    a Normal(prior_mu, prior_sd) prior, with log-prior and pointwise log-likelihood."""
    y = np.asarray(y, float)
    precision = 1 / prior_sd**2 + len(y) / noise_sd**2
    mean = (prior_mu / prior_sd**2 + y.sum() / noise_sd**2) / precision
    rng = np.random.default_rng(seed)
    mu = rng.normal(mean, precision**-0.5, size=(4, draws // 4))
    idata = az.from_dict(
        posterior={"Intercept": mu},
        log_likelihood={"y": stats.norm.logpdf(y[None, None, :], mu[..., None], noise_sd)},
        observed_data={"y": y},
        dims={"y": ["obs_id"]},
    )
    log_prior = idata.posterior[["Intercept"]].copy(
        data={"Intercept": stats.norm.logpdf(mu, prior_mu, prior_sd)}
    )
    idata.add_groups(log_prior=log_prior)
    return with_parameter_map(idata, [("", "y")])


def sensitivity_of(idata) -> pd.Series:
    table = power_scaling_table(idata)
    assert table["parameter"].tolist() == ["Intercept"]
    return table.iloc[0]


def test_a_prior_far_from_the_data_is_a_prior_data_conflict():
    """50 observations with mean 0 and SD 1; prior Normal(3, 0.2): prior and data pull
    the posterior (mean about 1.0) apart."""
    y = np.random.default_rng(1).normal(0, 1, 50)
    row = sensitivity_of(conjugate_fit(y - y.mean(), 1.0, 3.0, 0.2))
    assert row["diagnosis"] == "prior-data conflict"
    assert row["prior"] > 5 * THRESHOLD and row["likelihood"] > 5 * THRESHOLD


def test_data_that_say_little_are_a_weak_likelihood():
    """Two observations with SD 10 under a Normal(0, 1) prior: the posterior is nearly the
    prior (its SD shrinks from 1 to 0.99), so it moves with the prior alone."""
    row = sensitivity_of(conjugate_fit([0.5, -0.3], 10.0, 0.0, 1.0))
    assert row["diagnosis"] == "weak likelihood"
    assert row["prior"] > 1.5 * THRESHOLD and row["likelihood"] < THRESHOLD / 10


def test_a_flat_prior_on_plenty_of_data_is_not_flagged():
    y = np.random.default_rng(2).normal(0.3, 1, 200)
    row = sensitivity_of(conjugate_fit(y, 1.0, 0.0, 100.0))
    assert row["diagnosis"] == "none"
    assert row["prior"] < THRESHOLD / 10 and row["likelihood"] > 1.5 * THRESHOLD


@pytest.mark.parametrize(
    ("formula", "family", "kept", "offsets"),
    [
        (
            "isp_actions ~ self_alliance * other_alliance + (1 | therapist)",
            "gaussian",
            {"Intercept", "beta", "sd_therapist", "sigma"},
            {"z_therapist"},
        ),
        (
            "isp_actions ~ self_alliance + (1 + self_alliance | therapist)",
            "student_t",
            {"Intercept", "beta", "chol_therapist", "sigma", "nu"},
            {"z_therapist"},
        ),
        (
            "isp_actions ~ self_alliance + (1 + self_alliance || therapist)",
            "ordinal",
            {"beta", "sd_therapist", "cutpoints"},
            {"z_therapist"},
        ),
        (
            "mvbind(isp_thoughts, isp_actions) ~ self_alliance + (1 | therapist)",
            "gaussian",
            {
                "Intercept_isp_thoughts",
                "Intercept_isp_actions",
                "beta_isp_thoughts",
                "beta_isp_actions",
                "sd_therapist_isp_thoughts",
                "sd_therapist_isp_actions",
                "chol_residual",
            },
            {"z_therapist_isp_thoughts", "z_therapist_isp_actions"},
        ),
    ],
)
def test_log_prior_holds_every_chosen_prior_and_no_offset(
    tmp_path, default_codebook, default_scores, formula, family, kept, offsets
):
    """Every free variable is either a prior from the prior set (kept) or a non-centred
    offset, which is standard normal over the units of its level (left out)."""
    spec = load_model(write_model(tmp_path, formula=formula, family=family), "m", default_codebook)
    model = build(spec, prepare(spec, default_scores))
    assert set(chosen_priors(model)) == kept
    left_out = {rv.name for rv in model.free_RVs} - kept
    assert left_out == offsets
    for name in left_out:
        rv = model[name]
        assert type(rv.owner.op).__name__ == "NormalRV"
        mu, sigma = (np.unique(p.eval()).tolist() for p in rv.owner.inputs[-2:])
        assert (mu, sigma) == ([0.0], [1.0])
        assert model.named_vars_to_dims[name][0] == "therapist"


def many_groups_scores(n_groups=160, per_group=6, group_sd=0.4, seed=1) -> pd.DataFrame:
    """ISP-actions of clients in many therapists: standardised slopes 0.3 and 0.2, therapist
    SD 0.4 and residual SD 0.8 (standardised), on the instruments' scales."""
    rng = np.random.default_rng(seed)
    n = n_groups * per_group
    group = np.repeat(np.arange(n_groups), per_group)
    x, w = rng.normal(5.8, 0.8, n), rng.normal(5.0, 1.1, n)
    eta = 0.3 * (x - 5.8) / 0.8 + 0.2 * (w - 5.0) / 1.1 + rng.normal(0, group_sd, n_groups)[group]
    return pd.DataFrame(
        {
            "client": [f"C{i}" for i in range(n)],
            "therapist": [f"T{g}" for g in group],
            "isp_actions": 3.0 + 0.6 * (eta + rng.normal(0, 0.8, n)),
            "self_alliance": x,
            "other_alliance": w,
        }
    )


def fit_with_priors(tmp_path, codebook, scores, priors: dict):
    from intersession.inference.fit import sample

    (tmp_path / "priors").mkdir(parents=True, exist_ok=True)
    (tmp_path / "priors" / "set.yaml").write_text(yaml.safe_dump(priors))
    formula = "isp_actions ~ self_alliance + other_alliance + (1 | therapist)"
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"formula": formula, "priors": "set"}))
    spec = load_model(tmp_path, "m", codebook)
    idata = sample(build(spec, prepare(spec, scores)), BOUNDED_SAMPLER, seed=1, cores=2)
    return with_parameter_map(idata)


def diffuse() -> dict:
    return yaml.safe_load((ROOT / "models" / "priors" / "diffuse.yaml").read_text())


@pytest.mark.slow
def test_many_groups_under_flat_priors_flag_nothing(tmp_path, default_codebook):
    """160 therapists x 6 clients, diffuse priors (issue 19's case): nothing is flagged. The
    same draws, power-scaled with the offsets' standard normals in the prior as before the
    fix, flag the therapist SD as a prior-data conflict: that is what the fix removed."""
    from arviz_base import convert_to_datatree
    from arviz_stats import psense_summary

    idata = fit_with_priors(tmp_path, default_codebook, many_groups_scores(), diffuse())
    assert "z_therapist" not in idata.log_prior
    table = power_scaling_table(idata).set_index("parameter")
    assert (table["diagnosis"] == "none").all(), table
    assert table.loc["sd_therapist", "prior"] < THRESHOLD / 5
    assert table.loc["sd_therapist", "likelihood"] > 2 * THRESHOLD  # the data do inform it
    z = idata.posterior["z_therapist"]
    with_offsets = idata.log_prior.assign(z_therapist=z.copy(data=stats.norm.logpdf(z)))
    old = az.InferenceData(**{g: idata[g] for g in ("posterior", "log_likelihood")})
    old.add_groups(log_prior=with_offsets)
    with np.errstate(all="ignore"):
        before = psense_summary(convert_to_datatree(old), var_names=["sd_therapist"])
    assert before.loc["sd_therapist", "prior"] > 0.5


@pytest.mark.slow
def test_a_deliberately_conflicting_slope_prior_is_flagged(tmp_path, default_codebook):
    """The same study with the slopes' prior Normal(-1, 0.05) (true values 0.3 and 0.2, each
    known to about 0.03 from the data): both slopes are a prior-data conflict. (The variance
    parameters may be flagged too: slopes held away from the data leave variation that the
    SDs absorb, so they move with the prior as well.)"""
    priors = {**diffuse(), "slopes": {"mu": -1.0, "sigma": 0.05}}
    idata = fit_with_priors(tmp_path, default_codebook, many_groups_scores(), priors)
    table = power_scaling_table(idata).set_index("parameter")
    for term in ("self_alliance", "other_alliance"):
        row = table.loc[f"beta[{term}]"]
        assert row["diagnosis"] == "prior-data conflict", row
        assert row["prior"] > 2 * THRESHOLD and row["likelihood"] > 2 * THRESHOLD


def test_diagnosis_at_the_threshold():
    """Sensitivity of 0.05 or more counts (Kallioinen et al., 2024): to both, a conflict;
    to the prior alone, a weak likelihood; to the likelihood alone or neither, none."""
    from intersession.effects.sensitivity import _diagnosis

    assert _diagnosis(0.05, 0.05) == "prior-data conflict"
    assert _diagnosis(0.05, 0.0499) == "weak likelihood"
    assert _diagnosis(0.0499, 0.9) == "none"
    assert _diagnosis(0.0, 0.0) == "none"


@pytest.mark.parametrize("family", ["student_t", "ordinal"])
def test_only_population_and_variance_parameters_are_reported(family):
    """Offsets (z_*), correlation matrices (constant diagonal) and Cholesky factors are not
    rows; intercepts, slopes, SDs and the family's auxiliary parameters (sigma and nu;
    cutpoints) are, one row per element."""
    idata = conjugate_fit(np.zeros(30), 1.0, 0.0, 1.0)
    mu = idata.posterior["Intercept"]
    extra = {
        "beta": mu.expand_dims(term=["a", "b"], axis=-1) * [1.0, 0.5],
        "sd_therapist": abs(mu) + 0.1,
        "sigma": abs(mu) + 1.0,
        "nu": abs(mu) + 4.0,
        "cutpoints": mu.expand_dims(cut=[0, 1, 2], axis=-1) + np.array([-1.0, 0.0, 1.0]),
        "z_therapist": mu.expand_dims(therapist=["T1", "T2"], axis=-1) * 0.0 + 0.3,
        "corr_client": mu * 0.0 + 0.2,
        "chol_client": mu * 0.1,
        "sd_site": mu * 0.0 + 0.5,  # never moves: 0/0 inside psense, quietly
    }
    idata.posterior = idata.posterior.assign(extra)
    table = power_scaling_table(with_parameter_map(idata, [("", "y")], family=family))
    auxiliary = {
        "student_t": ["sigma", "nu"],
        "ordinal": ["cutpoints[0]", "cutpoints[1]", "cutpoints[2]"],
    }[family]
    assert table["parameter"].tolist() == [
        "Intercept",
        "beta[a]",
        "beta[b]",
        "sd_therapist",
        *auxiliary,
        "sd_site",
    ]
    assert list(table.columns) == ["parameter", "prior", "likelihood", "diagnosis"]
    moving = table[table["parameter"] != "sd_site"]
    assert (moving["likelihood"] > 0.05).all()  # each a function of the informed mean
