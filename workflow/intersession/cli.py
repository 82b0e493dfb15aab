"""Command line: ``intersession simulate`` writes a simulated study and its truth,
``validate`` checks a study file, ``export`` writes a fit's draws for R and spreadsheets."""

from __future__ import annotations

import argparse
import sys

import yaml

from intersession.atomic import write_csv, write_text


def _simulate(args: argparse.Namespace) -> int:
    from intersession.data.codebook import load_codebook
    from intersession.data.simulate import Design, simulate_study

    codebook = load_codebook(args.codebook)
    design = Design(
        n_clients=args.clients,
        n_therapists=args.therapists,
        n_sites=args.sites,
        n_sessions=args.sessions,
        dropout_share=args.dropout,
        missed_share=args.missed,
    )
    study, truth = simulate_study(codebook, design, seed=args.seed)
    write_csv(args.out, study)
    write_text(args.truth, yaml.safe_dump(truth, sort_keys=False))
    print(f"wrote {len(study)} rows to {args.out} and the generating truth to {args.truth}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from intersession import steps

    out = Path(args.out_dir)
    steps.validate(
        args.data,
        args.codebook,
        str(out / "items.csv"),
        str(out / "problems.csv"),
        sheet=args.sheet,
    )
    print(f"{args.data}: valid; clean items in {out / 'items.csv'}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from intersession.export import export_fit

    out = export_fit(args.fit, args.out_dir, {Path(t).stem: t for t in args.tables})
    print(f"{args.fit}: posterior draws in {out / 'draws.parquet'} and {out / 'draws.csv'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intersession",
        description="Bayesian multilevel models of alliance and intersession processes. "
        "The workflow itself runs with `snakemake`; these commands are its helpers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sim = commands.add_parser(
        "simulate",
        help="simulate a study like Quirk, Smith & Owen (2018) with its generating truth",
        description="Write item-level data for the instruments of a codebook (which must "
        "name self_alliance, other_alliance, isp_thoughts, isp_actions and progress, and "
        "declare site and session columns if the design has them) and, beside it, the "
        "truth that generated it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    sim.add_argument("--codebook", required=True, help="codebook YAML declaring the items")
    sim.add_argument("--out", required=True, help="CSV file to write")
    sim.add_argument("--truth", required=True, help="YAML file for the generating truth")
    sim.add_argument("--clients", type=int, default=81, help="number of clients")
    sim.add_argument("--therapists", type=int, default=10, help="number of therapists")
    sim.add_argument("--sites", type=int, default=0, help="number of sites (0: no site level)")
    sim.add_argument("--sessions", type=int, default=1, help="sessions per client")
    sim.add_argument(
        "--dropout", type=float, default=0.15, help="share of clients who stop early (sessions > 1)"
    )
    sim.add_argument(
        "--missed", type=float, default=0.05, help="share of sessions missed (sessions > 1)"
    )
    sim.add_argument("--seed", type=int, default=2018, help="integer seed")
    sim.set_defaults(func=_simulate)
    val = commands.add_parser(
        "validate",
        help="check a study file against its codebook and list every problem",
        description="Check a study file (.csv, .tsv, .sav, .xlsx) against its codebook. Every "
        "problem is listed with its row, column, value, rule and fix, and written to "
        "OUT_DIR/problems.csv; if there is no error, the clean items go to OUT_DIR/items.csv. "
        "Exit status 1 if the file has errors. The file itself is only read.",
    )
    val.add_argument("data", help="the study file")
    val.add_argument("--codebook", required=True, help="codebook YAML")
    val.add_argument("--sheet", help="Excel sheet (default: the first)")
    val.add_argument("--out-dir", required=True, help="folder for items.csv and problems.csv")
    val.set_defaults(func=_validate)
    exp = commands.add_parser(
        "export",
        help="write a fit's posterior draws (and tables) as Parquet and CSV for R",
        description="Write the posterior draws of a fit (results/<study>/fits/<model>.nc) to "
        "OUT_DIR/draws.parquet and OUT_DIR/draws.csv, one row per chain, draw and parameter, "
        "with a column per dimension holding its labels (therapist IDs, terms); each table "
        "given is copied beside them (by its file name) and written as Parquet too. OUT_DIR is "
        "replaced.",
    )
    exp.add_argument("fit", help="the fit's NetCDF file")
    exp.add_argument("--out-dir", required=True, help="folder to write (replaced as a whole)")
    exp.add_argument("--tables", nargs="*", default=[], help="CSV tables to add (optional)")
    exp.set_defaults(func=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as err:  # InputError is a ValueError
        from intersession.errors import capped

        print(f"intersession {args.command}: {capped(str(err))}", file=sys.stderr)
        return 1
