"""Predictors derived from a column: lags, ``lag(x)``, and the growth curve's time terms,
``x^2`` (written ``I(x^2)`` or ``I(x**2)`` in a formula) and ``log(x)``.

``x^2`` and ``log(x)`` are computed from x's values (log needs them all positive); for
the session they shape a growth curve (quadratic, or log time). ``lag(x)`` is x at the
same client's previous session:

The previous session is the one numbered one less (sessions are whole numbers): a row whose
previous session is missing from the study, or whose x there is missing, has no lag and is
left out of the model, never paired with an earlier session. A lagged outcome,
``lag(isp_actions)`` in a model of ISP-actions, is the autoregressive term. Cross-lagged
panel models of psychotherapy process use this within-person reading (Falkenstrom, Finkel,
Sandell, Rubel & Holmqvist, 2017; Zilcha-Mano, 2017).

For the within/between split (``model.regression``) a lag keeps the client mean of x over
all the client's sessions beside it (column ``lag(x)#mean``): the within part is the
lagged deviation from that mean, the between part the mean itself. This is observed
person-mean centring; with few sessions per client the observed mean is noisy and the
autoregressive effect is biased towards zero and below (Nickell, 1981), which latent
person-mean centring avoids (McNeish & Hamaker, 2020).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from intersession.errors import ModelDataError

LAG = re.compile(r"^lag\(([a-z][a-z0-9_]*)\)$")
SQUARE = re.compile(r"^([a-z][a-z0-9_]*)\^2$")
LOG = re.compile(r"^log\(([a-z][a-z0-9_]*)\)$")
MEAN = "#mean"


def lagged(name: str) -> str | None:
    """The variable a ``lag(x)`` name lags, else None."""
    match = LAG.match(name)
    return match.group(1) if match else None


def source(name: str) -> str:
    """The column a derived predictor is computed from (the name itself if none)."""
    for pattern in (LAG, SQUARE, LOG):
        match = pattern.match(name)
        if match:
            return match.group(1)
    return name


def normalise(name: str) -> str:
    """A formula's spelling of a derived predictor as the model names it:
    ``I(session ** 2)`` -> ``session^2``."""
    match = re.fullmatch(r"I\(\s*([a-z][a-z0-9_]*)\s*(\*\*|\^)\s*2\s*\)", name)
    return f"{match.group(1)}^2" if match else name


def with_derived(columns: list[str], scores: pd.DataFrame, model: str) -> pd.DataFrame:
    """``scores`` with the derived predictors among ``columns`` (:func:`with_lags`, then
    squares and logs)."""
    scores = with_lags(columns, scores, model)
    made = {}
    for name in dict.fromkeys(columns):
        if name in scores or not (SQUARE.match(name) or LOG.match(name)):
            continue
        values = scores[source(name)]
        if LOG.match(name):
            bad = values[values <= 0]
            if len(bad):
                raise ModelDataError(
                    f"model '{model}': {name} needs positive values of {source(name)}, which "
                    f"has {bad.iloc[0]:g}. Fix: use {source(name)} counted from 1, or a "
                    "linear or quadratic term"
                )
            made[name] = np.log(values)
        else:
            made[name] = values**2
    return scores.assign(**made) if made else scores


def with_lags(columns: list[str], scores: pd.DataFrame, model: str) -> pd.DataFrame:
    """``scores`` with a column per ``lag(x)`` in ``columns`` (x at the client's session
    numbered one less, else missing) and its ``lag(x)#mean`` (the client mean of x)."""
    names = [name for name in dict.fromkeys(columns) if lagged(name) and name not in scores]
    if not names:
        return scores
    if "session" not in scores:
        raise ModelDataError(
            f"model '{model}': {', '.join(names)} need(s) a session column: a lag is the "
            "value at the client's previous session. Fix: declare the session column under "
            "'columns' in the codebook, or leave the lag out"
        )
    session = scores["session"]
    whole = session.dropna()
    if not np.allclose(whole, np.round(whole)):
        raise ModelDataError(
            f"model '{model}': {', '.join(names)} need(s) whole session numbers (the previous "
            "session is the one numbered one less); the session column has "
            f"{whole[whole != np.round(whole)].iloc[0]:g}. Fix: number sessions 1, 2, 3..."
        )
    out = scores.copy()
    for name in names:
        source = lagged(name)
        previous = scores[["client", "session", source]].assign(session=session + 1)
        merged = scores[["client", "session"]].merge(
            previous, on=["client", "session"], how="left", validate="one_to_one"
        )
        out[name] = merged[source].to_numpy()
        out[name + MEAN] = scores.groupby("client")[source].transform("mean").to_numpy()
    return out
