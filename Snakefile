# intersession: alliance and intersession processes, as a reproducible Bayesian workflow.
# Table of contents only; rules live in workflow/rules/, logic in the intersession package.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/bench.smk"
include: "workflow/rules/calibration.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/export.smk"


# Seconds of work each: run beside Snakemake rather than as cluster jobs.
localrules:
    all,
    validate,
    score,
    sbc,
    design,
    export,
    manuscript,


rule all:
    default_target: True
    input:
        REPORT,
