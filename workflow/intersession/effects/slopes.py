"""Simple slopes, floodlight and Johnson-Neyman regions of a two-way interaction.

For ``y ~ x + w + x:w`` on standardised predictors, the slope of the focal predictor x at
moderator value w (standardised z) is ``b_x + b_xw * z`` per SD of x, or
``(b_x + b_xw * z) * sd_y / sd_x`` on the original scale (scale points per scale point).

- **Simple slopes** (spotlight; Aiken & West, 1991): at -1 SD, the mean and +1 SD of the
  moderator, and at any values set in the config, with equal-tailed intervals, probability
  of direction and, where a ROPE is configured, the posterior share inside it (Kruschke,
  2018).
- **Floodlight** (Spiller et al., 2013): the slope's posterior over a grid spanning the
  moderator's observed range, with P(slope > 0) at each point.
- **Johnson-Neyman regions** (Johnson & Neyman, 1936; Bauer & Curran, 2005, for their
  Bayesian reading): the moderator values, within the observed range, where the slope's
  equal-tailed credible interval at the report's level excludes 0: for a 95% interval,
  P(slope > 0) >= 0.975 (credibly positive) or <= 0.025 (credibly negative). One criterion
  for the regions, the floodlight band and every interval of the report (a one-sided 0.95
  would shade a region where the drawn 95% band still covers 0). The regions describe the
  posterior of the slope over the moderator; they are not a test, and each row gives how
  many observations fall inside it. A boundary is where that probability crosses the
  threshold, located by linear interpolation on a 400-point grid; its Monte Carlo
  standard error comes from 100 bootstrap resamples of the draws, inflated by
  sqrt(draws / ESS) for autocorrelation. The posterior of the point where the slope
  changes sign, ``-b_x / b_xw``, is given as well: it shows how uncertain
  the location of the change itself is.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
from scipy import stats

from intersession.effects.parameters import scaling, summarise
from intersession.effects.predictions import moderator_levels
from intersession.inference.record import parameter_map

GRID = 400
BOOTSTRAP = 100
KEYS = ["outcome", "focal", "moderator"]
SLOPE_COLUMNS = [
    *KEYS,
    "moderator_level",
    "moderator_value",
    "scale",
    "mean",
    "sd",
    "lower",
    "upper",
    "pd",
    "in_rope",
]
FLOODLIGHT_COLUMNS = [
    *KEYS,
    "moderator_value",
    "moderator_z",
    "mean",
    "lower",
    "upper",
    "p_positive",
    "density",
]
REGION_COLUMNS = [
    *KEYS,
    "region",
    "lower",
    "median",
    "upper",
    "lower_mcse",
    "upper_mcse",
    "lower_is_boundary",
    "upper_is_boundary",
    "observed_min",
    "observed_max",
    "n_inside",
    "n_observed",
]
ZERO_REGION = "slope = 0"


def jn_threshold(interval: float) -> float:
    """P(slope > 0) at which the equal-tailed ``interval`` stops covering 0: 0.95 -> 0.975."""
    return 1.0 - (1.0 - interval) / 2.0


def region_name(direction: str, interval: float) -> str:
    """'slope > 0 (95% interval above 0)' or 'slope < 0 (95% interval below 0)'."""
    sign, side = (">", "above") if direction == "positive" else ("<", "below")
    return f"slope {sign} 0 ({interval:.0%} interval {side} 0)"


class Interaction:
    """Posterior draws of one equation's focal slope and interaction, with the scaling."""

    def __init__(
        self, idata: az.InferenceData, suffix: str, outcome: str, focal: str, moderator: str
    ):
        post = idata.posterior.stack(sample=("chain", "draw"))
        eq = parameter_map(idata).equation(suffix)
        beta, dim = post[eq.coefficients], eq.term_dim
        self.keys = {"outcome": outcome, "focal": focal, "moderator": moderator}
        self.b_x = beta.sel({dim: focal}).values
        self.b_xw = beta.sel({dim: f"{focal}:{moderator}"}).values
        scale = scaling(idata)
        self.w_centre, self.w_scale = scale[moderator]  # how it entered the model
        self.w_mean, self.w_sd = scaling(idata, "observed")[moderator]  # where it is probed
        self.to_original = scale[outcome][1] / scale[focal][1]
        w_z = idata.constant_data[eq.design].sel({dim: moderator}).values
        self.observed = self.w_centre + self.w_scale * np.asarray(w_z)
        terms = idata.posterior[eq.coefficients].sel({dim: [focal, f"{focal}:{moderator}"]})
        ess = az.ess(terms.to_dataset(name="b"))["b"].values
        self.ess = float(np.min(ess))

    def slopes(self, z: np.ndarray) -> np.ndarray:
        """Draws x moderator values: the focal slope, standardised."""
        return self.b_x[:, None] + self.b_xw[:, None] * np.asarray(z)[None, :]

    def z_of(self, value):
        return (np.asarray(value) - self.w_centre) / self.w_scale

    def levels(self) -> list[tuple[str, float]]:
        """Moderator values to probe at (:func:`effects.predictions.moderator_levels`)."""
        return moderator_levels(self.observed, (self.w_mean, self.w_sd))


