"""Figures of the methodologist's bench, drawn from its tables; nothing is computed here."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # no screen on clusters; must precede pyplot
import matplotlib.pyplot as plt
import pandas as pd

INSIDE, OUTSIDE = "#2166ac", "#b2182b"


def ecdf_difference(ecdf: pd.DataFrame, uniformity: pd.DataFrame) -> plt.Figure:
    """One panel per parameter: the ECDF of the SBC ranks minus the uniform CDF, with the
    simultaneous band (red when the ECDF leaves it)."""
    parameters = uniformity["parameter"].tolist()
    columns = min(3, len(parameters))
    rows = math.ceil(len(parameters) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.4 * columns, 2.6 * rows), sharex=True, squeeze=False
    )
    for ax, (_, test) in zip(axes.flat, uniformity.iterrows(), strict=False):
        curve = ecdf[ecdf["parameter"] == test["parameter"]]
        colour = INSIDE if test["inside_band"] else OUTSIDE
        ax.fill_between(curve["fraction"], curve["lower"], curve["upper"], color="#bbbbbb")
        ax.step(curve["fraction"], curve["ecdf_difference"], where="post", color=colour)
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_title(f"{test['parameter']}\np = {test['p_value']:.2g}", fontsize="small")
    for ax in axes.flat[len(parameters) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("fractional rank")
    for ax in axes[:, 0]:
        ax.set_ylabel("ECDF difference")
    band = uniformity["band_prob"].iloc[0]
    n = uniformity["replicates"].iloc[0]
    fig.suptitle(f"SBC: {n} replicates, simultaneous {band:.1%} bands", fontsize="medium")
    fig.tight_layout()
    return fig


def detection(power: pd.DataFrame) -> plt.Figure:
    """Detection probability (bars: +-2 Monte Carlo SE) and median interval width of the
    standardised interaction against the number of clients, a line per term and sessions."""
    table = power[power["scale"] == "standardised"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    for (term, sessions), rows in table.groupby(["term", "sessions"], sort=False):
        label = f"{term}, {sessions} session(s)"
        left.errorbar(
            rows["clients"],
            rows["detection"],
            yerr=2 * rows["detection_mcse"],
            marker="o",
            capsize=3,
            label=label,
        )
        right.plot(rows["clients"], rows["median_width"], marker="o", label=label)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(table["clients"].unique()))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel("clients")
    left.set_ylim(0, 1.02)
    left.set_ylabel("P(interval excludes 0)")
    left.set_title("Detection probability", fontsize="medium")
    right.set_ylabel("median interval width (SD units)")
    right.set_title("Interval width", fontsize="medium")
    left.legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig
