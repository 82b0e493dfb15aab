"""Rule design_batch: one batch of simulated studies of one size, fitted (see
intersession.calibration.steps)."""

from pathlib import Path

from intersession.calibration import steps as calibration_steps
from intersession.logs import step_log

w = snakemake.wildcards
with step_log(snakemake.log[0], f"design {w.clients}x{w.sessions} batch {w.batch}"):
    calibration_steps.design_batch(
        codebook=snakemake.input.codebook,
        models_dir=str(Path(snakemake.input.declaration).parent),
        settings=dict(snakemake.params.settings),
        seed=snakemake.params.seed,
        clients=int(w.clients),
        sessions=int(w.sessions),
        batch=int(w.batch),
        threads=snakemake.threads,
        out=snakemake.output.rows,
    )
