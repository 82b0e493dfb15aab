"""Rule report: the self-contained HTML report (see intersession.steps)."""

from pathlib import Path

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], "report"):
    steps.report(
        config=snakemake.params.config,
        codebook=snakemake.input.codebook,
        scores=snakemake.input.scores,
        reliability=snakemake.input.reliability,
        problems=snakemake.params.problems,
        source=snakemake.input.source,
        models=snakemake.params.models,
        fits=list(snakemake.input.fits),
        effects=[str(Path(p).parent) for p in snakemake.input.parameters],
        diagnostics=list(snakemake.input.diagnostics),
        out=snakemake.output.html,
    )
