"""Rules fit and fit_variant: sample one declared model, or a variant of it (see
intersession.steps)."""

from intersession import steps
from intersession.inference.record import StudyInputs
from intersession.logs import step_log

params = snakemake.params
with step_log(snakemake.log[0], f"fit {snakemake.wildcards.model}"):
    steps.fit(
        scores=snakemake.input.scores,
        inputs=StudyInputs(**params.inputs),
        model=snakemake.wildcards.model,
        threads=snakemake.threads,
        fit_outs={None: snakemake.output.fit},
        variant=getattr(params, "variant", None),
    )
