"""Rule report: the self-contained HTML report (see intersession.steps)."""

from pathlib import Path

from intersession import steps
from intersession.logs import step_log

prior_comparison = snakemake.input.prior_comparison  # a path, or an empty list when off

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
        prior_comparison=prior_comparison if isinstance(prior_comparison, str) else None,
        calibration=list(snakemake.input.calibration),
        loo={
            model: str(Path(path).parent)
            for model, path in zip(snakemake.params.loo_models, snakemake.input.loo, strict=True)
        },
    )
