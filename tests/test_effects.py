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
    assert probability_of_direction(np.array([0.0, 0.0, 1.0])) == pytest.approx(1 / 3)
    assert probability_of_direction(np.array([[0.0, -1.0], [-2.0, 0.0]])) == 0.5


def test_equations_and_scaling_come_from_the_fit():
    """The equations from the fit's parameter map, the scaling from its constant data."""
    from intersession.effects.parameters import equations, scaling

    idata = fake_fit()
    assert equations(idata) == [("", "isp_actions")]
    assert scaling(idata) == {
        "isp_actions": (3.0, 0.6),
        "self_alliance": (5.8, 0.8),
        "other_alliance": (5.0, 1.1),
    }


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
    assert table[["parameter", "term", "scale"]].values.tolist()[:4] == [
        ["Intercept", "", "standardised"],
        ["Intercept", "", "original"],
        ["beta", "self_alliance", "standardised"],
        ["beta", "self_alliance", "original"],
    ]
    # the intercept in the outcome's units: mean 3.0 + SD 0.6 x standardised (tests/fakes.py)
    intercept = idata.posterior["Intercept"].values.ravel()
    rows = table.set_index(["parameter", "term", "scale"])
    assert rows.loc[("Intercept", "", "original"), "mean"] == pytest.approx(
        3.0 + 0.6 * intercept.mean()
    )
    sigma = idata.posterior["sigma"].values.ravel()
    assert rows.loc[("sigma", "", "original"), "mean"] == pytest.approx(0.6 * sigma.mean())
    # lower-order terms of the interaction are at the other predictor's centre (its mean)
    assert rows.loc[("beta", "self_alliance", "original"), "held_at"] == "other_alliance = 5"
    assert rows.loc[("beta", "other_alliance", "standardised"), "held_at"] == (
        "self_alliance = 5.8"
    )
    assert rows.loc[("beta", "self_alliance:other_alliance", "original"), "held_at"] == ""
    assert rows.loc[("Intercept", "", "original"), "held_at"] == (
        "self_alliance = 5.8, other_alliance = 5"
    )
    row = table[(table.term == "other_alliance") & (table.scale == "standardised")].iloc[0]
    draws = idata.posterior["beta"].sel(term="other_alliance").values.ravel()
    assert row["mean"] == pytest.approx(draws.mean())
    assert row["lower"] == pytest.approx(np.quantile(draws, 0.05))
    assert row["upper"] == pytest.approx(np.quantile(draws, 0.95))
    assert row["pd"] == pytest.approx((draws > 0).mean())
    assert np.isnan(table.loc[table.parameter == "sigma", "pd"]).all()


def test_parameter_table_gives_95_percent_intervals_unless_told():
    idata = fake_fit()
    row = parameter_table(idata).set_index(["parameter", "term", "scale"])
    draws = idata.posterior["beta"].sel(term="other_alliance").values.ravel()
    row = row.loc[("beta", "other_alliance", "standardised")]
    assert row["lower"] == pytest.approx(np.quantile(draws, 0.025))
    assert row["upper"] == pytest.approx(np.quantile(draws, 0.975))


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
    assert lines["moderator_level"].unique().tolist() == ["mean - 1 SD", "mean", "mean + 1 SD"]
    # every row names its outcome, focal predictor and moderator (the figure and the report
    # select the lines of one interaction by them)
    assert lines[["outcome", "focal", "moderator"]].drop_duplicates().values.tolist() == [
        ["isp_actions", "self_alliance", "other_alliance"]
    ]
    post = idata.posterior
    a = post["Intercept"].values.ravel()
    b = post["beta"].values.reshape(-1, 3)
    row = lines[lines.moderator_level == "mean + 1 SD"].iloc[-1]
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
    assert slope["mean + 1 SD"] > slope["mean"] > slope["mean - 1 SD"]


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


