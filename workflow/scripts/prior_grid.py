"""Rules prior_grid_<model>: fit one model under the prior grid's other prior sets, compiling
it once (see intersession.steps.fit)."""

from intersession import steps
from intersession.inference.record import StudyInputs
from intersession.logs import step_log

params = snakemake.params
with step_log(snakemake.log[0], f"prior grid of {params.model}"):
    steps.fit(
        scores=snakemake.input.scores,
        inputs=StudyInputs(**params.inputs),
        model=params.model,
        threads=snakemake.threads,
        fit_outs=dict(zip(params.prior_sets, snakemake.output.fits, strict=True)),
    )
