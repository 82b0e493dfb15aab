"""Readable names of terms and parameters, from the codebook's instrument and factor labels.

``self_alliance_within:other_alliance_within`` reads "Self-alliance x Other-alliance
(within)"; ``sd_client`` with term ``self_alliance_within`` reads "SD of client slopes of
Self-alliance (within)"; a joint model's ``isp_actions/Intercept`` reads "ISP-actions
intercept".
"""

from __future__ import annotations

from intersession.effects.parameters import INTERCEPT_ROW, SLOPE_ROW
from intersession.model.derived import lagged, source
from intersession.model.families import auxiliary_entry
from intersession.model.parameter_map import CORRELATION, GROUP_SD
from intersession.model.regression import BETWEEN, WITHIN


def term_label(term: str, labels: dict[str, str]) -> str:
    """A population-level term with instrument labels and its level (within, between)."""
    parts, level = term.split(":"), ""
    for suffix in (WITHIN, BETWEEN):
        if all(p.endswith(suffix) for p in parts):
            parts, level = [p.removesuffix(suffix) for p in parts], f" ({suffix[1:]})"
    return " \u00d7 ".join(_part(p, labels) for p in parts) + level


def _part(name: str, labels: dict[str, str]) -> str:
    """One component: 'sector[Catholic]' reads "School sector: Catholic", 'lag(x)' reads
    "<x's label> (previous session)", 'x^2' "<label>²", 'log(x)' "log(<label>)"."""
    if name.endswith("]"):
        factor, _, level = name[:-1].partition("[")
        return f"{labels.get(factor, factor)}: {level}"
    base = source(name)
    if lagged(name):
        return f"{labels.get(base, base)} (previous session)"
    if name.endswith("^2"):
        return f"{labels.get(base, base)}\u00b2"
    if name.startswith("log("):
        return f"log({labels.get(base, base)})"
    return labels.get(name, name)


def effect_label(effect: str, labels: dict[str, str]) -> str:
    """A group-level effect: 'Intercept', a slope's term, or '<outcome>/<effect>'."""
    outcome, _, effect = effect.rpartition("/")
    text = "intercept" if effect == INTERCEPT_ROW else f"slope of {term_label(effect, labels)}"
    return f"{labels.get(outcome, outcome)} {text}" if outcome else text


def parameter_label(parameter: str, term: str, labels: dict[str, str]) -> str:
    """What a row of the parameter table estimates, in words."""
    if parameter == SLOPE_ROW:
        return term_label(term, labels)
    if parameter == INTERCEPT_ROW:
        return "Intercept"
    aux = auxiliary_entry(parameter)  # a family's auxiliary parameter: its registry label
    if aux is not None:
        return f"{aux.label} {term}" if term else aux.label
    if parameter.startswith(GROUP_SD):
        level = parameter.removeprefix(GROUP_SD)
        level = labels.get(level, level)  # the codebook's word for the level
        if term in ("", INTERCEPT_ROW):
            return f"SD of {level} intercepts"
        return f"SD of {level} slopes of {term_label(term, labels)}"
    if parameter.startswith(CORRELATION):
        level = parameter.removeprefix(CORRELATION)
        sides = term.split(" ~ ")
        level = labels.get(level, level) if level != "residual" else level
        if level == "residual":
            return "Residual correlation: " + " ~ ".join(labels.get(y, y) for y in sides)
        a, b = (effect_label(side, labels) for side in sides)
        return f"Correlation of {level} effects: {a} ~ {b}"
    return parameter


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Self-alliance' -> 'self-alliance', 'Perceived progress'
    -> 'perceived progress'; acronyms stay ('ISP-actions', 'ICC')."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def sentence_labels(labels: dict[str, str]) -> dict[str, str]:
    """The codebook's labels as they read inside a sentence (:func:`in_sentence`)."""
    return {name: in_sentence(label) for name, label in labels.items()}


#: the words for the levels of the data, in one place: later from the codebook (issue 18)
LEVEL_WORDS = {"client": "client", "therapist": "therapist", "site": "site"}


def level_word(level: str, plural: bool = False) -> str:
    """'therapist' -> 'therapist' ('therapists' with ``plural``)."""
    word = LEVEL_WORDS.get(level, level)
    return word + "s" if plural else word


def variable_label(parameter: str, pmap, labels: dict[str, str]) -> str:
    """A posterior variable as ArviZ names it ('beta_isp_thoughts[self_alliance]',
    'sd_therapist') in words, through the fit's parameter map ('ISP-thoughts:
    Self-alliance', 'SD of therapist intercepts'); unknown names stay as they are."""
    import re

    found = re.match(r"^([^\[]+)(?:\[(.*)\])?$", parameter)
    var, coord = (found.group(1), found.group(2) or "") if found else (parameter, "")
    several = len(pmap.equations) > 1
    for eq in pmap.equations:
        prefix = f"{labels.get(eq.outcome, eq.outcome)}: " if several else ""
        if var == eq.coefficients:
            return prefix + parameter_label(SLOPE_ROW, coord, labels)
        if var == eq.intercept:
            return prefix + "Intercept"
        if var in (*eq.auxiliary, *eq.group_sds, *eq.correlations):
            return prefix + parameter_label(eq.row_name(var), coord, labels)
    if var in pmap.joint_correlations:
        return parameter_label(var, coord.replace(", ", " ~ "), labels)
    return parameter
