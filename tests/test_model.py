"""Model declarations and the PyMC graph, without sampling."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from intersession.data.score import score_study
from intersession.data.validate import validate_study
from intersession.errors import ModelDataError
from intersession.model.declaration import GroupSpec, load_model
from intersession.model.regression import (
    build_model,
    build_options,
    design_matrix,
    prepare_data,
)
from intersession.schema import DeclarationError
from tests.conftest import DEFAULT_STUDY, ROOT, write_model


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
    assert data.groups == (GroupSpec("therapist"),)  # one row per client, no site column
    point = model.initial_point()
    assert np.isfinite(model.compile_logp()(point))
    assert np.all(np.isfinite(model.compile_dlogp()(point)))


def test_interaction_column_is_product_of_standardised_predictors(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, scores)
    x = design_matrix(data.terms, data.frame, data.scaling)
    z_self = (scores["self_alliance"] - scores["self_alliance"].mean()) / scores[
        "self_alliance"
    ].std()
    z_other = (scores["other_alliance"] - scores["other_alliance"].mean()) / scores[
        "other_alliance"
    ].std()
    np.testing.assert_allclose(x[:, 0], z_self)
    np.testing.assert_allclose(x[:, 2], z_self * z_other)
    assert x[:, 0].mean() == pytest.approx(0, abs=1e-12)


def test_fits_fix_the_data_shapes_and_refitted_models_keep_them_open(default_codebook, scores):
    """The workflow's fits build with fixed shapes (a faster gradient, samplers.md); the
    design analysis refits one compiled model to studies of other sizes, so by default a
    model's data take any length. Each term is a contiguous row of X."""
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, scores)
    with build_options(fixed_shapes=True):
        fixed = build_model(spec, data)
    open_ = build_model(spec, data)
    assert fixed["X"].type.shape == (3, 81)
    assert fixed["therapist_index"].type.shape == (81,)
    assert open_["X"].type.shape == (None, None)
    assert open_["therapist_index"].type.shape == (None,)
    x = fixed["X"].get_value()
    assert x.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(x, design_matrix(data.terms, data.frame, data.scaling).T)
    point = fixed.initial_point()
    assert fixed.compile_logp()(point) == pytest.approx(open_.compile_logp()(point), rel=1e-12)
    with pytest.raises(TypeError, match=r"shape \(\(81,\)\) is not compatible"):
        fixed["therapist_index"].set_value(np.zeros(80, dtype="int32"))
    open_["therapist_index"].set_value(np.zeros(80, dtype="int32"))


