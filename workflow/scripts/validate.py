"""Rule validate: check the study file against the codebook (see intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log.main, "validate"):
    steps.validate(
        snakemake.input.data,
        snakemake.input.codebook,
        snakemake.output.clean,
        snakemake.log.problems,
        sheet=snakemake.params.sheet,
        source_out=snakemake.output.source,
    )
