"""Parameter recovery: fit a simulated study and find the generating values in the intervals.

Bounded for CI: one simulated study per structure, 2 chains of 500 draws; interval
coverage over replicate studies (``INTERSESSION_COVERAGE_REPLICATES``, 100 by default). The
truth of slopes is the observed-metric one: what a standardised model of noisy, rounded
scale scores estimates. For repeated sessions it is computed here, from the raw scores of a
20 times larger simulated study, by code written for the test (person-mean centring,
standardisation, least squares), not by the package's model code, so that a centring or
scaling bug cannot appear in fit and truth alike. Group SDs and correlations are checked on
scores simulated directly on the instruments' scales, whose truth on the model's
standardised scale is exact.
"""

import os

import numpy as np
import pandas as pd
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


def big_scores(codebook, design, params, seed, factor=20):
    """Raw scores of a study ``factor`` times larger (clients and therapists) than ``design``."""
    big = Design(
        n_clients=design.n_clients * factor,
        n_therapists=design.n_therapists * factor,
        n_sites=design.n_sites,
        n_sessions=design.n_sessions,
    )
    return scores_of(codebook, big, seed, params)


def standardised(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std(ddof=1)


def hand_truth(scores, outcomes, x="self_alliance", w="other_alliance"):
    """Least-squares slopes of each outcome on x, w and x:w split into within-client
    (person-mean centred) and between-client (client mean) parts, each standardised over
    the rows, with the interaction formed at each level; and the residual correlation of
    two outcomes after removing client means. Written for the test, from raw scores."""
    rows = scores.dropna(subset=[*outcomes, x, w]).reset_index(drop=True)
    columns = {}
    for name in (x, w):
        client_mean = rows.groupby("client")[name].transform("mean").to_numpy()
        columns[f"{name}_within"] = standardised(rows[name].to_numpy() - client_mean)
        columns[f"{name}_between"] = standardised(client_mean)
    for level in ("within", "between"):
        columns[f"{x}_{level}:{w}_{level}"] = columns[f"{x}_{level}"] * columns[f"{w}_{level}"]
    names = list(columns)
    design = np.column_stack([np.ones(len(rows)), *columns.values()])
    slopes, residuals = {}, {}
    for outcome in outcomes:
        y = standardised(rows[outcome].to_numpy())
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        slopes[outcome] = dict(zip(names, coef[1:], strict=True))
        residual = pd.Series(y - design @ coef)
        residuals[outcome] = residual - residual.groupby(rows["client"]).transform("mean")
    corr = None
    if len(outcomes) == 2:
        corr = float(np.corrcoef(*residuals.values())[0, 1])
    return slopes, corr


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
    truth, _ = hand_truth(big_scores(multisite_codebook, LONG, LONG_PARAMS, 22), ["isp_actions"])
    beta = idata.posterior["beta"]
    assert sorted(beta["term"].values.tolist()) == sorted(truth["isp_actions"])
    for term, value in truth["isp_actions"].items():
        assert inside_95(beta.sel(term=term).values, value), (term, value)
    # the within-client slope is known to about +-0.04: the check is not a prior's width
    lower, upper = np.quantile(beta.sel(term="self_alliance_within").values, [0.025, 0.975])
    assert upper - lower < 0.2


def test_joint_model_recovers_slopes_and_correlations(tmp_path, multisite_codebook):
    """The joint ISP model on the 500 x 8 study: every slope of both outcomes, the residual
    correlation (pseudo-true: within-client least-squares residuals) and the correlation of
    client intercepts across outcomes (0.5: client effects are not attenuated by item
    noise), each interval far narrower than its prior's (LKJ(2): 95% in [-0.81, 0.81])."""
    formula = (
        "mvbind(isp_thoughts, isp_actions) ~ self_alliance * other_alliance + (1 | client)"
        " + (1 | therapist) + (1 | site)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    equations = prepare(spec, scores_of(multisite_codebook, LONG, 21, LONG_PARAMS))
    idata = sample(build(spec, equations), BOUNDED_SAMPLER, seed=5, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    slopes, residual_corr = hand_truth(
        big_scores(multisite_codebook, LONG, LONG_PARAMS, 22), ["isp_thoughts", "isp_actions"]
    )
    post = idata.posterior
    for equation, _, suffix in equations:
        beta = post[f"beta{suffix}"]
        for term, value in slopes[equation.outcome].items():
            assert inside_95(beta.sel({f"term{suffix}": term}).values, value), (suffix, term)
    assert 0.2 < residual_corr < 0.4  # attenuated from the latent 0.4
    for draws, value, width in (
        (post["corr_residual"].values[..., 0, 1], residual_corr, 0.15),
        (post["corr_client"].values[..., 0, 1], LONG_PARAMS.isp_group_r, 0.5),
    ):
        lower, upper = np.quantile(draws, [0.025, 0.975])
        assert lower < value < upper and upper - lower < width, (value, lower, upper)


def test_group_sds_and_correlation_are_recovered_with_bounded_widths(tmp_path, default_codebook):
    """Scores simulated here on the instruments' scales: 300 clients x 6 sessions in 60
    therapists; client intercepts SD 0.4 and self-alliance slopes SD 0.3 (per scale point,
    within clients), correlated 0.5; therapist intercepts SD 0.25; residual SD 0.5. The
    truth is what these data hold: the SDs and correlation of the effects drawn (the
    posterior conditions on them; 300 draws of an SD of 0.4 scatter by about 0.016). On the
    model's scale an SD is divided by the outcome's SD over the rows (and a slope's SD
    multiplied by the within part's SD); the correlation is scale-free. Each truth must lie
    in the 95% interval, and each interval be narrow: at most a quarter of the SD prior's
    (Half-Normal(0, 0.5): 1.1 wide) and 0.9 for the correlation (LKJ(2): 1.6 wide)."""
    rng = np.random.default_rng(7)
    n_clients, n_sessions, n_therapists = 300, 6, 60
    client = np.repeat(np.arange(n_clients), n_sessions)
    therapist = client % n_therapists
    between = rng.normal(5.8, 0.6, n_clients)
    within = rng.normal(0, 0.5, (n_clients, n_sessions))
    within -= within.mean(axis=1, keepdims=True)  # exactly person-mean centred
    within = within.ravel()
    cov = [[0.4**2, 0.5 * 0.4 * 0.3], [0.5 * 0.4 * 0.3, 0.3**2]]
    u = rng.multivariate_normal([0, 0], cov, n_clients)
    u_therapist = rng.normal(0, 0.25, n_therapists)
    residual = rng.normal(0, 0.5, len(client))
    y = (
        3.0
        + 0.4 * within
        + 0.3 * (between[client] - 5.8)
        + u[client, 0]
        + u[client, 1] * within
        + u_therapist[therapist]
        + residual
    )
    scores = pd.DataFrame(
        {
            "client": [f"C{c}" for c in client],
            "therapist": [f"T{t}" for t in therapist],
            "session": np.tile(np.arange(1, n_sessions + 1), n_clients),
            "isp_actions": y,
            "self_alliance": between[client] + within,
        }
    )
    formula = "isp_actions ~ self_alliance + (1 + self_alliance | client) + (1 | therapist)"
    spec = load_model(write_model(tmp_path, formula=formula), "m", default_codebook)
    data = prepare_data(spec, scores)
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=3, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    sd_y, sd_within = y.std(ddof=1), within.std(ddof=1)
    drawn = u.std(axis=0, ddof=1)
    post = idata.posterior
    truths = {
        "client intercept SD": (
            post["sd_client"].sel(client_effect="Intercept"),
            drawn[0] / sd_y,
            0.2,
        ),
        "client slope SD": (
            post["sd_client"].sel(client_effect="self_alliance_within"),
            drawn[1] * sd_within / sd_y,
            0.25,
        ),
        "client correlation": (
            post["corr_client"].sel(
                client_effect="Intercept", client_effect_bis="self_alliance_within"
            ),
            np.corrcoef(u.T)[0, 1],
            0.9,
        ),
        "therapist SD": (post["sd_therapist"], u_therapist.std(ddof=1) / sd_y, 0.25),
        "residual SD": (post["sigma"], residual.std(ddof=1) / sd_y, 0.08),
    }
    for name, (draws, value, width) in truths.items():
        lower, upper = np.quantile(draws.values.ravel(), [0.025, 0.975])
        assert lower < value < upper, (name, value, lower, upper)
        assert upper - lower < width, (name, lower, upper)


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
