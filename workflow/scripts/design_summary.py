"""Rule design_summary: detection probability and interval width per study size (see
intersession.calibration.steps)."""

from pathlib import Path

from intersession.calibration import steps as calibration_steps
from intersession.logs import step_log

with step_log(snakemake.log[0], "design summary"):
    calibration_steps.design_summary(
        batches=list(snakemake.input.batches),
        codebook=snakemake.input.codebook,
        models_dir=str(Path(snakemake.input.declaration).parent),
        settings=dict(snakemake.params.settings),
        seed=snakemake.params.seed,
        out_dir=str(Path(snakemake.output.power).parent),
    )