def simple_slopes(
    inter: Interaction,
    values: list[float] | None = None,
    interval: float = 0.95,
    rope: float | None = None,
) -> pd.DataFrame:
    """Focal slope at -1 SD, mean, +1 SD of the moderator (at its two values if it is
    binary) and at ``values`` (original units), standardised and on the original scale."""
    points = inter.levels() + [(f"{v:g}", float(v)) for v in values or []]
    rows = []
    for label, value in points:
        draws = inter.slopes(inter.z_of([value]))[:, 0]
        for scale_name, factor in (("standardised", 1.0), ("original", inter.to_original)):
            row = summarise(draws * factor, interval)
            in_rope = float(np.mean(np.abs(draws) < rope)) if rope else np.nan
            rows.append(
                {
                    **inter.keys,
                    "moderator_level": label,
                    "moderator_value": value,
                    "scale": scale_name,
                    **row,
                    "in_rope": in_rope if scale_name == "standardised" else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=SLOPE_COLUMNS)


def _grid(inter: Interaction) -> np.ndarray:
    return np.linspace(inter.observed.min(), inter.observed.max(), GRID)


def floodlight(inter: Interaction, interval: float = 0.95) -> pd.DataFrame:
    """The focal slope (original scale) over the moderator's observed range, with the
    observed moderator's density there (Gaussian kernel, Scott's bandwidth)."""
    grid = _grid(inter)
    try:
        density = stats.gaussian_kde(inter.observed)(grid)
    except (np.linalg.LinAlgError, ValueError):  # constant or single value: no density
        density = np.zeros_like(grid)
    draws = inter.slopes(inter.z_of(grid)) * inter.to_original
    tail = (1 - interval) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
    return pd.DataFrame(
        {
            **inter.keys,
            "moderator_value": grid,
            "moderator_z": inter.z_of(grid),
            "mean": draws.mean(axis=0),
            "lower": lower,
            "upper": upper,
            "p_positive": (draws > 0).mean(axis=0),
            "density": density,
        },
        columns=FLOODLIGHT_COLUMNS,
    )


def _crossing(grid: np.ndarray, p: np.ndarray, i: int, level: float) -> float:
    """Where p crosses ``level`` between grid points i and i + 1 (linear interpolation)."""
    return float(grid[i] + (level - p[i]) * (grid[i + 1] - grid[i]) / (p[i + 1] - p[i]))


def _regions(grid: np.ndarray, p: np.ndarray, threshold: float) -> list[tuple]:
    """(direction, lower, upper, lower_is_boundary, upper_is_boundary) of each run of grid
    points where p >= threshold (positive) or p <= 1 - threshold (negative)."""
    found = []
    for direction, inside, level in (
        ("positive", p >= threshold, threshold),
        ("negative", p <= 1 - threshold, 1 - threshold),
    ):
        padded = np.concatenate([[False], inside, [False]]).astype(int)
        starts = np.flatnonzero(np.diff(padded) == 1)
        stops = np.flatnonzero(np.diff(padded) == -1) - 1
        for start, stop in zip(starts, stops, strict=True):
            lower_b, upper_b = start > 0, stop < len(grid) - 1
            lower = _crossing(grid, p, start - 1, level) if lower_b else float(grid[0])
            upper = _crossing(grid, p, stop, level) if upper_b else float(grid[-1])
            found.append((direction, lower, upper, lower_b, upper_b))
    return found


def _mcse(matches: list[tuple], position: int, is_boundary: bool, inflate: float) -> float:
    """Bootstrap SD of a boundary over the resamples' matching regions, times ``inflate``."""
    if not is_boundary or len(matches) < 2:
        return np.nan
    return float(np.std([r[position] for r in matches], ddof=1) * inflate)


def johnson_neyman(inter: Interaction, interval: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Regions of the observed moderator range where the focal slope's equal-tailed
    ``interval`` excludes 0 (credibly positive or negative), with Monte Carlo standard
    errors of their boundaries and the number of observations inside each; plus the
    posterior median and ``interval`` of the moderator value where the slope is zero
    (``region`` starting ``slope = 0``)."""
    threshold = jn_threshold(interval)
    grid = _grid(inter)
    z = inter.z_of(grid)
    found = _regions(grid, (inter.slopes(z) > 0).mean(axis=0), threshold)
    rng = np.random.default_rng(seed)
    n = len(inter.b_x)
    resampled = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, n, size=n)
        slopes = inter.b_x[pick, None] + inter.b_xw[pick, None] * z[None, :]
        resampled.append(_regions(grid, (slopes > 0).mean(axis=0), threshold))
    inflate = np.sqrt(n / max(inter.ess, 1.0))
    rows = []
    for direction, lower, upper, lower_b, upper_b in found:
        matches = [
            min(
                (r for r in regions if r[0] == direction),
                key=lambda r: abs(r[1] - lower) + abs(r[2] - upper),
                default=None,
            )
            for regions in resampled
        ]
        matches = [r for r in matches if r is not None]
        rows.append(
            {
                **inter.keys,
                "region": region_name(direction, interval),
                "lower": lower,
                "median": np.nan,
                "upper": upper,
                "lower_mcse": _mcse(matches, 1, lower_b, inflate),
                "upper_mcse": _mcse(matches, 2, upper_b, inflate),
                "lower_is_boundary": lower_b,
                "upper_is_boundary": upper_b,
                "n_inside": int(np.sum((inter.observed >= lower) & (inter.observed <= upper))),
            }
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        zero = inter.w_centre + inter.w_scale * (-inter.b_x / inter.b_xw)
    tail = (1.0 - interval) / 2.0
    low, mid, high = np.nanquantile(zero, [tail, 0.5, 1.0 - tail])
    rows.append(
        {
            **inter.keys,
            "region": f"{ZERO_REGION} (median, {interval:.0%} interval)",
            "lower": low,
            "median": mid,
            "upper": high,
            "lower_mcse": np.nan,
            "upper_mcse": np.nan,
            "lower_is_boundary": False,
            "upper_is_boundary": False,
            "n_inside": np.nan,
        }
    )
    table = pd.DataFrame(rows, columns=REGION_COLUMNS)
    table["observed_min"], table["observed_max"] = inter.observed.min(), inter.observed.max()
    table["n_observed"] = len(inter.observed)
    return table
