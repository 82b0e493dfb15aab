"""Bias of the autoregression under observed and latent person-mean centring, over
replicate short series (Nickell, 1981; McNeish & Hamaker, 2020).

Each replicate simulates a stationary lagged process study (``data.simulate_process``:
autoregression 0.3, cross-lag 0.25, 120 clients in 20 therapists, T sessions) and fits
``isp_actions ~ lag(isp_actions) + lag(alliance) + (1 | client) + (1 | therapist)`` twice,
the autoregression centred on the observed client mean (``centring: within``, the default)
and on the client's latent level (``centring: latent``). Reported per centring: the mean
posterior mean, its bias and Monte Carlo SE over replicates, and the 95% intervals'
coverage of the truth.

    .venv/bin/python benchmarks/nickell.py --replicates 8 --sessions 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from measure import machine  # benchmarks/measure.py, beside this script

from intersession.data.codebook import load_codebook
from intersession.data.score import score_study
from intersession.data.simulate_process import (
    LAG_FORMULA,
    STATIONARY_LAGS,
    ProcessDesign,
    process_codebook,
    simulate_process,
)
from intersession.data.validate import validate_study
from intersession.inference.fit import sample
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model

SAMPLER = {
    "backend": "nutpie",
    "chains": 2,
    "tune": 500,
    "draws": 500,
    "target_accept": 0.9,
    "prior_draws": 100,
}
CENTRING = {"observed": "within", "latent": "latent"}


def autoregression(directory: Path, book, scores, centring: str, seed: int) -> np.ndarray:
    """Posterior draws of the autoregression (raw units) under ``centring``."""
    models = directory / centring
    (models / "priors").mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    (models / "priors" / "default.yaml").write_text(
        (root / "models/priors/default.yaml").read_text()
    )
    declaration = {
        "formula": LAG_FORMULA,
        "variables": {
            "alliance": {"standardise": False},
            "lag(isp_actions)": {"centring": CENTRING[centring], "standardise": False},
        },
    }
    (models / "m.yaml").write_text(yaml.safe_dump(declaration))
    spec = load_model(models, "m", book)
    equations = prepare(spec, scores)
    [(_, data, _)] = equations
    idata = sample(build(spec, equations), SAMPLER, seed=seed, cores=2)
    term = next(t for t in data.terms if t.startswith("lag(isp_actions)"))
    beta = idata.posterior["beta"].sel(term=term).values.ravel()
    return beta * data.scaling["isp_actions"][1]  # per raw unit of the lag: sd_y / 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--out", default="benchmarks/results/nickell.md")
    args = parser.parse_args()
    truth = STATIONARY_LAGS
    design = ProcessDesign(n_sessions=args.sessions, conditions=("control",))
    estimates = {name: [] for name in CENTRING}
    covered = {name: [] for name in CENTRING}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "codebook.yaml").write_text(yaml.safe_dump(process_codebook(design)))
        book = load_codebook(directory / "codebook.yaml")
        for replicate in range(args.replicates):
            simulate_process(design, truth, 1000 + replicate).to_csv(
                directory / "s.csv", index=False
            )
            items, _, _ = validate_study(directory / "s.csv", book)
            scores = score_study(items, book)
            for name in CENTRING:
                draws = autoregression(directory, book, scores, name, seed=replicate)
                estimates[name].append(draws.mean())
                lower, upper = np.quantile(draws, [0.025, 0.975])
                covered[name].append(lower < truth.autoregression < upper)
                print(
                    f"replicate {replicate} {name}: {draws.mean():.3f} [{lower:.3f}, {upper:.3f}]"
                )
    lines = [
        "# Autoregression under observed and latent person-mean centring",
        "",
        f"`benchmarks/nickell.py --replicates {args.replicates} --sessions {args.sessions}`: "
        f"{args.replicates} simulated studies of {design.n_clients} clients x {args.sessions} "
        f"sessions (autoregression {truth.autoregression}, cross-lag {truth.cross_lag}), each "
        f"fitted twice ({SAMPLER['chains']} chains x {SAMPLER['draws']} draws); "
        f"{time.perf_counter() - start:.0f} s in all.",
        "Nickell's approximation of the observed-centring bias, -(1 + phi) / (T - 1): "
        f"{-(1 + truth.autoregression) / (args.sessions - 1):.3f}.",
        "",
        "| centring | mean estimate | bias | MCSE of bias | 95% coverage |",
        "|---|---|---|---|---|",
    ]
    for name in CENTRING:
        values = np.array(estimates[name])
        lines.append(
            f"| {name} | {values.mean():.3f} | {values.mean() - truth.autoregression:+.3f} | "
            f"{values.std(ddof=1) / np.sqrt(len(values)):.3f} | "
            f"{np.mean(covered[name]):.0%} ({sum(covered[name])} of {len(values)}) |"
        )
    lines += ["", f"Machine: {machine()}.", ""]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
