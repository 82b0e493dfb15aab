"""Rule prior_comparison: key estimates across prior sets (see intersession.steps)."""

from intersession import steps
from intersession.logs import step_log

with step_log(snakemake.log[0], "prior comparison"):
    steps.prior_comparison(
        cells=[tuple(cell) for cell in snakemake.params.cells],
        fits=list(snakemake.input.fits),
        interval=snakemake.params.interval,
        out=snakemake.output.table,
        models_dir=snakemake.params.models_dir,
        codebook=snakemake.input.codebook,
        data_file=snakemake.input.data,
        sampler=dict(snakemake.params.sampler),
        seed=snakemake.params.seed,
    )
