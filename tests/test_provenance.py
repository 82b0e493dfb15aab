from intersession.provenance import derive_seed, object_digest


def test_derived_seeds_are_stable_and_distinct():
    assert derive_seed(20181101, "isp_actions") == derive_seed(20181101, "isp_actions")
    assert derive_seed(20181101, "isp_actions") == 2643797271
    assert derive_seed(20181101, "isp_actions") != derive_seed(20181101, "isp_thoughts")
    assert derive_seed(1, "isp_actions") != derive_seed(2, "isp_actions")


def test_object_digest_ignores_key_order():
    assert object_digest({"a": 1, "b": [1, 2]}) == object_digest({"b": [1, 2], "a": 1})
    assert object_digest({"a": 1}) != object_digest({"a": 2})
