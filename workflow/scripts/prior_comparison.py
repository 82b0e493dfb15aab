"""Rule prior_comparison: key estimates across prior sets (see intersession.steps)."""

from intersession import steps
from intersession.inference.record import StudyInputs
from intersession.logs import step_log

with step_log(snakemake.log[0], "prior comparison"):
    steps.prior_comparison(
        cells=[tuple(cell) for cell in snakemake.params.cells],
        fits=list(snakemake.input.fits),
        interval=snakemake.params.interval,
        out=snakemake.output.table,
        inputs=StudyInputs(**snakemake.params.inputs),
    )
