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
  Bayesian reading): the moderator values, within the observed range, where
  P(slope > 0) >= 0.95 (credibly positive) or <= 0.05 (credibly negative). A boundary is
  where that probability crosses the threshold, located by linear interpolation on a
  400-point grid; its Monte Carlo standard error comes from 100 bootstrap resamples of the
  draws, inflated by sqrt(draws / ESS) for autocorrelation. The posterior of the point
  where the slope changes sign, ``-b_x / b_xw``, is given as well: it shows how uncertain
  the location of the change itself is.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
from scipy import stats

from intersession.effects.parameters import scaling, summarise
from intersession.effects.predictions import MODERATOR_LEVELS
from intersession.inference.record import parameter_map

THRESHOLD = 0.95
GRID = 400
BOOTSTRAP = 100
LEVELS = MODERATOR_LEVELS
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
]


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
        self.w_mean, self.w_sd = scale[moderator]
        self.to_original = scale[outcome][1] / scale[focal][1]
        w_z = idata.constant_data[eq.design].sel({dim: moderator}).values
        self.observed = self.w_mean + self.w_sd * np.asarray(w_z)
        terms = idata.posterior[eq.coefficients].sel({dim: [focal, f"{focal}:{moderator}"]})
        ess = az.ess(terms.to_dataset(name="b"))["b"].values
        self.ess = float(np.min(ess))

    def slopes(self, z: np.ndarray) -> np.ndarray:
        """Draws x moderator values: the focal slope, standardised."""
        return self.b_x[:, None] + self.b_xw[:, None] * np.asarray(z)[None, :]

    def z_of(self, value):
        return (np.asarray(value) - self.w_mean) / self.w_sd


def simple_slopes(
    inter: Interaction,
    values: list[float] | None = None,
    interval: float = 0.95,
    rope: float | None = None,
) -> pd.DataFrame:
    """Focal slope at -1 SD, mean, +1 SD of the moderator and at ``values`` (original
    units), standardised and on the original scale."""
    points = [(label, inter.w_mean + z * inter.w_sd) for label, z in LEVELS.items()]
    points += [(f"{v:g}", float(v)) for v in values or []]
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


def johnson_neyman(inter: Interaction, threshold: float = THRESHOLD, seed: int = 0) -> pd.DataFrame:
    """Regions of the observed moderator range where the focal slope is credibly positive
    or negative, with Monte Carlo standard errors of their boundaries; plus the posterior
    median and 95% interval of the moderator value where the slope is zero (``region`` =
    ``slope = 0``)."""
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
                "region": f"slope {'>' if direction == 'positive' else '<'} 0 with "
                f"probability >= {threshold:g}",
                "lower": lower,
                "median": np.nan,
                "upper": upper,
                "lower_mcse": _mcse(matches, 1, lower_b, inflate),
                "upper_mcse": _mcse(matches, 2, upper_b, inflate),
                "lower_is_boundary": lower_b,
                "upper_is_boundary": upper_b,
            }
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        zero = inter.w_mean + inter.w_sd * (-inter.b_x / inter.b_xw)
    low, mid, high = np.nanquantile(zero, [0.025, 0.5, 0.975])
    rows.append(
        {
            **inter.keys,
            "region": "slope = 0 (median, 95% interval)",
            "lower": low,
            "median": mid,
            "upper": high,
            "lower_mcse": np.nan,
            "upper_mcse": np.nan,
            "lower_is_boundary": False,
            "upper_is_boundary": False,
        }
    )
    table = pd.DataFrame(rows, columns=REGION_COLUMNS)
    table["observed_min"], table["observed_max"] = inter.observed.min(), inter.observed.max()
    return table
