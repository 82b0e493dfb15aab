"""Rule score: scale scores and reliability (see intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], "score"):
    steps.score(
        snakemake.input.clean,
        snakemake.input.codebook,
        snakemake.output.scores,
        snakemake.output.reliability,
    )
