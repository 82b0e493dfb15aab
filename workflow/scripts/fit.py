"""Rule fit: sample one declared model (see intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], f"fit {snakemake.wildcards.model}"):
    steps.fit(
        scores=snakemake.input.scores,
        codebook=snakemake.input.codebook,
        models_dir=snakemake.params.models_dir,
        model=snakemake.wildcards.model,
        data_file=snakemake.input.data,
        sampler=dict(snakemake.params.sampler),
        seed=snakemake.params.seed,
        threads=snakemake.threads,
        fit_out=snakemake.output.fit,
    )
