"""Moderated mediation: declaration, graph, indirect effects and recovery."""

import numpy as np
import pytest
import yaml

from intersession.data.score import score_study
from intersession.data.simulate import Design, simulate_study
from intersession.data.validate import clean_items
from intersession.effects.mediation import indirect_effects
from intersession.inference.fit import sample
from intersession.model.declaration import load_model
from intersession.model.mediation import prepare_mediation
from intersession.model.regression import build_equations
from intersession.model.truth import least_squares
from intersession.schema import DeclarationError
from tests.conftest import BOUNDED_SAMPLER, ROOT
from tests.fakes import fake_fit, with_parameter_map


def scores_of(codebook, design, seed):
    study, _ = simulate_study(codebook, design, seed=seed)
    return score_study(clean_items(study.astype(str), codebook), codebook)


def test_the_declared_mediation_builds_two_equations(default_codebook):
    spec = load_model(ROOT / "models", "moderated_mediation", default_codebook)
    equations = prepare_mediation(spec, scores_of(default_codebook, Design(), 2018))
    (a, a_data, a_suffix), (b, b_data, b_suffix) = equations
    assert (a.outcome, a_data.terms, a_suffix) == (
        "isp_actions",
        ("self_alliance", "other_alliance", "self_alliance:other_alliance"),
        "_a",
    )
    assert (b.outcome, b_data.terms[0], b_suffix) == ("progress", "isp_actions", "_b")
    model = build_equations(equations)
    assert {"beta_a", "beta_b", "sigma_a", "sigma_b", "sd_therapist_a", "sd_therapist_b"} <= {
        rv.name for rv in model.free_RVs
    }
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_mediation_cannot_also_have_predictors(tmp_path, default_codebook):
    (tmp_path / "m.yaml").write_text(
        yaml.safe_dump(
            {
                "outcome": "progress",
                "predictors": ["self_alliance"],
                "mediation": {
                    "predictor": "self_alliance",
                    "moderator": "other_alliance",
                    "mediator": "isp_actions",
                },
            }
        )
    )
    with pytest.raises(DeclarationError, match="a mediation model gives 'outcome' and"):
        load_model(tmp_path, "m", default_codebook)


def test_indirect_effects_from_known_paths():
    idata = fake_fit()
    post = idata.posterior
    post["beta_a"] = post["beta"].rename(term="term_a")
    b = (
        post["beta"]
        .rename(term="term_b")
        .assign_coords(term_b=["isp_actions", "self_alliance", "other_alliance"])
    )
    post["beta_b"] = b
    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    with_parameter_map(idata, [("_a", "isp_actions"), ("_b", "progress")])
    table = indirect_effects(idata, mediation, 0.9)
    a_x = post["beta_a"].sel(term_a="self_alliance").values.ravel()
    a_xw = post["beta_a"].sel(term_a="self_alliance:other_alliance").values.ravel()
    b_m = b.sel(term_b="isp_actions").values.ravel()
    assert table["mean"].tolist() == pytest.approx(
        [
            ((a_x - a_xw) * b_m).mean(),
            (a_x * b_m).mean(),
            ((a_x + a_xw) * b_m).mean(),
            (a_xw * b_m).mean(),
        ]
    )
    assert table["upper"].iloc[3] == pytest.approx(np.quantile(a_xw * b_m, 0.95))


@pytest.mark.slow
def test_moderated_mediation_is_recovered(default_codebook):
    """400 clients, bounded to 2 chains x 500 draws; the truth is the pseudo-true index
    a_xw * b_m from least squares on 100 times as many clients."""
    spec = load_model(ROOT / "models", "moderated_mediation", default_codebook)
    big = prepare_mediation(spec, scores_of(default_codebook, Design(40_000, 4000), 6))
    a_truth, b_truth = (
        least_squares(big[0][1], "isp_actions")[0],
        least_squares(big[1][1], "progress")[0],
    )
    index_truth = a_truth["self_alliance:other_alliance"] * b_truth["isp_actions"]
    equations = prepare_mediation(spec, scores_of(default_codebook, Design(400, 20), 5))
    idata = sample(build_equations(equations), BOUNDED_SAMPLER, seed=9, cores=2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    with_parameter_map(idata, [("_a", "isp_actions"), ("_b", "progress")])
    mediation = spec.mediation
    table = indirect_effects(idata, mediation, 0.95).set_index("moderator_level")
    index = table.loc[""]
    assert index["lower"] < index_truth < index["upper"]
    assert index["lower"] > 0  # and it is detected
    for level, z in (("-1 SD", -1), ("mean", 0), ("+1 SD", 1)):
        truth = (a_truth["self_alliance"] + z * a_truth["self_alliance:other_alliance"]) * b_truth[
            "isp_actions"
        ]
        assert table.loc[level, "lower"] < truth < table.loc[level, "upper"]
