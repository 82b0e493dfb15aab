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
from tests.fakes import fake_mediation_fit, with_parameter_map


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
    """The fake's a path (self 0.4, self x other 0.25) and b path (isp_actions 0.6) have
    their own draws: (a_x + a_xw w) b_m at w = -1, 0, 1 is about 0.09, 0.24, 0.39 and the
    index a_xw b_m about 0.15; any other pairing of the paths' coefficients gives other
    numbers."""
    idata = fake_mediation_fit()
    post = idata.posterior
    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    table = indirect_effects(idata, mediation, 0.9)
    assert table[["effect", "level", "moderator_level"]].values.tolist() == [
        ["indirect", "all", "mean - 1 SD"],
        ["indirect", "all", "mean"],
        ["indirect", "all", "mean + 1 SD"],
        ["index of moderated mediation", "all", ""],
    ]
    a_x = post["beta_a"].sel(term_a="self_alliance").values.ravel()
    a_xw = post["beta_a"].sel(term_a="self_alliance:other_alliance").values.ravel()
    b_m = post["beta_b"].sel(term_b="isp_actions").values.ravel()
    expected = [(a_x - a_xw) * b_m, a_x * b_m, (a_x + a_xw) * b_m, a_xw * b_m]
    assert table["mean"].tolist() == pytest.approx([e.mean() for e in expected])
    assert table["sd"].tolist() == pytest.approx([e.std(ddof=1) for e in expected])
    assert table["lower"].tolist() == pytest.approx([np.quantile(e, 0.05) for e in expected])
    assert table["upper"].tolist() == pytest.approx([np.quantile(e, 0.95) for e in expected])
    assert table["mean"].tolist() == pytest.approx([0.09, 0.24, 0.39, 0.15], abs=0.01)
    assert table["pd"].tolist() == pytest.approx([np.mean(e > 0) for e in expected])


def test_indirect_effects_at_both_levels_of_repeated_sessions():
    """With repeated sessions the paths are split into within and between parts; each level
    pairs its own a and b coefficients."""
    idata = fake_mediation_fit()
    post = idata.posterior
    a_terms = [
        "self_alliance_within",
        "self_alliance_between",
        "self_alliance_within:other_alliance_within",
        "self_alliance_between:other_alliance_between",
    ]
    b_terms = ["isp_actions_within", "isp_actions_between"]
    a = np.stack([post["beta_a"].values[..., i % 3] * (1 + i) for i in range(4)], axis=-1)
    b = np.stack([post["beta_b"].values[..., 0], 0.5 * post["beta_b"].values[..., 1]], axis=-1)
    post = post.drop_vars(["beta_a", "beta_b"]).drop_dims(["term_a", "term_b"])
    post["beta_a"] = (("chain", "draw", "term_a"), a)
    post["beta_b"] = (("chain", "draw", "term_b"), b)
    idata.posterior = post.assign_coords(term_a=a_terms, term_b=b_terms)
    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    table = indirect_effects(idata, mediation, 0.95)
    assert table["level"].tolist() == ["within"] * 4 + ["between"] * 4
    for level, (x, xw, m) in {"within": (0, 2, 0), "between": (1, 3, 1)}.items():
        rows = table[table["level"] == level]
        index = (a[..., xw] * b[..., m]).ravel()
        assert rows["mean"].iloc[-1] == pytest.approx(index.mean())
        plus = ((a[..., x] + a[..., xw]) * b[..., m]).ravel()
        assert rows["mean"].iloc[2] == pytest.approx(plus.mean())


def test_indirect_effects_default_to_95_percent_intervals_and_skip_levels_without_both_paths():
    """The default interval is 95%; a level is reported only where the a path has the
    predictor and the b path the mediator (a mediator split into within and between parts
    beside a predictor that is not split has no such level): then the table is empty but
    keeps its columns."""
    from intersession.effects.mediation import COLUMNS

    idata = fake_mediation_fit()
    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    table = indirect_effects(idata, mediation)
    index = (
        idata.posterior["beta_a"].sel(term_a="self_alliance:other_alliance")
        * idata.posterior["beta_b"].sel(term_b="isp_actions")
    ).values.ravel()
    assert table["lower"].iloc[-1] == pytest.approx(np.quantile(index, 0.025))
    assert table["upper"].iloc[-1] == pytest.approx(np.quantile(index, 0.975))
    terms = idata.posterior["term_b"].values
    idata.posterior = idata.posterior.assign_coords(
        term_b=["isp_actions_within", "isp_actions_between", *terms[2:]]
    )
    empty = indirect_effects(idata, mediation)
    assert empty.empty and list(empty.columns) == COLUMNS


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
    for level, z in (("mean - 1 SD", -1), ("mean", 0), ("mean + 1 SD", 1)):
        truth = (a_truth["self_alliance"] + z * a_truth["self_alliance:other_alliance"]) * b_truth[
            "isp_actions"
        ]
        assert table.loc[level, "lower"] < truth < table.loc[level, "upper"]


