"""Small fake posteriors with known values, for tests that need no sampler."""

import json

import arviz as az
import numpy as np
import xarray as xr

from intersession.model.parameter_map import parameter_map
from intersession.provenance import PROVENANCE_ATTR


def with_parameter_map(idata, equations=(("", "isp_actions"),), family="gaussian"):
    """Store the parameter map of ``idata``'s posterior (equations as (suffix, outcome)),
    as a fit's record holds it."""
    pmap = parameter_map(
        [
            {"suffix": suffix, "outcome": outcome, "family": family, "observed": (outcome, None)}
            for suffix, outcome in equations
        ],
        idata.posterior.data_vars,
    )
    idata.posterior.attrs[PROVENANCE_ATTR] = json.dumps({"parameters": pmap.to_dict()})
    return idata


def fake_fit(
    beta=(0.5, 0.3, 0.2), n_chains=4, n_draws=500, seed=0, shift_chain=0.0, divergent=0, saturated=0
):
    """An InferenceData shaped like a fit of isp_actions, with draws around ``beta``."""
    rng = np.random.default_rng(seed)
    terms = ["self_alliance", "other_alliance", "self_alliance:other_alliance"]
    shape = (n_chains, n_draws)
    b = np.asarray(beta) + 0.1 * rng.normal(size=(*shape, 3))
    b[0] += shift_chain
    diverging = np.zeros(shape, dtype=bool)
    diverging.flat[:divergent] = True
    saturated_draws = np.zeros(shape, dtype=bool)
    saturated_draws.flat[:saturated] = True
    idata = az.from_dict(
        posterior={
            "Intercept": 0.05 * rng.normal(size=shape),
            "beta": b,
            "sd_therapist": np.abs(0.2 + 0.05 * rng.normal(size=shape)),
            "sigma": 0.8 + 0.05 * rng.normal(size=shape),
        },
        sample_stats={
            "diverging": diverging,
            "maxdepth_reached": saturated_draws,
            "energy": rng.normal(size=shape),
        },
        observed_data={"isp_actions": rng.normal(3, 1, size=20)},
        constant_data={"X": rng.normal(size=(3, 20))},
        coords={"term": terms, "obs_id": [f"C{i}" for i in range(20)]},
        dims={"beta": ["term"], "isp_actions": ["obs_id"], "X": ["term", "obs_id"]},
    )
    names = ["isp_actions", "self_alliance", "other_alliance"]
    idata.constant_data["scaling_mean"] = xr.DataArray([3.0, 5.8, 5.0], coords={"variable": names})
    idata.constant_data["scaling_sd"] = xr.DataArray([0.8, 0.8, 1.1], coords={"variable": names})
    return with_parameter_map(idata)
