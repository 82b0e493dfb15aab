"""Parameter tables and predicted lines from fake posteriors with known values."""

import json

import numpy as np
import pytest

from intersession.effects.parameters import (
    original_scale_slopes,
    parameter_table,
    probability_of_direction,
)
from intersession.effects.predictions import interaction_terms, predicted_lines
from tests.fakes import fake_fit, with_parameter_map


def test_probability_of_direction():
    assert probability_of_direction(np.array([1, 2, -1, 3])) == 0.75
    assert probability_of_direction(np.array([-1, -2, -1, 3])) == 0.75
    assert probability_of_direction(np.ones(10)) == 1.0


def test_original_scale_slopes_use_outcome_and_predictor_sds():
    idata = fake_fit()
    original = original_scale_slopes(idata)
    beta = idata.posterior["beta"]
    # outcome SD 0.8; self SD 0.8; other SD 1.1
    np.testing.assert_allclose(original.sel(term="self_alliance"), beta.sel(term="self_alliance"))
    np.testing.assert_allclose(
        original.sel(term="other_alliance"), beta.sel(term="other_alliance") * 0.8 / 1.1
    )
    np.testing.assert_allclose(
        original.sel(term="self_alliance:other_alliance"),
        beta.sel(term="self_alliance:other_alliance") * 0.8 / (0.8 * 1.1),
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
    mu = 3.0 + 0.8 * (a + b[:, 0] * z_self + b[:, 1] * 1.0 + b[:, 2] * z_self * 1.0)
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
        posterior={"beta": np.zeros((1, 10, 1))},
        prior_predictive={"isp_actions": values},
        observed_data={"isp_actions": np.full(100, 3.0)},
        dims={"isp_actions": ["obs_id"]},
    )
    with_parameter_map(idata)
    row = prior_predictive_table(idata, {"isp_actions": (1.0, 5.0)}).iloc[0]
    assert row["share_below"] == pytest.approx(np.mean(values < 1.0))  # 0.25
    assert row["share_above"] == pytest.approx(np.mean(values > 5.0))  # 0.25
    assert row["share_outside"] == pytest.approx(0.5, abs=0.002)
    assert row["q50"] == pytest.approx(3.0, abs=0.01)


def test_effects_of_a_fit_from_an_older_version_ask_for_a_refit(tmp_path):
    from intersession import steps
    from intersession.inference.fit import save_fit
    from intersession.provenance import PROVENANCE_ATTR

    idata = fake_fit(n_draws=100)
    idata.posterior.attrs[PROVENANCE_ATTR] = json.dumps({"model": "isp_actions"})  # no record
    save_fit(idata, tmp_path / "old.nc")
    settings = {"moderator_values": {}, "rope": None, "jn_probability": 0.95}
    with pytest.raises(ValueError) as err:
        steps.effects(str(tmp_path / "old.nc"), 0.95, settings, str(tmp_path / "effects"))
    assert str(err.value) == (
        f"{tmp_path / 'old.nc'} was written by an older intersession (no fit record); refit "
        f"it: snakemake --cores all --force {tmp_path / 'old.nc'}"
    )
