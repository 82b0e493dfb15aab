"""Convergence checks against their thresholds on fake posteriors with known defects."""

from intersession.checks.diagnostics import diagnose
from intersession.tables import safe_text
from tests.fakes import fake_fit


def result(table):
    return dict(zip(table["check"], table["passed"], strict=True))


def test_well_mixed_chains_pass_every_check():
    table = diagnose(fake_fit())
    assert table["check"].tolist() == [
        "r_hat_max",
        "ess_bulk_min",
        "ess_tail_min",
        "divergences",
        "ebfmi_min",
        "treedepth_saturated_share",
    ]
    assert table["passed"].all()


def test_a_shifted_chain_fails_r_hat_and_names_the_parameter():
    table = diagnose(fake_fit(shift_chain=0.5)).set_index("check")
    assert not table.loc["r_hat_max", "passed"]
    assert table.loc["r_hat_max", "value"] > 1.1
    assert table.loc["r_hat_max", "where"].startswith("beta[")


def test_divergences_and_saturated_trees_are_counted():
    table = diagnose(fake_fit(divergent=3, saturated=20)).set_index("check")
    assert table.loc["divergences", "value"] == 3
    assert not table.loc["divergences", "passed"]
    assert table.loc["treedepth_saturated_share", "value"] == 20 / 2000
    assert table.loc["treedepth_saturated_share", "where"] == "20 draws"
    assert not table.loc["treedepth_saturated_share", "passed"]


def test_short_chains_fail_ess():
    table = diagnose(fake_fit(n_chains=2, n_draws=100)).set_index("check")
    assert not table.loc["ess_bulk_min", "passed"]
    assert table.loc["ess_bulk_min", "value"] < 400


def test_the_table_gives_values_thresholds_and_where_as_computed_independently():
    """Every cell of a passing table: the worst R-hat and ESS over all posterior quantities
    (ArviZ, computed here per variable), divergences out of all draws, the smallest E-BFMI
    and its chain, the share of saturated trees."""
    import arviz as az
    import numpy as np

    idata = fake_fit(seed=3)
    table = diagnose(idata).set_index("check")
    assert table["threshold"].tolist() == ["<= 1.01", ">= 400", ">= 400", "<= 0", ">= 0.3", "<= 0"]
    # none starts like a formula, so the CSV shows it without a spreadsheet-safe quote
    assert [safe_text(t) for t in table["threshold"]] == table["threshold"].tolist()
    post = idata.posterior
    r_hat = {name: az.rhat(post[[name]])[name].values for name in post.data_vars}
    worst = max(r_hat, key=lambda n: np.max(r_hat[n]))
    assert np.isclose(
        table.loc["r_hat_max", "value"], max(np.max(v) for v in r_hat.values()), atol=0.005
    )
    assert table.loc["r_hat_max", "where"].startswith(worst)
    for kind in ("bulk", "tail"):
        ess = [np.min(az.ess(post[[n]], method=kind)[n].values) for n in post.data_vars]
        assert np.isclose(table.loc[f"ess_{kind}_min", "value"], min(ess), atol=0.5)
    assert (table.loc["divergences", "value"], table.loc["divergences", "where"]) == (
        0,
        "of 2000 draws",
    )
    bfmi = az.bfmi(idata)
    assert table.loc["ebfmi_min", "value"] == bfmi.min()
    assert table.loc["ebfmi_min", "where"] == f"chain {int(np.argmin(bfmi))}"
    assert table.loc["treedepth_saturated_share", ["value", "where"]].tolist() == [0, "0 draws"]
    assert table["passed"].all()


def test_a_sticky_energy_chain_fails_e_bfmi_and_is_named():
    """Chain 2's energy a random walk: its E-BFMI (mean squared change over variance) is
    far below 0.3; the other chains' white noise gives about 2."""
    import numpy as np

    idata = fake_fit()
    energy = idata.sample_stats["energy"].values.copy()
    energy[2] = np.cumsum(np.random.default_rng(0).normal(size=energy.shape[1]))
    idata.sample_stats["energy"] = (("chain", "draw"), energy)
    table = diagnose(idata).set_index("check")
    assert table.loc["ebfmi_min", "where"] == "chain 2"
    assert table.loc["ebfmi_min", "value"] < 0.05
    assert not table.loc["ebfmi_min", "passed"]
    assert result(diagnose(fake_fit()))["ebfmi_min"]


def test_pymc_tree_depth_statistic_is_read_too():
    """PyMC's NUTS names it ``reached_max_treedepth`` (nutpie: ``maxdepth_reached``)."""
    idata = fake_fit(saturated=5)
    idata.sample_stats = idata.sample_stats.rename(maxdepth_reached="reached_max_treedepth")
    table = diagnose(idata).set_index("check")
    assert table.loc["treedepth_saturated_share", ["value", "where"]].tolist() == [
        5 / 2000,
        "5 draws",
    ]
    assert not table.loc["treedepth_saturated_share", "passed"]


def test_checks_pass_at_their_thresholds_and_fail_beyond():
    """ESS exactly 400 passes (>=), and a chain shift that lifts R-hat just past 1.01
    fails it."""
    import numpy as np

    short = diagnose(fake_fit(n_chains=4, n_draws=100)).set_index("check")  # ESS ~ 400
    ess = short.loc["ess_bulk_min", "value"]
    assert short.loc["ess_bulk_min", "passed"] == (ess >= 400)
    shifted = diagnose(fake_fit(shift_chain=0.03, seed=1)).set_index("check")
    r_hat = shifted.loc["r_hat_max", "value"]
    assert shifted.loc["r_hat_max", "passed"] == (r_hat <= 1.01)
    assert np.isfinite(r_hat) and r_hat > 1.0


def test_constant_correlation_diagonal_is_skipped_without_warnings():
    """A correlation matrix's diagonal is 1 in every draw: no R-hat or ESS (0/0), left out
    quietly (warnings are errors in the suite); the off-diagonal element is checked."""
    import numpy as np

    idata = fake_fit()
    rng = np.random.default_rng(2)
    corr = np.broadcast_to(np.eye(2), (4, 500, 2, 2)).copy()
    corr[..., 0, 1] = corr[..., 1, 0] = 0.3 + 0.05 * rng.normal(size=(4, 500))
    idata.posterior["corr_client"] = (("chain", "draw", "e", "e_bis"), corr)
    table = diagnose(idata).set_index("check")
    assert np.isfinite(table["value"].astype(float)).all()
    assert table["passed"].all()
