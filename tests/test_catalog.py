"""Workflow-catalog files: the config usage page is the schema's, licence and citation agree
with pyproject.toml."""

import tomllib

import yaml

from intersession.config_doc import render
from intersession.schema import load_schema
from tests.conftest import ROOT


def test_config_readme_is_generated_from_the_current_schema():
    """Regenerate with `.venv/bin/python -m intersession.config_doc config/README.md`."""
    assert (ROOT / "config" / "README.md").read_text() == render(load_schema("config"))


def test_config_readme_has_a_row_per_key_with_type_default_and_description():
    page = render(load_schema("config"))
    assert (
        "| `sampler.chains` | integer (>= 1, <= 64) | `4` | Markov chains per fit (one thread "
        "each for studies of 2,000 rows or more) |\n" in page
    )
    assert "| `study.name` | string (matching `^[A-Za-z0-9][A-Za-z0-9_-]*$`) | *required* |" in page
    assert (
        '| `loo.variants` | list of one of `"no_interaction"`, `"student_t"`, `"gaussian"`, '
        '`"no_therapist"` (no repeats) | `["no_interaction", "student_t"]` |' in page
    )

    def keys(properties, prefix=""):
        for name, spec in properties.items():
            yield f"{prefix}{name}"
            yield from keys(spec.get("properties", {}), f"{prefix}{name}.")

    schema_keys = list(keys(load_schema("config")["properties"]))
    rows = [line.split(" | ")[0][3:-1] for line in page.splitlines() if line.startswith("| `")]
    assert rows == schema_keys
    assert len(rows) == 55  # effects.jn_probability removed (issue 19)


def test_license_citation_and_catalog_agree_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert (citation["cff-version"], citation["license"]) == ("1.2.0", "MIT")
    assert citation["version"] == project["version"]
    catalog = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text())["usage"]
    assert catalog["report"] is True
    assert catalog["mandatory-flags"]["flags"] == "--cores all"
