"""Key findings and the drafted Results, one plain answer per research question.

Each model's declaration carries its research question (``description``); the answer is a
sentence that names the model and says, in words calibrated to the interval, how each
predictor goes with the outcome, then the estimates behind it. Models are read in a
fixed order of precedence, single-outcome regressions first: they are *primary*. A joint
or mediation model that re-estimates a slope a primary model already answered does not
repeat it; it says which model is primary and adds only what is its own (a residual
correlation, indirect, direct and total effects).

Wording rules (one place, so key findings and drafted text agree):

- an interval that excludes zero: "higher X went with higher (lower) Y";
- one that includes zero: "no clear association", never "no effect";
- a LOO difference within 2 SE of zero: "no clear difference in expected predictive
  accuracy"; stacking weights are weights of a predictive combination, not model
  probabilities (Yao et al., 2018);
- a prior comparison: whether an interval's exclusion of zero holds under every prior set.
"""

from __future__ import annotations

import pandas as pd

from intersession.effects.parameters import SLOPE_ROW
from intersession.effects.predictions import HIGH, LOW
from intersession.model.joint import RESIDUAL
from intersession.model.parameter_map import CORRELATION
from intersession.report import apa
from intersession.report.labels import in_sentence, sentence_labels, term_label
from intersession.report.text import estimate

RESIDUAL_CORRELATION = f"{CORRELATION}{RESIDUAL}"
#: |ELPD difference| below this many SEs of the difference: "no clear difference"
LOO_SE_RULE = 2.0


def precedence(section: dict) -> tuple[int, str]:
    """Single-outcome regressions first (primary), then joint models, then mediation."""
    record = section["record"]
    if record.mediation:
        return (2, section["name"])
    return (1 if len(record.parameters.equations) > 1 else 0, section["name"])


def excludes_zero(row) -> bool:
    return bool(row["lower"] > 0 or row["upper"] < 0)


def _slopes(section: dict) -> pd.DataFrame:
    params = pd.DataFrame(section["parameters"])
    if params.empty:
        return params
    return params[(params["parameter"] == SLOPE_ROW) & (params["scale"] == "standardised")]


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (", and " if len(items) > 2 else " and ") + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def slope_clauses(rows: pd.DataFrame, outcome: str, labels: dict) -> list[str]:
    """Plain clauses for the main effects and interactions of one outcome."""
    ups, downs, unclear, clauses = [], [], [], []
    for _, row in rows[~rows["term"].str.contains(":")].iterrows():
        name = term_label(row["term"], labels)
        if not excludes_zero(row):
            unclear.append(name)
        elif row["mean"] > 0:
            ups.append(f"higher {name}")
        else:
            downs.append(f"higher {name}")
    if ups:
        clauses.append(f"{_join(ups)} went with higher {outcome}")
    if downs:
        clauses.append(f"{_join(downs)} went with lower {outcome}")
    if unclear:
        clauses.append(f"{_join(unclear)} showed no clear association with {outcome}")
    for _, row in rows[rows["term"].str.contains(":")].iterrows():
        focal, _, moderator = row["term"].partition(":")
        x, w = term_label(focal, labels), term_label(moderator, labels)
        if not excludes_zero(row):
            clauses.append(
                f"there was no clear evidence that {w} moderates the slope of {x} on {outcome}"
            )
        else:
            steeper = "more positive" if row["mean"] > 0 else "less positive"
            clauses.append(f"the slope of {x} on {outcome} was {steeper} at higher {w}")
    return clauses


def _support(rows: pd.DataFrame, labels: dict, interval: float) -> str:
    return "; ".join(
        f"{term_label(row['term'], labels)}: {estimate(row, interval=interval)}"
        for _, row in rows.iterrows()
    )


def _keys(section: dict) -> dict[tuple, str]:
    """Each standardised slope of a model keyed by (outcome, the equation's terms, term):
    a slope repeats another model's only when it comes from the same equation (a joint
    model's, or a mediation's a path); the same term with other covariates is a
    different estimate."""
    rows = _slopes(section)
    if not len(rows):
        return {}
    terms = {y: frozenset(part["term"]) for y, part in rows.groupby("outcome", sort=False)}
    return {(y, terms[y], t): t for y, t in zip(rows["outcome"], rows["term"], strict=True)}


