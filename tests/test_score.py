"""Scoring and reliability against hand-computed and population values."""

import numpy as np
import pandas as pd
import pytest

from intersession.data.reliability import cronbach_alpha, mcdonald_omega, one_factor_ml
from intersession.data.score import reliability_table, scale_score, score_study


def test_reverse_keying_and_minimum_answered(tiny_codebook):
    items = pd.DataFrame(
        {
            "client": ["c1", "c2", "c3"],
            "therapist": ["t1", "t1", "t2"],
            "a1": [1, 4, np.nan],
            "a2": [2, np.nan, np.nan],
            "a3": [5, 2, 3],
            "b1": [7, 1, np.nan],
            "b2": [5, np.nan, 3],
        }
    )
    a = scale_score(items, tiny_codebook.instruments["a"])
    # c1: 1, 2, 6-5=1 -> 4/3; c2: 4, (6-2)=4 -> 4 (2 answered = min); c3: 1 answered -> missing
    assert a.iloc[0] == pytest.approx(4 / 3)
    assert a.iloc[1] == pytest.approx(4.0)
    assert np.isnan(a.iloc[2])
    # b: default min_answered = all but one item (1 of 2)
    scores = score_study(items, tiny_codebook)
    assert scores["b"].tolist() == [6.0, 1.0, 3.0]
    assert scores.columns.tolist() == ["client", "therapist", "a", "b"]


def test_cronbach_alpha_by_hand():
    items = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4], [5, 4, 5]], dtype=float)
    var_items = items.var(axis=0, ddof=1).sum()  # 2.5 + 1.3 + 1.3 = 5.1
    var_total = items.sum(axis=1).var(ddof=1)  # totals 5, 8, 10, 13, 14 -> 54 / 4 = 13.5
    assert var_items == pytest.approx(5.1) and var_total == pytest.approx(13.5)
    assert cronbach_alpha(items) == pytest.approx(1.5 * (1 - 5.1 / 13.5))


def test_one_factor_ml_recovers_population_loadings():
    loadings = np.array([0.8, 0.7, 0.6, 0.5])
    cov = np.outer(loadings, loadings) + np.diag(1 - loadings**2)
    est_loadings, est_psi = one_factor_ml(cov)
    np.testing.assert_allclose(est_loadings, loadings, atol=1e-3)
    np.testing.assert_allclose(est_psi, 1 - loadings**2, atol=1e-3)


def test_omega_of_a_large_congeneric_sample_matches_population_value():
    rng = np.random.default_rng(7)
    loadings = np.array([0.8, 0.7, 0.6, 0.5])
    factor = rng.normal(size=(50_000, 1))
    items = factor * loadings + rng.normal(size=(50_000, 4)) * np.sqrt(1 - loadings**2)
    population = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
    assert population == pytest.approx(0.7494, abs=1e-4)
    assert mcdonald_omega(items) == pytest.approx(population, abs=0.005)
    # with unequal loadings, alpha is a lower bound of omega
    assert cronbach_alpha(items) < mcdonald_omega(items)


def test_reliability_table_of_default_study(default_codebook):
    from intersession.data.validate import validate_study
    from tests.conftest import DEFAULT_STUDY

    items, _, _ = validate_study(DEFAULT_STUDY / "study.csv", default_codebook)
    table = reliability_table(items, default_codebook).set_index("instrument")
    assert table["n_scored"].tolist() == [81] * 5
    assert table.loc["self_alliance", "n_items"] == 4
    assert table["alpha"].between(0.8, 0.95).all()
    assert table["omega"].between(0.8, 0.95).all()


def test_multilevel_omega_recovers_within_and_between_reliability():
    from intersession.data.reliability import multilevel_omega

    rng = np.random.default_rng(3)
    clients, sessions = 3000, 6
    lw, lb = np.array([0.7, 0.6, 0.5, 0.6]), np.array([0.9, 0.8, 0.8, 0.7])
    psi_w, psi_b = np.full(4, 0.5), np.full(4, 0.05)
    between = rng.normal(size=(clients, 1)) * lb + rng.normal(size=(clients, 4)) * np.sqrt(psi_b)
    n = clients * sessions
    within = rng.normal(size=(n, 1)) * lw + rng.normal(size=(n, 4)) * np.sqrt(psi_w)
    ids = np.repeat(np.arange(clients), sessions)
    items = between[ids] + within
    omega_w, omega_b = multilevel_omega(items, ids)
    assert omega_w == pytest.approx(lw.sum() ** 2 / (lw.sum() ** 2 + psi_w.sum()), abs=0.01)
    assert omega_b == pytest.approx(lb.sum() ** 2 / (lb.sum() ** 2 + psi_b.sum()), abs=0.01)
    # one response per client: nothing within
    assert np.isnan(multilevel_omega(items[:100], np.arange(100))[0])


def test_a_score_column_is_taken_as_the_scale_score(tmp_path):
    import yaml

    from intersession.data.codebook import load_codebook
    from intersession.data.validate import validate_study

    doc = {
        "columns": {"client": "id"},
        "missing_codes": [-99],
        "instruments": {"progress": {"score": "total", "range": [1, 7]}},
    }
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(doc))
    (tmp_path / "s.csv").write_text("id,total\nc1,4.25\nc2,-99\nc3,7\n")
    codebook = load_codebook(tmp_path / "cb.yaml")
    items, _, _ = validate_study(tmp_path / "s.csv", codebook)
    scores = score_study(items, codebook)
    assert scores["progress"].tolist()[::2] == [4.25, 7.0] and np.isnan(scores["progress"][1])
    table = reliability_table(items, codebook)
    assert table.loc[0, "n_items"] == 0 and table.loc[0, "n_scored"] == 2
    assert np.isnan(table.loc[0, "alpha"])
