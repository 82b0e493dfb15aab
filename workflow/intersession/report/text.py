"""Drafted "Statistical analysis" and "Results" text, generated from the same tables as the
report, so that text and tables cannot disagree.

Numbers follow APA style (7th ed.): two decimals, no leading zero for quantities that
cannot exceed 1 (pd, probabilities), a minus sign, and intervals in square brackets.
"""

from __future__ import annotations

import pandas as pd

from intersession.checks.diagnostics import THRESHOLDS
from intersession.data.codebook import LevelNames
from intersession.effects.parameters import SLOPE_ROW
from intersession.effects.predictions import HIGH, LOW
from intersession.effects.slopes import ZERO_REGION, jn_threshold
from intersession.model.families import family
from intersession.report import apa
from intersession.report.labels import term_label

MINUS = apa.MINUS


def number(value: float, digits: int = 2) -> str:
    """-0.241 -> '\u22120.24' with a typographic minus sign."""
    return apa.decimal(value, digits)


def probability(value: float) -> str:
    """0.9864 -> '= .986'; 1.0 -> '> .999'."""
    return apa.probability(value)


def _share(value: float) -> str:
    """0.975 -> '.975'."""
    return f"{round(value, 4):g}".lstrip("0")


#: statistics that cannot exceed 1 in absolute value: no leading zero (APA 6.36)
BOUNDED = {"r", "\u03c1", "R²", "ICC"}


def estimate(row, symbol: str | None = "β", interval: float = 0.95) -> str:
    """'β = 0.24, 95% CrI [0.05, 0.44], pd = .986'; a correlation 'r = .02, 95% CrI
    [\u2212.21, .25]' (no leading zero for bounded statistics); without a symbol '0.11,
    95% CrI [...]'."""
    is_bounded = symbol in BOUNDED
    form = apa.bounded if is_bounded else apa.decimal
    text = (
        (f"{symbol} = " if symbol else "")
        + f"{form(row['mean'])}, "
        + apa.interval(row["lower"], row["upper"], interval, is_bounded=is_bounded)
    )
    value = row.get("pd")
    return text + (f", pd {apa.probability(value)}" if pd.notna(value) else "")


