"""Progress lines of long fits: in a log file as on a terminal."""

import logging
import re

import pytest

from intersession.inference.fit import sample
from intersession.inference.progress import Progress, duration
from intersession.model.declaration import load_model
from intersession.model.regression import build_model, prepare_data
from tests.conftest import ROOT


def test_a_progress_line_counts_draws_divergences_and_time_left():
    progress = Progress(chains=4, tune=1000, draws=1000, every=30)
    start = progress.start
    assert progress.line(0, 0, start + 12) == (
        "sampling: 4 chains, tuning (1,000 steps per chain), 0 divergences so far, 12 s elapsed"
    )
    assert progress.line(400, 1, start + 70) == (
        "sampling: 4 chains, 400 of 4,000 draws (10%), 1 divergence so far, 1 min 10 s elapsed"
    )
    # 1,200 more draws in 60 s: 2,400 left take 2 minutes
    assert progress.line(1600, 3, start + 130).endswith(
        "1,600 of 4,000 draws (40%), 3 divergences so far, 2 min 10 s elapsed, "
        "about 2 min 00 s left"
    )
    assert duration(3725) == "1 h 02 min"


@pytest.mark.parametrize("backend", ["nutpie", "pymc"])
def test_a_fit_logs_progress_lines_at_intervals(
    backend, default_codebook, default_scores, caplog, monkeypatch
):
    monkeypatch.setenv("INTERSESSION_PROGRESS_SECONDS", "0.05")
    spec = load_model(ROOT / "models", "isp_actions", default_codebook)
    model = build_model(spec, prepare_data(spec, default_scores))
    sampler = {
        "backend": backend,
        "chains": 2,
        "tune": 300,
        "draws": 3000,
        "target_accept": 0.9,
        "prior_draws": 5,
    }
    with caplog.at_level(logging.INFO, logger="intersession"):
        sample(model, sampler, seed=2, cores=1)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sampling:")]
    assert len(lines) >= 2, lines
    counts = [
        int(m.group(1).replace(",", ""))
        for m in (re.search(r"([\d,]+) of 6,000 draws", line) for line in lines)
        if m
    ]
    assert counts == sorted(counts) and counts and counts[-1] <= 6000
    assert all(re.search(r"\d+ divergences? so far, .* elapsed", line) for line in lines)
