"""Drafted "Statistical analysis" and "Results" text, generated from the same tables as the
report, so that text and tables cannot disagree.

Numbers follow APA style (7th ed.): two decimals, no leading zero for quantities that
cannot exceed 1 (pd, probabilities), a minus sign, and intervals in square brackets.
"""

from __future__ import annotations

import pandas as pd

from intersession.checks.diagnostics import THRESHOLDS
from intersession.effects.parameters import SLOPE_ROW
from intersession.effects.predictions import HIGH, LOW
from intersession.model.families import family
from intersession.report.labels import term_label

MINUS = "\u2212"


def number(value: float, digits: int = 2) -> str:
    """-0.241 -> '-0.24' with a typographic minus sign."""
    return f"{value:.{digits}f}".replace("-", MINUS)


def probability(value: float) -> str:
    """0.9864 -> '.986'; 1.0 -> '> .999'."""
    if value > 0.9995:
        return "> .999"
    return "= " + f"{value:.3f}".lstrip("0")


def _share(value: float) -> str:
    """0.95 -> '.95'."""
    return f"{value:g}".lstrip("0")


def estimate(row, symbol: str = "\u03b2", interval: float = 0.95) -> str:
    """'β = 0.24, 95% CrI [0.05, 0.44], pd = .986'."""
    text = (
        f"{symbol} = {number(row['mean'])}, {interval:.0%} CrI "
        f"[{number(row['lower'])}, {number(row['upper'])}]"
    )
    return text + (f", pd {probability(row['pd'])}" if pd.notna(row.get("pd")) else "")


def prior_text(priors: dict) -> str:
    """'intercepts Normal(0, 1), slopes Normal(0, 1), group SDs Half-Normal(0.5), ...'."""
    parts = [
        f"intercepts Normal({priors['intercept']['mu']:g}, {priors['intercept']['sigma']:g})",
        f"slopes Normal({priors['slopes']['mu']:g}, {priors['slopes']['sigma']:g})",
        f"group-level SDs Half-Normal({priors['group_sd']['sigma']:g})",
        f"residual SDs Half-Normal({priors['residual_sd']['sigma']:g})",
        f"correlations LKJ(\u03b7 = {priors['correlation']['eta']:g})",
    ]
    return ", ".join(parts)


def pointwise_text(sections: list[dict]) -> str:
    """What was kept of the pointwise log-likelihood and posterior predictive draws of the
    models above the fit's memory budget."""
    parts = [
        f"{s['label']} {p['draws']:,} of {p['of_draws']:,} (every {p['thin']}th)"
        for s in sections
        for p in [s["record"].pointwise]
    ]
    return (
        "To keep memory bounded, the pointwise log-likelihood (for LOO and prior sensitivity) "
        "and the posterior predictive draws of the largest models were computed on evenly "
        f"thinned draws and stored in single precision: {'; '.join(parts)}."
    )


def scaling_text(sections: list[dict]) -> str:
    """How predictors and outcomes were scaled, per family (``model.families``)."""
    methods = [
        family(name).method
        for name in dict.fromkeys(n for s in sections for n in s["family"].split(" and "))
    ]
    if not any(methods):
        return (
            "Predictors and outcomes were standardised, so that slopes are in standard "
            "deviations of the outcome per standard deviation of the predictor and lower-order "
            "terms of an interaction are simple effects at the mean."
        )
    parts = [m for m in methods if m]
    if not all(methods):
        parts.insert(
            0,
            "other outcomes as standardised scores (slopes in standard deviations of the "
            "outcome per standard deviation of the predictor)",
        )
    return (
        "Predictors were standardised, so that lower-order terms of an interaction are simple "
        f"effects at the mean; we modelled {'; '.join(parts)}."
    )


def statistical_analysis(
    sections: list[dict], sampler: dict, interval: float, jn_probability: float, versions: dict
) -> str:
    """One paragraph: models, centring, group effects, priors, sampler, checks, software."""
    labels = "; ".join(f"{s['label']} ({s['family']})" for s in sections)
    repeated = any(any("within-client" in n for n in s["notes"]) for s in sections)
    levels = sorted({g["level"] for s in sections for g in s["record"].groups})
    slopes = any(g["slopes"] for s in sections for g in s["record"].groups)
    prior_sets = {
        s["record"].identity.priors["name"]: s["record"].identity.priors for s in sections
    }
    failed = sorted({s["label"] for s in sections for r in s["diagnostics"] if not r["passed"]})
    backend = "nutpie" if sampler["backend"] == "nutpie" else "PyMC's"
    sentences = [
        f"We fitted {len(sections)} Bayesian multilevel regression models ({labels}) in "
        f"PyMC {versions.get('pymc', '')} with {backend} No-U-Turn sampler"
        + (f" (nutpie {versions.get('nutpie', '')})" if backend == "nutpie" else "")
        + f": {sampler['chains']} chains of {sampler['draws']:,} draws after "
        f"{sampler['tune']:,} tuning iterations (target acceptance {sampler['target_accept']:g}).",
        scaling_text(sections),
    ]
    if repeated:
        sentences.append(
            "Predictors that vary across sessions were split into within-client (person-mean "
            "centred) and between-client (grand-mean centred client means) components, with "
            "the interaction formed at each level."
        )
    if levels:
        sentences.append(
            f"Intercepts varied across {', '.join(f'{level}s' for level in levels)} where the "
            "design identified them (non-centred parameterisation)"
            + (", with random slopes correlated with them (LKJ prior)." if slopes else ".")
        )
    for name, priors in prior_sets.items():
        sentences.append(f"Priors (set \u201c{name}\u201d) were {prior_text(priors)}.")
    thinned = [s for s in sections if s["record"].pointwise.get("thin", 1) > 1]
    if thinned:
        sentences.append(pointwise_text(thinned))
    sentences.append(
        f"Convergence was assessed with the rank-normalised split R-hat (\u2264 "
        f"{THRESHOLDS['r_hat']}), bulk and tail effective sample sizes (\u2265 "
        f"{THRESHOLDS['ess']}), divergent transitions (none allowed), E-BFMI (\u2265 "
        f"{THRESHOLDS['ebfmi']}) and tree-depth saturation (Vehtari et al., 2021); "
        + (
            "all models passed every check."
            if not failed
            else f"checks failed for {', '.join(failed)}, whose estimates need caution."
        )
    )
    sentences.append(
        "Interactions were probed with simple slopes at \u22121 SD, the mean and +1 SD of the "
        "moderator and with Johnson-Neyman regions, the moderator values at which the "
        "posterior probability of a positive slope is at least "
        f"{_share(jn_probability)} or at most {_share(1 - jn_probability)}."
    )
    sentences.append(
        f"We report posterior means with {interval:.0%} equal-tailed "
        "credible intervals (CrI) and the probability of direction (pd). Software: "
        + ", ".join(
            f"{name} {versions[name]}"
            for name in ("intersession", "pymc", "nutpie", "arviz")
            if name in versions
        )
        + "."
    )
    return " ".join(sentences)


