"""Rule effects: the tidy effect tables of one fit (see intersession.steps)."""

from pathlib import Path

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], f"effects {snakemake.wildcards.model}"):
    steps.effects(
        snakemake.input.fit,
        snakemake.params.interval,
        snakemake.params.settings,
        str(Path(snakemake.output.parameters).parent),
    )
