"""Names of the files steps write, defined once for the rules, the steps and the report.

Imported while Snakemake parses the workflow: this module imports nothing.
"""

#: The effects step's tables of one model: ``effects/<model>/<name>.csv``.
EFFECT_TABLES = (
    "parameters",
    "predictions",
    "slopes",
    "floodlight",
    "johnson_neyman",
    "indirect",
    "prior_predictive",
    "sensitivity",
    "loo_pit",
    "grouped_ppc",
    "variance",
)
