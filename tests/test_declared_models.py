"""Generated declarations against generated small studies: each model is prepared and
built (no sampling) and its log density at the initial point evaluated, or it is refused
with a named input error that says what to change. Never another exception.

Studies are simulated with 2 to 40 clients, 1 to 12 therapists, 0 to 4 sites and 1 to 3
sessions, and then damaged the way real data are: a scale that is constant, missing in
every row, or answered in only one or two rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intersession.data.codebook import load_codebook
from intersession.data.score import score_study
from intersession.data.simulate import Design, simulate_study
from intersession.data.validate import clean_items
from intersession.errors import InputError
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model
from intersession.model.families import FAMILIES
from tests.conftest import DEFAULT_STUDY, ROOT

INSTRUMENTS = ["self_alliance", "other_alliance", "isp_thoughts", "isp_actions", "progress"]
SINGLE = load_codebook(DEFAULT_STUDY / "codebook.yaml")
MULTISITE = load_codebook(ROOT / "tests" / "designs" / "multisite_codebook.yaml")
CASES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def studies(draw):
    """Scale scores of a small simulated study, some of them damaged."""
    clients = draw(st.integers(2, 40))
    therapists = draw(st.integers(1, min(12, clients)))
    sessions = draw(st.integers(1, 3))
    sites = draw(st.integers(1, min(4, therapists))) if sessions > 1 else 0
    codebook = MULTISITE if sessions > 1 else SINGLE
    design = Design(clients, therapists, sites, sessions, dropout_share=0.2, missed_share=0.1)
    study, _ = simulate_study(codebook, design, seed=draw(st.integers(0, 2**16)))
    scores = score_study(clean_items(study.astype(str), codebook), codebook)
    for name in draw(st.lists(st.sampled_from(INSTRUMENTS), max_size=2, unique=True)):
        damage = draw(st.sampled_from(["constant", "missing", "one row", "two rows"]))
        if damage == "constant":
            scores[name] = 4.0
        elif damage == "missing":
            scores[name] = np.nan
        else:
            keep = 1 if damage == "one row" else 2
            scores.loc[scores.index[keep:], name] = np.nan
    return codebook, scores


@st.composite
def declarations(draw) -> dict:
    kind = draw(st.sampled_from(["regression", "regression", "joint", "mediation"]))
    levels = draw(st.lists(st.sampled_from(["client", "therapist", "site"]), unique=True))
    if kind == "mediation":
        outcome, predictor, moderator, mediator = draw(st.permutations(INSTRUMENTS))[:4]
        return {
            "outcome": outcome,
            "mediation": {"predictor": predictor, "moderator": moderator, "mediator": mediator},
            "groups": levels,
            "priors": "default",
        }
    names = draw(st.permutations(INSTRUMENTS))
    if kind == "joint":
        outcome, rest = list(names[:2]), names[2:]
    else:
        outcome, rest = names[0], names[1:]
    predictors = list(rest[: draw(st.integers(1, len(rest)))])
    if len(predictors) >= 2 and draw(st.booleans()):
        predictors.append(f"{predictors[0]}:{predictors[1]}")
    groups = []
    for level in levels:
        slopes = draw(st.lists(st.sampled_from(predictors), unique=True, max_size=2))
        groups.append({"level": level, "slopes": slopes, "correlated": draw(st.booleans())})
    return {
        "outcome": outcome,
        "predictors": predictors,
        "groups": groups,
        "family": "gaussian" if kind == "joint" else draw(st.sampled_from(sorted(FAMILIES))),
        "centring": draw(st.sampled_from(["within_between", "grand"])),
        "priors": "default",
    }


@CASES
@given(study=studies(), declaration=declarations())
def test_any_declaration_on_any_small_study_builds_or_is_refused_by_name(study, declaration):
    codebook, scores = study
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder)
        (models / "priors").mkdir()
        (models / "priors" / "default.yaml").write_bytes(
            (ROOT / "models" / "priors" / "default.yaml").read_bytes()
        )
        (models / "m.yaml").write_text(yaml.safe_dump(declaration))
        try:
            spec = load_model(models, "m", codebook)
            model = build(spec, prepare(spec, scores))
        except InputError as err:
            message = str(err)
            assert "Traceback" not in message and len(message) < 2000
            # names the model (a mediation's equations are m_a and m_b) or its file
            assert "model 'm" in message or str(models / "m.yaml") in message, message
            return
        logp = model.point_logps()
        assert all(np.isfinite(v) for v in logp.values()), logp
