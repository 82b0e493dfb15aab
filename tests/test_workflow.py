"""End to end: the Snakemake workflow on the embedded default study, and on a broken copy."""

import hashlib
import json
import re
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pytest
import yaml

from intersession.inference.record import FitRecord
from intersession.provenance import posterior_digest
from intersession.tables import read_table
from tests.conftest import FIT_GROUPS, ROOT, STUDY, chromium, copy_workflow, snakemake

pytestmark = pytest.mark.e2e

MODELS = ["isp_actions", "isp_joint", "isp_thoughts", "moderated_mediation", "progress"]
OUTCOMES = {
    "isp_actions": "isp_actions",
    "isp_joint": ["isp_thoughts", "isp_actions"],
    "isp_thoughts": "isp_thoughts",
    "moderated_mediation": "progress",
    "progress": "progress",
}


@pytest.fixture
def run(default_run):
    return default_run


def results(work, *parts):
    return work.joinpath("results", STUDY, *parts)


def test_report_is_written_and_self_contained(run):
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert '<h2 id="key"' in html
    assert "tree depth): all passed for all five models." in html  # convergence, on its own
    assert '<h3 class="checks-title">Methods checks</h3>' in html
    assert ">nan<" not in html and "nan]" not in html  # no empty cell shown as "nan"
    assert "isp_actions predicts" not in html and "declared predicts" not in html
    # per model rank and energy plots (10); per outcome a posterior predictive check, one by
    # therapist (7 each) and a LOO-PIT (5: not for the joint model); per probed interaction
    # a floodlight and predicted lines (12); a prior predictive check per outcome (7); a
    # prior sensitivity plot per model (5); the bench's prior forest plot (1), LOO comparison
    # and Pareto k plots (2); each also saved beside the report as PNG and SVG
    figures = sorted((run / "reports" / STUDY / "figures").glob("*.png"))
    assert html.count('<img src="data:image/png;base64,') == len(figures) == 56
    assert all(f.with_suffix(".svg").stat().st_size > 0 for f in figures)
    tables = {f.name for f in (run / "reports" / STUDY / "tables").glob("*.csv")}
    assert {"isp_actions_parameters.csv", "isp_actions_johnson_neyman.csv"} <= tables
    assert {"moderated_mediation_indirect.csv", "study_instruments.csv"} <= tables
    # nothing is loaded from outside: no external scripts, styles, fonts or images
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html
    # numbered tables and figures; each links to its CSV or SVG beside the report
    assert "Table 1.</strong>" in html and "Figure 1.</strong>" in html
    folder = run / "reports" / STUDY
    links = re.findall(r'href="((?:tables|figures)/[^"]+)"', html)
    assert len(links) > 60 and all((folder / link).is_file() for link in links), [
        link for link in links if not (folder / link).is_file()
    ]
    assert "In ROPE" not in html  # no ROPE configured: no always-empty column
    assert (folder / "references.bib").read_text().count("@") >= 10
    # the manuscript files beside it (Word and Markdown), from the same text
    import docx

    doc = docx.Document(folder / "report.docx")
    assert len(doc.tables) >= 7 and "Statistical Analysis" in [p.text for p in doc.paragraphs]
    markdown = (folder / "report.md").read_text()
    assert "PSIS-LOO" in markdown and "**Table 1**" in markdown
    assert "Vehtari, A., Gelman, A., &amp; Gabry, J. (2017)" in html


def test_no_table_of_the_default_study_carries_a_spreadsheet_quote(run):
    """The OWASP quote (intersession.tables) is for text users supply: IDs, names. The
    default study has none that needs it, so a quoted cell here is one of our own labels
    (as '-1 SD and '= 0 were) and a stray apostrophe for every researcher who opens it."""
    tables = sorted(run.glob("results/**/*.csv")) + sorted(run.glob("reports/**/*.csv"))
    assert results(run, "effects", "isp_actions", "slopes.csv") in tables
    assert results(run, "diagnostics", "isp_actions.csv") in tables
    quoted = {}
    for path in tables:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = [*frame.columns, *frame.to_numpy().ravel()]
        hits = sorted({c for c in cells if c.startswith("'")})
        if hits:
            quoted[str(path.relative_to(run))] = hits[:5]
    assert not quoted


@pytest.mark.parametrize("model", MODELS)
def test_every_diagnostic_passes(run, model):
    table = pd.read_csv(results(run, "diagnostics", f"{model}.csv"))
    assert table["passed"].all(), table.to_string()


def slopes(work, model):
    table = pd.read_csv(results(work, "effects", model, "parameters.csv"))
    table = table[(table.parameter == "beta") & (table.scale == "standardised")]
    return table.set_index("term")


def test_interaction_on_isp_actions_excludes_zero(run):
    actions = slopes(run, "isp_actions")
    assert (actions["lower"] > 0).all()  # self, other and their interaction
    assert actions.loc["self_alliance:other_alliance", "pd"] > 0.975


def test_mediation_reports_indirect_effects_and_their_index(run):
    # read as a researcher would (no read_table): the labels need no spreadsheet-safe quote
    table = pd.read_csv(results(run, "effects", "moderated_mediation", "indirect.csv"))
    assert table["moderator_level"].fillna("").tolist() == [
        *[level for level in ["mean - 1 SD", "mean", "mean + 1 SD"] for _ in range(3)],
        "",
    ]
    assert table["effect"].tolist()[:3] == ["indirect", "direct", "total"]
    indirect = table[table["effect"] == "indirect"].set_index("moderator_level")["mean"]
    assert indirect["mean - 1 SD"] < indirect["mean"] < indirect["mean + 1 SD"]  # moderation
    index = table[table["effect"] == "index of moderated mediation"].iloc[0]
    assert index["lower"] > 0  # the default study was simulated with moderated mediation
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert "the index of moderated mediation was 0." in html  # not labelled "ab"
    assert "the direct effect of self-alliance on progress was c\u2032 = " in html
    assert "which these data cannot show" in html  # the causal caveat


def test_joint_model_agrees_with_the_separate_models_and_adds_their_correlation(run):
    """Same rows and predictors, residuals simulated uncorrelated and group effects kept
    apart at 10 therapists: the joint model's slopes are those of the two separate models
    up to Monte Carlo error (4 combined MCSEs) plus a twentieth of a posterior SD; its
    residual correlation is reported as a joint parameter."""
    table = pd.read_csv(results(run, "effects", "isp_joint", "parameters.csv"))
    joint_fit = az.from_netcdf(results(run, "fits", "isp_joint.nc"))
    for outcome in ("isp_thoughts", "isp_actions"):
        separate_fit = az.from_netcdf(results(run, "fits", f"{outcome}.nc"))
        mine = joint_fit.posterior[f"beta_{outcome}"].rename({f"term_{outcome}": "term"})
        theirs = separate_fit.posterior["beta"]
        mcse = np.hypot(
            az.mcse(mine.to_dataset(name="b"))["b"], az.mcse(theirs.to_dataset(name="b"))["b"]
        )
        gap = abs(mine.mean(("chain", "draw")) - theirs.mean(("chain", "draw")))
        allowed = 4 * mcse + 0.05 * theirs.std(("chain", "draw"))
        assert (gap < allowed).all(), (outcome, gap.values, allowed.values)
        assert float(allowed.max()) < 0.03  # about 0.3 posterior SD at most
    joint = table[(table.parameter == "beta") & (table.scale == "standardised")]
    for outcome in ("isp_thoughts", "isp_actions"):
        mine = joint[joint.outcome == outcome].set_index("term")["mean"]
        assert (mine - slopes(run, outcome)["mean"]).abs().max() < 0.03, outcome
    residual = table[table.parameter == "corr_residual"]
    assert residual["outcome"].tolist() == ["joint"]
    assert residual["term"].tolist() == ["isp_actions ~ isp_thoughts"]
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert "Residual correlation: ISP-actions ~ ISP-thoughts" in html
    assert "therapist effects not correlated across outcomes: 10 therapist(s)" in html


