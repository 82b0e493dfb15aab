"""The methodologist's bench: simulation-based calibration (:mod:`.sbc`) and design analysis
(:mod:`.design`). Both refit one model structure many times (``intersession.inference.refit``)
and return tidy tables; figures are drawn from those tables by ``intersession.plots.calibration``.
"""

from __future__ import annotations

from intersession.data.codebook import Codebook
from intersession.model.declaration import ModelSpec, load_model
from intersession.schema import DeclarationError


def load_regression(
    models_dir: str, name: str, codebook: Codebook, key: str, variant: str | None = None
) -> ModelSpec:
    """Declaration ``name`` (as ``variant``), which must be a single-outcome regression: the
    refitting swaps one outcome. ``key`` is the config key that chose it, for the message."""
    spec = load_model(models_dir, name, codebook, variant=variant)
    if spec.mediation or spec.outcomes:
        kind = "a mediation model" if spec.mediation else "a joint model of several outcomes"
        raise DeclarationError(
            f"config key '{key}': {name} is {kind}; only single-outcome regressions can be "
            "refitted here (choose e.g. isp_actions)"
        )
    return spec
