"""Figures of the methodologist's bench: prior comparison, prior sensitivity and LOO.

Like :mod:`intersession.plots.figures`, each function draws a tidy table and computes
nothing.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen on clusters; must precede pyplot
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

PRIOR_COLOURS = ["#1a1a1a", "#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214"]


def prior_forest(table: pd.DataFrame, labels: dict[str, str], interval: float) -> plt.Figure:
    """Each key estimate's mean and interval under every prior set, one row per estimate."""
    rows = table[["outcome", "estimate"]].drop_duplicates().to_numpy().tolist()
    sets = list(dict.fromkeys(table["prior_set"]))
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.55 * len(rows)))
    offsets = np.linspace(-0.3, 0.3, len(sets)) if len(sets) > 1 else [0.0]
    for j, prior_set in enumerate(sets):
        for i, (outcome, estimate) in enumerate(rows):
            hit = table[
                (table["outcome"] == outcome)
                & (table["estimate"] == estimate)
                & (table["prior_set"] == prior_set)
            ]
            if hit.empty:
                continue
            y = i + offsets[j]
            colour = PRIOR_COLOURS[j % len(PRIOR_COLOURS)]
            ax.plot([hit["lower"].iloc[0], hit["upper"].iloc[0]], [y, y], color=colour, lw=1.5)
            ax.plot(
                hit["mean"].iloc[0], y, "o", color=colour, ms=4, label=prior_set if i == 0 else None
            )
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_yticks(
        range(len(rows)), [f"{labels.get(o, o)}: {labels.get(e, e)}" for o, e in rows], fontsize=8
    )
    ax.invert_yaxis()
    ax.set_xlabel(f"Posterior mean and {interval:.0%} interval (standardised)")
    ax.legend(title="Prior set", frameon=False, fontsize="small", loc="best")
    fig.tight_layout()
    return fig


def sensitivity(table: pd.DataFrame, threshold: float) -> plt.Figure:
    """Power-scaling sensitivity to the prior against sensitivity to the likelihood, one dot
    per parameter, with the diagnostic threshold on both axes."""
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    flagged = table["diagnosis"] != "none"
    ax.scatter(table["prior"], table["likelihood"], c=np.where(flagged, "#b2182b", "#1a1a1a"), s=18)
    for _, row in table[flagged].iterrows():
        ax.annotate(
            row["parameter"],
            (row["prior"], row["likelihood"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.axvline(threshold, color="grey", ls="--", lw=0.8)
    ax.axhline(threshold, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("Sensitivity to the prior (CJS distance)")
    ax.set_ylabel("Sensitivity to the likelihood")
    ax.margins(0.15)
    ax.set_title("Power-scaling sensitivity (red: diagnosed)")
    fig.tight_layout()
    return fig


def loo_comparison(table: pd.DataFrame) -> plt.Figure:
    """ELPD of each variant relative to the best with the SE of the difference, and its
    stacking weight."""
    fig, ax = plt.subplots(figsize=(6, 0.9 + 0.5 * len(table)))
    y = np.arange(len(table))
    ax.errorbar(
        table["elpd_diff"], y, xerr=table["dse"].fillna(0), fmt="o", color="#1a1a1a", capsize=3
    )
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_yticks(
        y,
        [f"{v} (weight {w:.2f})" for v, w in zip(table["variant"], table["weight"], strict=True)],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.set_xlabel("ELPD difference to the best model (+/- SE of the difference)")
    fig.tight_layout()
    return fig


def pareto_k(table: pd.DataFrame, good_k: float) -> plt.Figure:
    """Pareto k per observation and variant before (open) and after moment matching (dots);
    observations refitted for exact LOO crossed."""
    variants = list(dict.fromkeys(table["variant"]))
    fig, axes = plt.subplots(
        len(variants), 1, figsize=(6, 1.4 + 1.3 * len(variants)), sharex=True, squeeze=False
    )
    for ax, variant in zip(axes[:, 0], variants, strict=True):
        rows = table[table["variant"] == variant]
        ax.scatter(
            rows["observation"], rows["pareto_k"], s=10, facecolors="none", edgecolors="#999999"
        )
        ax.scatter(rows["observation"], rows["pareto_k_matched"], s=6, color="#1a1a1a")
        refitted = rows[rows["refitted"]]
        ax.scatter(
            refitted["observation"], refitted["pareto_k_matched"], s=40, marker="x", color="#b2182b"
        )
        ax.axhline(good_k, color="#b2182b", ls="--", lw=0.8)
        ax.set_ylabel(variant, fontsize=8)
    axes[-1, 0].set_xlabel("Observation (row)")
    axes[0, 0].set_title(f"Pareto k (dashed: {good_k:.2f}; open: before moment matching)")
    fig.tight_layout()
    return fig