def test_report_probes_the_interaction_and_drafts_the_text(run):
    """Simple slopes, a Johnson-Neyman region for ISP-actions (simulated with a positive
    interaction) and none for ISP-thoughts, and the drafted methods and results."""
    regions = read_table(results(run, "effects", "isp_actions", "johnson_neyman.csv"))
    positive = regions[regions["region"] == "slope > 0 (95% interval above 0)"].iloc[0]
    assert positive["lower_is_boundary"] and positive["observed_min"] < positive["lower"]
    assert positive["upper"] == positive["observed_max"]
    thoughts = read_table(results(run, "effects", "isp_thoughts", "johnson_neyman.csv"))
    assert thoughts["region"].tolist() == ["slope = 0 (median, 95% interval)"]
    slopes_table = read_table(results(run, "effects", "isp_actions", "slopes.csv"))
    low, high = (
        slopes_table[slopes_table.scale == "standardised"].set_index("moderator_level")["mean"]
    )[["mean - 1 SD", "mean + 1 SD"]]
    assert low < high
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert (
        "<h3>Statistical analysis</h3>" in html
        and "We fitted five Bayesian multilevel regression models" in html
    )
    assert (
        "The 95% credible interval of the slope of self-alliance excluded zero: positive for "
        f"other-alliance from {positive['lower']:.2f}" in html
    )
    inside = int(positive["n_inside"])
    assert 0 < inside < positive["n_observed"] == 81
    assert f"where {inside} of the 81 observations ({inside / 81:.0%}) lie" in html
    assert "they are not a significance test" in html
    assert "No Johnson-Neyman region lies within the observed range of other-alliance" in html


def test_methods_checks_give_prior_predictive_shares_and_prior_sensitivity(run):
    prior = pd.read_csv(results(run, "effects", "isp_actions", "prior_predictive.csv")).iloc[0]
    assert (prior["low"], prior["high"]) == (1, 5)
    # Normal(0, 1) slopes and a Half-Normal(0, 1) residual SD on the standardised scale put
    # about a quarter of ISP-actions (M 2.9, SD 0.8 on 1-5) outside its range, on both sides;
    # draws left on the standardised scale would centre on 0 instead
    assert 0.15 < prior["share_outside"] < 0.35
    assert 0.05 < prior["share_below"] < 0.25 and 0.05 < prior["share_above"] < 0.25
    assert 2.5 < prior["q50"] < 3.3 and prior["q05"] < 1 and prior["q95"] > 5
    sensitivity = pd.read_csv(results(run, "effects", "isp_actions", "sensitivity.csv"))
    betas = sensitivity[sensitivity["parameter"].str.startswith("beta[")]
    assert len(betas) == 3 and (betas["diagnosis"] == "none").all()  # the data dominate
    assert (betas["likelihood"] > 0.05).all() and (betas["prior"] < 0.05).all()
    assert set(sensitivity["diagnosis"]) <= {"none", "prior-data conflict", "weak likelihood"}
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert "<h2>Methods checks</h2>" in html and "Power-scaling sensitivity" in html


def test_prior_comparison_shows_the_sceptical_prior_shrinking_the_interaction(run):
    """The declared (default) fit is the grid's default cell; the sceptical set's
    Normal(0, 0.1) pulls the interaction towards 0 by more than half a posterior SD and leaves
    the main effects within 0.25 SD."""
    assert not results(run, "bench", "priors", "isp_actions", "default.nc").exists()
    assert results(run, "bench", "priors", "isp_actions", "sceptical.nc").exists()
    table = pd.read_csv(results(run, "bench", "prior_comparison.csv"))
    assert set(table["prior_set"]) == {"default", "sceptical"}
    shifts = table[table.prior_set == "sceptical"].set_index("estimate")["shift_sd"]
    assert shifts["self_alliance:other_alliance"] < -0.5
    assert shifts[["self_alliance", "other_alliance"]].abs().max() < 0.25
    assert (table[table.prior_set == "default"]["shift_sd"] == 0).all()
    declared = slopes(run, "isp_actions")["mean"]
    default = table[table.prior_set == "default"].set_index("estimate")["mean"]
    assert (default - declared[default.index]).abs().max() == 0
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert '<h3 id="prior-comparison">Prior comparison</h3>' in html
    assert "depended on the prior set for the self-alliance \u00d7 other-alliance " in html
    assert '<h3 id="prior-sets">Prior sets</h3>' in html and "Sceptical about the" in html


