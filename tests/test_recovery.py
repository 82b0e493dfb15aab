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
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("outcome", ["isp_actions", "isp_thoughts"])
def test_slopes_are_recovered(default_codebook, outcome):
    study, truth = simulate_study(default_codebook, Design(n_clients=400, n_therapists=20), seed=11)
    items = clean_items(study.astype(str), default_codebook)
    scores = score_study(items, default_codebook)
    spec = load_model(ROOT / "models", outcome, default_codebook)
    data = prepare_data(spec, scores)
    sampler = {
        "backend": "nutpie",
        "chains": 2,
        "tune": 500,
        "draws": 500,
        "target_accept": 0.9,
        "prior_draws": 10,
    }
    idata = sample(build_model(spec, data), sampler, seed=3, cores=2)
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