def test_rows_with_missing_values_are_excluded_and_counted(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    holes = scores.copy()
    holes.loc[[0, 1], "isp_actions"] = np.nan
    holes.loc[[1, 2], "other_alliance"] = np.nan
    data = prepare_data(spec, holes)
    assert len(data.frame) == 78
    assert data.excluded == {"missing isp_actions": 2, "missing other_alliance": 1}


def test_therapist_intercepts_need_ten_therapists(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    two = scores.assign(therapist=np.where(np.arange(len(scores)) % 2, "T1", "T2"))
    data = prepare_data(spec, two)
    assert data.groups == ()
    assert data.notes == (
        "client intercepts left out: one row per client, so its intercept cannot be told "
        "apart from the residual",
        "therapist intercepts left out: 2 therapist(s) in the data, "
        "fewer than the 10 needed to estimate their SD",
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
    assert (
        "predictor 'self_aliance' (in 'self_aliance') is not an instrument, a factor or the "
        "session" in str(err.value)
    )
    assert "predictors: isp_actions, isp_thoughts, other_alliance, progress, self_alliance" in str(
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
    with pytest.raises(ModelDataError) as err:
        prepare_data(spec, pd.DataFrame(flat))
    n = int(flat[["isp_actions", "self_alliance", "other_alliance"]].notna().all(axis=1).sum())
    assert str(err.value) == (
        f"model 'isp_actions': other_alliance take(s) a single value in all {n} rows the model "
        "uses, so its effect cannot be estimated. Fix: leave it out of the model's "
        "declaration, or check its items in the study file (the validation warnings list "
        "constant and unanswered items)"
    )


def test_a_model_with_too_few_complete_rows_is_refused_with_the_counts(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    sparse = scores.assign(other_alliance=[4.0, 5.0] + [float("nan")] * (len(scores) - 2))
    with pytest.raises(ModelDataError) as err:
        prepare_data(spec, sparse)
    assert str(err.value) == (
        "model 'isp_actions': 2 of the study's 81 rows have a value for every variable it uses "
        "(isp_actions, self_alliance, other_alliance), too few to fit (rows left out: 79 for "
        "missing other_alliance). Fix: check that these scales are answered in the same rows "
        "(the validation warnings list unanswered items and rows with too few items), or leave "
        "the scale missing most rows out of the model's declaration"
    )


def test_an_ordinal_outcome_with_one_category_is_refused(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    spec = dataclasses.replace(spec, family="ordinal")
    with pytest.raises(ModelDataError, match="model 'isp_actions': isp_actions take"):
        prepare_data(spec, scores.assign(isp_actions=3.0))


def test_a_study_without_therapists_gets_no_therapist_effects(default_codebook, scores):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, scores.drop(columns="therapist"))
    assert data.groups == ()
    assert "therapist intercepts left out: the study has no therapist column" in data.notes
    assert {rv.name for rv in build_model(spec, data).free_RVs} == {"Intercept", "beta", "sigma"}


@pytest.fixture(scope="module")
def repeated(multisite_codebook):
    """Scores of a simulated 60-client x 4-session study in 12 therapists and 3 sites."""
    from intersession.data.simulate import Design, simulate_study

    design = Design(n_clients=60, n_therapists=12, n_sites=3, n_sessions=4)
    study, _ = simulate_study(multisite_codebook, design, seed=2)
    items = validate_study_frame(study, multisite_codebook)
    return score_study(items, multisite_codebook)


def validate_study_frame(study, codebook):
    from intersession.data.validate import clean_items

    return clean_items(study.astype(str), codebook)


def test_formula_declares_terms_groups_and_slopes(tmp_path, multisite_codebook):
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | therapist)"
        " + (1 | client)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    assert spec.outcome == "isp_actions"
    assert spec.terms == ("self_alliance", "other_alliance", "self_alliance:other_alliance")
    assert spec.groups == (GroupSpec("therapist", ("self_alliance",)), GroupSpec("client"))


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            {"formula": "isp_actions ~ self_alliance", "outcome": "isp_actions"},
            "give either 'formula' or 'outcome' and 'predictors', not both",
        ),
        (
            {"formula": "isp_actions ~ self_alliance + (1 + other_alliance | therapist)"},
            "random slope 'other_alliance' by therapist is not a population-level term",
        ),
        (
            {"formula": "isp_actions ~ self_alliance + (1 | couple)"},
            "grouping level 'couple' is not one of client, therapist, site",
        ),
        ({"formula": "isp_actions ~ ~"}, "cannot parse formula 'isp_actions ~ ~'"),
        ({"label": "no outcome"}, "give 'formula', or 'outcome' and 'predictors'"),
        (
            {"formula": "mvbind(isp_thoughts, isp_actions) ~ self_alliance", "family": "ordinal"},
            "a model of several outcomes has family gaussian and no mediation",
        ),
        (
            {"formula": "log(isp_actions) ~ self_alliance"},
            "the outcome log(isp_actions) of formula 'log(isp_actions) ~ self_alliance' is not "
            "an instrument; several outcomes are written mvbind(outcome1, outcome2)",
        ),
        (
            {"outcome": ["isp_actions", "isp_actions"], "predictors": ["self_alliance"]},
            "outcomes ['isp_actions', 'isp_actions'] repeat an instrument",
        ),
        (
            {"outcome": ["isp_actions", "progress"], "predictors": ["progress"]},
            "predictor 'progress' uses the outcome 'progress'",
        ),
    ],
)
def test_bad_declarations_are_named(tmp_path, multisite_codebook, declaration, message):
    with pytest.raises(DeclarationError) as err:
        load_model(write_model(tmp_path, **declaration), "m", multisite_codebook)
    assert message in str(err.value)


def test_repeated_sessions_split_predictors_within_and_between(
    tmp_path, repeated, multisite_codebook
):
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance | client)"
        " + (1 + self_alliance | therapist) + (1 + self_alliance | site)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    data = prepare_data(spec, repeated)
    assert data.terms == (
        "self_alliance_within",
        "self_alliance_between",
        "other_alliance_within",
        "other_alliance_between",
        "self_alliance_within:other_alliance_within",
        "self_alliance_between:other_alliance_between",
    )
    within = data.frame.groupby("client")["self_alliance_within"].mean()
    assert within.abs().max() < 1e-12  # person-mean centred
    means = data.frame.groupby("client")["self_alliance"].transform("mean")
    np.testing.assert_allclose(data.frame["self_alliance_between"], means)
    assert data.groups == (
        GroupSpec("client", ("self_alliance_within",)),
        GroupSpec("therapist", ("self_alliance_within",)),
    )
    assert data.notes[0].startswith("self_alliance, other_alliance split into within-client")
    assert data.notes[-1] == (
        "site intercepts left out: 3 site(s) in the data, fewer than the 10 needed to estimate "
        "their SD"
    )
    model = build_model(spec, data)
    assert model.coords["client_effect"] == ("Intercept", "self_alliance_within")
    assert {"chol_client", "chol_therapist", "z_client", "z_therapist"} <= {
        rv.name for rv in model.free_RVs
    }
    point = model.initial_point()
    assert np.isfinite(model.compile_logp()(point))
    assert np.all(np.isfinite(model.compile_dlogp()(point)))


