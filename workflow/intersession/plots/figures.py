"""Figures of the report. Each function returns a matplotlib Figure and computes nothing."""

from __future__ import annotations

import arviz as az
import matplotlib

matplotlib.use("Agg")  # no screen on clusters; must precede pyplot
import matplotlib.pyplot as plt
import pandas as pd

LEVEL_STYLE = {"-1 SD": ("#b2182b", "--"), "mean": ("#4d4d4d", "-"), "+1 SD": ("#2166ac", "-.")}


def posterior_predictive(
    idata: az.InferenceData, outcome_label: str, var_name: str, coords: dict | None = None
) -> plt.Figure:
    """Observed density of the outcome against densities of posterior predictive draws
    (``coords`` selects one outcome of a joint model's variable)."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    az.plot_ppc(
        idata, var_names=[var_name], coords=coords, ax=ax, num_pp_samples=100, random_seed=0
    )
    ax.set_xlabel(outcome_label)
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
    ax.set_xlabel(labels["focal"])
    ax.set_ylabel(f"Predicted {labels['outcome']}")
    ax.set_title(f"{labels['outcome']}: mean and {interval:.0%} credible band")
    ax.legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig
