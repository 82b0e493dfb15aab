"""Key findings and drafted Results: one plain answer per research question naming its
model, no estimate repeated across models, calibrated LOO and prior wording, no internal
names; and the summary box's two kinds of checks."""

from types import SimpleNamespace

import pytest

from intersession.report.context import checks_summary
from intersession.report.findings import loo_sentence, model_findings, prior_sentence
from intersession.report.sections import loo_pit_caption

LABELS = {
    "isp_actions": "ISP-actions",
    "isp_thoughts": "ISP-thoughts",
    "self_alliance": "Self-alliance",
    "other_alliance": "Other-alliance",
    "progress": "Progress",
}
INTERNAL = ("isp_actions", "self_alliance", "declared", "no_interaction", "student_t", "sd_")


def slope(outcome, term, mean, lower, upper, pd=0.99):
    return {
        "outcome": outcome,
        "parameter": "beta",
        "term": term,
        "scale": "standardised",
        "mean": mean,
        "lower": lower,
        "upper": upper,
        "pd": pd,
    }


def section(name, label, rows, equations=1, description="", mediation=None, extra=()):
    record = SimpleNamespace(
        identity=SimpleNamespace(declaration={"description": description}),
        parameters=SimpleNamespace(equations=[None] * equations),
        mediation=mediation,
    )
    original = [dict(r, scale="original") for r in rows]
    return {
        "name": name,
        "label": label,
        "record": record,
        "parameters": [*rows, *original, *extra],
        "probes": [
            {"outcome": r["outcome"], "term": r["term"], "text": f"probe of {label}"}
            for r in rows
            if ":" in r["term"]
        ],
        "mediation_results": [],
        "mediation_answer": "",
    }


def actions_rows(shift=0.0):
    return [
        slope("isp_actions", "self_alliance", 0.51 + shift, 0.35, 0.68),
        slope("isp_actions", "other_alliance", 0.33, 0.15, 0.51),
        slope("isp_actions", "self_alliance:other_alliance", 0.24 + shift, 0.05, 0.44),
    ]


def thoughts_rows():
    return [
        slope("isp_thoughts", "self_alliance", 0.06, -0.15, 0.28, 0.7),
        slope("isp_thoughts", "other_alliance", 0.01, -0.21, 0.24, 0.54),
        slope("isp_thoughts", "self_alliance:other_alliance", 0.12, -0.12, 0.38, 0.84),
    ]


def sections():
    residual = {
        "outcome": "joint",
        "parameter": "corr_residual",
        "term": "isp_actions ~ isp_thoughts",
        "scale": "standardised",
        "mean": 0.02,
        "lower": -0.21,
        "upper": 0.25,
        "pd": float("nan"),
    }
    return [
        section("isp_actions", "ISP-actions", actions_rows(), description="Actions?"),
        section(
            "isp_joint",
            "ISP-thoughts and ISP-actions (joint)",
            thoughts_rows() + actions_rows(0.01),
            equations=2,
            extra=[residual],
        ),
        section("isp_thoughts", "ISP-thoughts", thoughts_rows(), description="Thoughts?"),
        section(
            "progress",
            "Perceived progress",
            [
                slope("progress", "isp_actions", 0.48, 0.25, 0.72),
                slope("progress", "self_alliance", 0.09, -0.13, 0.31, 0.79),
            ],
            description="Progress?",
        ),
    ]


def test_one_plain_answer_per_question_naming_its_model():
    found = {f["name"]: f for f in model_findings(sections(), LABELS, 0.95, None, [])}
    assert [f["name"] for f in model_findings(sections(), LABELS, 0.95, None, [])] == [
        "isp_actions",
        "isp_thoughts",
        "progress",
        "isp_joint",
    ]  # single-outcome models first: they are primary
    assert found["isp_actions"]["question"] == "Actions?"
    assert found["isp_actions"]["answer"] == (
        "In the ISP-actions model, higher self-alliance and higher other-alliance went with "
        "higher ISP-actions and the slope of self-alliance on ISP-actions was more positive at "
        "higher other-alliance (lower-order slopes at the moderator's mean)."
    )
    assert found["isp_thoughts"]["answer"].startswith(
        "In the ISP-thoughts model, self-alliance and other-alliance showed no clear "
        "association with ISP-thoughts and there was no clear evidence that other-alliance "
        "moderates"
    )
    progress = found["progress"]
    assert progress["answer"] == (
        "In the perceived progress model, higher ISP-actions went with higher progress and "
        "self-alliance showed no clear association with progress."
    )
    # the progress model has a drafted Results sentence with its estimates
    assert progress["results"][0].startswith("In the perceived progress model, higher")
    assert "\u03b2 = 0.48, 95% CrI [0.25, 0.72]" in progress["results"][0]


def test_a_joint_model_does_not_repeat_the_primary_estimates():
    found = {f["name"]: f for f in model_findings(sections(), LABELS, 0.95, None, [])}
    joint = found["isp_joint"]
    assert not joint["primary"]
    assert "0.52" not in joint["answer"] + " ".join(joint["results"])  # its own slopes
    assert not any(r.startswith("probe") for r in joint["results"])  # nor its probes
    assert (
        "re-estimates the equations of the ISP-actions and ISP-thoughts models, which are "
        "primary; those estimates are not repeated here (they differ from the primary ones by "
        "at most 0.01 SD)" in joint["answer"]
    )
    assert "r = .02, 95% CrI [\u2212.21, .25]" in joint["results"][0]
    assert found["isp_actions"]["results"][1] == "probe of ISP-actions"
    text = " ".join(t for f in found.values() for t in [f["answer"], *f["results"]])
    for name in INTERNAL:
        assert name not in text, name


def compare(diff, dse):
    return {
        "name": "isp_actions",
        "compare": [
            {"variant": "declared", "elpd_diff": 0.0, "dse": 0.0, "weight": 0.89},
            {"variant": "no_interaction", "elpd_diff": diff, "dse": dse, "weight": 0.11},
        ],
    }


def test_loo_within_two_standard_errors_is_no_clear_difference():
    text = loo_sentence(compare(2.3, 2.4))
    assert text == (
        "PSIS-LOO did not clearly separate the model as declared (highest ELPD) from the "
        "variant without the interaction terms (\u0394ELPD = \u22122.3, SE = 2.4): the "
        "difference was within two standard errors of zero, so there was no clear difference "
        "in expected predictive accuracy. Stacking weights (as declared .89, without the "
        "interaction terms .11) are the weights of the best predictive combination of these "
        "models, not probabilities that a model is true."
    )
    clear = loo_sentence(compare(9.0, 2.4))
    assert clear.startswith(
        "The model as declared predicted better than the variant without the interaction "
        "terms (\u0394ELPD = \u22129.0, SE = 2.4)."
    )
    assert "predicts best" not in text + clear and "declared predicts" not in text + clear


def prior_model(flip: bool):
    rows = [
        {
            "prior_set": s,
            "outcome": "isp_actions",
            "estimate": "self_alliance:other_alliance",
            "mean": m,
            "lower": lo,
            "upper": hi,
            "excludes_zero": lo > 0,
        }
        for s, m, lo, hi in (
            ("default", 0.24, 0.05, 0.44),
            ("sceptical", 0.12, -0.02 if flip else 0.01, 0.26),
        )
    ]
    return {"rows": rows, "max_shift": 1.23, "flips": ["x"] if flip else []}


def test_prior_sensitivity_is_carried_into_the_results():
    words = {k: v[0].lower() + v[1:] if v[1].islower() else v for k, v in LABELS.items()}
    assert prior_sentence(prior_model(True), words, 0.95) == (
        "Whether the 95% credible interval excluded zero depended on the prior set for the "
        "self-alliance \u00d7 other-alliance interaction (default 0.24 [0.05, 0.44]; "
        "sceptical 0.12 [\u22120.02, 0.26]); these conclusions are sensitive to the prior "
        "(across the two prior sets, posterior means moved by at most 1.23 posterior SDs)."
    )
    assert prior_sentence(prior_model(False), words, 0.95) == (
        "Under both prior sets (default and sceptical), every key estimate kept its side "
        "of zero; posterior means moved by at most 1.23 posterior SDs."
    )
    found = model_findings(
        sections()[:1],
        LABELS,
        0.95,
        {"models": [dict(prior_model(True), name="isp_actions")]},
        [compare(2.3, 2.4)],
    )[0]
    assert any(r.startswith("Whether the 95% credible") for r in found["results"])
    assert any(r.startswith("PSIS-LOO did not clearly") for r in found["results"])


@pytest.mark.parametrize("interval", [0.95, 0.9])
def test_loo_pit_caption_describes_the_ecdf_difference_at_the_band_level(interval):
    caption = loo_pit_caption("ISP-actions", interval)
    assert "minus the uniform CDF" in caption
    assert f"simultaneous {interval:.0%} band" in caption
    assert "U shape" not in caption and "hump" not in caption and "94%" not in caption


def test_summary_box_separates_convergence_from_methods_checks():
    def fake(label, passed, diagnosis="none"):
        return {
            "label": label,
            "diagnostics": [{"passed": passed}],
            "prior_predictive": [{"share_outside": 0.25, "outcome": "y"}],
            "sensitivity": [{"display": "SD of therapist intercepts", "diagnosis": diagnosis}],
        }

    ok = checks_summary([fake("A", True), fake("B", True, "prior-data conflict")], None, [])
    assert ok["convergence"] == (
        "Convergence checks (R-hat, bulk and tail ESS, divergences, E-BFMI, tree depth): all "
        "passed for both models."
    )
    assert ok["methods"][1] == (
        "Power-scaling sensitivity: one parameter flagged (B: SD of therapist intercepts, "
        "prior-data conflict)."
    )
    bad = checks_summary([fake("A", False)], None, [])
    assert bad["failed"] == ["A"] and "failed for A" in bad["convergence"]


def test_a_mediation_model_is_answered_by_its_indirect_effects_and_index():
    from intersession.effects.mediation import mediation_effects
    from intersession.report.text import mediation_answer, mediation_results
    from tests.fakes import fake_mediation_fit

    mediation = {
        "predictor": "self_alliance",
        "moderator": "other_alliance",
        "mediator": "isp_actions",
    }
    table = mediation_effects(fake_mediation_fit(), mediation, 0.95)
    mine = section(
        "moderated_mediation",
        "Moderated mediation",
        [slope("progress", "isp_actions", 0.45, 0.2, 0.7)],
        equations=2,
        description="Through ISP-actions?",
        mediation=mediation,
    )
    mine.update(
        indirect=table.fillna({"moderator_level": ""}).to_dict("records"),
        outcome_name="progress",
        sentence_label="moderated mediation",
    )
    words = {k: v[0].lower() + v[1:] if v[1].islower() else v for k, v in LABELS.items()}
    mine["mediation_results"] = mediation_results(mine, words, 0.95)
    mine["mediation_answer"] = mediation_answer(mine, words)
    found = model_findings([mine], LABELS, 0.95, None, [])[0]
    assert found["answer"].startswith(
        "In the moderated mediation model, the indirect effect of self-alliance on progress "
        "through ISP-actions was "
    )
    assert "higher ISP-actions went with" not in found["answer"]  # the b path: Results only
    assert found["support"].startswith("indirect effect at \u22121 SD: ab = ")
    assert "; index of moderated mediation: 0." in found["support"]
    assert any("higher ISP-actions went with higher progress" in r for r in found["results"])
    assert found["results"][-1].endswith("which these data cannot show.")
