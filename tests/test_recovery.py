"""Parameter recovery: fit a simulated study and find the generating values in the intervals.

Bounded for CI: one simulated study per structure, 2 chains of 500 draws; interval
coverage over replicate studies (``INTERSESSION_COVERAGE_REPLICATES``, 100 by default). The
truth is the observed-metric one: what a standardised model of noisy, rounded scale scores
estimates (``intersession.model.truth``).
"""

import os

import numpy as np
import pytest
from scipy import stats

from intersession.calibration.design import standardised_outcome
from intersession.data.score import score_study
from intersession.data.simulate import (
    Design,
    GeneratingParameters,
    observed_metric_truth,
    simulate_rows,
    simulate_study,
)
from intersession.data.validate import clean_items
from intersession.inference.fit import sample
from intersession.inference.refit import compile_refitter, data_values
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model
from intersession.model.regression import build_model, prepare_data
from intersession.model.truth import pseudo_truth
from tests.conftest import BOUNDED_SAMPLER, ROOT, write_model

pytestmark = pytest.mark.slow

#: The 500-client x 8-session study of issue 4, with therapist and client slopes and
#: correlated ISP outcomes.
LONG = Design(n_clients=500, n_therapists=50, n_sites=5, n_sessions=8)
LONG_PARAMS = GeneratingParameters(
    therapist_slope_sd=0.15, client_slope_sd=0.15, isp_residual_r=0.4, isp_group_r=0.5
)


def scores_of(codebook, design, seed, params=None):
    study, _ = simulate_study(codebook, design, seed=seed, params=params)
    return score_study(clean_items(study.astype(str), codebook), codebook)


def inside_95(draws, value) -> bool:
    lower, upper = np.quantile(np.asarray(draws).ravel(), [0.025, 0.975])
    return bool(lower < value < upper)


@pytest.mark.parametrize(
    ("outcome", "family"),
    [("isp_actions", "gaussian"), ("isp_thoughts", "gaussian"), ("isp_actions", "student_t")],
)
def test_slopes_are_recovered(tmp_path, default_codebook, outcome, family):
    study, truth = simulate_study(default_codebook, Design(n_clients=400, n_therapists=20), seed=11)
    scores = score_study(clean_items(study.astype(str), default_codebook), default_codebook)
    formula = f"{outcome} ~ self_alliance * other_alliance + (1 | therapist)"
    spec = load_model(write_model(tmp_path, formula=formula, family=family), "m", default_codebook)
    idata = sample(build_model(spec, prepare_data(spec, scores)), BOUNDED_SAMPLER, 3, cores=2)
    beta = idata.posterior["beta"]
    for term, value in truth["observed_metric"][outcome].items():
        draws = beta.sel(term=term).values.ravel()
        assert inside_95(draws, value), (term, value)
        assert abs(draws.mean() - value) < 3 * draws.std()


def test_observed_metric_truth_is_stable_across_seeds(default_codebook):
    """The pseudo-true values are population quantities: another seed changes them little."""
    params = GeneratingParameters()
    a = observed_metric_truth(default_codebook, Design(), params, seed=1)
    b = observed_metric_truth(default_codebook, Design(), params, seed=2)
    for outcome, terms in a.items():
        for term, value in terms.items():
            assert value == pytest.approx(b[outcome][term], abs=0.01)


def test_within_between_correlated_slopes_model_recovers_its_truth(tmp_path, multisite_codebook):
    """500 clients x 8 sessions in 50 therapists, with therapist and client slopes of
    self-alliance; bounded: 2 chains x 500 draws."""
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | client)"
        " + (1 + self_alliance | therapist) + (1 | site)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    data = prepare_data(spec, scores_of(multisite_codebook, LONG, 21, LONG_PARAMS))
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=5, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    truth = pseudo_truth(spec, multisite_codebook, LONG, LONG_PARAMS, seed=22)
    beta = idata.posterior["beta"]
    for term, value in truth.beta["isp_actions"].items():
        assert inside_95(beta.sel(term=term).values, value), (term, value)


def test_joint_model_recovers_slopes_and_correlations(tmp_path, multisite_codebook):
    """The joint ISP model on the 500 x 8 study: every slope of both outcomes, the residual
    correlation (pseudo-true: within-client least-squares residuals) and the correlation of
    client intercepts across outcomes (0.5: client effects are not attenuated by item noise)."""
    formula = (
        "mvbind(isp_thoughts, isp_actions) ~ self_alliance * other_alliance + (1 | client)"
        " + (1 | therapist) + (1 | site)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    equations = prepare(spec, scores_of(multisite_codebook, LONG, 21, LONG_PARAMS))
    idata = sample(build(spec, equations), BOUNDED_SAMPLER, seed=5, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    truth = pseudo_truth(spec, multisite_codebook, LONG, LONG_PARAMS, seed=22)
    post = idata.posterior
    for equation, _, suffix in equations:
        beta = post[f"beta{suffix}"]
        for term, value in truth.beta[equation.outcome].items():
            assert inside_95(beta.sel({f"term{suffix}": term}).values, value), (suffix, term)
    assert 0.2 < truth.residual_corr < 0.4  # attenuated from the latent 0.4
    assert inside_95(post["corr_residual"].values[..., 0, 1], truth.residual_corr)
    assert inside_95(post["corr_client"].values[..., 0, 1], LONG_PARAMS.isp_group_r)


def test_intervals_cover_the_truth_at_their_nominal_rate(default_codebook):
    """Coverage of 50% and 95% intervals of the three slopes over replicate studies (81
    clients, 10 therapists, like the reference study; no missing items, so every replicate
    has the same rows). Each replicate is standardised by its own means and SDs and fitted
    by one nutpie compilation of the model (as the design analysis does). Each check is a
    binomial test at the 1% level against the nominal rate."""
    replicates = int(os.environ.get("INTERSESSION_COVERAGE_REPLICATES", "100"))
    design, params = Design(), GeneratingParameters(missing_share=0.0)
    truth = observed_metric_truth(default_codebook, design, params, seed=1)
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    refitters, hits = {}, {0.5: 0, 0.95: 0}
    for replicate in range(replicates):
        study = simulate_rows(default_codebook, design, 1000 + replicate, params)
        scores = score_study(clean_items(study.astype(str), default_codebook), default_codebook)
        data = prepare_data(spec, scores)
        model = build_model(spec, standardised_outcome(data, "isp_actions"))
        structure = (
            len(data.frame),
            data.groups,
            *(data.frame[g.level].nunique() for g in data.groups),
        )
        if structure not in refitters:
            refitters[structure] = compile_refitter(model)
        idata = refitters[structure].sample(
            data_values(model), BOUNDED_SAMPLER, seed=replicate, cores=1
        )
        for term, value in truth["isp_actions"].items():
            draws = idata.posterior["beta"].sel(term=term).values.ravel()
            for level in hits:
                lower, upper = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
                hits[level] += bool(lower < value < upper)
    checks = replicates * len(truth["isp_actions"])
    for level, count in hits.items():
        p_value = stats.binomtest(count, checks, level).pvalue
        print(f"{level:.0%} intervals: {count} of {checks} cover the truth, p = {p_value:.2f}")
        assert p_value > 0.01, (level, count, checks)