def model_findings(
    sections: list[dict], labels: dict, interval: float, priors: dict | None, loo: list[dict]
) -> list[dict]:
    """Per model, in order of precedence: ``question``, ``answer`` (plain, naming the
    model), ``support`` (the estimates), ``results`` (drafted Results sentences) and
    ``primary`` (False where a model repeats estimates a primary model answered)."""
    words = sentence_labels(labels)
    covered: dict[tuple, str] = {}
    found = []
    prior_models = {m["name"]: m for m in (priors or {}).get("models", [])}
    loo_models = {m["name"]: m for m in loo}
    for section in sorted(sections, key=precedence):
        record, rows = section["record"], _slopes(section)
        keys = _keys(section)
        repeated = sorted({covered[k] for k in keys if k in covered})
        done = {(k[0], k[2]) for k in keys if k in covered}  # (outcome, term) answered
        if len(rows):
            mine = rows[
                [(y, t) not in done for y, t in zip(rows["outcome"], rows["term"], strict=True)]
            ]
        else:
            mine = rows
        model = f"{in_sentence(section['label'])} model"
        entry = {
            "name": section["name"],
            "label": section["label"],
            "question": str(record.identity.declaration.get("description") or "").strip(),
            "primary": not repeated,
            "answer": "",
            "support": "",
            "results": [],
        }
        answers, support = [], []
        for outcome, part in mine.groupby("outcome", sort=False) if len(mine) else []:
            clauses = slope_clauses(part, words.get(outcome, outcome), words)
            moderated = part["term"].str.contains(":").any()
            answers.append(
                f"In the {model}, {_join(clauses)}"
                + (" (lower-order slopes at the moderator's mean)" if moderated else "")
                + "."
            )
            support.append(_support(part, labels, interval))
        if answers:
            entry["answer"] = " ".join(answers)
            entry["support"] = "; ".join(support)
            entry["results"] += [
                f"{_capital(a[:-1])} ({sup})." for a, sup in zip(answers, support, strict=True)
            ]
        entry["results"] += [
            probe["text"]
            for probe in section.get("probes", [])
            if (probe["outcome"], probe["term"]) not in done
        ]
        if section.get("mediation_results"):
            # a mediation answers its question by the indirect effect: its direct paths stay
            # in the Results, the key finding gives the indirect effects and the index
            entry["results"] += section["mediation_results"]
            entry["answer"] = section["mediation_answer"]
            entry["support"] = mediation_support(section, interval)
        for row in section["parameters"]:
            if row["parameter"] != RESIDUAL_CORRELATION:
                continue
            pair = _join([words.get(y, y) for y in str(row["term"]).split(" ~ ")])
            text = (
                f"In the {model}, the residual correlation of {pair} (what the two share "
                "beyond the predictors) was "
            )
            if row["lower"] > 0 or row["upper"] < 0:
                plain = "positive" if row["lower"] > 0 else "negative"
            else:
                plain = "not clearly different from zero"
            entry["answer"] = " ".join(filter(None, [entry["answer"], text + plain + "."]))
            entry["support"] = "; ".join(
                filter(None, [entry["support"], estimate(row, "r", interval)])
            )
            entry["results"].append(text + estimate(row, "r", interval) + ".")
        if repeated:
            names = _join([in_sentence(labels_of(sections, name)) for name in repeated])
            several = len(repeated) > 1
            note = (
                f"The {model} re-estimates the equation{'s' if several else ''} of the "
                f"{names} model{'s' if several else ''}, which {'are' if several else 'is'} "
                "primary; those estimates are not repeated here"
                + _agreement(section, sections, repeated)
                + "."
            )
            entry["results"].append(note)
            entry["answer"] = " ".join(filter(None, [entry["answer"], note]))
        if section["name"] in prior_models:
            entry["results"].append(prior_sentence(prior_models[section["name"]], words, interval))
        if section["name"] in loo_models:
            entry["results"].append(loo_sentence(loo_models[section["name"]]))
        for key in keys:
            covered.setdefault(key, section["name"])
        found.append(entry)
    return found


def mediation_support(section: dict, interval: float) -> str:
    """'indirect at -1 SD: ab = ...; at +1 SD: ab = ...; index: 0.11, 95% CrI [...]' (the
    first level of the data: all rows, or within clients)."""
    table = pd.DataFrame(section["indirect"])
    rows = table[table["level"] == table["level"].iloc[0]]
    by = rows.set_index(["effect", "moderator_level"])
    index = rows[rows["effect"] == "index of moderated mediation"].iloc[0]
    return (
        f"indirect effect at \u22121 SD: {estimate(by.loc[('indirect', LOW)], 'ab', interval)}"
        f"; at +1 SD: {estimate(by.loc[('indirect', HIGH)], 'ab', interval)}; index of "
        f"moderated mediation: {estimate(index, None, interval)}"
    )


def labels_of(sections: list[dict], name: str) -> str:
    return next(s["label"] for s in sections if s["name"] == name)


