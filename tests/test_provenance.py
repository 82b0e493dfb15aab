import numpy as np

from intersession.provenance import array_digest, derive_seed, object_digest


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
