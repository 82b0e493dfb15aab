"""Figures of the report. Each function returns a matplotlib Figure and computes nothing."""

from __future__ import annotations

import arviz as az
import matplotlib

matplotlib.use("Agg")  # no screen on clusters; must precede pyplot
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from intersession.effects.predictions import HIGH, LOW, MEAN

LEVEL_STYLE = {LOW: ("#b2182b", "--"), MEAN: ("#4d4d4d", "-"), HIGH: ("#2166ac", "-.")}


def posterior_predictive(
    idata: az.InferenceData,
    outcome_label: str,
    var_name: str,
    coords: dict | None = None,
    kind: str = "density",
) -> plt.Figure:
    """Observed distribution of the outcome against those of posterior predictive draws
    (``coords`` selects one outcome of a joint model's variable): densities, or for a
    discrete outcome (``kind`` "bars", integer data) ArviZ's histograms of its values."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    az.plot_ppc(
        idata, var_names=[var_name], coords=coords, ax=ax, num_pp_samples=100, random_seed=0
    )
    ax.set_xlabel(outcome_label + (" (counts of each value)" if kind == "bars" else ""))
    ax.set_title("Posterior predictive check")
    fig.tight_layout()
    return fig


def predicted_lines(table: pd.DataFrame, labels: dict[str, str], interval: float) -> plt.Figure:
    """Predicted outcome over the focal predictor, one line and band per moderator level."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for level, rows in table.groupby("moderator_level", sort=False):
        colour, style = LEVEL_STYLE.get(level, ("black", "-"))
        value = rows["moderator_value"].iloc[0]
        ax.fill_between(rows["focal_value"], rows["lower"], rows["upper"], color=colour, alpha=0.15)
        ax.plot(
            rows["focal_value"],
            rows["mean"],
            color=colour,
            linestyle=style,
            label=f"{labels['moderator']} {level} ({value:.2f})",
        )
    ax.set_xlabel(f"{labels['focal']} (scale points)")
    ax.set_ylabel(f"Predicted {labels['outcome']} (scale points)")
    title = f"{labels['outcome']}: mean and {interval:.0%} credible band"
    if labels.get("held"):  # e.g. a mediation's b path: the mediator at its mean
        title += f"\n{labels['held']}"
    ax.set_title(title, fontsize="medium")
    ax.legend(frameon=False, fontsize="small", loc="best")
    fig.tight_layout()
    return fig


def floodlight(table: pd.DataFrame, regions: pd.DataFrame, labels: dict, interval: float):
    """The focal slope's posterior mean and band over the moderator's observed range, the
    Johnson-Neyman regions shaded, and the observed moderator's density below."""
    fig, (ax, dens) = plt.subplots(
        2, 1, figsize=(6, 4.6), sharex=True, gridspec_kw={"height_ratios": [4, 1]}
    )
    x = table["moderator_value"]
    ax.fill_between(x, table["lower"], table["upper"], color="#2166ac", alpha=0.2)
    ax.plot(x, table["mean"], color="#2166ac", label="posterior mean slope")
    ax.axhline(0.0, color="black", linewidth=0.8)
    for _, region in regions.iterrows():
        if region["region"].startswith("slope = 0"):
            continue
        colour = "#1b7a1b" if region["region"].startswith("slope >") else "#b2182b"
        ax.axvspan(region["lower"], region["upper"], color=colour, alpha=0.12)
        for side in ("lower", "upper"):
            if region[f"{side}_is_boundary"]:
                ax.axvline(region[side], color=colour, linestyle="--", linewidth=1)
    ax.set_ylabel(f"Slope of {labels['focal']}\n(outcome points per predictor point)")
    ax.set_title(
        f"{labels['outcome']}: slope of {labels['focal']}, {interval:.0%} band;\n"
        f"shaded where the {interval:.0%} band excludes 0",
        fontsize="medium",
    )
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    dens.fill_between(x, table["density"], color="#777777", alpha=0.5)
    dens.set_yticks([])
    dens.set_ylabel("data", fontsize="small")
    dens.set_xlabel(f"{labels['moderator']} (scale points)")
    fig.tight_layout()
    return fig


