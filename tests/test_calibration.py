"""The methodologist's bench: SBC ranks and their uniformity test, the design analysis,
refitting without recompiling, their config errors, and the `sbc` and `design` targets."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from arviz.stats.ecdf_utils import ecdf_confidence_band

from intersession.calibration import design, load_regression, plan, sbc
from intersession.inference.refit import prior_sampler
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model
from intersession.schema import DeclarationError
from tests.conftest import ROOT, copy_workflow, write_model

STUDY = "simulated_quirk2018"
L = 99  # thinned posterior draws: ranks 0..99
SBC_SETTINGS = {
    "model": "isp_actions",
    "fit_variant": None,
    "replicates": 100,
    "batch_size": 10,
    "chains": 2,
    "tune": 500,
    "draws": 500,
    "target_accept": 0.9,
    "thin_draws": L,
    "alpha": 0.05,
}
DESIGN_SETTINGS = {
    "model": "isp_actions",
    "codebook": None,
    "clients": [40, 80, 160, 320],
    "sessions": [1],
    "clients_per_therapist": 8,
    "therapists": None,
    "truth": {},
    "replicates": 50,
    "batch_size": 25,
    "interval": 0.95,
    "chains": 2,
    "tune": 500,
    "draws": 500,
    "target_accept": 0.9,
}


def rank_table(**parameters) -> pd.DataFrame:
    """A ranks table from arrays of ranks by parameter name."""
    return pd.concat(
        pd.DataFrame({"replicate": np.arange(len(r)), "parameter": name, "rank": r})
        for name, r in parameters.items()
    )


def test_thinning_takes_evenly_spaced_draws_over_the_chains_and_ranks_count_below():
    draws = np.arange(20.0).reshape(2, 10)  # chain 0: 0..9, chain 1: 10..19
    assert sbc.thin(draws, 5).tolist() == [0.0, 5.0, 10.0, 14.0, 19.0]
    assert sbc.rank(10.5, np.arange(20.0)) == 11
    assert sbc.rank(-1.0, np.arange(20.0)) == 0 and sbc.rank(99.0, np.arange(20.0)) == 20


def test_rank_counts_are_counts_below_each_point():
    counts = sbc.rank_counts(np.array([[0, 0, 1, 3], [3, 3, 3, 3]]), thin_draws=3)
    assert counts.tolist() == [[2, 3, 3], [0, 0, 0]]  # ranks below 1, 2 and 3


def test_exactly_uniform_ranks_pass():
    table, curves = sbc.uniformity(rank_table(a=np.arange(100) % (L + 1)), L, 0.05, seed=1)
    assert table["inside_band"].tolist() == [True]
    assert table["p_value"].iloc[0] > 0.99
    assert np.allclose(curves["ecdf_difference"], 0.0)
    assert (curves["lower"] < 0).all() and (curves["upper"] > 0).all()


@pytest.mark.parametrize(
    "ranks",
    [
        np.arange(100) % 50 + 50,  # shifted: the posterior sits below the truth
        np.r_[np.arange(50) % 10, 90 + np.arange(50) % 10],  # over-dispersed (too narrow)
        40 + np.arange(100) % 20,  # under-dispersed (too wide)
    ],
    ids=["shifted", "over-dispersed", "under-dispersed"],
)
def test_miscalibrated_ranks_leave_the_band(ranks):
    table, curves = sbc.uniformity(rank_table(a=ranks), L, 0.05, seed=1)
    assert table["inside_band"].tolist() == [False]
    assert table["p_value"].iloc[0] < 0.001
    outside = (curves["ecdf_difference"] < curves["lower"]) | (
        curves["ecdf_difference"] > curves["upper"]
    )
    assert outside.any()


def test_outside_the_band_exactly_when_p_is_at_most_the_level():
    rng = np.random.default_rng(3)
    for _ in range(20):
        ranks = np.minimum(L, rng.integers(0, L + 1, 60) + rng.integers(0, 8))
        table, curves = sbc.uniformity(rank_table(a=ranks), L, 0.05, seed=1)
        outside = (curves["ecdf_difference"] < curves["lower"] - 1e-12) | (
            curves["ecdf_difference"] > curves["upper"] + 1e-12
        )
        assert bool(outside.any()) == (table["p_value"].iloc[0] <= 0.05)


def test_level_is_split_over_the_parameters():
    uniform = np.arange(100) % (L + 1)
    table, _ = sbc.uniformity(rank_table(a=uniform, b=uniform, c=uniform, d=uniform), L, 0.04, 1)
    assert np.allclose(table["level"], 0.01) and np.allclose(table["band_prob"], 0.99)


def test_the_test_rejects_uniform_ranks_at_its_nominal_rate():
    n, rng = 50, np.random.default_rng(7)
    tails = sbc.tail_probabilities(n, L)
    null = sbc.null_gamma(n, L, tails, seed=8)
    ranks = rng.integers(0, L + 1, size=(2000, n))
    p = sbc.p_values(sbc.gamma_statistic(sbc.rank_counts(ranks, L), tails), null)
    assert 0.04 <= (p <= 0.05).mean() <= 0.06


def test_simultaneous_band_agrees_with_arviz_optimised_band():
    """ArviZ computes the band of Saeilynoja et al. (2022) exactly by recursion; ours is
    simulated. They agree to one count at every point."""
    n = 100
    _, curves = sbc.uniformity(rank_table(a=np.arange(n) % (L + 1)), L, 0.05, seed=1)
    z = curves["fraction"].to_numpy()
    lower, upper = ecdf_confidence_band(n, z, z, prob=0.95, method="optimized")
    assert np.abs(curves["lower"] + z - lower).max() <= 1 / n + 1e-9
    assert np.abs(curves["upper"] + z - upper).max() <= 1 / n + 1e-9


def built(default_codebook, scores, variant=None):
    spec = load_model(ROOT / "models", "isp_actions", default_codebook, variant=variant)
    equations = prepare(spec, scores)
    return equations, build(spec, equations)


def test_ranked_parameters_are_those_of_both_models_matched_by_label(
    default_codebook, default_scores
):
    _, full = built(default_codebook, default_scores)
    _, no_therapist = built(default_codebook, default_scores, "no_therapist")
    _, no_interaction = built(default_codebook, default_scores, "no_interaction")
    assert sbc.ranked_variables(full, full) == ["beta", "Intercept", "sd_therapist", "sigma"]
    assert sbc.ranked_variables(full, no_therapist) == ["beta", "Intercept", "sigma"]
    shapes = {"beta": (3,), "Intercept": (), "sigma": ()}
    labels = sbc.elements(full, shapes, ["beta", "Intercept", "sigma"])
    fewer = sbc.elements(no_interaction, {**shapes, "beta": (2,)}, ["beta"])
    assert list(labels) == [
        "beta[self_alliance]",
        "beta[other_alliance]",
        "beta[self_alliance:other_alliance]",
        "Intercept",
        "sigma",
    ]
    assert list(fewer) == ["beta[self_alliance]", "beta[other_alliance]"]


def test_correlated_slopes_rank_sds_and_the_lower_triangle_of_correlations(
    tmp_path, default_codebook, default_scores
):
    models = write_model(
        tmp_path,
        outcome="isp_actions",
        predictors=["self_alliance", "other_alliance"],
        groups=[{"level": "therapist", "slopes": ["self_alliance"]}],
        family="gaussian",
        priors="default",
    )
    spec = load_model(models, "m", default_codebook)
    model = build(spec, prepare(spec, default_scores))
    names = sbc.ranked_variables(model, model)
    assert names == ["beta", "Intercept", "sigma", "corr_therapist", "sd_therapist"]
    shapes = {"beta": (2,), "Intercept": (), "sigma": (), "corr_therapist": (2, 2)}
    labels = sbc.elements(model, {**shapes, "sd_therapist": (2,)}, names)
    assert list(labels)[-3:] == [
        "corr_therapist[self_alliance ~ Intercept]",
        "sd_therapist[Intercept]",
        "sd_therapist[self_alliance]",
    ]
    assert labels["corr_therapist[self_alliance ~ Intercept]"].index == (1, 0)


def test_prior_draws_depend_on_the_seed_alone(default_codebook, default_scores):
    _, model = built(default_codebook, default_scores)
    draw = prior_sampler(model, ["beta", "sigma", "isp_actions"])
    first, again, other = draw(5), draw(5), draw(6)
    assert np.array_equal(first["isp_actions"], again["isp_actions"])
    assert not np.array_equal(first["beta"], other["beta"])
    assert first["isp_actions"].shape == (81,)


def test_a_standardised_outcome_gives_the_same_posterior_as_the_raw_outcome(
    default_codebook, default_scores
):
    """The design analysis fits every replicate with the outcome standardised beforehand:
    its log density differs from the workflow's model only by a constant, n log(sd_y)."""
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    ((_, data, _),) = prepare(spec, default_scores)
    raw = build(spec, [(spec, data, "")])
    standardised = build(spec, [(spec, design.standardised_outcome(data, spec.outcome), "")])
    raw_logp, std_logp = raw.compile_logp(), standardised.compile_logp()
    rng = np.random.default_rng(0)
    differences = []
    for _ in range(5):
        point = {
            name: rng.normal(size=np.shape(value)) for name, value in raw.initial_point().items()
        }
        differences.append(raw_logp(point) - std_logp(point))
    assert np.ptp(differences) < 1e-8
    assert differences[0] == pytest.approx(
        -len(data.frame) * np.log(data.scaling["isp_actions"][1])
    )