def test_prior_predictive_draws_on_the_range_limits_are_inside_it():
    """An ordinal or count model's draws are whole numbers and sit on the instrument's
    lowest and highest score: those are possible scores, not outside the range."""
    import arviz as az

    from intersession.effects.prior_checks import prior_predictive_table

    values = np.array([0, 1, 1, 2, 3, 4, 5, 5, 5, 6], dtype=float).reshape(1, 1, 10)
    idata = az.from_dict(
        posterior={"beta": np.zeros((1, 1, 1))},
        prior_predictive={"isp_actions": values},
        observed_data={"isp_actions": np.full(10, 3.0)},
        dims={"isp_actions": ["obs_id"]},
    )
    with_parameter_map(idata)
    row = prior_predictive_table(idata, {"isp_actions": (1.0, 5.0)}).iloc[0]
    assert (row["share_below"], row["share_above"], row["share_outside"]) == (0.1, 0.1, 0.2)


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
    with_parameter_map(idata)
    row = prior_predictive_table(idata, {"isp_actions": outcome_range(spec)}).iloc[0]
    assert (row["low"], row["high"]) == (1, 5)
    assert 0.15 < row["share_outside"] < 0.35
    assert 0.05 < row["share_below"] < 0.25 and 0.05 < row["share_above"] < 0.25
    mean = data.scaling["isp_actions"][0]
    assert abs(row["q50"] - mean) < 0.15
    assert row["q05"] < 1 and row["q95"] > 5


def _joint_fake(seed=0):
    """A joint fit of isp_thoughts and isp_actions: per outcome an intercept, two slopes,
    client SDs of intercept and within slope, a therapist SD and a residual SD; client
    effects correlated across outcomes (4 x 4) and a residual correlation (2 x 2)."""
    import arviz as az
    import xarray as xr

    rng = np.random.default_rng(seed)
    shape = (2, 300)
    outcomes = ["isp_thoughts", "isp_actions"]
    terms = ["self_alliance", "other_alliance"]
    effects = [f"{o}/{e}" for o in outcomes for e in ("Intercept", "self_alliance")]
    posterior, dims, coords = {}, {}, {}
    for k, o in enumerate(outcomes):
        posterior[f"Intercept_{o}"] = 0.1 * k + 0.05 * rng.normal(size=shape)
        posterior[f"beta_{o}"] = [0.2 + k, -0.1] + 0.1 * rng.normal(size=(*shape, 2))
        posterior[f"sd_client_{o}"] = [0.5 + k, 0.1] + 0.02 * np.abs(rng.normal(size=(*shape, 2)))
        posterior[f"sd_therapist_{o}"] = 0.3 + k + 0.02 * np.abs(rng.normal(size=shape))
        posterior[f"sigma_{o}"] = 0.7 + 0.1 * k + 0.01 * rng.normal(size=shape)
        dims[f"beta_{o}"] = [f"term_{o}"]
        dims[f"sd_client_{o}"] = [f"client_effect_{o}"]
        coords[f"term_{o}"] = terms
        coords[f"client_effect_{o}"] = ["Intercept", "self_alliance"]
    corr = np.broadcast_to(np.eye(4), (*shape, 4, 4)).copy()
    corr[..., 2, 0] = corr[..., 0, 2] = 0.4 + 0.05 * rng.normal(size=shape)
    corr[..., 3, 1] = corr[..., 1, 3] = -0.2 + 0.05 * rng.normal(size=shape)
    residual = np.broadcast_to(np.eye(2), (*shape, 2, 2)).copy()
    residual[..., 1, 0] = residual[..., 0, 1] = 0.3 + 0.02 * rng.normal(size=shape)
    posterior["corr_client"], posterior["corr_residual"] = corr, residual
    dims["corr_client"] = ["client_effect", "client_effect_bis"]
    dims["corr_residual"] = ["outcome", "outcome_bis"]
    coords.update(client_effect=effects, client_effect_bis=effects)
    coords.update(outcome=outcomes, outcome_bis=outcomes)
    idata = az.from_dict(posterior=posterior, dims=dims, coords=coords)
    names = [*outcomes, *terms]
    idata.add_groups(
        constant_data=xr.Dataset(
            {
                "scaling_mean": ("variable", [3.0, 3.0, 5.8, 5.0]),
                "scaling_sd": ("variable", [0.9, 0.6, 0.8, 1.1]),
            },
            coords={"variable": names},
        )
    )
    joint = "_and_".join(outcomes)
    return with_parameter_map(idata, [(f"_{o}", o) for o in outcomes], joint=joint), outcomes