def test_direct_and_total_effects_beside_the_indirect_ones():
    """Direct effect c_x + c_xw w from the b path's own slope of the predictor and its
    interaction, total = indirect + direct draw by draw, at w = -1, 0, 1; the index last."""
    from intersession.effects.mediation import mediation_effects

    idata = fake_mediation_fit()
    post = idata.posterior
    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    table = mediation_effects(idata, mediation, 0.9)
    assert table["effect"].tolist() == ["indirect", "direct", "total"] * 3 + [
        "index of moderated mediation"
    ]
    a_x = post["beta_a"].sel(term_a="self_alliance").values.ravel()
    a_xw = post["beta_a"].sel(term_a="self_alliance:other_alliance").values.ravel()
    b = post["beta_b"]
    b_m, c_x, c_xw = (
        b.sel(term_b=t).values.ravel()
        for t in ("isp_actions", "self_alliance", "self_alliance:other_alliance")
    )
    for i, z in enumerate((-1.0, 0.0, 1.0)):
        indirect, direct = (a_x + a_xw * z) * b_m, c_x + c_xw * z
        rows = table.iloc[3 * i : 3 * i + 3]
        assert rows["mean"].tolist() == pytest.approx(
            [indirect.mean(), direct.mean(), (indirect + direct).mean()]
        )
        total = indirect + direct
        assert rows["lower"].iloc[2] == pytest.approx(np.quantile(total, 0.05))
    assert table["mean"].iloc[-1] == pytest.approx((a_xw * b_m).mean())


def test_mediation_text_gives_direct_total_and_the_causal_caveat():
    """The index is not labelled 'ab' (it is a_xw * b, not an indirect effect); direct and
    total effects are given; a caveat names temporal order and confounding."""
    from types import SimpleNamespace

    from intersession.effects.mediation import mediation_effects
    from intersession.report.text import mediation_answer, mediation_results

    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    table = mediation_effects(fake_mediation_fit(), mediation, 0.95)
    section = {
        "record": SimpleNamespace(mediation=mediation),
        "indirect": table.fillna({"moderator_level": ""}).to_dict("records"),
        "outcome_name": "progress",
        "sentence_label": "moderated mediation",
    }
    words = {
        "self_alliance": "self-alliance",
        "other_alliance": "other-alliance",
        "isp_actions": "ISP-actions",
        "progress": "progress",
    }
    first, caveat = mediation_results(section, words, 0.95)
    assert "the index of moderated mediation was 0." in first
    assert "ab = " in first and "index of moderated mediation was ab" not in first
    assert "the direct effect of self-alliance on progress was c\u2032 = " in first
    assert "and the total effect c = " in first
    assert caveat == (
        "ISP-actions and progress were measured on one occasion, so these indirect, direct and "
        "total effects decompose associations: reading them causally assumes that "
        "self-alliance precedes ISP-actions and ISP-actions precedes progress, and that no "
        "unmeasured variable confounds any of the paths, which these data cannot show."
    )
    answer = mediation_answer(section, words)
    assert (
        answer.startswith(
            "In the moderated mediation model, the indirect effect of self-alliance on progress "
            "through ISP-actions was positive at low and at high other-alliance; it grew with "
            "other-alliance"
        )
        or "unclear" in answer
    )
    assert "not evidence of causal order" in answer


def test_the_b_path_lines_say_at_which_mediator_value():
    from intersession.effects.predictions import predicted_lines
    from intersession.report.sections import held_text

    idata = fake_mediation_fit()
    lines = predicted_lines(
        idata, "self_alliance", "other_alliance", suffix="_b", outcome="progress", n_grid=3
    )
    assert set(lines["held_at"]) == {"isp_actions=3"}  # the fake's mediator mean
    assert held_text(lines, {"isp_actions": "ISP-actions"}) == (
        "held constant: ISP-actions at its mean (3.00)"
    )
    a_path = predicted_lines(idata, "self_alliance", "other_alliance", suffix="_a")
    assert set(a_path["held_at"]) == {""}