def test_a_predictor_constant_within_clients_is_not_split(tmp_path, repeated, multisite_codebook):
    """Other-alliance measured once per client (the same value in every session) stays one
    term, also inside the interaction; a client with a single session (SD undefined) does
    not count as varying; the note names only what was split. A level the study lacks is
    left out without dropping the levels declared after it."""
    from intersession.model.regression import expand_terms, treatments

    frame = repeated.drop(columns="site")
    frame["other_alliance"] = frame.groupby("client")["other_alliance"].transform("mean")
    single = frame["client"] == frame["client"].iloc[0]
    frame = frame[~single | ~frame["client"].duplicated()].reset_index(drop=True)
    assert (frame["client"] == frame["client"].iloc[0]).sum() == 1
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 | site) + (1 | therapist)"
        " + (1 + other_alliance | client)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    data = prepare_data(spec, frame)
    assert data.terms == (
        "self_alliance_within",
        "self_alliance_between",
        "other_alliance",
        "self_alliance_within:other_alliance",
        "self_alliance_between:other_alliance",
    )
    assert data.notes[:2] == (
        "self_alliance split into within-client (person-mean centred) and between-client "
        "(client mean, grand-mean centred) parts; interactions at each level",
        "site intercepts left out: the study has no site column",
    )
    assert data.groups == (GroupSpec("therapist", ()), GroupSpec("client", ()))
    assert data.notes[2] == (
        "other_alliance slopes by client left out: other_alliance does not vary within most clients"
    )
    # nothing varies within clients: terms as declared, and no note about splitting
    frame["self_alliance"] = frame.groupby("client")["self_alliance"].transform("mean")
    treated = treatments(spec, frame)
    assert {t.centring for t in treated.values()} == {"grand"}
    _, terms, targets, notes = expand_terms(spec, frame, treated)
    assert terms == spec.terms and notes == []
    assert targets["self_alliance"] == ["self_alliance"]


def test_fitted_terms_map_back_to_declared_ones():
    from intersession.model.regression import base_term

    assert base_term("ses:sector[Catholic]") == "ses:sector"
    assert base_term("lag(alliance)_within") == "lag(alliance)"
    assert (
        base_term("self_alliance_within:other_alliance_between") == "self_alliance:other_alliance"
    )
    assert base_term("other_alliance_between") == "other_alliance"


def test_student_t_family(tmp_path, default_codebook, scores):
    spec = load_model(
        write_model(
            tmp_path, formula="isp_actions ~ self_alliance + (1 | therapist)", family="student_t"
        ),
        "m",
        default_codebook,
    )
    model = build_model(spec, prepare_data(spec, scores))
    assert "nu" in {rv.name for rv in model.free_RVs}
    assert type(model[spec.outcome].owner.op).__name__ == "StudentTRV"
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_models_to_fit_default_to_every_declaration(tmp_path):
    from intersession.model.declaration import model_names

    assert model_names(ROOT / "models", None) == [
        "isp_actions",
        "isp_joint",
        "isp_thoughts",
        "moderated_mediation",
        "progress",
    ]
    assert model_names(ROOT / "models", ["progress"]) == ["progress"]
    with pytest.raises(DeclarationError) as err:
        model_names(ROOT / "models", ["isp_action"])
    assert str(err.value) == (
        f"config key 'models' lists ['isp_action'], which have no file in {ROOT / 'models'}/; "
        "available: isp_actions, isp_joint, isp_thoughts, moderated_mediation, progress"
    )


