"""Samplers side by side on the canonical model, at the sizes of issue 7.

Canonical model (``../shared/reference/sampler-anchors.md``), on standardised scores:
``y ~ Normal(alpha + u[therapist] + v[client] + (b_sa + w[therapist]) * SA + b_oa * OA +
b_int * SA * OA, sigma)`` with non-centred u, v, w (no v with one row per client: it
would be the residual). Backends:

- ``pymc``: PyMC's NUTS (C backend), the literal model;
- ``nutpie``: nutpie, the literal model;
- ``default``: the project's own path: the canonical model as a declaration,
  ``isp_actions ~ self_alliance * other_alliance + (1 | client) + (1 + self_alliance ||
  therapist)`` with ``centring: grand``, built by ``intersession.model.build`` with fixed
  data shapes (the default prior set is the literal model's priors) and compiled and
  sampled as the workflow's fit step does (``inference.refit.compile_structure``,
  ``inference.fit.nutpie_posterior``);
- ``default-within``: the same declaration with the workflow's default centring (within-
  and between-client parts) and correlated therapist effects, as a user would first write
  it; other parameters, so only its speed is comparable.

Each (size, backend) runs in its own process, so peak memory (max RSS of the process and
its children) is its own. 4 chains x 1,000 tuning + 1,000 draws, target_accept 0.8 (as the
anchors). Reported: compile s (wall time of the sampling call minus sampling), sampling s,
minimum bulk and tail ESS over every parameter, min bulk ESS per second of sampling,
divergences, peak RSS; and for the literal backends the largest difference of posterior
means from PyMC's in units of their combined MCSE.

    .venv/bin/python benchmarks/samplers.py --sizes S M [--backends pymc nutpie default]

Each finished fit is also appended to ``results/samplers.partial.jsonl`` (not committed):
an interrupted run started again with the same arguments reuses the fits it finished
(their rows keep the time of the run that measured them) and removes the file when done.
At L the three backends take hours, so losing one fit, not all, matters.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from measure import machine, run_polled, write_keeping_notes

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PARTIAL = RESULTS / "samplers.partial.jsonl"
SIZES = {  # clients, therapists, sessions
    "S": (81, 10, 1),  # the default study
    "M": (2_000, 100, 10),
    "L": (20_000, 500, 10),
}
ORDER = {size: i for i, size in enumerate(SIZES)}
BACKENDS = ("pymc", "nutpie", "default", "default-within")
SAMPLER = {"chains": 4, "tune": 1000, "draws": 1000, "target_accept": 0.8}
COMMON = ["alpha", "b", "sigma", "tau_u", "tau_v", "tau_w"]
#: The default path's names of the literal model's parameters.
DECLARED = {
    "alpha": ("Intercept", None),
    "b": ("beta", None),
    "sigma": ("sigma", None),
    "tau_u": ("sd_therapist", 0),
    "tau_v": ("sd_client", None),
    "tau_w": ("sd_therapist", 1),
}


def simulate_scores(size: str, path: Path) -> None:
    """Scores of a simulated study of ``size`` (the workflow's simulator and scoring); S is
    the embedded default study. The simulated ones have sites (one per 10 therapists) with
    no site effect, which the canonical model does not have."""
    from intersession.data.codebook import load_codebook
    from intersession.data.score import score_study
    from intersession.data.simulate import Design, GeneratingParameters, simulate_rows
    from intersession.data.validate import clean_items

    clients, therapists, sessions = SIZES[size]
    if sessions == 1:
        book = load_codebook(ROOT / "data" / "simulated_quirk2018" / "codebook.yaml")
        study = pd.read_csv(ROOT / "data" / "simulated_quirk2018" / "study.csv", dtype=str)
    else:
        book = load_codebook(ROOT / "tests" / "designs" / "multisite_codebook.yaml")
        design = Design(clients, therapists, therapists // 10, sessions)
        params = GeneratingParameters(therapist_slope_sd=0.15, site_sd=0.0)
        study = simulate_rows(book, design, 2026, params).astype(str)
    scores = score_study(clean_items(study, book), book)
    scores.dropna(subset=["isp_actions", "self_alliance", "other_alliance"]).to_csv(
        path, index=False
    )


def literal_model(scores: pd.DataFrame):
    import pymc as pm

    def z(x):
        return ((x - x.mean()) / x.std()).to_numpy()

    sa, oa, y = z(scores["self_alliance"]), z(scores["other_alliance"]), z(scores["isp_actions"])
    therapist, therapists = pd.factorize(scores["therapist"])
    client, clients = pd.factorize(scores["client"])
    coords = {"therapist": therapists, "client": clients, "term": ["sa", "oa", "sa:oa"]}
    with pm.Model(coords=coords) as model:
        alpha = pm.Normal("alpha", 0, 1)
        b = pm.Normal("b", 0, 1, dims="term")
        tau_u, tau_w = pm.HalfNormal("tau_u", 0.5), pm.HalfNormal("tau_w", 0.5)
        u = tau_u * pm.Normal("z_u", 0, 1, dims="therapist")
        w = tau_w * pm.Normal("z_w", 0, 1, dims="therapist")
        mu = alpha + u[therapist] + (b[0] + w[therapist]) * sa
        if len(clients) < len(scores):  # one row per client: v is the residual (anchors, S)
            tau_v = pm.HalfNormal("tau_v", 0.5)
            mu = mu + (tau_v * pm.Normal("z_v", 0, 1, dims="client"))[client]
        mu = mu + b[1] * oa + b[2] * sa * oa
        pm.Normal("y", mu, pm.HalfNormal("sigma", 1), observed=y)
    return model


def default_model(scores: pd.DataFrame, directory: Path, canonical: bool):
    import yaml

    from intersession.data.codebook import load_codebook
    from intersession.model.build import build, prepare
    from intersession.model.declaration import load_model
    from intersession.model.regression import build_options

    bar = "||" if canonical else "|"
    formula = (
        "isp_actions ~ self_alliance * other_alliance + (1 | client)"
        f" + (1 + self_alliance {bar} therapist)"
    )
    centring = "grand" if canonical else "within_between"
    (directory / "priors").mkdir(exist_ok=True)
    (directory / "priors" / "default.yaml").write_text(
        (ROOT / "models" / "priors" / "default.yaml").read_text()
    )
    (directory / "m.yaml").write_text(yaml.safe_dump({"formula": formula, "centring": centring}))
    book = load_codebook(ROOT / "tests" / "designs" / "multisite_codebook.yaml")
    spec = load_model(directory, "m", book)
    with build_options(fixed_shapes=True):  # as the workflow's fit step builds it
        return build(spec, prepare(spec, scores))


def worker(size: str, backend: str, scores_path: Path, out: Path, seed: int) -> None:
    """One fit; writes its measurements as JSON to ``out``."""
    import arviz as az
    import pymc as pm

    scores = pd.read_csv(scores_path, dtype={"client": str, "therapist": str})
    with tempfile.TemporaryDirectory() as tmp:
        if backend.startswith("default"):
            model = default_model(scores, Path(tmp), canonical=backend == "default")
        else:
            model = literal_model(scores)
        from intersession.inference.fit import nutpie_posterior
        from intersession.inference.refit import compile_structure

        start = time.perf_counter()
        if backend.startswith("default"):  # as the workflow's fit step samples
            compiled = compile_structure(model).compiled_for(model)
            idata = nutpie_posterior(model, compiled, SAMPLER, seed, os.cpu_count(), False)
        else:
            nuts = backend
            kwargs = {"nuts_sampler_kwargs": {"save_warmup": False}} if nuts == "nutpie" else {}
            with model:
                idata = pm.sample(
                    **SAMPLER,
                    nuts_sampler=nuts,
                    random_seed=seed,
                    cores=os.cpu_count(),
                    progressbar=False,
                    compute_convergence_checks=False,
                    **kwargs,
                )
        total = time.perf_counter() - start
    post = idata.posterior[[v for v in idata.posterior.data_vars if not str(v).endswith("__")]]
    sampling = float(post.attrs.get("sampling_time", np.nan))
    bulk, tail = az.ess(post, method="bulk"), az.ess(post, method="tail")
    min_bulk = float(min(bulk[v].min() for v in bulk.data_vars))
    slowest = min(bulk.data_vars, key=lambda v: float(bulk[v].min()))
    min_tail = float(min(tail[v].min() for v in tail.data_vars))
    common = _common(post) if backend == "default" else {v: post[v] for v in COMMON if v in post}
    record = {
        "size": size,
        "backend": backend,
        "seed": seed,
        "rows": len(scores),
        "compile_s": total - sampling,
        "sampling_s": sampling,
        "min_bulk_ess": min_bulk,
        "min_tail_ess": min_tail,
        "slowest": str(slowest),
        "min_ess_per_s": min_bulk / sampling,
        "divergences": int(idata.sample_stats["diverging"].sum()),
        "means": {v: x.mean(("chain", "draw")).values.ravel().tolist() for v, x in common.items()},
        "mcse": {
            v: az.mcse(x.to_dataset(name=v))[v].values.ravel().tolist() for v, x in common.items()
        },
    }
    out.write_text(json.dumps(record))


def _common(post) -> dict:
    """The default path's draws of the literal model's parameters, under their names."""
    common = {}
    for name, (declared, position) in DECLARED.items():
        if declared in post:
            draws = post[declared]
            if position is not None:
                draws = draws.isel({draws.dims[-1]: position})
            common[name] = draws
    return common


def run(size: str, backend: str, scores_path: Path, seed: int) -> dict:
    """The worker in its own process, its peak memory (with any chain processes it starts)
    polled every 0.2 s."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = [sys.executable, __file__, "--worker", size, backend, str(scores_path), out.name]
        args.append(str(seed))
        code, _, peak = run_polled(args)
        if code:
            raise subprocess.CalledProcessError(code, args)
        record = json.loads(Path(out.name).read_text())
    record["peak_rss_mb"] = peak
    return record


def accuracy(records: list[dict]) -> None:
    """Largest |mean - PyMC's mean| / sqrt(mcse^2 + PyMC's mcse^2) over the common
    parameters, for the literal backends of each size, against PyMC's fit of the same seed."""
    reference = {(r["size"], r["seed"]): r for r in records if r["backend"] == "pymc"}
    for record in records:
        ref = reference.get((record["size"], record["seed"]))
        if ref is None or record["backend"] == "default-within":
            record["max_z_vs_pymc"] = None
            continue
        z = [
            abs(m - m0) / np.hypot(s, s0)
            for v in record["means"]
            if v in ref["means"]
            for m, m0, s, s0 in zip(
                record["means"][v], ref["means"][v], record["mcse"][v], ref["mcse"][v], strict=True
            )
        ]
        record["max_z_vs_pymc"] = float(max(z))


def finished() -> dict[tuple[str, str, int], dict]:
    """Fits of an interrupted run (``PARTIAL``), by (size, backend, seed)."""
    if not PARTIAL.exists():
        return {}
    records = [json.loads(line) for line in PARTIAL.read_text().splitlines() if line.strip()]
    return {(r["size"], r["backend"], r.get("seed", 11)): {"seed": 11, **r} for r in records}


def medians(table: pd.DataFrame) -> pd.DataFrame:
    """One row per size and backend: medians over its seeds (divergences summed, peak memory
    and z the largest), and the ratio of its median min-ESS/s to PyMC's."""
    table = table.assign(slowest=table.get("slowest", pd.Series(index=table.index, dtype=str)))
    grouped = table.groupby(["size", "backend"], sort=False)
    rows = grouped.agg(
        rows=("rows", "first"),
        seeds=("seed", "size"),
        compile_s=("compile_s", "median"),
        sampling_s=("sampling_s", "median"),
        min_bulk_ess=("min_bulk_ess", "median"),
        slowest=("slowest", lambda x: ", ".join(sorted(set(x.dropna())))),
        min_tail_ess=("min_tail_ess", "median"),
        min_ess_per_s=("min_ess_per_s", "median"),
        divergences=("divergences", "sum"),
        peak_rss_mb=("peak_rss_mb", "max"),
        max_z_vs_pymc=("max_z_vs_pymc", "max"),
        run=("run", lambda x: ", ".join(sorted(set(x)))),
    ).reset_index()
    pymc = rows[rows["backend"] == "pymc"].set_index("size")["min_ess_per_s"]
    return rows.assign(ratio=rows["min_ess_per_s"] / rows["size"].map(pymc))


def write(records: list[dict]) -> None:
    """The results of this run, beside the committed ones of sizes it did not run (each row
    names its run: ratios are only ever taken within one size, so within one run)."""
    table = pd.DataFrame(records).drop(columns=["means", "mcse"])
    path = RESULTS / "samplers.csv"
    if path.exists():
        previous = pd.read_csv(path)
        previous = previous[~previous["size"].isin(table["size"])]
        table = pd.concat([previous, table])
    table["seed"] = table["seed"].fillna(11).astype(int)
    table = table.sort_values("size", key=lambda s: s.map(ORDER), kind="stable")
    table.to_csv(path, index=False)
    lines = [
        "# Samplers on the canonical model",
        "",
        f"`benchmarks/samplers.py`. Machine: {machine()}.",
        "4 chains x 1,000 tuning + 1,000 draws, target_accept 0.8; one process per fit;",
        "medians over the seeds (every fit in `samplers.csv`).",
        "",
        "| size | rows | backend | seeds | compile s | sampling s | min bulk ESS (parameter) |"
        " min tail ESS | min-ESS/s | ratio to PyMC | divergences | peak RSS MB |"
        " max z vs PyMC | run |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in medians(table).to_dict("records"):
        ratio = "" if pd.isna(r["ratio"]) else f"{r['ratio']:.2f}"
        z = "" if pd.isna(r["max_z_vs_pymc"]) else f"{r['max_z_vs_pymc']:.1f}"
        slowest = f" ({r['slowest']})" if r["slowest"] else ""
        per_s = r["min_ess_per_s"]
        lines.append(
            f"| {r['size']} | {r['rows']:,} | {r['backend']} | {r['seeds']} | "
            f"{r['compile_s']:.1f} | {r['sampling_s']:.1f} | {r['min_bulk_ess']:.0f}{slowest} | "
            f"{r['min_tail_ess']:.0f} | {per_s:.{1 if per_s >= 10 else 2}f} | {ratio} | "
            f"{r['divergences']} | {r['peak_rss_mb']:.0f} | {z} | {r['run']} |"
        )
    write_keeping_notes(RESULTS / "samplers.md", "\n".join(lines) + "\n", "samplers.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["S", "M"])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument(
        "--seeds", nargs="+", type=int, default=[11], help="one fit per seed; medians reported"
    )
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        size, backend, scores, out, seed = args.worker
        worker(size, backend, Path(scores), Path(out), int(seed))
        return
    started = time.strftime("%Y-%m-%d %H:%M")
    done = finished()
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"{size}.csv"
            fits = [(b, seed) for seed in args.seeds for b in args.backends]  # seeds interleaved
            if any((size, *fit) not in done for fit in fits):
                simulate_scores(size, path)
            for backend, seed in fits:
                if (size, backend, seed) in done:
                    reused = done[size, backend, seed]
                    print(f"{size} {backend} seed {seed}: reusing the fit of {reused['run']}")
                    records.append(reused)
                    continue
                print(f"{size} {backend} seed {seed} ... ({time.strftime('%H:%M')})", flush=True)
                records.append({**run(size, backend, path, seed), "run": started})
                with PARTIAL.open("a") as partial:
                    partial.write(json.dumps(records[-1]) + "\n")
                print(
                    json.dumps({k: v for k, v in records[-1].items() if k not in ("means", "mcse")})
                )
    accuracy(records)
    write(records)
    PARTIAL.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
