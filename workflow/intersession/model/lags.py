"""Lagged predictors: ``lag(x)`` is x at the same client's previous session.

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
MEAN = "#mean"


def lagged(name: str) -> str | None:
    """The variable a ``lag(x)`` name lags, else None."""
    match = LAG.match(name)
    return match.group(1) if match else None


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