def test_ordinal_family_on_the_sum_score(tmp_path, default_codebook, scores):
    spec = load_model(
        write_model(
            tmp_path, formula="isp_actions ~ self_alliance + (1 | therapist)", family="ordinal"
        ),
        "m",
        default_codebook,
    )
    data = prepare_data(spec, scores)
    categories = data.frame["isp_actions"]
    # 5 items on 1-5: sums 5..25 become categories 0..20
    expected = (scores["isp_actions"] * 5).round().astype(int) - 5
    assert categories.tolist() == expected.tolist()
    assert categories.between(0, 20).all()
    model = build_model(spec, data)
    assert {"cutpoints", "beta", "sd_therapist"} <= {rv.name for rv in model.free_RVs}
    assert "Intercept" not in {rv.name for rv in model.free_RVs}
    assert model["cutpoints"].type.shape == (20,)
    assert np.isfinite(model.compile_logp()(model.initial_point()))
    assert np.all(np.isfinite(model.compile_dlogp()(model.initial_point())))


def test_joint_model_by_list_or_mvbind_formula(tmp_path, multisite_codebook):
    terms = ("self_alliance", "other_alliance", "self_alliance:other_alliance")
    by_list = load_model(
        write_model(
            tmp_path,
            outcome=["isp_thoughts", "isp_actions"],
            predictors=list(terms),
            groups=["client", {"level": "therapist", "slopes": ["self_alliance"]}],
        ),
        "m",
        multisite_codebook,
    )
    formula = (
        "mvbind(isp_thoughts, isp_actions) ~ self_alliance * other_alliance + (1 | client)"
        " + (1 + self_alliance | therapist)"
    )
    by_formula = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    for spec in (by_list, by_formula):
        assert spec.outcomes == ("isp_thoughts", "isp_actions")
        assert spec.terms == terms
        assert spec.groups == (GroupSpec("client"), GroupSpec("therapist", ("self_alliance",)))