def test_parameter_table_of_a_joint_model_lists_every_group_parameter():
    """Per outcome: intercept, slopes on both scales, client SDs (one per effect), therapist
    SD, residual SD, in that order and labelled without the outcome suffix; the
    correlations across outcomes (lower triangle) under outcome 'joint'."""
    idata, outcomes = _joint_fake()
    table = parameter_table(idata, interval=0.9)
    per_outcome = [
        ("Intercept", "", "standardised"),
        ("Intercept", "", "original"),
        ("beta", "self_alliance", "standardised"),
        ("beta", "self_alliance", "original"),
        ("beta", "other_alliance", "standardised"),
        ("beta", "other_alliance", "original"),
        ("sd_client", "Intercept", "standardised"),
        ("sd_client", "Intercept", "original"),
        ("sd_client", "self_alliance", "standardised"),
        ("sd_client", "self_alliance", "original"),
        ("sd_therapist", "", "standardised"),
        ("sd_therapist", "", "original"),
        ("sigma", "", "standardised"),
        ("sigma", "", "original"),
    ]
    expected = [(o, *row) for o in outcomes for row in per_outcome]
    expected += [
        ("joint", "corr_client", f"{a} ~ {b}", "standardised")
        for i, a in enumerate(idata.posterior["client_effect"].values)
        for b in idata.posterior["client_effect"].values[:i]
    ]
    expected += [("joint", "corr_residual", "isp_actions ~ isp_thoughts", "standardised")]
    rows = table[["outcome", "parameter", "term", "scale"]]
    assert [tuple(r) for r in rows.values.tolist()] == expected
    post = idata.posterior
    by = table.set_index(["outcome", "parameter", "term", "scale"]).sort_index()
    sd = post["sd_client_isp_actions"].sel(client_effect_isp_actions="Intercept").values
    row = by.loc[("isp_actions", "sd_client", "Intercept", "standardised")]
    assert row["mean"] == pytest.approx(sd.mean()) and np.isnan(row["pd"])
    assert row["lower"] == pytest.approx(np.quantile(sd, 0.05))
    corr = post["corr_client"].values[..., 2, 0]
    row = by.loc[("joint", "corr_client", "isp_actions/Intercept ~ isp_thoughts/Intercept")]
    assert row["mean"].item() == pytest.approx(corr.mean())
    assert row["upper"].item() == pytest.approx(np.quantile(corr, 0.95))
    residual = by.loc[("joint", "corr_residual", "isp_actions ~ isp_thoughts", "standardised")]
    assert residual["mean"] == pytest.approx(post["corr_residual"].values[..., 1, 0].mean())
    slope = post["beta_isp_thoughts"].sel(term_isp_thoughts="other_alliance").values
    original = by.loc[("isp_thoughts", "beta", "other_alliance", "original")]
    assert original["mean"] == pytest.approx((slope * 0.9 / 1.1).mean())
    # group SDs in the outcome's units: an intercept's times sd_y, a slope's times sd_y / sd_x
    sd_slope = post["sd_client_isp_thoughts"].sel(client_effect_isp_thoughts="self_alliance")
    row = by.loc[("isp_thoughts", "sd_client", "self_alliance", "original")]
    assert row["mean"] == pytest.approx((sd_slope.values * 0.9 / 0.8).mean())
    row = by.loc[("isp_actions", "sd_therapist", "", "original")]
    assert row["mean"] == pytest.approx(post["sd_therapist_isp_actions"].values.mean() * 0.6)
    assert original["pd"] == pytest.approx(max((slope > 0).mean(), (slope < 0).mean()))
    sigma = by.loc[("isp_actions", "sigma", "", "standardised")]
    assert sigma["mean"] == pytest.approx(post["sigma_isp_actions"].values.mean())


