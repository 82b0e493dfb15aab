import json
from dataclasses import asdict, replace
from types import SimpleNamespace

import numpy as np
import pytest

from intersession.inference.record import FitIdentity, StaleFitError, StudyInputs, check_current
from intersession.provenance import array_digest, derive_seed, file_sha256, object_digest


def test_derived_seeds_are_stable_and_distinct():
    assert derive_seed(20181101, "isp_actions") == derive_seed(20181101, "isp_actions")
    assert derive_seed(20181101, "isp_actions") == 2643797271
    assert derive_seed(20181101, "isp_actions") != derive_seed(20181101, "isp_thoughts")
    assert derive_seed(1, "isp_actions") != derive_seed(2, "isp_actions")


def test_object_digest_ignores_key_order():
    assert object_digest({"a": 1, "b": [1, 2]}) == object_digest({"b": [1, 2], "a": 1})
    assert object_digest({"a": 1}) != object_digest({"a": 2})


def test_array_digest_changes_with_any_bit_name_or_dtype():
    draws = np.random.default_rng(1).normal(size=(2, 50))
    base = array_digest({"beta": draws, "sigma": draws[0]})
    assert base == array_digest({"sigma": draws[0].copy(), "beta": draws.copy()})
    nudged = draws.copy()
    nudged[1, 7] = np.nextafter(nudged[1, 7], 1)
    assert array_digest({"beta": nudged, "sigma": draws[0]}) != base
    assert array_digest({"b": draws, "sigma": draws[0]}) != base
    assert array_digest({"beta": draws.astype(np.float32), "sigma": draws[0]}) != base


def test_a_fit_is_current_only_while_every_input_matches(tmp_path):
    data, codebook = tmp_path / "study.csv", tmp_path / "codebook.yaml"
    data.write_text("client,x\nC1,1\n")
    codebook.write_text("title: t\n")
    spec = SimpleNamespace(declaration={"outcome": "y"}, priors={"name": "default"})
    sampler = {"backend": "nutpie", "chains": 4, "draws": 1000}
    inputs = StudyInputs("models", str(codebook), str(data), sampler, 7)
    stored = inputs.identity(spec)
    reread = FitIdentity(**json.loads(json.dumps(asdict(stored))))
    assert reread == stored and reread.digest == stored.digest
    check_current("fit.nc", reread, inputs.identity(spec))
    data.write_text("client,x\nC1,2\n")
    changed = replace(inputs, seed=8).identity(spec)
    assert changed.digest != stored.digest
    with pytest.raises(StaleFitError) as err:
        check_current("fit.nc", reread, changed)
    assert str(err.value) == (
        "fit.nc does not match the current inputs (study file (SHA-256): fitted with "
        f"{stored.data_sha256[:12]}, now {file_sha256(data)[:12]}; seed: fitted with 7, "
        "now 8); it will not be used. Refit it: snakemake --cores all --force fit.nc, then "
        "rerun snakemake"
    )