def test_joint_model_correlates_outcomes_within_levels_with_enough_units(
    tmp_path, multisite_codebook
):
    """60 clients x 4 sessions in 12 therapists: client effects correlated across the two
    outcomes (60 >= 20 units), therapist effects not (12 < 20), residuals bivariate."""
    from intersession.data.simulate import Design, simulate_study
    from intersession.model.build import build, prepare

    design = Design(n_clients=60, n_therapists=12, n_sites=3, n_sessions=4)
    study, _ = simulate_study(multisite_codebook, design, seed=2)
    scores = score_study(validate_study_frame(study, multisite_codebook), multisite_codebook)
    missing_before = int(scores["isp_thoughts"].isna().sum())
    scores.loc[scores["isp_thoughts"].first_valid_index(), "isp_thoughts"] = np.nan
    formula = (
        "mvbind(isp_thoughts, isp_actions) ~ self_alliance * other_alliance"
        " + (1 + self_alliance | client) + (1 | therapist)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    equations = prepare(spec, scores)
    assert [suffix for *_, suffix in equations] == ["_isp_thoughts", "_isp_actions"]
    data = equations[0][1]
    assert data.excluded["missing isp_thoughts"] == missing_before + 1  # leaves both outcomes
    assert len(data.frame) == len(scores) - sum(data.excluded.values())
    assert data.notes[-1] == (
        "therapist effects not correlated across outcomes: 12 therapist(s), fewer than the 20 "
        "needed"
    )
    model = build(spec, equations)
    assert model.coords["client_effect"] == (
        "isp_thoughts/Intercept",
        "isp_thoughts/self_alliance_within",
        "isp_actions/Intercept",
        "isp_actions/self_alliance_within",
    )
    assert {rv.name for rv in model.free_RVs} == {
        "beta_isp_thoughts",
        "Intercept_isp_thoughts",
        "beta_isp_actions",
        "Intercept_isp_actions",
        "chol_client",
        "z_client",
        "sd_therapist_isp_thoughts",
        "z_therapist_isp_thoughts",
        "sd_therapist_isp_actions",
        "z_therapist_isp_actions",
        "chol_residual",
    }
    assert model["chol_client"].type.shape == (10,)  # 4 x 4 lower triangle
    observed = model["isp_thoughts_and_isp_actions"]
    assert type(observed.owner.op).__name__ == "MvNormalRV"
    assert model.observed_RVs == [observed]
    point = model.initial_point()
    assert np.isfinite(model.compile_logp()(point))
    assert np.all(np.isfinite(model.compile_dlogp()(point)))


def test_prior_sets_load_and_set_each_terms_slope_prior(default_codebook, scores):
    from dataclasses import replace

    from intersession.model.declaration import load_priors
    from intersession.model.regression import slope_priors

    sets = {
        p.stem: load_priors(ROOT / "models", p.stem)
        for p in (ROOT / "models/priors").glob("*.yaml")
    }
    assert set(sets) == {"default", "diffuse", "sceptical", "literature"}
    assert all(prior["rationale"] for prior in sets.values())
    terms = (
        "self_alliance_within",
        "self_alliance_between",
        "other_alliance_within",
        "self_alliance_within:other_alliance_within",
    )
    mu, sigma = slope_priors(terms, sets["sceptical"])
    assert sigma.tolist() == [1.0, 1.0, 1.0, 0.1]
    mu, sigma = slope_priors(terms, sets["literature"])
    assert mu.tolist() == [0.28, 0.28, 0.0, 0.0] and sigma.tolist() == [0.1, 0.1, 1.0, 1.0]
    mu, sigma = slope_priors(terms, sets["default"])
    assert mu.tolist() == [0.0] * 4 and sigma.tolist() == [1.0] * 4
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    literature = replace(spec, priors=sets["literature"])
    model = build_model(literature, prepare_data(literature, scores))
    # the literature prior moves the log density of beta = 0 by the self-alliance term alone
    base = build_model(spec, prepare_data(spec, scores))
    # beta = 0; the whole model's density, as the two sets differ in slopes only (a
    # density of beta alone takes other inputs in PyMC 5.21 than in 5.28)
    point = base.initial_point()
    gap = model.compile_logp()(point) - base.compile_logp()(point)
    expected = stats.norm.logpdf(0, 0.28, 0.1) - stats.norm.logpdf(0, 0, 1)
    assert gap == pytest.approx(expected)


def test_variants_change_only_what_they_name(tmp_path, multisite_codebook):
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance:other_alliance | "
        "therapist) + (1 | site)"
    )
    models = write_model(tmp_path, formula=formula, family="gaussian")
    declared = load_model(models, "m", multisite_codebook)
    additive = load_model(models, "m", multisite_codebook, variant="no_interaction")
    assert additive.terms == ("self_alliance", "other_alliance")
    assert additive.groups == (GroupSpec("therapist"), GroupSpec("site"))
    assert additive.label == "m (without the interaction terms (and their random slopes))"
    robust = load_model(models, "m", multisite_codebook, variant="student_t")
    assert (robust.family, robust.terms, robust.groups) == (
        "student_t",
        declared.terms,
        declared.groups,
    )
    flat = load_model(models, "m", multisite_codebook, variant="no_therapist")
    assert flat.groups == (GroupSpec("site"),)
    assert flat.declaration["variant"] == "no_therapist"
    sceptic = load_model(ROOT / "models", "isp_actions", multisite_codebook, priors="sceptical")
    assert sceptic.priors["interaction_slopes"] == {"mu": 0, "sigma": 0.1}


def test_unknown_or_impossible_variants_are_refused(tmp_path, default_codebook):
    with pytest.raises(DeclarationError) as err:
        load_model(ROOT / "models", "isp_actions", default_codebook, variant="no_site")
    assert str(err.value) == (
        f"{ROOT / 'models' / 'isp_actions.yaml'}: unknown variant 'no_site'; variants: "
        "no_interaction, gaussian, student_t, ordinal, negative_binomial, no_therapist"
    )
    models = write_model(tmp_path, outcome="isp_actions", predictors=["self_alliance"])
    with pytest.raises(DeclarationError) as err:
        load_model(models, "m", default_codebook, variant="no_interaction")
    assert str(err.value) == (
        f"{tmp_path / 'm.yaml'}: variant no_interaction needs a regression with an interaction"
    )


