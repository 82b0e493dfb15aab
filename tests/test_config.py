"""The config schema: defaults, and messages that name the key and what is allowed."""

import subprocess
import sys

import pytest
import yaml

from intersession.schema import DeclarationError, check, load_yaml
from tests.conftest import ROOT, copy_workflow


def default_config():
    return load_yaml(ROOT / "config" / "config.yaml")


def test_default_config_passes_and_gets_defaults():
    config = default_config()
    del config["sampler"]
    checked = check(config, "config", "config.yaml")
    assert checked["sampler"] == {
        "backend": "nutpie",
        "chains": 4,
        "tune": 1000,
        "draws": 1000,
        "target_accept": 0.9,
        "prior_draws": 500,
    }
    assert checked["models_dir"] == "models"
    assert "sampler" not in config  # the input is not modified


def test_misspelled_key_names_key_allowed_keys_and_suggestion():
    config = default_config()
    config["sampler"]["chanis"] = 4
    with pytest.raises(DeclarationError) as err:
        check(config, "config", "config.yaml")
    assert str(err.value) == (
        "config.yaml: 1 problem(s):\n"
        "  - key 'sampler.chanis' is not allowed; allowed keys here: backend, chains, draws, "
        "prior_draws, target_accept, tune. Did you mean 'chains'?"
    )


def test_a_removed_key_says_what_replaced_it():
    """effects.jn_probability set a one-sided Johnson-Neyman criterion beside two-sided
    bands; the regions now follow report.interval, and an old config says so."""
    config = default_config()
    config["effects"]["jn_probability"] = 0.95
    with pytest.raises(DeclarationError) as err:
        check(config, "config", "config.yaml")
    assert str(err.value) == (
        "config.yaml: 1 problem(s):\n"
        "  - key 'effects.jn_probability' was removed: Johnson-Neyman regions now use "
        "report.interval (where the slope's credible interval excludes 0, the criterion of "
        "the floodlight band); delete effects.jn_probability."
    )


def test_every_problem_is_listed_with_value_and_allowed_values():
    config = default_config()
    config["sampler"]["backend"] = "stan"
    config["sampler"]["chains"] = "four"
    config["seed"] = -1
    with pytest.raises(DeclarationError) as err:
        check(config, "config", "config.yaml")
    lines = str(err.value).splitlines()
    assert lines[0] == "config.yaml: 3 problem(s):"
    assert "  - key 'sampler.backend' has value 'stan'; allowed values: 'nutpie', 'pymc'" in lines
    assert "  - key 'sampler.chains' has value 'four' of the wrong type; expected integer" in lines
    assert "  - key 'seed' has value -1: -1 is less than the minimum of 0" in lines


def test_snakemake_stops_at_parse_time_on_a_bad_config(tmp_path):
    work = copy_workflow(tmp_path)
    config = default_config()
    config["sampler"]["backend"] = "stan"
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "1",
            "--directory",
            str(work),
            "--snakefile",
            str(work / "Snakefile"),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=120,
    )
    assert run.returncode != 0
    assert "key 'sampler.backend' has value 'stan'; allowed values: 'nutpie', 'pymc'" in run.stderr
    assert not (work / "results").exists()


def test_bench_names_without_files_are_refused_and_unfitted_models_skipped():
    from intersession.model.declaration import bench_models, prior_set_names

    models = ROOT / "models"
    assert prior_set_names(models, ["default", "sceptical"]) == ["default", "sceptical"]
    with pytest.raises(DeclarationError) as err:
        prior_set_names(models, ["default", "vague"])
    assert str(err.value) == (
        f"config key prior_grid.prior_sets lists ['vague'], which have no file in {models}/priors/"
    )
    fitted = ["isp_actions", "progress"]
    assert bench_models(models, fitted, ["isp_actions", "isp_thoughts"], "loo") == ["isp_actions"]
    with pytest.raises(DeclarationError) as err:
        bench_models(models, fitted, ["isp_action"], "loo")
    assert (
        str(err.value)
        == f"config key loo.models lists ['isp_action'], which have no file in {models}/"
    )


def test_loo_variants_are_checked_by_the_schema():
    config = default_config()
    config["loo"]["variants"] = ["ordinal"]
    with pytest.raises(DeclarationError) as err:
        check(config, "config", "config.yaml")
    assert "key 'loo.variants.0' has value 'ordinal'; allowed values: 'no_interaction'" in str(
        err.value
    )
