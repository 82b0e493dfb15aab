"""Fit every structure of the model family on one simulated 500-client x 8-session study.

For each model: wall time of sampling (nutpie, 4 chains x 1,000 tuning + 1,000 draws, after
compilation, which is timed separately), the convergence checks of the workflow, and whether
the pseudo-true values (least squares on a study 20 times larger; see
``intersession.model.truth``) lie inside the 95% intervals. Results go to
``benchmarks/results/model_family.md`` and ``.csv``.

    .venv/bin/python benchmarks/model_family.py [--chains 4] [--draws 1000] [--only NAME]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from intersession.checks.diagnostics import diagnose
from intersession.data.codebook import load_codebook
from intersession.data.score import score_study
from intersession.data.simulate import Design, GeneratingParameters, simulate_study
from intersession.data.validate import clean_items
from intersession.effects.mediation import indirect_effects
from intersession.inference.fit import sample
from intersession.model.build import build, prepare
from intersession.model.declaration import load_model
from intersession.model.truth import pseudo_truth
from intersession.provenance import package_versions

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "tests" / "designs" / "multisite_codebook.yaml"
DESIGN = Design(n_clients=500, n_therapists=50, n_sites=5, n_sessions=8)
PARAMS = GeneratingParameters(
    therapist_slope_sd=0.15, client_slope_sd=0.15, isp_residual_r=0.4, isp_group_r=0.5
)
SELF_OTHER = "self_alliance * other_alliance"
MODELS = {
    "within/between, correlated slopes (ISP-actions)": {
        "formula": f"isp_actions ~ {SELF_OTHER} + (1 + self_alliance | client)"
        " + (1 + self_alliance | therapist) + (1 | site)"
    },
    "joint ISP-thoughts and ISP-actions": {
        "formula": f"mvbind(isp_thoughts, isp_actions) ~ {SELF_OTHER} + (1 | client)"
        " + (1 | therapist) + (1 | site)"
    },
    "joint, correlated client slopes": {
        "formula": f"mvbind(isp_thoughts, isp_actions) ~ {SELF_OTHER}"
        " + (1 + self_alliance | client) + (1 | therapist) + (1 | site)"
    },
    "Student-t (ISP-actions)": {
        "formula": f"isp_actions ~ {SELF_OTHER} + (1 | client) + (1 | therapist) + (1 | site)",
        "family": "student_t",
    },
    "ordinal sum score (ISP-actions)": {
        "formula": f"isp_actions ~ {SELF_OTHER} + (1 | client) + (1 | therapist) + (1 | site)",
        "family": "ordinal",
    },
    "moderated mediation (progress)": {
        "outcome": "progress",
        "mediation": {
            "predictor": "self_alliance",
            "moderator": "other_alliance",
            "mediator": "isp_actions",
        },
        "groups": ["client", "therapist", "site"],
    },
}


def declare(directory: Path, name: str, doc: dict) -> None:
    (directory / f"{name}.yaml").write_text(yaml.safe_dump(doc))


def inside(draws: np.ndarray, value: float) -> bool:
    lower, upper = np.quantile(np.asarray(draws).ravel(), [0.025, 0.975])
    return bool(lower < value < upper)


def recovery(spec, equations, idata, truth) -> tuple[int, int, list[str]]:
    """(inside, checked, misses) over slopes, residual correlation and mediation index."""
    post, checked, misses = idata.posterior, 0, []
    if spec.family == "ordinal":
        return 0, 0, ["ordinal slopes are on the logit scale: no least-squares truth"]
    for equation, _, suffix in equations:
        for term, value in truth.beta[equation.outcome].items():
            checked += 1
            draws = post[f"beta{suffix}"].sel({f"term{suffix}": term}).values
            if not inside(draws, value):
                misses.append(f"{equation.outcome}:{term}")
    if truth.residual_corr is not None:
        checked += 1
        if not inside(post["corr_residual"].values[..., 0, 1], truth.residual_corr):
            misses.append("residual correlation")
    if spec.mediation:
        table = indirect_effects(idata, spec.mediation, 0.95)
        for level in ("within", "between"):
            a = truth.beta[spec.mediation["mediator"]]
            b = truth.beta[spec.outcome]
            index = a[f"self_alliance_{level}:other_alliance_{level}"] * b[f"isp_actions_{level}"]
            row = table[(table["effect"] != "indirect") & (table["level"] == level)].iloc[0]
            checked += 1
            if not row["lower"] < index < row["upper"]:
                misses.append(f"index ({level})")
    return checked - len(misses), checked, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--only", help="fit only the models whose name contains this")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    book = load_codebook(CODEBOOK)
    study, _ = simulate_study(book, DESIGN, seed=21, params=PARAMS)
    scores = score_study(clean_items(study.astype(str), book), book)
    sampler = {
        "backend": "nutpie",
        "chains": args.chains,
        "tune": args.draws,
        "draws": args.draws,
        "target_accept": 0.9,
        "prior_draws": 10,
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp)
        (models / "priors").mkdir()
        shutil.copy(ROOT / "models" / "priors" / "default.yaml", models / "priors")
        for i, (label, doc) in enumerate(MODELS.items()):
            if args.only and args.only not in label:
                continue
            declare(models, f"m{i}", doc)
            spec = load_model(models, f"m{i}", book)
            equations = prepare(spec, scores)
            start = time.perf_counter()
            model = build(spec, equations)
            model.compile_logp()  # PyTensor graph and C compilation (cached across runs)
            compiled = time.perf_counter() - start
            start = time.perf_counter()
            idata = sample(model, sampler, seed=5, cores=2)
            seconds = time.perf_counter() - start
            checks = diagnose(idata).set_index("check")
            truth = pseudo_truth(spec, book, DESIGN, PARAMS, seed=22)
            ok, checked, misses = recovery(spec, equations, idata, truth)
            rows.append(
                {
                    "model": label,
                    "rows": len(equations[0][1].frame),
                    "build_s": round(compiled, 1),
                    "fit_s": round(seconds, 1),
                    "divergences": int(checks.loc["divergences", "value"]),
                    "r_hat_max": checks.loc["r_hat_max", "value"],
                    "ess_bulk_min": int(checks.loc["ess_bulk_min", "value"]),
                    "ess_tail_min": int(checks.loc["ess_tail_min", "value"]),
                    "worst": checks.loc["ess_bulk_min", "where"],
                    "truth_inside_95": f"{ok}/{checked}",
                    "misses": "; ".join(misses),
                    "design_notes": " | ".join(equations[-1][1].notes),
                }
            )
            print(pd.DataFrame(rows).iloc[-1].to_string(), flush=True)
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if not args.only else "_" + args.only.replace(" ", "_")
    table.to_csv(args.out / f"model_family{suffix}.csv", index=False)
    versions = package_versions()
    machine = (
        f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores, "
        f"Python {platform.python_version()}; "
        + ", ".join(f"{k} {versions[k]}" for k in ("pymc", "nutpie", "pytensor", "arviz"))
    )
    columns = [c for c in table.columns if c != "design_notes"]
    lines = [
        "# Model family on a simulated 500-client x 8-session study",
        "",
        f"Design: {DESIGN}; generating parameters: therapist and client slope SD 0.15, "
        "ISP residual correlation 0.4, ISP group-intercept correlation 0.5 (seed 21).",
        f"Sampler: nutpie, {args.chains} chains x {args.draws} tuning + {args.draws} draws, "
        "target_accept 0.9, 2 cores. build_s: building the model and compiling its log density "
        "(PyTensor C backend); fit_s: nutpie compilation and "
        "sampling, then log-likelihood, prior and predictive draws.",
        f"Machine: {machine}. Measured {time.strftime('%Y-%m-%d')} by benchmarks/model_family.py.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(str(row[c]) for c in columns) + " |" for _, row in table.iterrows()),
        "",
        "Design notes per model:",
        "",
        *(f"- {row['model']}: {row['design_notes']}" for _, row in table.iterrows()),
    ]
    (args.out / f"model_family{suffix}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
