"""Rules fit and fit_variant: sample one declared model, or a variant of it (see
intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

params = snakemake.params
with step_log(snakemake.log[0], f"fit {snakemake.wildcards.model}"):
    steps.fit(
        scores=snakemake.input.scores,
        codebook=snakemake.input.codebook,
        models_dir=params.models_dir,
        model=snakemake.wildcards.model,
        data_file=snakemake.input.data,
        sampler=dict(params.sampler),
        seed=params.seed,
        threads=snakemake.threads,
        fit_outs={None: snakemake.output.fit},
        variant=getattr(params, "variant", None),
    )
