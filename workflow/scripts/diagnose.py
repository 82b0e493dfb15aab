"""Rule diagnose: convergence checks of one fit (see intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], f"diagnose {snakemake.wildcards.model}"):
    steps.diagnose(snakemake.input.fit, snakemake.output.table)