def rank_plots(idata: az.InferenceData, var_names: list[str], titles=None) -> plt.Figure:
    """Rank histograms per chain of each parameter (Vehtari et al., 2021): flat when the
    chains agree. ``titles`` maps a variable as ArviZ names it ('beta[self_alliance]') to
    the words the report uses for it."""
    axes = np.ravel(az.plot_rank(idata, var_names=var_names, kind="bars"))
    fig = axes[0].figure
    rows = int(np.ceil(len(axes) / 3))
    fig.set_size_inches(9, 2.6 * rows)
    for ax in axes:
        var, _, coord = ax.get_title().partition("\n")
        name = f"{var}[{coord}]" if coord else var
        if titles and name:
            ax.set_title(titles(name), fontsize=9, wrap=True)
        else:
            ax.title.set_fontsize(9)
        ax.xaxis.label.set_fontsize(9)
        ax.yaxis.label.set_fontsize(9)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def energy(idata: az.InferenceData) -> plt.Figure:
    """Marginal energy against energy transitions (Betancourt, 2016)."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    az.plot_energy(idata, ax=ax)
    fig.tight_layout()
    return fig


def loo_pit(table: pd.DataFrame, outcome_label: str, interval: float) -> plt.Figure:
    """The ECDF of LOO-PIT values minus the uniform CDF, with its simultaneous band
    (``checks.calibration.loo_pit_table``; Sailynoja et al., 2022)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.fill_between(
        table["pit"],
        table["lower"],
        table["upper"],
        step="mid",
        color="#92c5de",
        alpha=0.5,
        label=f"simultaneous {interval:.0%} band",
    )
    ax.step(table["pit"], table["ecdf_difference"], where="mid", color="#1a1a1a", label="LOO-PIT")
    ax.axhline(0.0, color="#777777", linewidth=0.8)
    ax.set_xlabel("LOO-PIT value")
    ax.set_ylabel("ECDF difference")
    ax.legend(
        frameon=False, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2
    )
    ax.set_title(f"LOO-PIT: {outcome_label}")
    fig.tight_layout()
    return fig


def divergence_pairs(idata: az.InferenceData, var_names: list[str]) -> plt.Figure:
    """Pair plot of the named parameters with divergent transitions marked."""
    axes = az.plot_pair(idata, var_names=var_names, divergences=True, figsize=(7, 7))
    return np.ravel(axes)[0].figure


def grouped_ppc(table: pd.DataFrame, level: str, outcome_label: str, interval: float):
    """Observed mean of the outcome per unit of ``level`` (dots; red outside) against the
    predictive interval of that mean (``checks.calibration.grouped_predictive_table``)."""
    rows = table.sort_values("observed_mean", kind="stable")
    fig, ax = plt.subplots(figsize=(6, max(3.0, 0.18 * len(rows) + 1)))
    y = np.arange(len(rows))
    ax.hlines(y, rows["lower"], rows["upper"], color="#92c5de", linewidth=3, label="predicted")
    colours = np.where(rows["outside"].astype(bool), "#b2182b", "#1a1a1a")
    ax.scatter(rows["observed_mean"], y, color=colours, s=14)
    ax.set_yticks(y, rows["unit"].astype(str), fontsize=6 if len(rows) > 30 else 8)
    ax.set_xlabel(f"Mean {outcome_label} per {level}")
    ax.set_title(f"Observed {level} means (dots) and {interval:.0%} predictive intervals")
    fig.tight_layout()
    return fig


def prior_predictive(draws: np.ndarray, low: float, high: float, outcome_label: str):
    """Histogram of prior predictive draws with the instrument's possible range marked."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    span = high - low
    window = np.clip(draws, low - 3 * span, high + 3 * span)  # the far tails piled at the edges
    ax.hist(window, bins=80, color="#92c5de", density=True)
    for edge in (low, high):
        ax.axvline(edge, color="#b2182b", linestyle="--", linewidth=1)
    outside = np.mean((draws < low) | (draws > high))
    ax.set_xlabel(f"{outcome_label} (prior predictive; dashed: possible range)")
    ax.set_yticks([])
    ax.set_title(f"Prior predictive {outcome_label}: {outside:.0%} outside the possible range")
    fig.tight_layout()
    return fig
