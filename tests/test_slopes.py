"""Simple slopes, floodlight and Johnson-Neyman regions against hand-computed values."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from intersession.effects.slopes import Interaction, floodlight, johnson_neyman, simple_slopes
from intersession.tables import safe_text
from tests.fakes import fake_fit, with_parameter_map

#: fake_fit draws beta = mean + 0.1 * N(0, 1): an exactly bivariate-normal posterior of
#: (b_self, b_interaction) with covariance 0.01 * I.
MEAN, COV = (0.05, 0.2), np.diag([0.01, 0.01])


def interaction(n_draws=500, span=3.0):
    idata = fake_fit(beta=(MEAN[0], 0.3, MEAN[1]), n_draws=n_draws, seed=1)
    x = idata.constant_data["X"]
    x.loc[{"term": "other_alliance"}] = np.linspace(-span, span, x.sizes["obs_id"])
    return Interaction(idata, "", "isp_actions", "self_alliance", "other_alliance")


def closed_form_boundaries(mean, cov, threshold=0.95):
    """Standardised moderator values where P(b_x + b_xw z > 0) = threshold or
    1 - threshold for bivariate-normal (b_x, b_xw): the roots of
    (m_x + m_xw z)^2 = q^2 (S_xx + 2 z S_xw + z^2 S_ww), q = Phi^-1(threshold)."""
    (m_x, m_w), ((s_xx, s_xw), (_, s_ww)) = mean, cov
    q2 = stats.norm.ppf(threshold) ** 2
    roots = np.roots([m_w**2 - q2 * s_ww, 2 * (m_x * m_w - q2 * s_xw), m_x**2 - q2 * s_xx])
    return np.sort(np.real(roots))


def test_johnson_neyman_boundaries_match_the_closed_form_within_monte_carlo_error():
    inter = interaction(n_draws=2000)  # 8,000 draws: boundary MCSE about 0.04
    table = johnson_neyman(inter, interval=0.9).set_index("region")
    # a 90% interval excludes 0 where P(slope > 0) >= 0.95 (two-sided)
    negative_z, positive_z = closed_form_boundaries(MEAN, COV, 0.95)  # about -2.35 and 0.81
    # other-alliance in original units: 5.0 + 1.1 z (the fake's scaling)
    positive = table.loc["slope > 0 (90% interval above 0)"]
    negative = table.loc["slope < 0 (90% interval below 0)"]
    assert positive["lower_is_boundary"] and not positive["upper_is_boundary"]
    assert positive["upper"] == pytest.approx(5.0 + 1.1 * 3.0)  # open to the data's end
    assert table["observed_min"].tolist() == pytest.approx([5.0 - 1.1 * 3.0] * len(table))
    assert table["observed_max"].tolist() == pytest.approx([5.0 + 1.1 * 3.0] * len(table))
    assert 0 < positive["lower_mcse"] < 0.1
    assert abs(positive["lower"] - (5.0 + 1.1 * positive_z)) < 4 * positive["lower_mcse"]
    assert negative["upper_is_boundary"] and not negative["lower_is_boundary"]
    assert abs(negative["upper"] - (5.0 + 1.1 * negative_z)) < 4 * negative["upper_mcse"]
    observed = inter.observed
    assert positive["n_inside"] == np.sum(observed >= positive["lower"])
    assert negative["n_inside"] == np.sum(observed <= negative["upper"])
    assert (table["n_observed"] == len(observed)).all()
    zero = table.loc["slope = 0 (median, 90% interval)"]
    assert zero["median"] == pytest.approx(5.0 + 1.1 * (-MEAN[0] / MEAN[1]), abs=0.05)
    assert zero["lower"] < zero["median"] < zero["upper"]
    # the zero point's interval is a posterior interval, not a region: no boundary, no MCSE
    assert table["lower_is_boundary"].dtype == bool == table["upper_is_boundary"].dtype
    assert zero[["lower_is_boundary", "upper_is_boundary"]].tolist() == [False, False]
    assert np.isnan(zero["lower_mcse"]) and np.isnan(zero["upper_mcse"])


def test_johnson_neyman_bootstrap_is_seeded_so_reruns_give_the_same_numbers():
    """The boundaries' MCSEs come from a bootstrap: the workflow calls johnson_neyman
    without a seed, so its default (0) is what makes the same fit give the same table."""
    inter = interaction()
    table = johnson_neyman(inter)
    assert table["lower_mcse"].notna().any()
    pd.testing.assert_frame_equal(table, johnson_neyman(inter))
    pd.testing.assert_frame_equal(table, johnson_neyman(inter, seed=0))
    other = johnson_neyman(inter, seed=1)
    assert not np.allclose(table["lower_mcse"].fillna(0), other["lower_mcse"].fillna(0))


@pytest.mark.parametrize("interval", [0.95, 0.9, 0.8])
def test_johnson_neyman_regions_are_where_the_floodlight_band_excludes_zero(interval):
    """One criterion: inside a region the floodlight's band (at the same interval) lies
    wholly on one side of 0, outside it the band covers 0 (a one-sided criterion, e.g.
    P(slope > 0) >= 0.95 with a 95% band, shades points whose band still covers 0)."""
    inter = interaction(n_draws=2000)
    band = floodlight(inter, interval)
    table = johnson_neyman(inter, interval)
    regions = table[~table["region"].str.startswith("slope = 0")]
    assert len(regions) >= 1
    x = band["moderator_value"].to_numpy()
    inside = np.zeros(len(x), dtype=bool)
    for _, row in regions.iterrows():
        inside |= (x >= row["lower"]) & (x <= row["upper"])
    step = x[1] - x[0]
    edges = np.concatenate([regions["lower"], regions["upper"]])
    away = np.min(np.abs(x[:, None] - edges[None, :]), axis=1) > 2 * step  # not at a boundary
    excludes = (band["lower"] > 0) | (band["upper"] < 0)
    assert (inside[away] == excludes.to_numpy()[away]).all()
    assert f"{interval:.0%} interval" in regions["region"].iloc[0]


def test_no_region_inside_a_narrow_observed_range():
    table = johnson_neyman(interaction(span=0.5))  # z in [-0.5, 0.5]: no region
    assert table["region"].tolist() == ["slope = 0 (median, 95% interval)"]
    assert table["observed_min"].iloc[0] == pytest.approx(5.0 - 0.55)


def test_simple_slopes_are_the_focal_slope_at_the_moderator_levels():
    inter = interaction()
    table = simple_slopes(inter, values=[6.1], interval=0.9, rope=0.1)
    std = table[table.scale == "standardised"].set_index("moderator_level")
    assert std.index.tolist() == ["mean - 1 SD", "mean", "mean + 1 SD", "6.1"]
    # no level reads as a formula ("-1 SD" did): the CSV shows it without a quote
    assert [safe_text(level) for level in std.index] == std.index.tolist()
    draws = inter.b_x + inter.b_xw * 1.0
    assert std.loc["mean + 1 SD", "mean"] == pytest.approx(draws.mean())
    assert std.loc["6.1", "mean"] == pytest.approx(draws.mean())  # 6.1 = 5.0 + 1.1 (+1 SD)
    assert std.loc["mean + 1 SD", "lower"] == pytest.approx(np.quantile(draws, 0.05))
    assert std.loc["mean + 1 SD", "in_rope"] == pytest.approx(np.mean(np.abs(draws) < 0.1))
    # the moderator's values in its own units: mean 5.0, SD 1.1 (tests/fakes.py), on both scales
    expected_values = [v for v in (5.0 - 1.1, 5.0, 5.0 + 1.1, 6.1) for _scale in range(2)]
    assert table["moderator_value"].tolist() == pytest.approx(expected_values)
    original = table[table.scale == "original"].set_index("moderator_level")
    # the ROPE is a band in SDs of the outcome: given on the standardised scale only
    assert original["in_rope"].isna().all() and std["in_rope"].notna().all()
    # outcome SD 0.6 per self-alliance SD 0.8 (tests/fakes.py): 0.75 scale points per point
    for level in ("mean - 1 SD", "mean", "mean + 1 SD", "6.1"):
        for column in ("mean", "sd", "lower", "upper"):
            expected = 0.75 * std.loc[level, column]
            assert original.loc[level, column] == pytest.approx(expected), (level, column)
        assert original.loc[level, "pd"] == std.loc[level, "pd"]
    assert original.loc["mean + 1 SD", "mean"] == pytest.approx(
        0.75 * (MEAN[0] + MEAN[1]), abs=0.02
    )


def test_floodlight_probability_rises_with_a_positive_interaction():
    table = floodlight(interaction())
    assert len(table) == 400
    assert table["p_positive"].iloc[0] < 0.1 and table["p_positive"].iloc[-1] > 0.95
    z = table["moderator_z"].to_numpy()
    # original scale: outcome SD 0.6 per self-alliance SD 0.8
    np.testing.assert_allclose(table["mean"], 0.75 * (MEAN[0] + MEAN[1] * z), atol=0.015)
    np.testing.assert_allclose(table["moderator_value"], 5.0 + 1.1 * z)
    assert (table["lower"] <= table["mean"]).all() and (table["mean"] <= table["upper"]).all()


@pytest.mark.slow
def test_johnson_neyman_of_a_fitted_fixed_effects_model_matches_the_classical_solution(
    tmp_path, default_codebook
):
    """A fixed-effects regression on 3,000 simulated rows, fitted by the workflow's own
    builder and sampler: its Johnson-Neyman boundary agrees with the classical one computed
    by hand from the least-squares estimates and their covariance (the posterior under
    weak priors is nearly normal around them), within 4 Monte Carlo SEs plus 0.05."""
    import pandas as pd
    import statsmodels.api as sm

    from intersession.inference.fit import attach_scaling, sample
    from intersession.model.declaration import load_model
    from intersession.model.regression import build_model, design_matrix, prepare_data
    from tests.conftest import BOUNDED_SAMPLER, write_model

    rng = np.random.default_rng(4)
    n = 3000
    x, w = rng.normal(5.5, 1.0, n), rng.normal(5.0, 1.2, n)
    zx, zw = (x - 5.5), (w - 5.0) / 1.2
    y = 3.0 + 0.8 * (0.02 + 0.05 * zx + 0.3 * zw + 0.12 * zx * zw + rng.normal(0, 0.9, n))
    scores = pd.DataFrame(
        {
            "client": [f"C{i}" for i in range(n)],
            "therapist": "T1",
            "isp_actions": y,
            "self_alliance": x,
            "other_alliance": w,
        }
    )
    formula = "isp_actions ~ self_alliance * other_alliance"
    spec = load_model(write_model(tmp_path, formula=formula), "m", default_codebook)
    data = prepare_data(spec, scores)
    idata = sample(build_model(spec, data), BOUNDED_SAMPLER, seed=2, cores=2)
    attach_scaling(idata, data.scaling)
    with_parameter_map(idata)
    table = johnson_neyman(
        Interaction(idata, "", "isp_actions", "self_alliance", "other_alliance")
    ).set_index("region")

    design = sm.add_constant(design_matrix(data.terms, data.frame, data.scaling))
    mean, sd = data.scaling["isp_actions"]
    ols = sm.OLS((data.frame["isp_actions"] - mean) / sd, design).fit()
    pick = [1, 3]  # self_alliance, self_alliance:other_alliance
    boundaries = closed_form_boundaries(
        ols.params.iloc[pick].to_numpy(), ols.cov_params().iloc[pick, pick].to_numpy()
    )
    w_mean, w_sd = data.scaling["other_alliance"]
    observed = table["observed_min"].iloc[0], table["observed_max"].iloc[0]
    compared = 0
    for value in w_mean + w_sd * boundaries:
        if not observed[0] < value < observed[1]:
            continue
        rows = table[table["lower_is_boundary"] | table["upper_is_boundary"]]
        found = np.concatenate(
            [
                rows.loc[rows["lower_is_boundary"], "lower"],
                rows.loc[rows["upper_is_boundary"], "upper"],
            ]
        )
        errors = np.concatenate(
            [
                rows.loc[rows["lower_is_boundary"], "lower_mcse"],
                rows.loc[rows["upper_is_boundary"], "upper_mcse"],
            ]
        )
        nearest = np.argmin(np.abs(found - value))
        assert abs(found[nearest] - value) < 4 * errors[nearest] + 0.05, (value, found)
        compared += 1
    assert compared == 2  # a negative and a positive region, both bounded inside the data


def test_crossing_and_regions_on_a_hand_made_probability_curve():
    """Linear interpolation between grid points, and runs of points at or beyond the
    threshold: open at the grid's ends, bounded where the curve crosses inside."""
    from intersession.effects.slopes import _crossing, _mcse, _regions

    grid = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    p = np.array([0.01, 0.03, 0.5, 0.9, 0.97, 0.99])
    assert _crossing(grid, p, 3, 0.95) == pytest.approx(3 + 0.05 / 0.07)
    assert _regions(grid, p, 0.95) == [
        ("positive", pytest.approx(3 + 0.05 / 0.07), 5.0, True, False),
        ("negative", 0.0, pytest.approx(1 + 0.02 / 0.47), False, True),
    ]
    assert _regions(grid, np.full(6, 0.5), 0.95) == []
    # "at or beyond": a curve exactly at the threshold at the grid's first (last) point
    # opens the region there; a run ending at the last point but one is still bounded
    edge = np.array([0.95, 0.99, 0.5, 0.5, 0.99, 1 - 0.95])
    assert [(r[0], bool(r[3]), bool(r[4])) for r in _regions(grid, edge, 0.95)] == [
        ("positive", False, True),
        ("positive", True, True),
        ("negative", True, False),
    ]
    ((_, _, upper, _, upper_b),) = _regions(grid, np.array([0.2, 0.2, 0.2, 0.96, 0.99, 0.5]), 0.95)
    assert upper_b and upper == pytest.approx(4 + 0.04 / 0.49)
    inside = np.array([0.2, 0.96, 0.99, 0.96, 0.2, 0.2])
    ((direction, lower, upper, lower_b, upper_b),) = _regions(grid, inside, 0.95)
    assert (direction, lower_b, upper_b) == ("positive", True, True)
    assert lower == pytest.approx(0.75 / 0.76) and upper == pytest.approx(3 + 0.01 / 0.76)
    matches = [("positive", 1.0, 5.0), ("positive", 1.2, 5.0), ("positive", 0.9, 5.0)]
    assert _mcse(matches, 1, True, 2.0) == pytest.approx(2.0 * np.std([1.0, 1.2, 0.9], ddof=1))
    assert np.isnan(_mcse(matches, 1, False, 2.0))
    assert np.isnan(_mcse(matches[:1], 1, True, 2.0))
    assert _mcse(matches[:2], 1, True, 1.0) == pytest.approx(np.std([1.0, 1.2], ddof=1))


