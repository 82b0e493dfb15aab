"""Both NUTS backends store the same groups, and the diagnostics read either one; a prior
grid compiles its model once."""

import arviz as az
import numpy as np
import pytest

from intersession.checks.diagnostics import diagnose
from intersession.data.score import score_study
from intersession.data.validate import validate_study
from intersession.effects.sensitivity import power_scaling_table
from intersession.inference.fit import sample
from intersession.model.declaration import load_model
from intersession.model.regression import build_model, prepare_data
from tests.conftest import DEFAULT_STUDY, FIT_GROUPS, ROOT
from tests.fakes import with_parameter_map


@pytest.fixture(scope="module")
def make_model(default_codebook):
    """Build a fresh model per fit: after sample_posterior_predictive(extend_inferencedata=True)
    a PyMC 5.28 model no longer compiles its logp, so a model is never sampled twice."""
    items, _, _ = validate_study(DEFAULT_STUDY / "study.csv", default_codebook)
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    data = prepare_data(spec, score_study(items, default_codebook))
    return lambda: build_model(spec, data)


@pytest.mark.parametrize("backend", ["pymc", "nutpie"])
def test_backend_stores_every_group(make_model, backend):
    sampler = {
        "backend": backend,
        "chains": 2,
        "tune": 200,
        "draws": 100,
        "target_accept": 0.9,
        "prior_draws": 20,
    }
    idata = sample(make_model(), sampler, seed=1, cores=1)
    assert set(idata.groups()) == FIT_GROUPS
    assert set(idata.posterior.data_vars) == {
        "Intercept",
        "beta",
        "sd_therapist",
        "z_therapist",
        "sigma",
    }
    assert idata.posterior.sizes == {"chain": 2, "draw": 100, "term": 3, "therapist": 10}
    assert idata.prior.sizes["draw"] == 20
    # the priors a user chose, not the non-centred offsets' standard normals (issue 19)
    assert set(idata.log_prior.data_vars) == {"Intercept", "beta", "sd_therapist", "sigma"}
    assert idata.log_likelihood["isp_actions"].shape == (2, 100, 81)
    table = diagnose(idata)
    assert table["check"].size == 6  # both backends' tree-depth statistics are found
    with_parameter_map(idata)  # as a stored fit's record holds it
    sensitivity = power_scaling_table(idata)  # reads log_prior and log_likelihood
    assert set(sensitivity["parameter"]) == {
        "Intercept",
        "beta[self_alliance]",
        "beta[other_alliance]",
        "beta[self_alliance:other_alliance]",
        "sd_therapist",
        "sigma",
    }
    assert (sensitivity[["prior", "likelihood"]] >= 0).all().all()


def test_same_seed_gives_the_same_draws(make_model):
    sampler = {
        "backend": "nutpie",
        "chains": 2,
        "tune": 100,
        "draws": 50,
        "target_accept": 0.9,
        "prior_draws": 10,
    }
    a = sample(make_model(), sampler, seed=5, cores=1)
    b = sample(make_model(), sampler, seed=5, cores=1)
    c = sample(make_model(), sampler, seed=6, cores=1)
    assert a.posterior["beta"].equals(b.posterior["beta"])
    assert a.posterior_predictive.equals(b.posterior_predictive)
    assert not a.posterior["beta"].equals(c.posterior["beta"])