def test_loo_compares_the_declared_model_with_its_variant(run):
    """ELPD differences, SE, stacking weights summing to 1; Pareto k per observation."""
    compare = pd.read_csv(results(run, "bench", "loo", "isp_actions", "compare.csv"))
    assert set(compare["variant"]) == {"declared", "no_interaction"}
    assert compare["elpd_diff"].iloc[0] == 0 and compare["dse"].iloc[1] > 0
    assert compare["weight"].sum() == pytest.approx(1)
    table = pd.read_csv(results(run, "bench", "loo", "isp_actions", "loo.csv"))
    assert (table["unresolved"] == 0).all()
    assert set(table["method"]) <= {"PSIS", "PSIS + moment matching"}
    k = pd.read_csv(results(run, "bench", "loo", "isp_actions", "pareto_k.csv"))
    assert len(k) == 2 * 81 and k["pareto_k"].max() < 1
    html = (run / "reports" / STUDY / "report.html").read_text()
    assert '<h3 id="loo-comparison">Model comparison (PSIS-LOO)</h3>' in html
    assert "PSIS-LOO did not clearly separate the model as declared" in html or (
        "predicted better than the variant" in html
    )
    assert "not probabilities that a model is true" in html


def test_alliance_intervals_on_isp_thoughts_include_zero(run):
    """ISP-thoughts were simulated without alliance effects: every interval includes 0, is
    narrow (a prior-only posterior under Normal(0, 1) would be 3.9 wide) and centred near
    0."""
    thoughts = slopes(run, "isp_thoughts")
    assert ((thoughts["lower"] < 0) & (thoughts["upper"] > 0)).all()
    assert ((thoughts["upper"] - thoughts["lower"]) < 0.6).all()
    assert (thoughts["mean"].abs() < 0.2).all() and (thoughts["sd"] < 0.15).all()


@pytest.mark.parametrize("model", MODELS)
def test_fit_stores_all_groups_and_provenance(run, model):
    idata = az.from_netcdf(results(run, "fits", f"{model}.nc"), engine="h5netcdf")
    assert set(idata.groups()) == FIT_GROUPS
    assert idata.posterior.sizes["chain"] == 4 and idata.posterior.sizes["draw"] == 1000
    record = FitRecord.read(idata)
    data = run / "data" / STUDY / "study.csv"
    identity = record.identity
    assert identity.data_sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    assert identity.seed == 20181101 and identity.declaration["outcome"] == OUTCOMES[model]
    assert set(record.versions) >= {"pymc", "nutpie", "arviz", "intersession"}
    assert len(record.digest) == 64
    assert record.posterior_sha256 == posterior_digest(idata.posterior)
    report = (run / "reports" / STUDY / "report.html").read_text()
    assert f"<code>{record.posterior_sha256}</code>" in report


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_report_opens_in_headless_chromium_without_errors_or_network(run, width):
    """Debian's Chromium, driven by Playwright (tests/browser.py), at a desktop and a phone
    width: no console messages of type error or warning, no page errors, no request but the
    file itself, every image decodes, nothing wider than the phone's screen (tables scroll
    in their own box); screenshots are kept in test-artifacts/."""
    from tests.browser import DESKTOP, PHONE, open_report

    report = run / "reports" / STUDY / "report.html"
    name = "report-chromium.png" if width == "desktop" else "report-chromium-phone.png"
    seen = open_report(
        report,
        chromium(),
        DESKTOP if width == "desktop" else PHONE,
        ROOT / "test-artifacts" / name,
    )
    assert [m for m in seen["console"] if m.startswith(("error", "warning"))] == []
    assert seen["errors"] == []
    assert seen["requests"] == [report.as_uri()]
    assert len(seen["decoded"]) == 56 and all(seen["decoded"])
    overflow = seen["overflow"]
    assert overflow["scroll"] <= overflow["client"] and overflow["wide"] == [], overflow
    assert "Key findings" in seen["summary"] and "index of moderated mediation" in seen["summary"]
    assert "Convergence checks" in seen["summary"] and "Methods checks" in seen["summary"]