def test_interaction_reads_the_observed_moderator_and_the_ess_of_its_two_coefficients():
    """The moderator's observed values in its own units (an asymmetric range, so a sign
    error cannot hide); the ESS of the focal slope and the interaction only, not of a
    third coefficient with sticky draws."""
    import arviz as az

    idata = fake_fit(beta=(MEAN[0], 0.3, MEAN[1]), n_draws=500, seed=1)
    x = idata.constant_data["X"]
    x.loc[{"term": "other_alliance"}] = np.linspace(-1.0, 3.0, x.sizes["obs_id"])
    beta = idata.posterior["beta"].values
    beta[..., 1] = np.repeat(beta[:, ::10, 1], 10, axis=1)  # other_alliance: sticky draws
    idata.posterior["beta"] = (("chain", "draw", "term"), beta)
    inter = Interaction(idata, "", "isp_actions", "self_alliance", "other_alliance")
    assert (inter.observed.min(), inter.observed.max()) == pytest.approx((3.9, 8.3))
    two = [
        float(az.ess(idata.posterior["beta"].sel(term=t).values))
        for t in ("self_alliance", "self_alliance:other_alliance")
    ]
    sticky = float(az.ess(idata.posterior["beta"].sel(term="other_alliance").values))
    assert inter.ess == pytest.approx(min(two)) and sticky < 400 < min(two)


