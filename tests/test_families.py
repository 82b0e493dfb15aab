"""The family registry, and the negative binomial family that proves it: a likelihood added
as one registry entry reaches the parameter table, predictive checks, sensitivity, the
prior grid and the report without other edits."""

import numpy as np
import pandas as pd
import pytest
import yaml

from intersession.data.codebook import load_codebook
from intersession.effects.tables import COLUMNS, effect_tables
from intersession.inference.fit import sample, store_fit
from intersession.inference.record import FitRecord, StudyInputs, record_of_fit
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model, load_priors
from intersession.model.families import FAMILIES, CountOutcomeError
from intersession.model.regression import build_options
from intersession.outputs import EFFECT_TABLES
from intersession.schema import DeclarationError, load_schema
from tests.conftest import BOUNDED_SAMPLER, ROOT

#: Truth of the simulated count study: log rate ratios per SD of each predictor, and the
#: overdispersion phi of NB2 (variance mu + phi mu^2).
TRUE_SLOPES = {"self_alliance": 0.35, "other_alliance": -0.2, "self_alliance:other_alliance": 0.15}
PHI = 0.5
CODEBOOK = {
    "title": "Simulated count study",
    "columns": {"client": "client_id", "therapist": "therapist_id"},
    "missing_codes": [-99],
    "instruments": {
        "self_alliance": {"label": "Self-alliance", "items": ["sa1"], "range": [1, 7]},
        "other_alliance": {"label": "Other-alliance", "items": ["oa1"], "range": [1, 7]},
        "tasks": {"label": "Tasks carried out", "items": ["tasks"], "range": [0, 40]},
    },
}


def test_every_effect_table_has_its_columns():
    assert tuple(COLUMNS) == EFFECT_TABLES


def test_declarations_and_prior_sets_take_their_keys_from_the_registry(tmp_path):
    """The schemas name no family: the registry fills in the family key and the priors of
    each family's auxiliary parameters, with their defaults."""
    assert "enum" not in load_schema("model")["properties"]["family"]
    priors = load_priors(ROOT / "models", "default")
    for entry in FAMILIES.values():
        for aux in entry.auxiliary:
            assert aux.prior_key in priors, (entry.name, aux.prior_key)
    assert priors["nb_overdispersion"] == {"sigma": 1}
    book = load_codebook_file(tmp_path)
    models = write_count_model(tmp_path, family="poisson")
    with pytest.raises(DeclarationError, match="allowed values: 'gaussian', 'student_t'"):
        load_model(models, "counts", book)


def load_codebook_file(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(CODEBOOK))
    return load_codebook(path)


def write_count_model(tmp_path, family="negative_binomial", priors=None):
    models = tmp_path / "models"
    (models / "priors").mkdir(parents=True, exist_ok=True)
    default = yaml.safe_load((ROOT / "models" / "priors" / "default.yaml").read_text())
    (models / "priors" / "default.yaml").write_text(yaml.safe_dump(default))
    (models / "priors" / "tight.yaml").write_text(
        yaml.safe_dump({**default, "nb_overdispersion": {"sigma": 0.1}, **(priors or {})})
    )
    (models / "counts.yaml").write_text(
        yaml.safe_dump({"formula": "tasks ~ self_alliance * other_alliance", "family": family})
    )
    return models


def simulate_counts(n=600, seed=3) -> pd.DataFrame:
    """Counts of tasks from NB2 with log link on the standardised predictors."""
    rng = np.random.default_rng(seed)
    sa = np.clip(rng.normal(5.8, 0.8, n), 1, 7)
    oa = np.clip(rng.normal(5.0, 1.1, n), 1, 7)
    z_sa, z_oa = (sa - sa.mean()) / sa.std(ddof=1), (oa - oa.mean()) / oa.std(ddof=1)
    eta = (
        np.log(4.0)
        + TRUE_SLOPES["self_alliance"] * z_sa
        + TRUE_SLOPES["other_alliance"] * z_oa
        + TRUE_SLOPES["self_alliance:other_alliance"] * z_sa * z_oa
    )
    mu = np.exp(eta)
    shape = 1 / PHI  # numpy's negative_binomial(n, p): mean n (1 - p) / p
    counts = rng.negative_binomial(shape, shape / (shape + mu))
    return pd.DataFrame(
        {
            "client": [f"C{i}" for i in range(n)],
            "therapist": [f"T{i % 40}" for i in range(n)],
            "self_alliance": sa,
            "other_alliance": oa,
            "tasks": counts.astype(float),
        }
    )