def test_uncorrelated_slopes_and_grand_mean_centring(tmp_path, repeated, multisite_codebook):
    """brms's (1 + x || level) gives each effect its own SD, no LKJ; centring: grand keeps
    the declared terms with repeated sessions (the canonical model of the sampler bench)."""
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 | client)"
        " + (1 + self_alliance || therapist)"
    )
    by_formula = load_model(
        write_model(tmp_path, formula=formula, centring="grand"), "m", multisite_codebook
    )
    assert by_formula.groups == (
        GroupSpec("client"),
        GroupSpec("therapist", ("self_alliance",), correlated=False),
    )
    by_list = load_model(
        write_model(
            tmp_path / "list",
            outcome="isp_actions",
            predictors=["self_alliance", "other_alliance", "self_alliance:other_alliance"],
            groups=[
                "client",
                {"level": "therapist", "slopes": ["self_alliance"], "correlated": False},
            ],
            centring="grand",
        ),
        "m",
        multisite_codebook,
    )
    assert (by_list.groups, by_list.centring) == (by_formula.groups, "grand")
    data = prepare_data(by_formula, repeated)
    assert data.terms == by_formula.terms
    assert data.groups[1] == GroupSpec("therapist", ("self_alliance",), correlated=False)
    model = build_model(by_formula, data)
    names = {rv.name for rv in model.free_RVs}
    assert names == {
        "Intercept",
        "beta",
        "sd_client",
        "z_client",
        "sd_therapist",
        "z_therapist",
        "sigma",
    }
    assert model["sd_therapist"].eval().shape == (2,)
    assert model.coords["therapist_effect"] == ("Intercept", "self_alliance")
    point = model.initial_point()
    assert np.isfinite(model.compile_logp()(point))
    assert np.all(np.isfinite(model.compile_dlogp()(point)))
    additive = load_model(
        write_model(tmp_path, formula=formula, centring="grand"),
        "m",
        multisite_codebook,
        variant="no_interaction",
    )
    assert additive.groups[1].correlated is False


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "models").glob("*.yaml")))
def test_every_equation_checks_priors_against_its_own_outcomes_range(
    name, default_codebook, scores
):
    """A mediation's a-path and a joint model's outcomes take their own instrument's range
    (ISP-actions 1-5 in the mediation, not the final outcome's 1-7)."""
    from intersession.model.build import prepare
    from intersession.model.regression import outcome_range

    spec = load_model(ROOT / "models", name, default_codebook)
    for equation, _, _ in prepare(spec, scores):
        instrument = default_codebook.instruments[equation.outcome]
        assert outcome_range(equation) == (instrument.low, instrument.high), equation.outcome


def test_pseudo_truth_agrees_with_a_hand_written_within_between_regression(
    tmp_path, multisite_codebook
):
    """``model.truth`` (which reuses the model's centring and design matrix) gives the same
    slopes and residual correlation as the recovery tests' hand-written code on the same
    simulated scores: a centring or scaling bug in the model code would split them."""
    from intersession.data.simulate import Design, GeneratingParameters
    from intersession.model.truth import pseudo_truth
    from tests.test_recovery import big_scores, hand_truth

    design = Design(n_clients=100, n_therapists=10, n_sites=2, n_sessions=4)
    params = GeneratingParameters(isp_residual_r=0.4, therapist_slope_sd=0.15)
    formula = (
        "mvbind(isp_thoughts, isp_actions) ~ self_alliance * other_alliance + (1 | client)"
        " + (1 | therapist)"
    )
    spec = load_model(write_model(tmp_path, formula=formula), "m", multisite_codebook)
    truth = pseudo_truth(spec, multisite_codebook, design, params, seed=3, factor=5)
    slopes, corr = hand_truth(
        big_scores(multisite_codebook, design, params, 3, factor=5), list(spec.outcomes)
    )
    for outcome, terms in slopes.items():
        assert truth.beta[outcome] == pytest.approx(terms, abs=1e-9)
    assert truth.residual_corr == pytest.approx(corr, abs=1e-9)
    assert 0.15 < corr < 0.45 and slopes["isp_actions"]["self_alliance_between"] > 0.1
