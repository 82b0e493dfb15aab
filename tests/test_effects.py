"""Parameter tables and predicted lines from fake posteriors with known values."""

import numpy as np
import pytest

from intersession.effects.parameters import (
    original_scale_slopes,
    parameter_table,
    probability_of_direction,
)
from intersession.effects.predictions import interaction_terms, predicted_lines
from tests.fakes import fake_fit


def test_probability_of_direction():
    assert probability_of_direction(np.array([1, 2, -1, 3])) == 0.75
    assert probability_of_direction(np.array([-1, -2, -1, 3])) == 0.75
    assert probability_of_direction(np.ones(10)) == 1.0


def test_original_scale_slopes_use_outcome_and_predictor_sds():
    idata = fake_fit()
    original = original_scale_slopes(idata)
    beta = idata.posterior["beta"]
    # outcome SD 0.6; self SD 0.8; other SD 1.1 (tests/fakes.py)
    np.testing.assert_allclose(
        original.sel(term="self_alliance"), beta.sel(term="self_alliance") * 0.75
    )
    np.testing.assert_allclose(
        original.sel(term="other_alliance"), beta.sel(term="other_alliance") * 0.6 / 1.1
    )
    np.testing.assert_allclose(
        original.sel(term="self_alliance:other_alliance"),
        beta.sel(term="self_alliance:other_alliance") * 0.6 / (0.8 * 1.1),
    )


def test_parameter_table_rows_and_values():
    idata = fake_fit()
    table = parameter_table(idata, interval=0.9)
    assert table[["parameter", "term", "scale"]].values.tolist()[:3] == [
        ["Intercept", "", "standardised"],
        ["beta", "self_alliance", "standardised"],
        ["beta", "self_alliance", "original"],
    ]
    row = table[(table.term == "other_alliance") & (table.scale == "standardised")].iloc[0]
    draws = idata.posterior["beta"].sel(term="other_alliance").values.ravel()
    assert row["mean"] == pytest.approx(draws.mean())
    assert row["lower"] == pytest.approx(np.quantile(draws, 0.05))
    assert row["upper"] == pytest.approx(np.quantile(draws, 0.95))
    assert row["pd"] == pytest.approx((draws > 0).mean())
    assert np.isnan(table.loc[table.parameter == "sigma", "pd"]).all()


def test_parameter_table_of_two_equations_scales_each_by_its_own_outcome():
    """A mediation fit: the a path is in SDs of isp_actions (0.6), the b path in SDs of
    progress (1.3); each equation's rows name its outcome."""
    from tests.fakes import fake_mediation_fit

    idata = fake_mediation_fit()
    table = parameter_table(idata, interval=0.95).set_index(["outcome", "parameter", "term"])
    post = idata.posterior
    original = table[table["scale"] == "original"]
    a_self = post["beta_a"].sel(term_a="self_alliance").values
    b_self = post["beta_b"].sel(term_b="self_alliance").values
    b_m = post["beta_b"].sel(term_b="isp_actions").values
    assert original.loc[("isp_actions", "beta", "self_alliance"), "mean"] == pytest.approx(
        (a_self * 0.6 / 0.8).mean()
    )
    assert original.loc[("progress", "beta", "self_alliance"), "mean"] == pytest.approx(
        (b_self * 1.3 / 0.8).mean()
    )
    assert original.loc[("progress", "beta", "isp_actions"), "mean"] == pytest.approx(
        (b_m * 1.3 / 0.6).mean()
    )
    sigma = table[table["scale"] == "standardised"].loc[("progress", "sigma", ""), "mean"]
    assert sigma == pytest.approx(post["sigma_b"].values.mean())
    assert table.index.get_level_values("outcome").unique().tolist() == ["isp_actions", "progress"]