def test_a_count_family_refuses_values_that_are_not_counts(tmp_path):
    book = load_codebook_file(tmp_path)
    spec = load_model(write_count_model(tmp_path), "counts", book)
    scores = simulate_counts(50)
    scores.loc[7, "tasks"] = 2.5
    with pytest.raises(CountOutcomeError, match=r"row 8 of the rows used has 2\.5"):
        prepare(spec, scores)


@pytest.fixture(scope="module")
def count_fit(tmp_path_factory):
    """The negative binomial model fitted to the simulated counts, stored as the workflow
    stores a fit (record included)."""
    tmp_path = tmp_path_factory.mktemp("counts")
    book = load_codebook_file(tmp_path)
    models = write_count_model(tmp_path)
    scores = simulate_counts()
    study = tmp_path / "study.csv"
    scores.to_csv(study, index=False)
    inputs = StudyInputs(
        str(models), str(tmp_path / "codebook.yaml"), str(study), BOUNDED_SAMPLER, 5
    )
    spec = load_model(models, "counts", book)
    equations = prepare(spec, scores)
    with build_options(fixed_shapes=True):
        model = build(spec, equations)
    idata = sample(model, BOUNDED_SAMPLER, seed=11, cores=1)
    record = record_of_fit(idata, spec, equations, model, inputs, 11)
    path = tmp_path / "counts.nc"
    store_fit(idata, record, equations, path)
    return path, scores, spec, equations


@pytest.mark.slow
def test_negative_binomial_slopes_agree_with_maximum_likelihood(count_fit):
    """statsmodels' NB2 maximum-likelihood fit of the same model (the same standardised
    predictors): every slope within a quarter of its posterior SD."""
    import arviz as az
    import statsmodels.api as sm

    path, scores, _, equations = count_fit
    data = equations[0][1]
    x = np.column_stack(
        [
            np.prod(
                [(scores[n] - data.scaling[n][0]) / data.scaling[n][1] for n in t.split(":")],
                axis=0,
            )
            for t in data.terms
        ]
    )
    mle = sm.NegativeBinomial(scores["tasks"], sm.add_constant(x), loglike_method="nb2").fit(disp=0)
    idata = az.from_netcdf(path, engine="h5netcdf")
    beta = idata.posterior["beta"]
    for j, term in enumerate(data.terms):
        draws = beta.sel(term=term).values
        gap = abs(draws.mean() - mle.params.iloc[j + 1]) / draws.std()
        assert gap < 0.25, (term, draws.mean(), mle.params.iloc[j + 1])
    # the overdispersion on statsmodels' scale (alpha = phi = overdispersion^2)
    phi = (idata.posterior["overdispersion"].values ** 2).ravel()
    assert abs(np.median(phi) - mle.params.iloc[-1]) < 2 * phi.std()
    assert np.quantile(phi, 0.025) < PHI < np.quantile(phi, 0.975)


