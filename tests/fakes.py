"""Small fake posteriors with known values, for tests that need no sampler.

Every scale factor differs from 1 and from each other (outcome SD 0.6, self-alliance SD
0.8, other-alliance SD 1.1), so that a dropped or inverted original-scale factor changes
the numbers; the two paths of a mediation fit have their own draws and means, so that
swapping them changes every indirect effect.
"""

import json

import arviz as az
import numpy as np
import xarray as xr

from intersession.model.parameter_map import parameter_map
from intersession.provenance import PROVENANCE_ATTR


def with_parameter_map(idata, equations=(("", "isp_actions"),), family="gaussian", joint=None):
    """Store the parameter map of ``idata``'s posterior (equations as (suffix, outcome);
    ``joint``: the observed variable holding all outcomes), as a fit's record holds it."""
    names = idata.posterior.data_vars if "posterior" in idata.groups() else []
    pmap = parameter_map(
        [
            {
                "suffix": suffix,
                "outcome": outcome,
                "family": family,
                "observed": (joint, {"outcome": [outcome]}) if joint else (outcome, None),
            }
            for suffix, outcome in equations
        ],
        names,
    )
    if "posterior" not in idata.groups():  # the record lives in the posterior's attributes
        idata.add_groups(posterior={"placeholder": np.zeros((1, 1))})
    idata.posterior.attrs[PROVENANCE_ATTR] = json.dumps({"parameters": pmap.to_dict()})
    return idata


TERMS = ["self_alliance", "other_alliance", "self_alliance:other_alliance"]
#: (mean, SD) used to standardise each variable of the fakes.
SCALING = {
    "isp_actions": (3.0, 0.6),
    "self_alliance": (5.8, 0.8),
    "other_alliance": (5.0, 1.1),
    "progress": (4.0, 1.3),
}


def attach_fake_scaling(idata, names) -> None:
    idata.constant_data["scaling_mean"] = xr.DataArray(
        [SCALING[n][0] for n in names], coords={"variable": names}
    )
    idata.constant_data["scaling_sd"] = xr.DataArray(
        [SCALING[n][1] for n in names], coords={"variable": names}
    )


def fake_fit(
    beta=(0.5, 0.3, 0.2), n_chains=4, n_draws=500, seed=0, shift_chain=0.0, divergent=0, saturated=0
):
    """An InferenceData shaped like a fit of isp_actions, with draws around ``beta``."""
    rng = np.random.default_rng(seed)
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
        coords={"term": TERMS, "obs_id": [f"C{i}" for i in range(20)]},
        dims={"beta": ["term"], "isp_actions": ["obs_id"], "X": ["term", "obs_id"]},
    )
    attach_fake_scaling(idata, ["isp_actions", "self_alliance", "other_alliance"])
    return with_parameter_map(idata)


def fake_mediation_fit(a=(0.4, 0.1, 0.25), b=(0.6, 0.15, -0.05, 0.1), n_draws=500, seed=0):
    """A moderated mediation fit (isp_actions ~ self x other; progress ~ isp_actions +
    self x other) whose a- and b-path draws are independent, with different means and SDs
    (0.1 for a, 0.05 for b): any mix-up of the paths changes the indirect effects."""
    rng = np.random.default_rng(seed)
    shape = (4, n_draws)
    term_b = ["isp_actions", *TERMS]
    idata = az.from_dict(
        posterior={
            "Intercept_a": 0.05 * rng.normal(size=shape),
            "Intercept_b": 0.05 * rng.normal(size=shape),
            "beta_a": np.asarray(a) + 0.1 * rng.normal(size=(*shape, 3)),
            "beta_b": np.asarray(b) + 0.05 * rng.normal(size=(*shape, 4)),
            "sigma_a": 0.8 + 0.05 * rng.normal(size=shape),
            "sigma_b": 0.7 + 0.05 * rng.normal(size=shape),
        },
        observed_data={
            "isp_actions": rng.normal(3, 0.6, size=20),
            "progress": rng.normal(4, 1.3, size=20),
        },
        constant_data={"X_a": rng.normal(size=(3, 20)), "X_b": rng.normal(size=(4, 20))},
        coords={"term_a": TERMS, "term_b": term_b, "obs_id": [f"C{i}" for i in range(20)]},
        dims={
            "beta_a": ["term_a"],
            "beta_b": ["term_b"],
            "isp_actions": ["obs_id"],
            "progress": ["obs_id"],
            "X_a": ["term_a", "obs_id"],
            "X_b": ["term_b", "obs_id"],
        },
    )
    attach_fake_scaling(idata, list(SCALING))
    return with_parameter_map(idata, [("_a", "isp_actions"), ("_b", "progress")])
