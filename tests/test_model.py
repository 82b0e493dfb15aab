"""Model declarations and the PyMC graph, without sampling."""

import numpy as np
import pandas as pd
import pytest
import yaml

from intersession.data.score import score_study
from intersession.data.validate import validate_study
from intersession.model.declaration import load_model
from intersession.model.regression import build_model, design_matrix, prepare_data
from intersession.schema import DeclarationError
from tests.conftest import DEFAULT_STUDY, ROOT


@pytest.fixture(scope="module")
def scores(default_codebook):
    items, _, _ = validate_study(DEFAULT_STUDY / "study.csv", default_codebook)
    return score_study(items, default_codebook)


@pytest.mark.parametrize("name", ["isp_actions", "isp_thoughts", "progress"])
def test_declared_models_build_with_finite_logp_and_gradient(name, default_codebook, scores):
    spec = load_model(ROOT / "models", name, default_codebook)
    data = prepare_data(spec, scores)
    model = build_model(spec, data)
    assert {rv.name for rv in model.free_RVs} == {
        "Intercept",
        "beta",
        "sd_therapist",
        "z_therapist",
        "sigma",
    }
    assert model.coords["term"] == spec.terms
    assert len(model.coords["therapist"]) == 10
    assert len(model.coords["obs_id"]) == 81
    assert data.groups == ("therapist",)  # one row per client, no site column
    point = model.initial_point()
    assert np.isfinite(model.compile_logp()(point))
    assert np.all(np.isfinite(model.compile_dlogp()(point)))


def test_interaction_column_is_product_of_standardised_predictors(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, scores)
    x = design_matrix(spec, data.frame, data.scaling)
    z_self = (scores["self_alliance"] - scores["self_alliance"].mean()) / scores[
        "self_alliance"
    ].std()
    z_other = (scores["other_alliance"] - scores["other_alliance"].mean()) / scores[
        "other_alliance"
    ].std()
    np.testing.assert_allclose(x[:, 0], z_self)
    np.testing.assert_allclose(x[:, 2], z_self * z_other)
    assert x[:, 0].mean() == pytest.approx(0, abs=1e-12)


def test_rows_with_missing_values_are_excluded_and_counted(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    holes = scores.copy()
    holes.loc[[0, 1], "isp_actions"] = np.nan
    holes.loc[[1, 2], "other_alliance"] = np.nan
    data = prepare_data(spec, holes)
    assert len(data.frame) == 78
    assert data.excluded == {"missing isp_actions": 2, "missing other_alliance": 1}


def test_therapist_intercepts_need_three_therapists(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    two = scores.assign(therapist=np.where(np.arange(len(scores)) % 2, "T1", "T2"))
    data = prepare_data(spec, two)
    assert data.groups == ()
    assert data.notes == (
        "client intercepts left out: one row per client, so its intercept cannot be told "
        "apart from the residual",
        "therapist intercepts left out: 2 therapist(s) in the data, "
        "fewer than the 3 needed to estimate their SD",
        "site intercepts left out: the study has no site column",
    )
    assert "sd_therapist" not in {rv.name for rv in build_model(spec, data).free_RVs}


def test_unknown_predictor_is_named(tmp_path, default_codebook):
    (tmp_path / "priors").mkdir()
    (tmp_path / "m.yaml").write_text(
        yaml.safe_dump(
            {
                "outcome": "isp_actions",
                "predictors": ["self_aliance", "self_aliance:other_alliance"],
            }
        )
    )
    with pytest.raises(DeclarationError) as err:
        load_model(tmp_path, "m", default_codebook)
    assert "predictor 'self_aliance' (in 'self_aliance') is not an instrument" in str(err.value)
    assert "instruments: isp_actions, isp_thoughts, other_alliance, progress, self_alliance" in str(
        err.value
    )


def test_missing_prior_set_is_named(tmp_path, default_codebook):
    (tmp_path / "m.yaml").write_text(
        yaml.safe_dump(
            {"outcome": "isp_actions", "predictors": ["self_alliance"], "priors": "sceptic"}
        )
    )
    with pytest.raises(DeclarationError, match=r"priors/sceptic.yaml: file not found"):
        load_model(tmp_path, "m", default_codebook)


def test_constant_predictor_is_refused(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    flat = scores.assign(other_alliance=5.0)
    with pytest.raises(ValueError, match=r"\['other_alliance'\] do not vary"):
        prepare_data(spec, pd.DataFrame(flat))


def test_a_study_without_therapists_gets_no_therapist_effects(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, scores.drop(columns="therapist"))
    assert data.groups == ()
    assert "therapist intercepts left out: the study has no therapist column" in data.notes
    assert {rv.name for rv in build_model(spec, data).free_RVs} == {"Intercept", "beta", "sigma"}
