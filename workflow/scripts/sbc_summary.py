"""Rule sbc_summary: uniformity of the SBC ranks, table and figure (see
intersession.calibration.steps)."""

from pathlib import Path

from intersession.calibration import steps as calibration_steps
from intersession.logs import step_log

with step_log(snakemake.log[0], "sbc summary"):
    calibration_steps.sbc_summary(
        batches=list(snakemake.input.batches),
        settings=dict(snakemake.params.settings),
        seed=snakemake.params.seed,
        out_dir=str(Path(snakemake.output.uniformity).parent),
    )
