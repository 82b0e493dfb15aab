"""The report's content per model: tables read from the effects step, figures drawn from
them (and from the fit, for the checks), and the findings in words.

Every figure is embedded in the HTML and also saved beside it as PNG and SVG; every table
of a section is also written beside it as CSV.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import pandas as pd

from intersession.atomic import atomic_path, write_csv
from intersession.effects.parameters import JOINT
from intersession.effects.prior_checks import prior_predictive_draws
from intersession.effects.sensitivity import THRESHOLD as SENSITIVITY_THRESHOLD
from intersession.effects.slopes import ZERO_REGION
from intersession.inference.record import FitRecord
from intersession.model.families import family
from intersession.model.joint import RESIDUAL
from intersession.model.parameter_map import CORRELATION
from intersession.outputs import EFFECT_TABLES
from intersession.plots import comparison, figures
from intersession.report.labels import (
    in_sentence,
    parameter_label,
    sentence_labels,
    term_label,
    variable_label,
)
from intersession.report.text import interaction_results, mediation_answer, mediation_results
from intersession.tables import read_table

PRINT_DPI, SCREEN_DPI = 300, 110


@dataclass
class FigureStore:
    """Saves each figure as ``<dir>/<name>.png`` (300 dpi, print resolution) and ``.svg``
    and returns a 110-dpi PNG as a ``data:`` URI for the HTML."""

    directory: Path
    saved: list[str] = field(default_factory=list)

    def embed(self, fig: plt.Figure, name: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.directory / f"{name}.png") as tmp:  # for print
            fig.savefig(tmp, format="png", dpi=PRINT_DPI, metadata={"Software": None})
        png = io.BytesIO()  # for the screen: keeps the HTML light
        fig.savefig(png, format="png", dpi=SCREEN_DPI, metadata={"Software": None})
        with atomic_path(self.directory / f"{name}.svg") as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})
        plt.close(fig)
        self.saved.append(name)
        return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def read_effects(directory: Path) -> dict[str, pd.DataFrame]:
    return {name: read_table(directory / f"{name}.csv") for name in EFFECT_TABLES}


RESIDUAL_CORRELATION = f"{CORRELATION}{RESIDUAL}"
QUANTITIES = {
    "sd": "SD",
    "variance": "variance",
    "icc": "ICC",
    "r2_marginal": "R\u00b2 marginal",
    "r2_conditional": "R\u00b2 conditional",
}


def figure_entry(store, fig, name, alt, caption) -> dict:
    return {"uri": store.embed(fig, name), "alt": alt, "caption": caption, "name": name}


def model_section(
    name: str,
    fit_path: str,
    effects_dir: str,
    diagnostics: pd.DataFrame,
    labels: dict,
    interval: float,
    store: FigureStore,
    tables_dir: Path,
) -> dict:
    """Everything the template shows for one model."""
    idata = az.from_netcdf(fit_path, engine="h5netcdf")
    record = FitRecord.read(idata)
    outcome = " and ".join(labels.get(eq.outcome, eq.outcome) for eq in _outcomes(record))
    tables = read_effects(Path(effects_dir))
    params = tables["parameters"]
    several = params["outcome"].nunique() > 1
    params["display"] = [
        (f"{labels.get(y, y)}: " if several and y != JOINT else "")
        + parameter_label(parameter, term, labels)
        for y, parameter, term in zip(
            params["outcome"], params["parameter"], params["term"].fillna(""), strict=True
        )
    ]
    for table_name, table in {**tables, "diagnostics": diagnostics}.items():
        if len(table):
            write_csv(tables_dir / f"{name}_{table_name}.csv", table)
    priors = record.identity.priors
    section = {
        "name": name,
        "label": record.label,
        "outcome": outcome,
        "outcome_name": _outcomes(record)[-1].outcome,
        "sentence_label": in_sentence(record.label),
        "formula": record.formula,
        "family": " and ".join(
            dict.fromkeys(family(eq.family).name for eq in record.parameters.equations)
        ),
        "family_label": " and ".join(
            dict.fromkeys(family(eq.family).label for eq in record.parameters.equations)
        ),
        "priors": priors.get("label", priors["name"]),
        "n_obs": idata.observed_data.sizes["obs_id"],
        "excluded": record.excluded,
        "notes": record.design_notes,
        "parameters": params.to_dict("records"),
        "diagnostics": diagnostics.to_dict("records"),
        "indirect": tables["indirect"].fillna({"moderator_level": ""}).to_dict("records"),
        "variance": tables["variance"]
        .fillna({"level": ""})
        .assign(
            outcome_label=[labels.get(y, y) for y in tables["variance"]["outcome"]],
            quantity_label=[QUANTITIES.get(q, q) for q in tables["variance"]["quantity"]],
        )
        .to_dict("records"),
        "record": record,
    }
    section["interactions"] = _interactions(name, tables, labels, interval, store)
    words = sentence_labels(labels)  # labels as they read inside a sentence
    section["probes"] = interaction_results(
        section, tables["slopes"], tables["johnson_neyman"], words, interval
    )
    section["mediation_results"] = mediation_results(section, words, interval)
    section["mediation_answer"] = mediation_answer(section, words)
    section["results"] = [p["text"] for p in section["probes"]] + section["mediation_results"]
    section["checks"] = _checks(name, idata, record, tables, labels, interval, store)
    section["prior_rationale"] = priors.get("rationale", "")
    section["prior_predictive"] = (
        tables["prior_predictive"]
        .assign(outcome_label=[labels.get(y, y) for y in tables["prior_predictive"]["outcome"]])
        .to_dict("records")
    )
    section["sensitivity"] = (
        tables["sensitivity"]
        .assign(
            display=[
                variable_label(v, record.parameters, labels)
                for v in tables["sensitivity"]["parameter"]
            ]
        )
        .to_dict("records")
    )
    section["sensitivity_figure"] = (
        figure_entry(
            store,
            comparison.sensitivity(tables["sensitivity"], SENSITIVITY_THRESHOLD),
            f"{name}_sensitivity",
            "Scatter of each parameter's power-scaling sensitivity to the prior and to the "
            "likelihood",
            f"Power-scaling sensitivity per parameter (dashed: {SENSITIVITY_THRESHOLD}). Right of "
            "the line and above it: prior-data conflict; right and below: weak likelihood.",
        )
        if len(tables["sensitivity"])
        else None
    )
    section["prior_figures"] = [
        figure_entry(
            store,
            figures.prior_predictive(
                prior_predictive_draws(idata, row["outcome"]),
                row["low"],
                row["high"],
                labels.get(row["outcome"], row["outcome"]),
            ),
            f"{name}_prior_predictive_{i + 1}",
            f"Histogram of prior predictive {labels.get(row['outcome'], row['outcome'])} "
            "values with the instrument's possible range marked",
            "Prior predictive check: what the priors alone imply for the outcome; mass "
            "outside the dashed lines is impossible on the instrument.",
        )
        for i, row in enumerate(section["prior_predictive"])
    ]
    return section


def _interactions(name, tables, labels, interval, store) -> list[dict]:
    """Per probed interaction: simple slopes, Johnson-Neyman regions, floodlight and lines."""
    keys = ["outcome", "focal", "moderator"]
    found = []
    for i, ((y, focal, moderator), slopes) in enumerate(tables["slopes"].groupby(keys, sort=False)):
        names = {
            "outcome": labels.get(y, y),
            "focal": term_label(focal, labels),
            "moderator": term_label(moderator, labels),
        }

        def pick(table, y=y, focal=focal, moderator=moderator):
            return table[
                (table["outcome"] == y)
                & (table["focal"] == focal)
                & (table["moderator"] == moderator)
            ]

        regions = pick(tables["johnson_neyman"])
        flood_table = pick(tables["floodlight"])
        predicted = pick(tables["predictions"])
        names["held"] = held_text(predicted, labels)
        levels = predicted["moderator_level"].unique().tolist()
        continuous = not flood_table.empty  # a binary or categorical moderator has no range
        entries = []
        if continuous:
            entries.append(
                figure_entry(
                    store,
                    figures.floodlight(flood_table, regions, names, interval),
                    f"{name}_floodlight_{i + 1}",
                    f"Slope of {names['focal']} on {names['outcome']} over the observed "
                    f"range of {names['moderator']}, with its {interval:.0%} band, the "
                    "Johnson-Neyman regions shaded and the data's density below",
                    f"Floodlight: the slope of {names['focal']} (original scale points) "
                    f"with its {interval:.0%} credible band; shaded where that band "
                    "excludes zero (green: positive, red: negative), dashed lines at the "
                    "Johnson-Neyman boundaries. "
                    + region_shares(regions)
                    + "The regions describe the slope's posterior, not a test.",
                )
            )
        where = (
            f"at low (-1 SD), mean and high (+1 SD) {names['moderator']}"
            if continuous
            else f"for each value of {names['moderator']} ({', '.join(map(str, levels))})"
        )
        entries.append(
            figure_entry(
                store,
                figures.predicted_lines(predicted, names, interval),
                f"{name}_lines_{i + 1}",
                f"Predicted {names['outcome']} over {names['focal']} {where}, each line with "
                f"a {interval:.0%} credible band",
                f"Predicted {names['outcome']} (original scale points) over {names['focal']} "
                f"{where}, each with its {interval:.0%} credible band; the interaction shows "
                "as lines of different slope. Group effects at zero"
                + (f"; {names['held']}" if names["held"] else "")
                + ".",
            )
        )
        found.append(
            {
                "title": f"{names['focal']} \u00d7 {names['moderator']} on {names['outcome']}",
                "names": names,
                "slopes": slopes.to_dict("records"),
                "rope": bool(slopes["in_rope"].notna().any()),
                "regions": regions.to_dict("records"),
                "figures": entries,
            }
        )
    return found


def held_text(predicted: pd.DataFrame, labels: dict) -> str:
    """'ISP-actions held at its mean (2.88)' from a predictions table's ``held_at``."""
    if predicted.empty or "held_at" not in predicted or pd.isna(predicted["held_at"].iloc[0]):
        return ""
    parts = []
    for pair in str(predicted["held_at"].iloc[0]).split("; "):
        name, _, value = pair.partition("=")
        label = term_label(name, labels)
        try:
            parts.append(f"{label} at its mean ({float(value):.2f})")
        except ValueError:
            parts.append(f"{label} at its mean")
    return "held constant: " + ", ".join(parts) if parts else ""


