"""Convergence checks against their thresholds on fake posteriors with known defects."""

from intersession.checks.diagnostics import diagnose
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
