"""A researcher's own parameterisation: factors from the codebook, centring and
standardisation per predictor, time as a predictor, level names, and the tables in the
outcome's units (issue 18).

The slow test is the textbook check: a two-level study of students in schools simulated
here by hand (numpy, not the package's simulator), brought in through the documented path
(a study file, a codebook with a factor and level names, a declaration with a formula),
validated, scored, fitted and tabulated by the workflow's own steps, against statsmodels'
MixedLM (REML) of the same uncentred, unstandardised model built from the raw columns.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from intersession.data.codebook import load_codebook
from intersession.data.score import score_study
from intersession.data.validate import StudyDataError, validate_study
from intersession.effects.categories import category_codes
from intersession.errors import ModelDataError
from intersession.model.build import prepare
from intersession.model.declaration import load_model
from intersession.schema import DeclarationError
from tests.conftest import BOUNDED_SAMPLER, write_model

#: The generating model (raw units): math = 12 + 2.5 ses + 1.5 [Catholic] - 1 [Private]
#: + 1 ses x [Catholic] + u0 + u1 ses + e, ses with mean 1 (so that centring matters).
TRUTH = {
    "Intercept": 12.0,
    "ses": 2.5,
    "sector[Catholic]": 1.5,
    "sector[Private]": -1.0,
    "ses:sector[Catholic]": 1.0,
    "ses:sector[Private]": 0.0,
}
SD_INTERCEPT, SD_SLOPE, CORRELATION, SD_RESIDUAL = 2.0, 0.8, 0.3, 4.0


def textbook_study(directory: Path, n_schools=60, n_students=30, seed=3) -> Path:
    """A study file and codebook of students in schools; returns the codebook's path."""
    rng = np.random.default_rng(seed)
    cov = np.array(
        [
            [SD_INTERCEPT**2, CORRELATION * SD_INTERCEPT * SD_SLOPE],
            [CORRELATION * SD_INTERCEPT * SD_SLOPE, SD_SLOPE**2],
        ]
    )
    u = rng.multivariate_normal([0, 0], cov, size=n_schools)
    sectors = np.array(["Public", "Catholic", "Private"])[np.arange(n_schools) % 3]
    school = np.repeat(np.arange(n_schools), n_students)
    ses = rng.normal(1.0, 0.8, size=school.size)
    catholic = (sectors[school] == "Catholic").astype(float)
    private = (sectors[school] == "Private").astype(float)
    math = (
        TRUTH["Intercept"]
        + TRUTH["ses"] * ses
        + TRUTH["sector[Catholic]"] * catholic
        + TRUTH["sector[Private]"] * private
        + TRUTH["ses:sector[Catholic]"] * ses * catholic
        + u[school, 0]
        + u[school, 1] * ses
        + rng.normal(0, SD_RESIDUAL, size=school.size)
    )
    pd.DataFrame(
        {
            "pupil": [f"P{i:05d}" for i in range(school.size)],
            "school_id": [f"S{s:03d}" for s in school],
            "sector": sectors[school],
            "ses": ses.round(4),
            "mathach": math.round(4),
        }
    ).to_csv(directory / "study.csv", index=False)
    codebook = {
        "title": "Textbook two-level study (simulated)",
        "columns": {"client": "pupil", "therapist": "school_id"},
        "levels": {"client": "student", "therapist": "school"},
        "instruments": {
            "math": {"label": "Maths achievement", "score": "mathach", "range": [-100, 100]},
            "ses": {"label": "Socio-economic status", "score": "ses", "range": [-10, 10]},
        },
        "factors": {
            "sector": {
                "column": "sector",
                "label": "School sector",
                "levels": ["Public", "Catholic", "Private"],
                "reference": "Public",
            }
        },
    }
    (directory / "codebook.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False))
    return directory / "codebook.yaml"


def scores_of(directory: Path) -> tuple:
    book = load_codebook(textbook_study(directory))
    items, _, _ = validate_study(directory / "study.csv", book)
    return book, score_study(items, book)


def test_a_factor_becomes_indicator_columns_and_predictors_keep_their_units(tmp_path):
    """Treatment coding against the declared reference, ses uncentred and unstandardised
    (centre 0, scale 1), the outcome standardised inside the model, school slopes of ses;
    the group written by the codebook's level name ('school')."""
    book, scores = scores_of(tmp_path)
    assert set(scores["sector"]) == {"Public", "Catholic", "Private"}
    models = write_model(
        tmp_path / "models",
        formula="math ~ ses * sector + (1 + ses | school) + (1 | student)",
        centring="none",
        standardise=False,
    )
    spec = load_model(models, "m", book)
    [(_, data, _)] = prepare(spec, scores)
    assert data.terms == (
        "ses",
        "sector[Catholic]",
        "sector[Private]",
        "ses:sector[Catholic]",
        "ses:sector[Private]",
    )
    assert data.scaling["ses"] == (0.0, 1.0)
    assert data.scaling["sector[Catholic]"] == (0.0, 1.0)
    catholic = data.frame["sector[Catholic]"]
    assert catholic.tolist() == (data.frame["sector"] == "Catholic").astype(float).tolist()
    assert data.moments["ses"][0] == pytest.approx(scores["ses"].mean())
    assert [(g.level, g.slopes) for g in data.groups] == [("therapist", ("ses",))]
    assert book.level_names("therapist", 60) == "schools"
    assert (
        "student intercepts left out: one row per student, so its intercept cannot be told "
        "apart from the residual"
    ) in data.notes


def test_sum_coding_and_category_codes_agree(tmp_path):
    """Sum coding: each level but the last against the mean of the levels, the last -1 in
    every column; the probing codes of each category are the design's."""
    codebook = textbook_study(tmp_path)
    doc = yaml.safe_load(codebook.read_text())
    doc["factors"]["sector"]["coding"] = "sum"
    codebook.write_text(yaml.safe_dump(doc))
    book = load_codebook(codebook)
    items, _, _ = validate_study(tmp_path / "study.csv", book)
    spec = load_model(write_model(tmp_path / "m", formula="math ~ ses * sector"), "m", book)
    [(_, data, _)] = prepare(spec, score_study(items, book))
    assert data.terms[:3] == ("ses", "sector[Public]", "sector[Catholic]")
    info = {"labels": ["Public", "Catholic", "Private"], "reference": "Public", "coding": "sum"}
    codes = category_codes("sector", info)
    frame = data.frame
    for label, row in codes.items():
        rows = frame[frame["sector"] == label]
        for column, value in row.items():
            assert (rows[column] == value).all(), (label, column)
    assert codes["Private"] == {"sector[Public]": -1.0, "sector[Catholic]": -1.0}
    treatment = category_codes("sector", {**info, "coding": "treatment"})
    assert treatment["Public"] == {"sector[Catholic]": 0.0, "sector[Private]": 0.0}
    assert treatment["Private"] == {"sector[Catholic]": 0.0, "sector[Private]": 1.0}


def test_a_level_of_a_factor_the_codebook_does_not_declare_is_an_error(tmp_path):
    textbook_study(tmp_path)
    study = pd.read_csv(tmp_path / "study.csv")
    study.loc[4, "sector"] = "catholic"
    study.to_csv(tmp_path / "study.csv", index=False)
    with pytest.raises(StudyDataError) as err:
        validate_study(tmp_path / "study.csv", load_codebook(tmp_path / "codebook.yaml"))
    assert (
        "row 6, column 'sector': value 'catholic' [factor_level]\n    expected one of the "
        "levels declared for factor 'sector' (Public, Catholic, Private) or an empty cell; "
        "fix: correct the value, or add it to the factor's 'levels' in the codebook"
    ) in str(err.value)


def test_declarations_the_data_cannot_support_get_plain_messages(tmp_path):
    book, scores = scores_of(tmp_path)
    models = write_model(
        tmp_path / "a", formula="math ~ ses", variables={"ses": {"centring": "within"}}
    )
    with pytest.raises(
        ModelDataError,
        match=r"variables: ses: centring 'within' needs values "
        r"that vary within clients, but the study has one row per client\. "
        r"Fix: centring grand or none",
    ):
        prepare(load_model(models, "m", book), scores)
    models = write_model(
        tmp_path / "b", formula="math ~ sector", variables={"sector": {"standardise": False}}
    )
    with pytest.raises(DeclarationError, match="'sector' is a factor; its coding is set in"):
        load_model(models, "m", book)


def session_scores(n_clients=30, n_sessions=5, seed=1) -> pd.DataFrame:
    """Balanced sessions 0..4 per client: every client's mean session is the same."""
    rng = np.random.default_rng(seed)
    client = np.repeat(np.arange(n_clients), n_sessions)
    session = np.tile(np.arange(n_sessions), n_clients).astype(float)
    return pd.DataFrame(
        {
            "client": [f"C{c}" for c in client],
            "therapist": [f"T{c % 10}" for c in client],
            "session": session,
            "isp_actions": 3 + 0.2 * session + rng.normal(0, 0.5, client.size),
            "self_alliance": rng.normal(5, 1, client.size),
        }
    )


def test_time_is_a_predictor_never_split_and_a_constant_between_part_is_explained(
    tmp_path, multisite_codebook
):
    """The session enters as measured (centre 0, scale 1: the intercept at session 0) and
    is never split; declaring within/between centring for a balanced predictor names it
    and the fix, instead of a traceback."""
    scores = session_scores()
    models = write_model(
        tmp_path / "a", formula="isp_actions ~ session + self_alliance + (1 + session | client)"
    )
    [(_, data, _)] = prepare(load_model(models, "m", multisite_codebook), scores)
    assert data.terms == ("session", "self_alliance_within", "self_alliance_between")
    assert data.scaling["session"] == (0.0, 1.0)
    assert (data.groups[0].level, data.groups[0].slopes) == ("client", ("session",))
    models = write_model(
        tmp_path / "b",
        formula="isp_actions ~ session",
        variables={"session": {"centring": "within"}},
    )
    with pytest.raises(ModelDataError, match="time is within-client by construction"):
        prepare(load_model(models, "m", multisite_codebook), scores)
    models = write_model(
        tmp_path / "q",
        formula="isp_actions ~ session + I(session^2) + log(session) + (1 + session | client)",
    )
    with pytest.raises(
        ModelDataError,
        match=r"log\(session\) needs positive values of session, "
        "which has 0. Fix: use session counted from 1",
    ):
        prepare(load_model(models, "m", multisite_codebook), scores)
    [(_, data, _)] = prepare(
        load_model(models, "m", multisite_codebook),
        later := scores.assign(session=scores["session"] + 1),
    )
    assert data.terms == ("session", "session^2", "log(session)")
    assert data.frame["session^2"].tolist() == (later["session"] ** 2).tolist()
    assert data.frame["log(session)"].tolist() == np.log(later["session"]).tolist()
    assert {name: (t.centring, t.standardise) for name, t in data.treated.items()} == {
        "session": ("none", False),
        "session^2": ("none", False),
        "log(session)": ("none", False),
    }
    balanced = scores.assign(self_alliance=scores["session"] * 0.5 + 1)
    models = write_model(tmp_path / "c", formula="isp_actions ~ self_alliance")
    with pytest.raises(ModelDataError) as err:
        prepare(load_model(models, "m", multisite_codebook), balanced)
    assert (
        "the client means of self_alliance are the same for every client (a balanced design, "
        "as with a time variable), so a between-client part cannot be estimated. Fix: add to "
        "the declaration variables: {self_alliance: {centring: grand}} (or none)"
    ) in str(err.value)


@pytest.mark.slow
def test_uncentred_model_with_a_factor_reproduces_reml(tmp_path):
    """Through the workflow's steps (validate, score, fit, effects): every fixed effect in
    the outcome's units within a quarter of a posterior SD of REML's, and REML's school
    intercept SD (at ses = 0), slope SD and their correlation inside the 90% intervals."""
    import statsmodels.api as sm

    from intersession import steps
    from intersession.inference.record import StudyInputs
    from intersession.tables import read_table

    codebook = textbook_study(tmp_path)
    models = write_model(
        tmp_path / "models",
        formula="math ~ ses * sector + (1 + ses | school)",
        centring="none",
        standardise=False,
    )
    steps.validate(
        str(tmp_path / "study.csv"),
        str(codebook),
        str(tmp_path / "items.csv"),
        str(tmp_path / "p.csv"),
    )
    steps.score(
        str(tmp_path / "items.csv"),
        str(codebook),
        str(tmp_path / "scores.csv"),
        str(tmp_path / "r.csv"),
    )
    inputs = StudyInputs(
        str(models), str(codebook), str(tmp_path / "study.csv"), BOUNDED_SAMPLER, 7
    )
    steps.fit(str(tmp_path / "scores.csv"), inputs, "m", 2, {None: str(tmp_path / "m.nc")})
    settings = {"moderator_values": {}, "rope": None}
    steps.effects(str(tmp_path / "m.nc"), 0.9, settings, str(tmp_path / "effects"))
    table = read_table(tmp_path / "effects" / "parameters.csv").fillna({"term": ""})
    original = table[table["scale"] == "original"].set_index(["parameter", "term"])

    raw = pd.read_csv(tmp_path / "study.csv")
    catholic = (raw["sector"] == "Catholic").to_numpy(float)
    private = (raw["sector"] == "Private").to_numpy(float)
    ses = raw["ses"].to_numpy()
    x = np.column_stack([np.ones(len(raw)), ses, catholic, private, ses * catholic, ses * private])
    reml = sm.MixedLM(
        raw["mathach"].to_numpy(),
        x,
        groups=raw["school_id"].to_numpy(),
        exog_re=np.column_stack([np.ones(len(raw)), ses]),
    ).fit(reml=True)
    assert reml.converged
    for (name, term), estimate in zip(
        [("Intercept", "")] + [("beta", t) for t in list(TRUTH)[1:]], reml.fe_params, strict=True
    ):
        row = original.loc[(name, term)]
        assert abs(row["mean"] - estimate) < 0.25 * row["sd"], (name, term, row["mean"], estimate)
    sds = np.sqrt(np.diag(reml.cov_re))
    corr = reml.cov_re[0, 1] / (sds[0] * sds[1])
    for (name, term), value in [
        (("sd_therapist", "Intercept"), sds[0]),
        (("sd_therapist", "ses"), sds[1]),
    ]:
        row = original.loc[(name, term)]
        assert row["lower"] < value < row["upper"], (name, term, value, row["lower"], row["upper"])
    row = table[(table["parameter"] == "corr_therapist")].iloc[0]
    assert row["term"] == "ses ~ Intercept"
    assert row["lower"] < corr < row["upper"], (corr, row["lower"], row["upper"])
    # the uncentred intercept is at ses = 0, sector = Public: near the truth of 12, far from
    # the outcome's mean (about 15.6), which a centred intercept would estimate
    assert abs(original.loc[("Intercept", ""), "mean"] - 12.0) < 1.0
    slopes = read_table(tmp_path / "effects" / "slopes.csv")
    per_category = slopes[(slopes["moderator"] == "sector") & (slopes["scale"] == "original")]
    assert per_category["moderator_level"].tolist() == [
        "Public",
        "Catholic",
        "Private",
        "Catholic - Public",
        "Private - Public",
        "Private - Catholic",
    ]
    catholic_slope = per_category.set_index("moderator_level").loc["Catholic", "mean"]
    assert catholic_slope == pytest.approx(reml.fe_params[1] + reml.fe_params[4], abs=0.15)
    # the report's model section and methods text say how this model differs
    from intersession.report.sections import FigureStore, model_section
    from intersession.report.text import statistical_analysis

    steps.diagnose(str(tmp_path / "m.nc"), str(tmp_path / "diagnostics.csv"))
    words = {"math": "Maths achievement", "ses": "SES", "sector": "School sector"}
    words |= {"client": "student", "therapist": "school"}
    section = model_section(
        "m",
        str(tmp_path / "m.nc"),
        str(tmp_path / "effects"),
        read_table(tmp_path / "diagnostics.csv"),
        words,
        0.9,
        FigureStore(tmp_path / "figures"),
        tmp_path / "tables",
    )
    figures = sorted(p.stem for p in (tmp_path / "figures").glob("m_*lines*.png"))
    assert figures == ["m_lines_1"]  # per sector; no floodlight over a category's code
    assert not list((tmp_path / "figures").glob("m_floodlight*"))
    text = statistical_analysis([section], BOUNDED_SAMPLER, 0.9, {}, words)
    assert (
        "Exceptions to this scaling: In the m model, SES entered uncentred (the intercept and "
        "lower-order terms of interactions at 0); SES in their own units (not standardised); "
        "School sector with treatment coding against Public."
    ) in text
    assert "Intercepts varied across schools where the design identified them" in text
    assert (
        "the slope of SES on maths achievement by school sector was β = " in section["results"][0]
    )