def _agreement(section: dict, sections: list[dict], primaries: list[str]) -> str:
    """' (its estimates differ from the primary ones by at most 0.01 SD)'."""
    mine = _keys(section)
    rows = _slopes(section)
    values = dict(zip(mine, rows["mean"], strict=True))
    diffs = []
    for name in primaries:
        other = next(s for s in sections if s["name"] == name)
        theirs = dict(zip(_keys(other), _slopes(other)["mean"], strict=True))
        diffs += [abs(values[k] - theirs[k]) for k in values.keys() & theirs.keys()]
    if not diffs:
        return ""
    return f" (they differ from the primary ones by at most {apa.decimal(max(diffs))} SD)"


def prior_sentence(model: dict, labels: dict, interval: float) -> str:
    """Whether the conclusions about zero of a model's key estimates hold under every prior
    set (defined in the report's "Prior sets"), with each estimate whose conclusion changes
    given under every set. ``labels`` as they read in a sentence."""
    rows = pd.DataFrame(model["rows"])
    sets = list(dict.fromkeys(rows["prior_set"]))
    shift = apa.decimal(model["max_shift"])
    if not model["flips"]:
        return (
            f"Under {apa.every(len(sets), 'prior set')} ({_join(sets)}), every key "
            f"estimate kept its side of zero; posterior means moved by at most {shift} "
            "posterior SDs."
        )
    several = rows["outcome"].nunique() > 1
    parts = []
    for (outcome, estimate_name), group in rows.groupby(["outcome", "estimate"], sort=False):
        if group["excludes_zero"].nunique() < 2:
            continue
        if estimate_name.startswith(("indirect", "index")):
            name = f"the {estimate_name}"
        elif ":" in estimate_name:
            name = f"the {term_label(estimate_name, labels)} interaction"
        else:
            name = f"the slope of {term_label(estimate_name, labels)}"
        if several and not estimate_name.startswith(("indirect", "index")):
            name += f" on {labels.get(outcome, outcome)}"
        where = "; ".join(
            f"{row['prior_set']} {apa.decimal(row['mean'])} "
            f"[{apa.decimal(row['lower'])}, {apa.decimal(row['upper'])}]"
            for _, row in group.iterrows()
        )
        parts.append(f"{name} ({where})")
    return (
        f"Whether the {interval:.0%} credible interval excluded zero depended on the prior "
        f"set for {_join(parts)}; these conclusions are sensitive to the prior (across the "
        f"{apa.count(len(sets), 'prior set')}, posterior means moved by at most {shift} "
        "posterior SDs)."
    )


def outcome_label(outcome: str, labels: dict) -> str:
    return labels.get(outcome, outcome)


def variant_label(variant: str) -> str:
    """'declared' -> 'the model as declared'; 'no_interaction' -> 'the variant without the
    interaction terms (and their random slopes)' (the declaration's variant texts)."""
    from intersession.model.declaration import VARIANTS

    if variant == "declared":
        return "the model as declared"
    return f"the variant {VARIANTS.get(variant, variant)}"


def loo_sentence(model: dict) -> str:
    """ELPD differences against the best-predicting model, calibrated: within
    :data:`LOO_SE_RULE` SE of zero, 'no clear difference'; stacking weights as weights."""
    from intersession.report.bench import short_variant

    rows = model["compare"]

    def named(variant: str) -> str:
        short = short_variant(variant)
        return f"the model {short}" if variant == "declared" else f"the variant {short}"

    clear, unclear = [], []
    for row in rows[1:]:
        stat = (
            f"\u0394ELPD = {apa.decimal(-row['elpd_diff'], 1)}, SE = {apa.decimal(row['dse'], 1)}"
        )
        text = f"{named(row['variant'])} ({stat})"
        (unclear if abs(row["elpd_diff"]) < LOO_SE_RULE * row["dse"] else clear).append(text)
    subject = named(rows[0]["variant"])
    parts = []
    if unclear:
        parts.append(
            f"PSIS-LOO did not clearly separate {subject} (highest ELPD) from {_join(unclear)}: "
            f"{'each difference was' if len(unclear) > 1 else 'the difference was'} within "
            f"{apa.words(int(LOO_SE_RULE))} standard errors of zero, so there was no clear "
            "difference in expected predictive accuracy"
        )
    if clear:
        parts.append(f"{subject if not unclear else 'it'} predicted better than {_join(clear)}")
    weights = ", ".join(
        f"{short_variant(row['variant'])} {apa.bounded(row['weight'])}" for row in rows
    )
    return (
        _capital("; ".join(parts))
        + f". Stacking weights ({weights}) are the weights of the best predictive combination "
        "of these models, not probabilities that a model is true."
    )