def loo_pit_caption(label: str, interval: float) -> str:
    """What the LOO-PIT figure draws (an ECDF difference, not a histogram) and how to read
    its shapes, at the band level the figure uses."""
    return (
        f"LOO-PIT of {label}: the empirical CDF of the leave-one-out probability integral "
        f"transform values minus the uniform CDF, with a simultaneous {interval:.0%} band "
        "(S\u00e4ilynoja et al., 2022). Inside the band the predictive distributions are "
        "consistent with calibration. Above zero on the left and below on the right: "
        "predictive distributions too narrow; the reverse: too wide; above (below) zero "
        "throughout: predictions too high (too low)."
    )


def region_shares(regions: pd.DataFrame) -> str:
    """'Inside the shaded region: 12 of the 81 observations (15%). ' (or nothing)."""
    found = regions[~regions["region"].str.startswith(ZERO_REGION)]
    if found.empty:
        return "No region lies within the observed range. "
    inside = int(found["n_inside"].sum())
    observed = int(found["n_observed"].iloc[0])
    return (
        f"Inside the shaded region{'s' if len(found) > 1 else ''}: {inside:,} of the "
        f"{observed:,} observations ({inside / observed:.0%}). "
    )


def _outcomes(record: FitRecord) -> list:
    """The equations whose outcome is the declared one(s): all but a mediation's a-path."""
    equations = record.parameters.equations
    return list(equations[-1:]) if record.mediation else list(equations)


