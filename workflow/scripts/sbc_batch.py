"""Rule sbc_batch: ranks of one batch of SBC replicates (see intersession.calibration.steps)."""

from pathlib import Path

from intersession.calibration import steps as calibration_steps
from intersession.logs import step_log

with step_log(snakemake.log[0], f"sbc batch {snakemake.wildcards.batch}"):
    calibration_steps.sbc_batch(
        scores=snakemake.input.scores,
        codebook=snakemake.input.codebook,
        models_dir=str(Path(snakemake.input.declaration).parent),
        settings=dict(snakemake.params.settings),
        seed=snakemake.params.seed,
        batch=int(snakemake.wildcards.batch),
        threads=snakemake.threads,
        out=snakemake.output.ranks,
    )