def test_pointwise_groups_are_thinned_to_float32_above_the_memory_budget(make_model, monkeypatch):
    import arviz as az
    import pymc as pm

    import intersession.inference.fit as fit
    import intersession.inference.pointwise as pointwise
    from intersession.checks.loo import psis_loo, robust_loo

    monkeypatch.setattr(pointwise, "POINTWISE_BUDGET", 81 * 2 * 100 // 4)  # every 4th draw
    sampler = {
        "backend": "nutpie",
        "chains": 2,
        "tune": 200,
        "draws": 100,
        "target_accept": 0.9,
        "prior_draws": 10,
    }
    idata = sample(make_model(), sampler, seed=3, cores=1)
    assert idata.posterior.sizes["draw"] == 100
    for group in (idata.log_likelihood, idata.posterior_predictive):
        assert group["isp_actions"].shape == (2, 25, 81)
        assert group["isp_actions"].dtype == "float32"
        assert list(group["draw"].values[:3]) == [0, 4, 8]
    plan = {"thin": 4, "draws": 50, "of_draws": 200, "dtype": "float32"}
    assert pointwise.pointwise_plan(81, 2, 100) == plan
    # consumers pair each kept draw with its own posterior and prior density
    assert fit.pointwise_draws(idata).log_prior.sizes["draw"] == 25
    assert power_scaling_table(with_parameter_map(idata))["prior"].notna().all()
    loo = robust_loo(idata, make_model, "isp_actions", sampler, seed=3, k_threshold=2.0)
    assert loo.result.n_samples == 50
    everything = az.InferenceData(posterior=idata.posterior)
    pm.compute_log_likelihood(everything, model=make_model(), progressbar=False)
    full = psis_loo(everything, "isp_actions")
    assert full.n_samples == 200
    assert loo.result.elpd == pytest.approx(full.elpd, abs=1.0)  # SE of elpd is ~ 6


def test_prior_grid_compiles_once_and_swaps_prior_constants_exactly(tmp_path, monkeypatch):
    """One nutpie compilation serves a model's prior sets: each set's fit is bit-identical
    whether its constants were compiled in or swapped in (initial point included), and agrees
    with the set's fit on its own (constants in the graph) within Monte Carlo error."""
    import nutpie

    from intersession import steps
    from intersession.inference.record import FitRecord, StudyInputs

    codebook = str(DEFAULT_STUDY / "codebook.yaml")
    study = str(DEFAULT_STUDY / "study.csv")
    steps.validate(study, codebook, str(tmp_path / "items.csv"), str(tmp_path / "problems.csv"))
    scores = str(tmp_path / "scores.csv")
    steps.score(str(tmp_path / "items.csv"), codebook, scores, str(tmp_path / "reliability.csv"))
    compilations = []
    compile_model = nutpie.compile_pymc_model
    monkeypatch.setattr(
        nutpie, "compile_pymc_model", lambda m: compilations.append(m) or compile_model(m)
    )
    sampler = {
        "backend": "nutpie",
        "chains": 4,
        "tune": 300,
        "draws": 300,
        "target_accept": 0.9,
        "prior_draws": 20,
    }
    inputs = StudyInputs(str(ROOT / "models"), codebook, study, sampler, 7)
    common = (scores, inputs, "isp_actions", 1)
    sets = ("sceptical", "literature")
    grid = {name: str(tmp_path / f"grid_{name}.nc") for name in sets}
    steps.fit(*common, fit_outs=grid)
    assert len(compilations) == 1
    swapped = {name: str(tmp_path / f"swapped_{name}.nc") for name in reversed(sets)}
    steps.fit(*common, fit_outs=swapped)
    assert len(compilations) == 2
    for name in sets:
        digests = [FitRecord.read_file(p[name]).posterior_sha256 for p in (grid, swapped)]
        assert digests[0] == digests[1]
    alone = str(tmp_path / "literature.nc")
    steps.fit(*common, fit_outs={"literature": alone})
    idatas = {name: az.from_netcdf(path) for name, path in grid.items()}
    for name, idata in idatas.items():
        assert FitRecord.read(idata).identity.priors["name"] == name
    a, b = idatas["literature"].posterior, az.from_netcdf(alone).posterior
    for name in ("Intercept", "beta", "sigma"):
        se = np.hypot(az.mcse(a[name].to_dataset())[name], az.mcse(b[name].to_dataset())[name])
        z = abs(a[name].mean(("chain", "draw")) - b[name].mean(("chain", "draw"))) / se
        assert float(z.max()) < 4, name
    constants = {name: idata.constant_data for name, idata in idatas.items()}
    terms = ["self_alliance", "other_alliance", "self_alliance:other_alliance"]
    mu = constants["literature"]["prior_beta_mu"].sel(term=terms)
    assert mu.values.tolist() == [0.28, 0.0, 0.0]
    sigma = constants["sceptical"]["prior_beta_sigma"].sel(term=terms)
    assert sigma.values.tolist() == [1.0, 1.0, 0.1]
    assert constants["sceptical"]["prior_sd_therapist_sigma"].values.item() == 0.5
