"""Rule effects: parameter table and predicted lines of one fit (see intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], f"effects {snakemake.wildcards.model}"):
    steps.effects(
        snakemake.input.fit,
        snakemake.params.interval,
        snakemake.output.parameters,
        snakemake.output.predictions,
        snakemake.output.indirect,
    )
