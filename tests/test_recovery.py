"""Parameter recovery: fit a simulated study and find the generating values in the intervals.

Bounded for CI: one simulated study of 400 clients, 2 chains of 500 draws. The truth is the
observed-metric one (what a standardised model of noisy, rounded scale scores estimates).
"""

import numpy as np
import pytest

from intersession.data.score import score_study
from intersession.data.simulate import Design, observed_metric_truth, simulate_study
from intersession.data.validate import clean_items
from intersession.inference.fit import sample
from intersession.model.declaration import load_model
from intersession.model.regression import build_model, prepare_data
from tests.conftest import BOUNDED_SAMPLER, ROOT, standardised_ols

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("outcome", ["isp_actions", "isp_thoughts"])
def test_slopes_are_recovered(default_codebook, outcome):
    study, truth = simulate_study(default_codebook, Design(n_clients=400, n_therapists=20), seed=11)
    items = clean_items(study.astype(str), default_codebook)
    scores = score_study(items, default_codebook)
    spec = load_model(ROOT / "models", outcome, default_codebook)
    data = prepare_data(spec, scores)
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=3, cores=2)
    beta = idata.posterior["beta"]
    for term, value in truth["observed_metric"][outcome].items():
        draws = beta.sel(term=term).values.ravel()
        lower, upper = np.quantile(draws, [0.025, 0.975])
        assert lower < value < upper, (term, value, lower, upper)
        assert abs(draws.mean() - value) < 3 * draws.std()


def test_observed_metric_truth_is_stable_across_seeds(default_codebook):
    """The pseudo-true values are population quantities: another seed changes them little."""
    from intersession.data.simulate import GeneratingParameters

    params = GeneratingParameters()
    a = observed_metric_truth(default_codebook, Design(), params, seed=1)
    b = observed_metric_truth(default_codebook, Design(), params, seed=2)
    for outcome, terms in a.items():
        for term, value in terms.items():
            assert value == pytest.approx(b[outcome][term], abs=0.01)


def pseudo_truth(spec, codebook, design, params, seed):
    """Standardised fixed effects of ``spec`` by OLS on a 20x larger sample of the design:
    what the model estimates given noisy, rounded scale scores and the within/between split."""
    from dataclasses import replace

    big = replace(design, n_clients=design.n_clients * 20, n_therapists=design.n_therapists * 20)
    study, _ = simulate_study(codebook, big, seed=seed, params=params)
    data = prepare_data(spec, score_study(clean_items(study.astype(str), codebook), codebook))
    return standardised_ols(data, spec.outcome)


def test_within_between_correlated_slopes_model_recovers_its_truth(tmp_path, multisite_codebook):
    """500 clients x 8 sessions in 50 therapists and 5 sites, with therapist and client
    slopes of self-alliance; bounded: 2 chains x 500 draws."""
    import yaml

    from intersession.data.simulate import GeneratingParameters

    (tmp_path / "priors").mkdir()
    (tmp_path / "priors" / "default.yaml").write_text(
        (ROOT / "models/priors/default.yaml").read_text()
    )
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | client)"
        " + (1 + self_alliance | therapist) + (1 | site)"
    )
    (tmp_path / "ws.yaml").write_text(yaml.safe_dump({"formula": formula}))
    spec = load_model(tmp_path, "ws", multisite_codebook)
    design = Design(n_clients=500, n_therapists=50, n_sites=5, n_sessions=8)
    params = GeneratingParameters(therapist_slope_sd=0.15, client_slope_sd=0.15)
    study, _ = simulate_study(multisite_codebook, design, seed=21, params=params)
    scores = score_study(clean_items(study.astype(str), multisite_codebook), multisite_codebook)
    data = prepare_data(spec, scores)
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=5, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    truth = pseudo_truth(spec, multisite_codebook, design, params, seed=22)
    beta = idata.posterior["beta"]
    for term, value in truth.items():
        lower, upper = np.quantile(beta.sel(term=term).values, [0.025, 0.975])
        assert lower < value < upper, (term, value, lower, upper)


def test_gaussian_mixed_model_agrees_with_statsmodels_reml(tmp_path, multisite_codebook):
    """Fixed effects of the Bayesian model and of statsmodels MixedLM (REML), same design
    matrix, client intercepts and within-client slopes: within a quarter of a posterior SD."""
    import statsmodels.api as sm
    import yaml

    from intersession.data.simulate import GeneratingParameters
    from intersession.model.regression import design_matrix

    (tmp_path / "priors").mkdir()
    (tmp_path / "priors" / "default.yaml").write_text(
        (ROOT / "models/priors/default.yaml").read_text()
    )
    formula = "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | client)"
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"formula": formula}))
    spec = load_model(tmp_path, "m", multisite_codebook)
    design = Design(n_clients=300, n_therapists=30, n_sites=3, n_sessions=6)
    params = GeneratingParameters(client_slope_sd=0.6)
    study, _ = simulate_study(multisite_codebook, design, seed=31, params=params)
    data = prepare_data(
        spec, score_study(clean_items(study.astype(str), multisite_codebook), multisite_codebook)
    )
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=8, cores=2)

    x = design_matrix(data.terms, data.frame, data.scaling)
    mean, sd = data.scaling[spec.outcome]
    y = (data.frame[spec.outcome] - mean) / sd
    slope = x[:, list(data.terms).index("self_alliance_within")]
    reml = sm.MixedLM(
        y,
        sm.add_constant(x),
        groups=data.frame["client"],
        exog_re=np.column_stack([np.ones(len(y)), slope]),
    ).fit(reml=True)
    beta = idata.posterior["beta"]
    for i, term in enumerate(data.terms):
        draws = beta.sel(term=term).values
        assert abs(draws.mean() - reml.fe_params.iloc[i + 1]) < 0.25 * draws.std(), term


def test_ordinal_model_agrees_with_statsmodels_ordered_logit(tmp_path, default_codebook):
    """Cumulative logit slopes against statsmodels OrderedModel (maximum likelihood) on the
    same 400 simulated clients and design matrix: within a quarter of a posterior SD."""
    import yaml
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from intersession.model.regression import design_matrix

    (tmp_path / "priors").mkdir()
    (tmp_path / "priors" / "default.yaml").write_text(
        (ROOT / "models/priors/default.yaml").read_text()
    )
    formula = "isp_actions ~ self_alliance * other_alliance"
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"formula": formula, "family": "ordinal"}))
    spec = load_model(tmp_path, "m", default_codebook)
    study, _ = simulate_study(default_codebook, Design(n_clients=400, n_therapists=20), seed=13)
    scores = score_study(clean_items(study.astype(str), default_codebook), default_codebook)
    data = prepare_data(spec, scores)
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=4, cores=2)
    x = design_matrix(data.terms, data.frame, data.scaling)
    categories = data.frame[spec.outcome]
    mle = OrderedModel(categories.to_numpy(), x, distr="logit").fit(method="bfgs", disp=False)
    beta = idata.posterior["beta"]
    for i, term in enumerate(data.terms):
        draws = beta.sel(term=term).values
        assert abs(draws.mean() - mle.params[i]) < 0.25 * draws.std(), term
    assert beta.sel(term="self_alliance:other_alliance").values.mean() > 0