def _checks(name, idata, record, tables, labels, interval, store) -> list[dict]:
    """Posterior predictive checks (overall and by therapist and site) and LOO-PIT per
    outcome, rank and energy plots, and a pair plot of the variance parameters when there
    were divergences."""
    found = []
    loo_pit, grouped = tables["loo_pit"], tables["grouped_ppc"]
    pmap = record.parameters
    for i, eq in enumerate(pmap.equations):
        y, label = eq.outcome, labels.get(eq.outcome, eq.outcome)
        var, coords = eq.observed, dict(eq.selection or {})
        found.append(
            figure_entry(
                store,
                figures.posterior_predictive(idata, label, var, coords, family(eq.family).ppc),
                f"{name}_ppc_{i + 1}",
                f"Distribution of observed {label} scores with those of 100 posterior "
                "predictive data sets overlaid",
                f"Posterior predictive check: observed {label} (dark) against replicated "
                "data sets from the posterior (light).",
            )
        )
        for level, means in grouped[grouped["outcome"] == y].groupby("level", sort=False):
            found.append(
                figure_entry(
                    store,
                    figures.grouped_ppc(means, level, label, interval),
                    f"{name}_ppc_{level}_{i + 1}",
                    f"Observed mean {label} per {level} with the posterior predictive "
                    "interval of that mean",
                    f"Predictive check by {level}: a mean outside its interval (red) is "
                    f"a {level} the model's group effects do not capture.",
                )
            )
        curve = loo_pit[loo_pit["outcome"] == y]
        if len(curve):  # not a joint model's outcomes: no pointwise log-likelihood of each
            found.append(
                figure_entry(
                    store,
                    figures.loo_pit(curve, label, interval),
                    f"{name}_loo_pit_{i + 1}",
                    f"Difference between the ECDF of LOO-PIT values of {label} and the "
                    f"uniform CDF, with a simultaneous {interval:.0%} band",
                    loo_pit_caption(label, interval),
                )
            )
    summarised = set(pmap.summarised())
    ranked = [v for v in idata.posterior.data_vars if str(v) in summarised]
    found.append(
        figure_entry(
            store,
            figures.rank_plots(
                idata, ranked, lambda v: variable_label(v, record.parameters, labels)
            ),
            f"{name}_ranks",
            "Rank histograms of each chain for the population-level and variance parameters",
            "Rank plots: roughly flat, overlapping bars per chain mean the chains agree "
            "(Vehtari et al., 2021).",
        )
    )
    found.append(
        figure_entry(
            store,
            figures.energy(idata),
            f"{name}_energy",
            "Marginal energy distribution and energy transition distribution of the sampler",
            "Energy plot: the two distributions should overlap; a narrow transition "
            "distribution means the sampler explores the posterior slowly (Betancourt, 2016).",
        )
    )
    if int(idata.sample_stats["diverging"].sum()):
        variance = [v for v in ranked if str(v) in set(pmap.scale_parameters())][:4]
        found.append(
            figure_entry(
                store,
                figures.divergence_pairs(idata, variance),
                f"{name}_divergences",
                "Pair plot of variance parameters with divergent transitions marked",
                "Divergent transitions (marked) cluster where the sampler fails, often at "
                "small group SDs (a funnel).",
            )
        )
    return found
