"""Drafted text: APA number formats and Johnson-Neyman sentences from tables."""

from types import SimpleNamespace

import pandas as pd

from intersession.report.labels import parameter_label
from intersession.report.text import (
    estimate,
    johnson_neyman_sentence,
    number,
    pointwise_text,
    probability,
)

LABELS = {"isp_actions": "ISP-actions", "isp_thoughts": "ISP-thoughts", "self_alliance": "SA"}


def test_apa_numbers():
    assert number(-0.241) == "\u22120.24"
    assert probability(0.98641) == "= .986" and probability(0.99996) == "> .999"
    row = {"mean": 0.2412, "lower": -0.051, "upper": 0.44, "pd": 0.9864}
    assert estimate(row) == "\u03b2 = 0.24, 95% CrI [\u22120.05, 0.44], pd = .986"
    # a correlation cannot exceed 1: no leading zero (APA 6.36)
    assert estimate({**row, "pd": float("nan")}, "r", 0.9) == "r = .24, 90% CrI [\u2212.05, .44]"


def regions(*rows):
    columns = ["region", "lower", "upper", "lower_mcse", "upper_mcse", "n_inside"]
    table = pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows], columns=columns)
    table["lower_is_boundary"] = [r[3] == r[3] for r in rows]  # an MCSE: a boundary
    table["upper_is_boundary"] = [r[4] == r[4] for r in rows]
    table["observed_min"], table["observed_max"], table["n_observed"] = 2.5, 7.0, 81
    return table


CAVEAT = (
    " Johnson-Neyman regions describe where the posterior of the slope lies; they are not a "
    "significance test."
)


def test_johnson_neyman_sentences():
    nan = float("nan")
    zero = ("slope = 0 (median, 95% interval)", 1.0, 4.0, nan, nan, nan)
    one = regions(("slope > 0 (95% interval above 0)", 3.671, 7.0, 0.017, nan, 12), zero)
    assert johnson_neyman_sentence(one, "SA", "OA") == (
        "The 95% credible interval of the slope of SA excluded zero: positive for OA from "
        "3.67 (MCSE 0.02) to the top of the observed range (7.00), where 12 of the 81 "
        "observations (15%) lie." + CAVEAT
    )
    two = regions(
        ("slope > 0 (90% interval above 0)", 5.0, 7.0, 0.1, nan, 20),
        ("slope < 0 (90% interval below 0)", 2.5, 3.0, nan, 0.2, 3),
        zero,
    )
    assert johnson_neyman_sentence(two, "SA", "OA", 0.9) == (
        "The 90% credible interval of the slope of SA excluded zero: positive for OA from 5.00 "
        "(MCSE 0.10) to the top of the observed range (7.00), where 20 of the 81 observations "
        "(25%) lie; and negative for OA from the bottom of the observed range (2.50) to 3.00 "
        "(MCSE 0.20), where 3 of the 81 observations (4%) lie." + CAVEAT
    )
    assert johnson_neyman_sentence(regions(zero), "SA", "OA") == (
        "No Johnson-Neyman region lies within the observed range of OA (2.50 to 7.00): the "
        "95% credible interval of the slope of SA includes zero everywhere in it." + CAVEAT
    )


def test_methods_state_the_two_sided_johnson_neyman_criterion():
    from intersession.report.text import statistical_analysis

    record = SimpleNamespace(
        groups=[],
        identity=SimpleNamespace(priors={"name": "x"}),
        pointwise={"thin": 1},
        treatments={"self_alliance": {"centring": "grand", "standardise": True}},
        factors={},
    )
    section = {
        "label": "A",
        "family": "gaussian",
        "family_label": "Gaussian",
        "notes": [],
        "record": record,
        "diagnostics": [],
    }
    sampler = {"backend": "nutpie", "chains": 4, "draws": 1000, "tune": 1000, "target_accept": 0.9}
    import intersession.report.text as text

    original = text.prior_text
    text.prior_text = lambda priors: "flat"
    try:
        methods = statistical_analysis([section], sampler, 0.9, {"pymc": "5"})
    finally:
        text.prior_text = original
    assert "90% credible interval of the slope excludes zero" in methods
    assert "at least .95 or at most .05" in methods  # two-sided: 0.95 = 1 - 0.10 / 2
    assert "not a significance test" in methods


def test_parameter_labels():
    assert parameter_label("sd_client", "self_alliance_within", LABELS) == (
        "SD of client slopes of SA (within)"
    )
    assert parameter_label(
        "corr_therapist", "isp_actions/Intercept ~ isp_thoughts/Intercept", LABELS
    ) == ("Correlation of therapist effects: ISP-actions intercept ~ ISP-thoughts intercept")
    assert parameter_label("corr_residual", "isp_actions ~ isp_thoughts", LABELS) == (
        "Residual correlation: ISP-actions ~ ISP-thoughts"
    )


def test_thinned_pointwise_draws_are_stated():
    plan = {"thin": 4, "draws": 1000, "of_draws": 4000, "dtype": "float32"}
    section = {"label": "ISP-actions", "record": SimpleNamespace(pointwise=plan)}
    assert pointwise_text([section]) == (
        "To keep memory bounded, the pointwise log-likelihood (for LOO and prior sensitivity) "
        "and the posterior predictive draws of the largest models were computed on evenly "
        "thinned draws and stored in single precision: ISP-actions 1,000 of 4,000 (every 4th)."
    )