def prior_text(priors: dict) -> str:
    """'intercepts Normal(0, 1), slopes Normal(0, 1), group SDs Half-Normal(0.5), ...'."""
    parts = [
        f"intercepts Normal({priors['intercept']['mu']:g}, {priors['intercept']['sigma']:g})",
        f"slopes Normal({priors['slopes']['mu']:g}, {priors['slopes']['sigma']:g})",
    ]
    if priors.get("interaction_slopes"):
        inter = priors["interaction_slopes"]
        parts.append(f"interaction slopes Normal({inter['mu']:g}, {inter['sigma']:g})")
    for term, prior in (priors.get("term_slopes") or {}).items():
        parts.append(f"the slope of {term} Normal({prior['mu']:g}, {prior['sigma']:g})")
    parts += [
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


def treatment_text(sections: list[dict], labels: dict) -> str:
    """Per model, the predictors that do not follow the default (grand-mean or
    within/between centred and standardised), and its factors' coding."""
    sentences = []
    for section in sections:
        record = section["record"]
        kept = [n for n, t in record.treatments.items() if t["centring"] in ("none", "latent")]
        raw = [n for n, t in record.treatments.items() if not t["standardise"]]
        parts = []
        if kept:
            parts.append(
                f"{_names(kept, labels)} entered uncentred (the intercept and lower-order terms "
                "of interactions at 0; a latent-centred autoregression on the client's own "
                "level)"
                if any(record.treatments[n]["centring"] == "latent" for n in kept)
                else f"{_names(kept, labels)} entered uncentred (the intercept and lower-order "
                "terms of interactions at 0)"
            )
        if raw:
            parts.append(f"{_names(raw, labels)} in their own units (not standardised)")
        for info in record.factors.values():
            coding = (
                f"treatment coding against {info['reference']}"
                if info["coding"] == "treatment"
                else "sum (effect) coding"
            )
            parts.append(f"{info['label']} with {coding}")
        if parts:
            sentences.append(f"In the {section['label']} model, " + "; ".join(parts) + ".")
    return " ".join(sentences)


def _plural(word: str) -> str:
    return LevelNames({"level": word})("level", 2)


def _names(names: list[str], labels: dict) -> str:
    return ", ".join(term_label(n, labels) for n in names)


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
    sections: list[dict],
    sampler: dict,
    interval: float,
    versions: dict,
    instrument_labels: dict | None = None,
) -> str:
    """One paragraph: models, centring, group effects, priors, sampler, checks, software."""
    labels = "; ".join(f"{s['label']}, {s['family_label']} likelihood" for s in sections)
    repeated = any(any("within-client" in n for n in s["notes"]) for s in sections)
    levels = sorted({g["level"] for s in sections for g in s["record"].groups})
    words = instrument_labels or {}  # also the codebook's words for the levels
    slopes = any(g["slopes"] for s in sections for g in s["record"].groups)
    prior_sets = {
        s["record"].identity.priors["name"]: s["record"].identity.priors for s in sections
    }
    failed = sorted({s["label"] for s in sections for r in s["diagnostics"] if not r["passed"]})
    backend = "nutpie" if sampler["backend"] == "nutpie" else "PyMC's"
    sentences = [
        f"We fitted {apa.count(len(sections), 'Bayesian multilevel regression model')} "
        f"({labels}) in "
        f"PyMC {versions.get('pymc', '')} (Abril-Pla et al., 2023) with {backend} No-U-Turn "
        "sampler"
        + (f" (nutpie {versions.get('nutpie', '')})" if backend == "nutpie" else "")
        + f": {apa.count(sampler['chains'], 'chain')} of {sampler['draws']:,} draws after "
        f"{sampler['tune']:,} tuning iterations (target acceptance {sampler['target_accept']:g}).",
        scaling_text(sections),
    ]
    exceptions = treatment_text(sections, instrument_labels or {})
    if exceptions:
        sentences.append("Exceptions to this scaling: " + exceptions)
    if repeated:
        sentences.append(
            "Predictors that vary across sessions were split into within-client (person-mean "
            "centred) and between-client (grand-mean centred client means) components, with "
            "the interaction formed at each level."
        )
    if levels:
        sentences.append(
            f"Intercepts varied across {', '.join(_plural(words.get(lv, lv)) for lv in levels)} "
            "where the "
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
        "moderator (Aiken & West, 1991), a floodlight of the slope across the moderator's "
        "observed range (Spiller et al., 2013), and Johnson-Neyman regions (Johnson & Neyman, "
        "1936; Bauer & Curran, 2005): the moderator values at which the "
        f"{interval:.0%} credible interval of the slope excludes zero (posterior probability "
        f"of a positive slope at least {_share(jn_threshold(interval))} or at most "
        f"{_share(1 - jn_threshold(interval))}), the criterion of every interval reported. "
        "The regions describe the posterior of the slope across the moderator; they are not "
        "a significance test."
    )
    if any(s.get("variance") for s in sections):
        sentences.append(
            "For Gaussian models we computed, draw by draw, the intraclass correlation of each "
            "grouping level beyond the predictors and the marginal and conditional Bayesian "
            "R\u00b2 (Nakagawa & Schielzeth, 2013)."
        )
    if any(getattr(s["record"], "mediation", None) for s in sections):
        sentences.append(
            "Indirect effects were computed as products of the a and b paths' posterior draws, "
            "with the index of moderated mediation (Hayes, 2015), beside direct and total "
            "effects."
        )
    sentences.append(
        f"We report posterior means with {interval:.0%} equal-tailed "
        "credible intervals (CrI) and the probability of direction (pd), the posterior "
        "probability that an effect has the sign of its median. Diagnostics, LOO "
        "(Vehtari, Gelman & Gabry, 2017) and figures used ArviZ (Kumar et al., 2019); "
        "the workflow ran in "
        "Snakemake (M\u00f6lder et al., 2021). Software: "
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
    Johnson-Neyman region or the statement that none lies in the observed range, as
    ``{"outcome", "term", "text"}`` (the key tells a repeated estimate from a primary one)."""
    params = pd.DataFrame(section["parameters"])
    params = params[(params["parameter"] == SLOPE_ROW) & (params["scale"] == "standardised")]
    lines = []
    keys = ["outcome", "focal", "moderator"]
    for (outcome, focal, moderator), table in slopes.groupby(keys, sort=False):
        outcome_text = labels.get(outcome, outcome)
        focal_text, moderator_text = term_label(focal, labels), term_label(moderator, labels)
        std = table[table["scale"] == "standardised"].set_index("moderator_level")
        if "mean" not in std.index:  # a factor's categories or a binary moderator's values
            text = (
                f"In the {section['sentence_label']} model, the slope of {focal_text} on "
                f"{outcome_text} by {moderator_text} was "
                + "; ".join(
                    f"{estimate(row, interval=interval)} "
                    + ("for the difference " if " - " in str(level) else "at ")
                    + str(level).replace(" - ", " \u2212 ")
                    for level, row in std.iterrows()
                )
                + "."
            )
            lines.append({"outcome": outcome, "term": f"{focal}:{moderator}", "text": text})
            continue
        term = params[(params["outcome"] == outcome) & (params["term"] == f"{focal}:{moderator}")]
        text = (
            f"In the {section['sentence_label']} model, the {focal_text} \u00d7 {moderator_text} "
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
        lines.append(
            {
                "outcome": outcome,
                "term": f"{focal}:{moderator}",
                "text": text
                + " "
                + johnson_neyman_sentence(mine, focal_text, moderator_text, interval),
            }
        )
    return lines


def johnson_neyman_sentence(
    regions: pd.DataFrame, focal: str, moderator: str, interval: float = 0.95
) -> str:
    """'The 95% credible interval of the slope of X excluded zero (positive) for W from
    4.52 (MCSE 0.03) to the top of the observed range (7.00), where 12 of the 81
    observations (15%) lie.' or that no region lies in the observed range; then that the
    regions are descriptive."""
    low, high = regions["observed_min"].iloc[0], regions["observed_max"].iloc[0]
    found = regions[~regions["region"].str.startswith(ZERO_REGION)]
    caveat = (
        " Johnson-Neyman regions describe where the posterior of the slope lies; they are "
        "not a significance test."
    )
    if found.empty:
        return (
            f"No Johnson-Neyman region lies within the observed range of {moderator} "
            f"({number(low)} to {number(high)}): the {interval:.0%} credible interval of the "
            f"slope of {focal} includes zero everywhere in it." + caveat
        )
    parts = []
    for _, row in found.iterrows():
        sign = "positive" if row["region"].startswith("slope >") else "negative"
        parts.append(
            f"{sign} for {moderator} from {_side(row, 'lower', 'bottom')} to "
            f"{_side(row, 'upper', 'top')}, {sample_share(row['n_inside'], row['n_observed'])}"
        )
    return (
        f"The {interval:.0%} credible interval of the slope of {focal} excluded zero: "
        + "; and ".join(parts)
        + "."
        + caveat
    )


def sample_share(inside: float, observed: float) -> str:
    """'where 12 of the 81 observations (15%) lie'."""
    inside, observed = int(inside), int(observed)
    return f"where {inside:,} of the {observed:,} observations ({inside / observed:.0%}) lie"


def _side(row, name: str, end: str) -> str:
    if row[f"{name}_is_boundary"]:
        return f"{number(row[name])} (MCSE {number(row[f'{name}_mcse'])})"
    return f"the {end} of the observed range ({number(row[name])})"


def mediation_results(section: dict, labels: dict, interval: float) -> list[str]:
    """Per level of the data (all rows, or within and between clients): the indirect
    effect at -1 SD and +1 SD of the moderator, the index of moderated mediation, the
    direct and total effects at the moderator's mean; then the caveat that mediator and
    outcome were measured together (no temporal order, possible confounding)."""
    declared = section["record"].mediation
    if not declared or not section["indirect"]:
        return []
    x, w, m = (labels.get(declared[k], declared[k]) for k in ("predictor", "moderator", "mediator"))
    y = labels.get(section["outcome_name"], section["outcome_name"])
    table = pd.DataFrame(section["indirect"])
    lines = []
    for level, rows in table.groupby("level", sort=False):
        where = "" if level == "all" else f" at the {level}-client level"
        by = rows.set_index(["effect", "moderator_level"])
        index = rows[rows["effect"] == INDEX].iloc[0]
        low, high = by.loc[("indirect", LOW)], by.loc[("indirect", HIGH)]
        text = (
            f"In the {section['sentence_label']} model{where}, the indirect effect of {x} on "
            f"{y} through {m} was {estimate(low, 'ab', interval)} at low {w} (\u22121 SD) and "
            f"{estimate(high, 'ab', interval)} at high {w} (+1 SD); the index of moderated "
            f"mediation was {estimate(index, None, interval)}."
        )
        if ("direct", "mean") in by.index:
            text += (
                f" At the mean of {w}, the direct effect of {x} on {y} was "
                f"{estimate(by.loc[('direct', 'mean')], 'c' + PRIME, interval)} and the total "
                f"effect {estimate(by.loc[('total', 'mean')], 'c', interval)}."
            )
        lines.append(text)
    lines.append(mediation_caveat(x, m, y, repeated="all" not in set(table["level"])))
    return lines


INDEX = "index of moderated mediation"
PRIME = "\u2032"


def mediation_caveat(x: str, m: str, y: str, repeated: bool) -> str:
    """What a mediation model of data from one occasion cannot show."""
    when = "in the same sessions" if repeated else "on one occasion"
    return (
        f"{m[:1].upper() + m[1:]} and {y} were measured {when}, so these indirect, direct and "
        "total effects decompose associations: reading them causally assumes "
        f"that {x} precedes {m} and {m} precedes {y}, and that no unmeasured variable "
        "confounds any of the paths, which these data cannot show."
    )


def _signs(signs: list[tuple[str, str]], w: str) -> str:
    """[('positive', 'low'), ('positive', 'high')] -> 'positive at low and at high W'."""
    (first, low), (second, high) = signs
    if first == second:
        return f"{first} at {low} and at {high} {w}"
    return f"{first} at {low} {w} and {second} at {high} {w}"


def mediation_answer(section: dict, labels: dict) -> str:
    """The plain sentence of a mediation model for the key findings."""
    declared = section["record"].mediation
    if not declared or not section["indirect"]:
        return ""
    x, w, m = (labels.get(declared[k], declared[k]) for k in ("predictor", "moderator", "mediator"))
    y = labels.get(section["outcome_name"], section["outcome_name"])
    table = pd.DataFrame(section["indirect"])
    rows = table[table["level"] == table["level"].iloc[0]]
    by = rows.set_index(["effect", "moderator_level"])
    signs = []
    for level, words in ((LOW, "low"), (HIGH, "high")):
        row = by.loc[("indirect", level)]
        sign = "positive" if row["lower"] > 0 else "negative" if row["upper"] < 0 else "unclear"
        signs.append((sign, words))
    index = rows[rows["effect"] == INDEX].iloc[0]
    if index["lower"] > 0:
        change = f"it grew with {w} (index of moderated mediation above zero)"
    elif index["upper"] < 0:
        change = f"it shrank with {w} (index of moderated mediation below zero)"
    else:
        change = f"it did not clearly depend on {w}"
    return (
        f"In the {section['sentence_label']} model, the indirect effect of {x} on {y} through "
        f"{m} was {_signs(signs, w)}; {change}. Mediator and outcome come from the same "
        "measurement: associations, not evidence of causal order."
    )