def test_predicted_lines_follow_the_linear_predictor():
    idata = fake_fit()
    assert interaction_terms(idata) == [("", "isp_actions", "self_alliance", "other_alliance")]
    lines = predicted_lines(idata, "self_alliance", "other_alliance", n_grid=5)
    assert lines["moderator_level"].unique().tolist() == ["-1 SD", "mean", "+1 SD"]
    post = idata.posterior
    a = post["Intercept"].values.ravel()
    b = post["beta"].values.reshape(-1, 3)
    row = lines[lines.moderator_level == "+1 SD"].iloc[-1]
    z_self = (row["focal_value"] - 5.8) / 0.8
    mu = 3.0 + 0.6 * (a + b[:, 0] * z_self + b[:, 1] * 1.0 + b[:, 2] * z_self * 1.0)
    assert row["moderator_value"] == pytest.approx(5.0 + 1.1)
    assert row["mean"] == pytest.approx(mu.mean())
    assert row["lower"] == pytest.approx(np.quantile(mu, 0.025))
    # with a positive interaction, the slope over self-alliance is steeper at +1 SD
    slope = {
        level: np.polyfit(g["focal_value"], g["mean"], 1)[0]
        for level, g in lines.groupby("moderator_level")
    }
    assert slope["+1 SD"] > slope["mean"] > slope["-1 SD"]


def test_prior_predictive_table_counts_draws_outside_the_range():
    import arviz as az

    from intersession.effects.prior_checks import prior_predictive_table

    values = np.linspace(-1.0, 7.0, 1000).reshape(1, 10, 100)  # 1 chain, 10 draws, 100 rows
    idata = az.from_dict(
        prior_predictive={"isp_actions": values},
        observed_data={"isp_actions": np.full(100, 3.0)},
        dims={"isp_actions": ["obs_id"]},
    )
    row = prior_predictive_table(idata, {"isp_actions": (1.0, 5.0)}).iloc[0]
    assert row["share_below"] == pytest.approx(np.mean(values < 1.0))  # 0.25
    assert row["share_above"] == pytest.approx(np.mean(values > 5.0))  # 0.25
    assert row["share_outside"] == pytest.approx(0.5, abs=0.002)
    assert row["q50"] == pytest.approx(3.0, abs=0.01)


def test_effects_of_a_fit_from_an_older_version_ask_for_a_refit(tmp_path):
    from intersession import steps
    from intersession.inference.fit import attach_provenance, save_fit

    idata = fake_fit(n_draws=100)
    attach_provenance(idata, {"model": "isp_actions"})  # no outcome ranges recorded
    save_fit(idata, tmp_path / "old.nc")
    settings = {"moderator_values": {}, "rope": None, "jn_probability": 0.95}
    with pytest.raises(ValueError) as err:
        steps.effects(str(tmp_path / "old.nc"), 0.95, settings, str(tmp_path / "effects"))
    assert str(err.value) == (
        f"{tmp_path / 'old.nc'} was written by an older intersession (no outcome ranges in its "
        "provenance); refit it: snakemake --forcerun fit"
    )


def test_prior_predictive_of_the_declared_model_is_on_the_instrument_scale(
    default_codebook, default_scores
):
    """Prior draws of the declared ISP-actions model (default priors) through the real
    likelihood: centred on the outcome's mean (2.9 on 1-5), with about a quarter of the
    mass outside the range, on both sides. Draws on the standardised scale would centre
    on 0 and put about half below 1."""
    import pymc as pm

    from intersession.effects.prior_checks import prior_predictive_table
    from intersession.model.declaration import load_model
    from intersession.model.regression import build_model, outcome_range, prepare_data
    from tests.conftest import ROOT

    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, default_scores)
    with build_model(spec, data):
        idata = pm.sample_prior_predictive(draws=400, random_seed=1)
    row = prior_predictive_table(idata, {"isp_actions": outcome_range(spec)}).iloc[0]
    assert (row["low"], row["high"]) == (1, 5)
    assert 0.15 < row["share_outside"] < 0.35
    assert 0.05 < row["share_below"] < 0.25 and 0.05 < row["share_above"] < 0.25
    mean = data.scaling["isp_actions"][0]
    assert abs(row["q50"] - mean) < 0.15
    assert row["q05"] < 1 and row["q95"] > 5
