"""Rule report: the self-contained HTML report (see intersession.steps)."""

from pathlib import Path

from intersession import steps
from intersession.inference.record import StudyInputs
from intersession.logs import step_log

params, inputs = snakemake.params, snakemake.input
prior_comparison = inputs.prior_comparison  # a path, or an empty list when off

with step_log(snakemake.log[0], "report"):
    steps.report(
        inputs=StudyInputs(**params.inputs),
        settings=dict(params.settings),
        study={
            "scores": inputs.scores,
            "reliability": inputs.reliability,
            "problems": params.problems,
            "source": inputs.source,
            "items": inputs.item_table,
        },
        models=params.models,
        fits=list(inputs.fits),
        effects=list(params.effects),
        diagnostics=list(inputs.diagnostics),
        out=snakemake.output.html,
        bench={
            "prior_comparison": prior_comparison if isinstance(prior_comparison, str) else None,
            "calibration": list(inputs.calibration),
            "loo": {
                model: str(Path(path).parent)
                for model, path in zip(params.loo_models, inputs.loo, strict=True)
            },
        },
    )