def test_design_sizes_jobs_and_replicates():
    settings = {**DESIGN_SETTINGS, "clients": [40, 80], "replicates": 5, "batch_size": 2}
    assert plan.sizes(settings) == [plan.Size(40, 5, 1), plan.Size(80, 10, 1)]
    assert [(s.label, b) for s, b in plan.jobs(settings)] == [
        ("40x1", 0), ("40x1", 1), ("40x1", 2), ("80x1", 0), ("80x1", 1), ("80x1", 2),
    ]  # fmt: skip
    assert list(plan.batch_replicates(settings, 2)) == [4]
    assert plan.sizes({**settings, "therapists": 12})[0].therapists == 12


def test_truth_overrides_update_mappings_key_by_key():
    params = design.generating_parameters(
        {"therapist_sd": 0.1, "actions": {"self_alliance:other_alliance": 0.0}}
    )
    assert params.therapist_sd == 0.1
    assert params.actions == {
        "self_alliance": 0.40,
        "other_alliance": 0.30,
        "self_alliance:other_alliance": 0.0,
    }


def test_simulated_scores_have_one_row_per_client(default_codebook):
    scores = design.simulate_scores(
        default_codebook, plan.Size(40, 5, 1), design.generating_parameters({}), seed=1
    )
    assert len(scores) == 40 and scores["therapist"].nunique() == 5
    assert {"self_alliance", "other_alliance", "isp_actions"} <= set(scores.columns)