def interaction_results(
    section: dict, slopes: pd.DataFrame, regions: pd.DataFrame, labels: dict, interval: float
) -> list[str]:
    """Per probed interaction: its estimate, the simple slopes at -1 and +1 SD, and the
    Johnson-Neyman region or the statement that none lies in the observed range."""
    params = pd.DataFrame(section["parameters"])
    params = params[(params["parameter"] == SLOPE_ROW) & (params["scale"] == "standardised")]
    lines = []
    keys = ["outcome", "focal", "moderator"]
    for (outcome, focal, moderator), table in slopes.groupby(keys, sort=False):
        outcome_text = labels.get(outcome, outcome)
        focal_text, moderator_text = term_label(focal, labels), term_label(moderator, labels)
        term = params[(params["outcome"] == outcome) & (params["term"] == f"{focal}:{moderator}")]
        std = table[table["scale"] == "standardised"].set_index("moderator_level")
        text = (
            f"In the {section['label']} model, the {focal_text} \u00d7 {moderator_text} "
            f"interaction on {outcome_text} was {estimate(term.iloc[0], interval=interval)}."
            f" The slope of {focal_text} was {estimate(std.loc[LOW], interval=interval)} "
            f"at low {moderator_text} (\u22121 SD, {number(std.loc[LOW, 'moderator_value'])})"
            f" and {estimate(std.loc[HIGH], interval=interval)} at high {moderator_text} "
            f"(+1 SD, {number(std.loc[HIGH, 'moderator_value'])})."
        )
        mine = regions[
            (regions["outcome"] == outcome)
            & (regions["focal"] == focal)
            & (regions["moderator"] == moderator)
        ]
        lines.append(text + " " + johnson_neyman_sentence(mine, focal_text, moderator_text))
    return lines


def johnson_neyman_sentence(regions: pd.DataFrame, focal: str, moderator: str) -> str:
    """'The slope of X was credibly positive for W from 4.52 (MCSE 0.03) to the top of the
    observed range (7.00).' or that no region lies in the observed range."""
    low, high = regions["observed_min"].iloc[0], regions["observed_max"].iloc[0]
    found = regions[~regions["region"].str.startswith("slope = 0")]
    if found.empty:
        return (
            f"No Johnson-Neyman region lies within the observed range of {moderator} "
            f"({number(low)} to {number(high)}): the slope of {focal} is not credibly "
            "positive or negative anywhere in it."
        )
    parts = []
    for _, row in found.iterrows():
        sign = "positive" if row["region"].startswith("slope >") else "negative"
        parts.append(
            f"credibly {sign} for {moderator} from {_side(row, 'lower', 'bottom')} to "
            f"{_side(row, 'upper', 'top')}"
        )
    return f"The slope of {focal} was " + "; and ".join(parts) + "."


def _side(row, name: str, end: str) -> str:
    if row[f"{name}_is_boundary"]:
        return f"{number(row[name])} (MCSE {number(row[f'{name}_mcse'])})"
    return f"the {end} of the observed range ({number(row[name])})"


def mediation_results(section: dict, labels: dict, interval: float) -> list[str]:
    """The index of moderated mediation and the indirect effects at -1 SD and +1 SD of the
    moderator, per level of the data (all rows, or within and between clients)."""
    declared = section["record"].mediation
    if not declared or not section["indirect"]:
        return []
    x, w, m = (labels.get(declared[k], declared[k]) for k in ("predictor", "moderator", "mediator"))
    table = pd.DataFrame(section["indirect"])
    lines = []
    for level, rows in table.groupby("level", sort=False):
        where = "" if level == "all" else f" at the {level}-client level"
        by = rows.set_index("moderator_level")
        index = rows[rows["effect"] != "indirect"].iloc[0]
        lines.append(
            f"In the {section['label']} model{where}, the indirect effect of {x} on "
            f"{section['outcome']} through {m} was {estimate(by.loc[LOW], 'ab', interval)} "
            f"at low {w} (\u22121 SD) and {estimate(by.loc[HIGH], 'ab', interval)} at high "
            f"{w} (+1 SD); the index of moderated mediation was "
            f"{estimate(index, 'ab', interval)}."
        )
    return lines