@pytest.mark.slow
def test_negative_binomial_reaches_every_table_through_the_registry(count_fit):
    import arviz as az

    path, scores, _, _ = count_fit
    idata = az.from_netcdf(path, engine="h5netcdf")
    record = FitRecord.read(idata)
    eq = record.parameters.equations[0]
    assert (eq.family, eq.auxiliary, eq.intercept) == (
        "negative_binomial",
        ("overdispersion",),
        "Intercept",
    )
    tables = effect_tables(
        idata, record, 0.95, {"moderator_values": {}, "rope": None, "jn_probability": 0.95}
    )
    params = tables["parameters"]
    over = params[params["parameter"] == "overdispersion"]
    assert over["scale"].tolist() == ["count"] and len(over) == 1
    # original-scale slopes are log rate ratios per scale point: beta / sd_x
    std = params[(params["parameter"] == "beta") & (params["scale"] == "standardised")]
    orig = params[(params["parameter"] == "beta") & (params["scale"] == "original")]
    sd_sa = scores["self_alliance"].std()
    assert orig["mean"].iloc[0] == pytest.approx(std["mean"].iloc[0] / sd_sa, rel=1e-9)
    assert "overdispersion" in set(tables["sensitivity"]["parameter"])
    assert tables["prior_predictive"][["low", "high"]].values.tolist() == [[0.0, 40.0]]
    # predictions on the count scale: the mean count at the means is near the sample mean
    lines = tables["predictions"]
    middle = lines[lines["moderator_level"] == "mean"]
    at_mean = middle.iloc[(middle["focal_value"] - scores["self_alliance"].mean()).abs().argmin()]
    assert at_mean["mean"] == pytest.approx(scores["tasks"].mean(), rel=0.15)
    assert (lines["lower"] >= 0).all()
    assert len(tables["slopes"]) == 6 and len(tables["loo_pit"]) == 200
    assert idata.observed_data["tasks"].dtype.kind == "i"


def test_the_prior_grid_swaps_the_overdispersion_prior_as_data(tmp_path):
    """Under the prior grid the family's prior constants are data: another prior set
    changes the data of one compiled structure, not its graph."""
    book = load_codebook_file(tmp_path)
    models = write_count_model(tmp_path)
    scores = simulate_counts(80)
    built = {}
    for name in ("default", "tight"):
        spec = load_model(models, "counts", book, priors=name)
        with build_options(priors_as_data=True, fixed_shapes=True):
            built[name] = build(spec, prepare(spec, scores))
    values = {
        name: float(model["prior_overdispersion_sigma"].get_value())
        for name, model in built.items()
    }
    assert values == {"default": 1.0, "tight": 0.1}
    assert [v.name for v in built["default"].free_RVs] == [v.name for v in built["tight"].free_RVs]


@pytest.mark.slow
def test_negative_binomial_appears_in_the_report(count_fit, tmp_path):
    """The report's model section: parameter labels from the registry, the predictive
    check, LOO-PIT and sensitivity figures, and the methods text naming the family."""
    from intersession import steps
    from intersession.report.sections import FigureStore, model_section
    from intersession.report.text import statistical_analysis
    from intersession.tables import read_table

    path = str(count_fit[0])
    settings = {"moderator_values": {}, "rope": None, "jn_probability": 0.95}
    steps.effects(path, 0.95, settings, str(tmp_path / "effects"))
    steps.diagnose(path, str(tmp_path / "diagnostics.csv"))
    section = model_section(
        "counts",
        path,
        str(tmp_path / "effects"),
        read_table(tmp_path / "diagnostics.csv"),
        {"tasks": "Tasks carried out"},
        0.95,
        FigureStore(tmp_path / "figures"),
        tmp_path / "tables",
    )
    labels = {row["parameter"]: row["display"] for row in section["parameters"]}
    assert labels["overdispersion"] == "Overdispersion (square root of phi)"
    assert section["family"] == "negative_binomial"
    figures = sorted(p.stem for p in (tmp_path / "figures").glob("*.png"))
    assert figures == [
        "counts_energy",
        "counts_floodlight_1",
        "counts_lines_1",
        "counts_loo_pit_1",
        "counts_ppc_1",
        "counts_prior_predictive_1",
        "counts_ranks",
        "counts_sensitivity",
    ]
    text = statistical_analysis([section], BOUNDED_SAMPLER, 0.95, {})
    assert "count outcomes by a negative binomial (NB2) likelihood with a log link" in text