def test_interaction_keeps_the_smaller_ess_and_floodlight_the_data_density():
    """The boundary MCSE is inflated by the smaller ESS of the two coefficients; the
    floodlight's density is a Gaussian KDE of the observed moderator (zero for a single
    value); defaults are 95% intervals."""
    import arviz as az

    idata = fake_fit(beta=(MEAN[0], 0.3, MEAN[1]), n_draws=500, seed=1)
    beta = idata.posterior["beta"].values
    beta[..., 2] = np.repeat(beta[:, ::10, 2], 10, axis=1)  # sticky draws: low ESS
    idata.posterior["beta"] = (("chain", "draw", "term"), beta)
    inter = Interaction(idata, "", "isp_actions", "self_alliance", "other_alliance")
    ess = [
        float(az.ess(idata.posterior["beta"].sel(term=t).values))
        for t in ("self_alliance", "self_alliance:other_alliance")
    ]
    assert inter.ess == pytest.approx(min(ess)) and min(ess) < 400 < max(ess)
    table = floodlight(inter)
    observed = inter.observed
    grid = np.linspace(observed.min(), observed.max(), 400)
    np.testing.assert_allclose(table["density"], stats.gaussian_kde(observed)(grid))
    np.testing.assert_allclose(table["moderator_z"], (grid - 5.0) / 1.1)
    draws = 0.75 * inter.slopes(inter.z_of(grid[[0]]))[:, 0]
    assert table["lower"].iloc[0] == pytest.approx(np.quantile(draws, 0.025))
    assert table["upper"].iloc[0] == pytest.approx(np.quantile(draws, 0.975))
    assert table["p_positive"].iloc[0] == pytest.approx(np.mean(draws > 0))
    assert table[["outcome", "focal", "moderator"]].iloc[0].tolist() == [
        "isp_actions",
        "self_alliance",
        "other_alliance",
    ]
    slopes = simple_slopes(inter).set_index(["moderator_level", "scale"])
    at_mean = inter.b_x
    assert slopes.loc[("mean", "standardised"), "lower"] == pytest.approx(
        np.quantile(at_mean, 0.025)
    )
    assert np.isnan(slopes["in_rope"]).all()  # no ROPE configured
    inter.observed = np.array([5.0])
    single = floodlight(inter)
    assert (single["density"] == 0).all() and len(single) == 400
