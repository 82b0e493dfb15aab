"""Cross-checks against frequentist reference fits of the same model on the same rows.

Under weakly informative priors and many rows the posterior mean of a population-level
coefficient is close to its maximum (restricted) likelihood estimate; the agreement is
asserted within a quarter of a posterior SD, which a scaling, centring or design-matrix bug
in either the builder or the likelihood would exceed many times over. Bounded for CI: one
simulated study each, 2 chains x 500 draws (marked ``slow``).

- Gaussian mixed model against statsmodels ``MixedLM`` (REML; Lindstrom & Bates, 1988),
  with correlated client intercepts and within-client slopes; REML's group SDs must lie in
  the posterior's 95% intervals.
- Ordinal (cumulative logit) model against statsmodels ``OrderedModel`` (maximum
  likelihood; McCullagh, 1980).
"""

import numpy as np
import pytest

from intersession.data.score import score_study
from intersession.data.simulate import Design, GeneratingParameters, simulate_study
from intersession.data.validate import clean_items
from intersession.inference.fit import sample
from intersession.model.declaration import load_model
from intersession.model.regression import build_model, design_matrix, prepare_data
from tests.conftest import BOUNDED_SAMPLER, write_model

pytestmark = pytest.mark.slow


def scores_of(codebook, design, seed, params=None):
    study, _ = simulate_study(codebook, design, seed=seed, params=params)
    return score_study(clean_items(study.astype(str), codebook), codebook)


def test_gaussian_mixed_model_agrees_with_statsmodels_reml(tmp_path, multisite_codebook):
    """200 clients x 6 sessions with client slopes of SD 0.6 (latent): fixed effects within
    a quarter of a posterior SD of REML's; REML's SDs of client intercepts and slopes inside
    the posterior's 95% intervals."""
    import statsmodels.api as sm

    formula = "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | client)"
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    design = Design(n_clients=200, n_therapists=20, n_sites=2, n_sessions=6)
    params = GeneratingParameters(client_slope_sd=0.6)
    data = prepare_data(spec, scores_of(multisite_codebook, design, 31, params))
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=8, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0

    x = design_matrix(data.terms, data.frame, data.scaling)
    mean, sd = data.scaling[spec.outcome]
    y = (data.frame[spec.outcome] - mean) / sd
    slope = x[:, list(data.terms).index("self_alliance_within")]
    reml = sm.MixedLM(
        y.to_numpy(),
        sm.add_constant(x),
        groups=data.frame["client"].to_numpy(),
        exog_re=np.column_stack([np.ones(len(y)), slope]),
    ).fit(reml=True)
    assert reml.converged
    beta = idata.posterior["beta"]
    for i, term in enumerate(data.terms):
        draws = beta.sel(term=term).values
        gap = abs(draws.mean() - reml.fe_params[i + 1])
        assert gap < 0.25 * draws.std(), (term, draws.mean(), reml.fe_params[i + 1])
    intercept = idata.posterior["Intercept"].values
    assert abs(intercept.mean() - reml.fe_params[0]) < 0.25 * intercept.std()
    reml_sds = np.sqrt(np.diag(reml.cov_re))
    sd_client = idata.posterior["sd_client"]
    assert sd_client["client_effect"].values.tolist() == ["Intercept", "self_alliance_within"]
    for k, value in enumerate(reml_sds):
        lower, upper = np.quantile(sd_client.isel(client_effect=k).values, [0.025, 0.975])
        assert lower < value < upper, (k, value, lower, upper)
    assert reml_sds[1] > 0.1  # the slopes vary: the check compares something


def test_ordinal_model_agrees_with_statsmodels_ordered_logit(tmp_path, default_codebook):
    """Cumulative logit slopes of the ISP-actions sum score (21 categories) on 400 simulated
    clients, no group effects: within a quarter of a posterior SD of the MLE, and the
    interaction positive as simulated."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    formula = "isp_actions ~ self_alliance * other_alliance"
    spec = load_model(
        write_model(tmp_path, formula=formula, family="ordinal"), "m", default_codebook
    )
    data = prepare_data(spec, scores_of(default_codebook, Design(400, 20), 13))
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=4, cores=2)
    x = design_matrix(data.terms, data.frame, data.scaling)
    categories = data.frame[spec.outcome].to_numpy()
    mle = OrderedModel(categories, x, distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    assert mle.mle_retvals["converged"]
    beta = idata.posterior["beta"]
    for i, term in enumerate(data.terms):
        draws = beta.sel(term=term).values
        assert abs(draws.mean() - mle.params[i]) < 0.25 * draws.std(), (term, mle.params[i])
    assert beta.sel(term="self_alliance:other_alliance").values.mean() > 0
    # the outcome has many categories: the slopes are estimated, not prior-dominated
    assert (beta.std(("chain", "draw")) < 0.2).all()
