"""Rule loo_comparison: PSIS-LOO of a model and its variants, compared (see intersession.steps)."""

from intersession import steps
from intersession.inference.record import StudyInputs
from intersession.logs import step_log

with step_log(snakemake.log[0], f"loo {snakemake.wildcards.model}"):
    steps.loo_comparison(
        model=snakemake.wildcards.model,
        fits={"declared": snakemake.input.base}
        | dict(zip(snakemake.params.variants, snakemake.input.variants, strict=True)),
        scores=snakemake.input.scores,
        inputs=StudyInputs(**snakemake.params.inputs),
        k_threshold=snakemake.params.k_threshold,
        outputs=dict(snakemake.output),
    )