def test_power_table_detection_and_its_monte_carlo_error():
    rows = pd.DataFrame(
        {
            "clients": 40,
            "therapists": 5,
            "sessions": 1,
            "levels": "none",
            "term": "a:b",
            "scale": "standardised",
            "mean": [0.2, 0.3, 0.1, 0.25],
            "lower": [0.05, 0.1, -0.1, 0.01],
            "upper": [0.35, 0.5, 0.3, 0.2],
            "excludes_zero": [True, True, False, True],
            "width": [0.3, 0.4, 0.4, 0.19],
        }
    )
    (row,) = design.power_table(rows, {1: {"a:b": 0.25}}).to_dict("records")
    assert row["detection"] == 0.75
    assert row["detection_mcse"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert row["median_width"] == pytest.approx(0.35)
    assert row["truth"] == 0.25 and row["coverage"] == 0.75  # the last misses it


# -- config errors: each names the key and the fix --------------------------------------


def test_thinning_to_more_draws_than_a_fit_has_is_refused():
    with pytest.raises(DeclarationError) as err:
        plan.check_settings({**SBC_SETTINGS, "draws": 40, "thin_draws": 99})
    assert str(err.value) == (
        "config key 'sbc.thin_draws' is 99, more than the 80 posterior draws of a fit "
        "(sbc.chains x sbc.draws); lower it or draw more"
    )


def test_more_therapists_than_clients_is_refused():
    with pytest.raises(DeclarationError) as err:
        plan.sizes({**DESIGN_SETTINGS, "clients": [10, 40], "therapists": 20})
    assert str(err.value) == (
        "config key 'design.therapists': 20 therapists for 10 clients; a therapist needs at "
        "least one client"
    )


def test_unknown_truth_parameter_is_refused_with_the_allowed_names():
    with pytest.raises(DeclarationError) as err:
        design.generating_parameters({"therapist_SD": 0.2})
    assert str(err.value).startswith(
        "config key 'design.truth': therapist_SD not generating parameters; allowed: "
        "alliance_r, actions, thoughts, progress, therapist_sd,"
    )


def test_a_mediation_model_cannot_be_refitted(default_codebook):
    with pytest.raises(DeclarationError) as err:
        load_regression(ROOT / "models", "moderated_mediation", default_codebook, "sbc.model")
    assert str(err.value) == (
        "config key 'sbc.model': moderated_mediation is a mediation model; only "
        "single-outcome regressions can be refitted here (choose e.g. isp_actions)"
    )


def test_sessions_need_a_codebook_with_a_session_column(default_codebook):
    with pytest.raises(DeclarationError) as err:
        design.check_codebook(default_codebook, plan.Size(40, 5, 4))
    assert str(err.value) == (
        "config key 'design.sessions': 4 sessions per client need a session column, which "
        f"the codebook {default_codebook.path} does not declare; set design.codebook to one "
        "that does (e.g. tests/designs/multisite_codebook.yaml)"
    )


def test_a_variant_that_changes_the_rows_is_refused(default_codebook, default_scores):
    generating, _ = built(default_codebook, default_scores)
    fewer = default_scores.assign(
        isp_actions=default_scores["isp_actions"].where(default_scores.index > 0)
    )
    fitted, _ = built(default_codebook, fewer, "no_therapist")
    with pytest.raises(DeclarationError, match="other rows or another standardisation"):
        sbc.check_same_data(generating, fitted)


# -- SBC of a right and a wrong model (bounded) ------------------------------------------


@pytest.mark.slow
def test_sbc_passes_the_model_and_flags_a_fit_without_therapists(default_codebook, default_scores):
    """40 replicates each (about a minute): the ISP-actions model refitted to data drawn
    from its prior stays inside every band; the same data fitted without therapist
    intercepts gives a residual SD that absorbs the therapist variance (ranks pile up at
    0) and an intercept interval that is too narrow. Over four disjoint sets of 40
    replicates both were flagged every time, with p <= 0.003 (sigma at the floor 1e-4)."""
    generating, model = built(default_codebook, default_scores)
    fitted, wrong = built(default_codebook, default_scores, "no_therapist")
    settings = {**SBC_SETTINGS, "replicates": 40}
    right_ranks = sbc.simulate_and_rank(model, model, range(40), settings, seed=11, cores=2)
    sbc.check_same_data(generating, fitted)
    wrong_ranks = sbc.simulate_and_rank(model, wrong, range(40), settings, seed=11, cores=2)
    right, _ = sbc.uniformity(right_ranks, L, 0.05, seed=1)
    flagged, _ = sbc.uniformity(wrong_ranks, L, 0.05, seed=1)
    assert right["inside_band"].all(), right.to_string()
    outside = flagged.loc[~flagged["inside_band"], "parameter"].tolist()
    assert "sigma" in outside, flagged.to_string()
    sigma = wrong_ranks.loc[wrong_ranks["parameter"] == "sigma", "rank"]
    assert sigma.median() < L / 4  # the fitted residual SD is too large


# -- the targets, end to end (bounded) ---------------------------------------------------


@pytest.mark.e2e
def test_sbc_and_design_targets_write_their_tables_and_figures(tmp_path):
    """`snakemake sbc design` in a copy of the workflow: 8 SBC replicates in 2 batches, and 4
    simulated studies of 40 and of 80 clients; 2 chains x 200 draws. About a minute."""
    work = copy_workflow(tmp_path)
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    sampler = {"chains": 2, "tune": 200, "draws": 200}
    config["sbc"].update(replicates=8, batch_size=4, **sampler)
    config["design"].update(clients=[40, 80], replicates=4, batch_size=4, **sampler)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "sbc", "design"],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]

    out = work / "results" / STUDY / "sbc" / "isp_actions"
    ranks = pd.read_csv(out / "ranks.csv")
    parameters = [
        "beta[self_alliance]",
        "beta[other_alliance]",
        "beta[self_alliance:other_alliance]",
        "Intercept",
        "sd_therapist",
        "sigma",
    ]
    assert len(ranks) == 8 * 6 and sorted(ranks["replicate"].unique()) == list(range(8))
    assert ranks["rank"].between(0, L).all() and (ranks["max_r_hat"] < 1.1).all()
    uniformity = pd.read_csv(out / "uniformity.csv")
    assert uniformity["parameter"].tolist() == parameters
    assert uniformity["p_value"].between(1e-4, 1).all()
    assert (uniformity["replicates"] == 8).all() and np.allclose(uniformity["level"], 0.05 / 6)
    assert len(pd.read_csv(out / "ecdf.csv")) == 6 * L
    for name in ("ecdf_difference.png", "ecdf_difference.svg"):
        assert (out / name).stat().st_size > 1000

    out = work / "results" / STUDY / "design"
    assert len(pd.read_csv(out / "replicates.csv")) == 2 * 4 * 2  # sizes x studies x scales
    power = pd.read_csv(out / "power.csv")
    assert power[["clients", "therapists", "scale"]].values.tolist() == [
        [40, 5, "original"],
        [40, 5, "standardised"],
        [80, 10, "original"],
        [80, 10, "standardised"],
    ]
    assert (power["term"] == "self_alliance:other_alliance").all()
    assert power["levels"].tolist() == ["none", "none", "therapist", "therapist"]
    assert power["detection"].between(0, 1).all() and (power["replicates"] == 4).all()
    standardised = power[power["scale"] == "standardised"]
    assert standardised["truth"].between(0.15, 0.3).all()  # pseudo-true interaction ~0.21
    assert standardised["median_width"].between(0.2, 1.2).all()
    assert (standardised["median_width"].diff().dropna() < 0).all()  # more clients, narrower
    for name in ("power.png", "power.svg"):
        assert (out / name).stat().st_size > 1000

    everything = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "2"],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=300,
    )
    assert everything.returncode == 0, everything.stderr[-2000:]
    assert "sbc_batch" not in everything.stdout and "design_batch" not in everything.stdout

    # the report's Methods checks show both when asked for (report.calibration: true)
    from intersession.report.bench import calibration_section
    from intersession.report.sections import FigureStore

    sbc_dir = work / "results" / STUDY / "sbc" / "isp_actions"
    section = calibration_section(
        [str(sbc_dir / "uniformity.csv"), str(sbc_dir / "ecdf.csv"), str(out / "power.csv")],
        FigureStore(tmp_path / "figures"),
        tmp_path / "tables",
    )
    assert section["replicates"] == 8 and len(section["uniformity"]) == 6
    assert [row["clients"] for row in section["power"]] == [40, 80]
    assert [f["uri"][:22] for f in section["figures"]] == ["data:image/png;base64,"] * 2
    assert {p.name for p in (tmp_path / "tables").iterdir()} == {
        "sbc_uniformity.csv",
        "design_power.csv",
    }
    config["report"]["calibration"] = True
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    planned = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "2", "--forcerun", "report"],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=300,
    )
    assert planned.returncode == 0, planned.stderr[-2000:]
    assert "sbc_batch" not in planned.stdout  # done: the report reuses them
    assert re.search(
        r"rule report:\n(.*\n)*?    input: .*sbc/isp_actions/uniformity.csv", planned.stdout
    )
