"""What reviewers ask for: descriptives and correlations, missing responses, exclusions,
ICC and Bayesian R², variance components, per-parameter convergence; each against a hand
computation."""

from types import SimpleNamespace

import arviz as az
import numpy as np
import pandas as pd
import pytest

from intersession.effects.descriptives import (
    correlation_table,
    exclusion_flow,
    missing_items,
)
from intersession.effects.parameters import convergence, parameter_table
from intersession.effects.variance import variance_table
from tests.fakes import fake_fit


def test_correlations_with_fisher_intervals_on_complete_pairs():
    rng = np.random.default_rng(1)
    a = rng.normal(size=60)
    scores = pd.DataFrame({"client": range(60), "a": a, "b": a + rng.normal(size=60)})
    scores.loc[0, "b"] = np.nan
    row = correlation_table(scores, ["a", "b"], 0.95).iloc[0]
    pair = scores[["a", "b"]].dropna()
    r = np.corrcoef(pair["a"], pair["b"])[0, 1]
    half = 1.959964 / np.sqrt(59 - 3)
    assert (row["variable"], row["other"], row["n"]) == ("b", "a", 59)
    assert row["r"] == pytest.approx(r)
    assert row["lower"] == pytest.approx(np.tanh(np.arctanh(r) - half), abs=1e-6)
    assert row["upper"] == pytest.approx(np.tanh(np.arctanh(r) + half), abs=1e-6)


def test_repeated_sessions_are_correlated_as_client_means():
    scores = pd.DataFrame(
        {
            "client": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
            "a": [1, 3, 2, 2, 5, 3, 4, 6, 1, 1],
            "b": [2, 2, 1, 1, 4, 4, 6, 6, 0, 2],
        }
    )
    means = scores.groupby("client")[["a", "b"]].mean()
    row = correlation_table(scores, ["a", "b"], 0.9).iloc[0]
    assert row["n"] == 5
    assert row["r"] == pytest.approx(np.corrcoef(means["a"], means["b"])[0, 1])


def test_missing_item_responses_and_unscored_rows():
    instrument = SimpleNamespace(
        name="sa", label="SA", columns=("sa1", "sa2"), score=None, min_answered=2
    )
    book = SimpleNamespace(instruments={"sa": instrument})
    items = pd.DataFrame({"sa1": [1, None, 3, None], "sa2": [2, 2, None, None]})
    scores = pd.DataFrame({"sa": [1.5, None, None, None]})
    row = missing_items(items, scores, book).iloc[0]
    assert (row["responses"], row["missing"], row["rows_any_missing"]) == (8, 4, 3)
    assert row["share_missing"] == 0.5 and row["rows_unscored"] == 3
    assert row["min_answered"] == 2


def test_exclusion_flow_has_a_row_per_reason():
    flow = exclusion_flow(
        [("A", 81, {}, 81), ("B", 81, {"missing ISP-actions": 3, "missing progress": 2}, 76)]
    )
    assert flow.values.tolist() == [
        ["A", 81, "", 0, 81],
        ["B", 81, "missing ISP-actions", 3, 76],
        ["B", 81, "missing progress", 2, 76],
    ]


def test_icc_r2_and_variance_components_by_hand():
    idata = fake_fit()
    post = idata.posterior
    table = variance_table(idata, 0.9).set_index(["quantity", "level", "scale"])
    beta = post["beta"].values  # chain, draw, term
    x = idata.constant_data["X"].values  # term, obs
    var_f = (beta @ x).var(axis=-1)
    var_g, var_e = post["sd_therapist"].values ** 2, post["sigma"].values ** 2
    total = var_f + var_g + var_e
    expected = {
        ("icc", "therapist", "standardised"): var_g / (var_g + var_e),
        ("r2_marginal", "", "standardised"): var_f / total,
        ("r2_conditional", "", "standardised"): (var_f + var_g) / total,
        ("variance", "residual", "standardised"): var_e,
        ("sd", "therapist", "original"): post["sd_therapist"].values * 0.6,  # outcome SD 0.6
        ("variance", "therapist", "original"): var_g * 0.36,
    }
    for key, draws in expected.items():
        assert table.loc[key, "mean"] == pytest.approx(draws.mean()), key
        assert table.loc[key, "upper"] == pytest.approx(np.quantile(draws, 0.95)), key


def test_parameter_tables_carry_per_parameter_convergence():
    idata = fake_fit(shift_chain=0.5)  # chain 0 of beta shifted: R-hat well above 1.01
    table = parameter_table(idata)
    row = table[(table["term"] == "self_alliance") & (table["scale"] == "standardised")].iloc[0]
    draws = az.convert_to_dataset({"x": idata.posterior["beta"].values[..., 0]})
    assert row["r_hat"] == pytest.approx(float(az.rhat(draws)["x"])) and row["r_hat"] > 1.05
    assert row["ess_bulk"] == pytest.approx(float(az.ess(draws, method="bulk")["x"]))
    assert row["ess_tail"] == pytest.approx(float(az.ess(draws, method="tail")["x"]))
    assert row["mcse_mean"] == pytest.approx(float(az.mcse(draws, method="mean")["x"]))
    sigma = table[table["parameter"] == "sigma"].iloc[0]
    assert 0.99 < sigma["r_hat"] < 1.01
    constant = convergence(idata.posterior["sigma"] * 0 + 1)
    assert np.isnan(constant["r_hat"])