def test_parameter_table_of_one_equation_with_slopes_cutpoints_and_nu():
    """A Student-t regression whose client intercepts and slopes are correlated: SD rows
    per effect and the correlation under the outcome itself, then the family's auxiliary
    parameters (residual SD, degrees of freedom); an ordinal one: no intercept, cutpoints
    numbered from 1 on the logit scale."""
    idata = fake_fit(n_draws=200)
    post = idata.posterior
    rng = np.random.default_rng(5)
    shape = (4, 200)
    corr = np.broadcast_to(np.eye(2), (*shape, 2, 2)).copy()
    corr[..., 1, 0] = corr[..., 0, 1] = 0.3 + 0.05 * rng.normal(size=shape)
    effects = ["Intercept", "self_alliance"]
    idata.posterior = post.assign(
        sd_client=(("chain", "draw", "client_effect"), 0.4 + 0.02 * rng.random((*shape, 2))),
        corr_client=(("chain", "draw", "client_effect", "client_effect_bis"), corr),
        nu=(("chain", "draw"), 8 + rng.random(shape)),
    ).assign_coords(client_effect=effects, client_effect_bis=effects)
    table = parameter_table(with_parameter_map(idata, family="student_t"), interval=0.95)
    tail = table.iloc[8:][["outcome", "parameter", "term", "scale"]].values.tolist()
    assert tail == [
        ["isp_actions", "sd_client", "Intercept", "standardised"],
        ["isp_actions", "sd_client", "Intercept", "original"],
        ["isp_actions", "sd_client", "self_alliance", "standardised"],
        ["isp_actions", "sd_client", "self_alliance", "original"],
        ["isp_actions", "sd_therapist", "", "standardised"],
        ["isp_actions", "sd_therapist", "", "original"],
        ["isp_actions", "corr_client", "self_alliance ~ Intercept", "standardised"],
        ["isp_actions", "sigma", "", "standardised"],
        ["isp_actions", "sigma", "", "original"],
        ["isp_actions", "nu", "", "standardised"],
    ]
    assert table.loc[table.parameter == "corr_client", "mean"].item() == pytest.approx(
        corr[..., 1, 0].mean()
    )
    assert table.loc[table.parameter == "nu", "lower"].item() == pytest.approx(
        np.quantile(idata.posterior["nu"].values, 0.025)
    )
    ordinal = fake_fit(n_draws=200)
    ordinal.posterior = ordinal.posterior.drop_vars(["Intercept", "sigma"]).assign(
        cutpoints=(("chain", "draw", "cut"), [-1.0, 0.5] + 0.1 * rng.normal(size=(*shape, 2)))
    )
    table = parameter_table(with_parameter_map(ordinal, family="ordinal"), interval=0.95)
    assert "Intercept" not in set(table["parameter"])
    # the cutpoints follow the slopes and the therapist SD, which they must not replace
    assert table["parameter"].tolist() == ["beta"] * 6 + ["sd_therapist"] + ["cutpoints"] * 2
    cut = table[table.parameter == "cutpoints"]
    assert cut[["term", "scale"]].values.tolist() == [["1", "logit"], ["2", "logit"]]
    assert cut["mean"].tolist() == pytest.approx([-1.0, 0.5], abs=0.01)