def test_snakemake_report_lists_the_report_its_figures_and_tables(run, tmp_path):
    out = tmp_path / "workflow-report.html"
    result = snakemake(run, "--report", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    text = out.read_text()
    for name in ("report.html", "isp_actions_floodlight_1.png", "isp_joint_parameters.csv"):
        assert name in text, name


def test_rerun_with_nothing_changed_does_no_work(run):
    result = snakemake(run, "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_broken_copy_fails_at_validate_with_one_message_per_problem(tmp_path):
    work = copy_workflow(tmp_path)
    study = work / "data" / STUDY / "study.csv"
    lines = study.read_text().splitlines()
    header = lines[0].split(",")
    row5 = lines[4].split(",")
    row5[header.index("sa2")] = "8"  # out of the 1-7 range, not a missing code
    lines[4] = ",".join(row5)
    row10 = lines[9].split(",")
    row10[header.index("client_id")] = ""  # empty client ID
    lines[9] = ",".join(row10)
    row20 = lines[19].split(",")
    row20[header.index("client_id")] = lines[1].split(",")[0]  # C01 again...
    row20[header.index("therapist_id")] = "T99"  # ...under another therapist
    lines[19] = ",".join(row20)
    study.write_text("\n".join(lines) + "\n")
    before = hashlib.sha256(study.read_bytes()).hexdigest()

    result = snakemake(work)

    assert result.returncode != 0
    assert "Error in rule validate" in result.stderr
    assert f"data/{STUDY}/study.csv: 3 error(s), 0 warning(s); no model was fitted." in (
        result.stderr
    )
    for message in (
        "row 5, column 'sa2': value '8' [response_option]",
        "row 10, column 'client_id': value '' [id_present]",
        "row 20, column 'therapist_id': value 'T99' [one_therapist_per_client]",
    ):
        assert message in result.stderr
    problems = pd.read_csv(results(work, "validated", "problems.csv"))
    assert problems[["row", "column"]].values.tolist() == [
        [5, "sa2"],
        [10, "client_id"],
        [20, "therapist_id"],
    ]
    assert not results(work, "fits").exists()
    assert not results(work, "validated", "items.csv").exists()
    assert hashlib.sha256(study.read_bytes()).hexdigest() == before


def _variant(tmp_path, study_file: str, codebook: dict, sheet=None, sampler=None):
    """A copy of the workflow whose config points at another study file and codebook."""
    work = copy_workflow(tmp_path)
    (work / "codebook.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False))
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    config["study"] = {"name": STUDY, "file": study_file, "codebook": "codebook.yaml"}
    if sheet:
        config["study"]["sheet"] = sheet
    if sampler:
        config["sampler"].update(sampler)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def _renamed_codebook(run, rename):
    codebook = yaml.safe_load((run / "data" / STUDY / "codebook.yaml").read_text())
    codebook["columns"] = {role: rename.get(c, c) for role, c in codebook["columns"].items()}
    for inst in codebook["instruments"].values():
        inst["items"] = [rename.get(i, i) for i in inst["items"]]
        inst["reverse"] = [rename.get(i, i) for i in inst.get("reverse", [])]
    return codebook


@pytest.mark.parametrize("fmt", ["sav", "xlsx"])
def test_spss_and_excel_copies_give_the_same_scores_and_posterior(run, tmp_path, fmt):
    import pyreadstat

    study = pd.read_csv(run / "data" / STUDY / "study.csv", dtype={"client_id": str})
    rename = {c: f"Q_{c.upper()}" for c in study.columns if c not in ("client_id", "therapist_id")}
    rename |= {"client_id": "ClientID", "therapist_id": "Therapist"}
    codebook = _renamed_codebook(run, rename)
    items = [rename[c] for c in study.columns if c not in ("client_id", "therapist_id")]
    study = study.rename(columns=rename)
    if fmt == "sav":
        # -99 declared as SPSS user-missing instead of a codebook missing code
        codebook["missing_codes"] = []
        pyreadstat.write_sav(
            study,
            str(tmp_path / "study.sav"),
            missing_ranges={item: [-99] for item in items},
            variable_value_labels={items[0]: {1: "never", 7: "always"}},
        )
    else:
        study.to_excel(tmp_path / "study.xlsx", sheet_name="Responses", index=False)
    work = _variant(
        tmp_path / "work",
        str(tmp_path / f"study.{fmt}"),
        codebook,
        sheet="Responses" if fmt == "xlsx" else None,
    )
    target = f"results/{STUDY}/effects/isp_actions/parameters.csv"
    result = snakemake(work, target)
    assert result.returncode == 0, result.stderr[-3000:]

    scores = pd.read_csv(results(work, "scores", "scores.csv"))
    expected = pd.read_csv(results(run, "scores", "scores.csv"))
    pd.testing.assert_frame_equal(scores, expected)
    # same scores and seed: the posterior is the same draw for draw
    ours = pd.read_csv(work / target)
    theirs = pd.read_csv(results(run, "effects", "isp_actions", "parameters.csv"))
    assert ours["mean"].to_numpy() == pytest.approx(theirs["mean"].to_numpy(), abs=1e-12)
    source = json.loads(results(work, "validated", "source.json").read_text())
    assert source["format"] == ("spss" if fmt == "sav" else "excel")
    if fmt == "sav":
        assert source["value_labels"] == {items[0]: {"1": "never", "7": "always"}}
    log = (work / "logs" / STUDY / "validate.log").read_text()
    assert f"({'spss' if fmt == 'sav' else 'excel'}): 81 rows valid" in log


def test_large_multisite_study_with_sessions_reaches_the_fit_stage(tmp_path, multisite_codebook):
    from intersession.data.simulate import Design, simulate_study

    design = Design(n_clients=2000, n_therapists=100, n_sites=10, n_sessions=10)
    study, _ = simulate_study(multisite_codebook, design, seed=7)
    assert len(study) > 15_000
    study.to_csv(tmp_path / "study.csv", index=False)
    codebook = yaml.safe_load(Path(multisite_codebook.path).read_text())
    work = _variant(
        tmp_path / "work",
        str(tmp_path / "study.csv"),
        codebook,
        sampler={"chains": 2, "tune": 100, "draws": 100, "prior_draws": 20},
    )
    result = snakemake(work, f"results/{STUDY}/fits/isp_actions.nc")
    assert result.returncode == 0, result.stderr[-3000:]
    reliability = pd.read_csv(results(work, "scores", "reliability.csv")).set_index("instrument")
    assert reliability["omega_within"].notna().all() and reliability["omega_between"].notna().all()
    idata = az.from_netcdf(results(work, "fits", "isp_actions.nc"), engine="h5netcdf")
    assert [g["level"] for g in FitRecord.read(idata).groups] == ["client", "therapist", "site"]
    assert idata.posterior.sizes["client"] == 2000 and idata.posterior.sizes["site"] == 10


def test_a_model_declared_by_a_file_alone_appears_in_the_report(run, tmp_path):
    import shutil

    work = tmp_path / "work"
    shutil.copytree(run, work, symlinks=True)
    (work / "models" / "isp_actions_main.yaml").write_text(
        "label: ISP-actions, main effects only\n"
        "formula: isp_actions ~ self_alliance + other_alliance + (1 | therapist)\n"
    )
    result = snakemake(work)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    fits = re.findall(r"rule fit:\n.*\n\s+output: (\S+)", log)
    assert fits == [f"results/{STUDY}/fits/isp_actions_main.nc"]  # the others are reused
    html = (work / "reports" / STUDY / "report.html").read_text()
    assert 'id="model-isp_actions_main"' in html
    assert "ISP-actions, main effects only" in html