def test_prior_predictive_table_of_a_joint_model_reads_each_outcome():
    """A joint model's observed variable holds both outcomes along ``outcome``: each row
    counts its own outcome's draws against its own range."""
    import arviz as az

    from intersession.effects.parameters import observed_variable
    from intersession.effects.prior_checks import prior_predictive_draws, prior_predictive_table

    thoughts = np.linspace(0.0, 4.0, 200).reshape(1, 4, 50)  # 1/4 below 1: 0.0-4.0
    actions = np.linspace(2.0, 7.0, 200).reshape(1, 4, 50)  # 2/5 above 5: 2.0-7.0
    both = np.stack([thoughts, actions], axis=-1)
    name = "isp_thoughts_and_isp_actions"
    idata = az.from_dict(
        prior_predictive={name: both},
        observed_data={name: np.full((50, 2), 3.0)},
        dims={name: ["obs_id", "outcome"]},
        coords={"outcome": ["isp_thoughts", "isp_actions"]},
    )
    equations = [(f"_{o}", o) for o in ("isp_thoughts", "isp_actions")]
    with_parameter_map(idata, equations, joint=name)
    assert observed_variable(idata, "isp_actions") == (name, {"outcome": ["isp_actions"]})
    with pytest.raises(KeyError, match="no observed variable holds progress"):
        observed_variable(idata, "progress")
    np.testing.assert_array_equal(
        np.sort(prior_predictive_draws(idata, "isp_actions")), np.sort(actions.ravel())
    )
    table = prior_predictive_table(
        idata, {"isp_thoughts": (1.0, 5.0), "isp_actions": (1.0, 5.0)}
    ).set_index("outcome")
    assert table.index.tolist() == ["isp_thoughts", "isp_actions"]
    assert table.loc["isp_thoughts", "share_below"] == pytest.approx(np.mean(thoughts < 1))
    assert table.loc["isp_thoughts", "share_above"] == 0
    assert table.loc["isp_actions", "share_above"] == pytest.approx(np.mean(actions > 5))
    assert table.loc["isp_actions", "share_outside"] == pytest.approx(np.mean(actions > 5))
    assert table.loc["isp_actions", "q05"] == pytest.approx(np.quantile(actions, 0.05))
    assert table.loc["isp_actions", "q95"] == pytest.approx(np.quantile(actions, 0.95))
    assert table.loc["isp_thoughts", "q50"] == pytest.approx(2.0, abs=0.02)
    assert list(table.reset_index().columns) == [
        "outcome", "low", "high", "share_below", "share_above", "share_outside",
        "q05", "q50", "q95",
    ]  # fmt: skip


def test_predicted_lines_of_each_path_of_a_mediation_fit():
    """Both equations have an interaction; the b path's line is in progress units (mean
    4.0, SD 1.3), with the mediator at its mean (z = 0); bands are equal-tailed; grid from
    the lowest to the highest observed focal value. Ordinal equations (no intercept) and
    three-way terms give no line."""
    from tests.fakes import fake_mediation_fit

    idata = fake_mediation_fit()
    assert interaction_terms(idata) == [
        ("_a", "isp_actions", "self_alliance", "other_alliance"),
        ("_b", "progress", "self_alliance", "other_alliance"),
    ]
    lines = predicted_lines(
        idata, "self_alliance", "other_alliance", suffix="_b", outcome="progress", n_grid=3
    )
    assert len(lines) == 9 and set(lines["outcome"]) == {"progress"}
    x = idata.constant_data["X_b"].sel(term_b="self_alliance").values * 0.8 + 5.8
    assert lines["focal_value"].iloc[0] == pytest.approx(x.min())
    assert lines["focal_value"].iloc[2] == pytest.approx(x.max())
    post = idata.posterior
    b = post["beta_b"].values.reshape(-1, 4)  # isp_actions, self, other, self:other
    a0 = post["Intercept_b"].values.ravel()
    row = lines[lines.moderator_level == "mean - 1 SD"].iloc[2]
    z = (row["focal_value"] - 5.8) / 0.8
    mu = 4.0 + 1.3 * (a0 + b[:, 1] * z - b[:, 2] - b[:, 3] * z)
    assert row["moderator_value"] == pytest.approx(5.0 - 1.1)
    assert row["mean"] == pytest.approx(mu.mean())
    assert row["upper"] == pytest.approx(np.quantile(mu, 0.975))
    assert row["lower"] == pytest.approx(np.quantile(mu, 0.025))
    default = predicted_lines(idata, "self_alliance", "other_alliance", suffix="_a")
    assert len(default) == 3 * 40 and set(default["outcome"]) == {"isp_actions"}
    ordinal = fake_fit()
    ordinal.posterior = ordinal.posterior.drop_vars("Intercept")
    assert interaction_terms(with_parameter_map(ordinal, family="ordinal")) == []
    three = fake_fit()
    three.posterior = three.posterior.assign_coords(term=["a", "a:b", "a:b:c"])
    assert interaction_terms(three) == [("", "isp_actions", "a", "b")]
