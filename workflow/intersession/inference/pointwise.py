"""How much of a fit's pointwise groups (log-likelihood, posterior predictive) to keep.

Both grow with rows x draws: 200,000 rows x 4,000 draws are 6.4 GB each in float64. Above
``POINTWISE_BUDGET`` values, every k-th draw is kept, in float32. Kept light (no PyMC) so
that the workflow's resource estimates can use it when Snakemake schedules a job.
"""

from __future__ import annotations

#: Values (rows x kept draws) a pointwise group may hold before it is thinned and stored
#: as float32: 2e8 values are 0.8 GB in float32 (the L study, 200,000 rows x 4,000 draws,
#: keeps every 4th draw: 1,000 draws, 0.8 GB per group instead of 6.4 GB).
POINTWISE_BUDGET = 200_000_000


def pointwise_plan(rows: int, chains: int, draws: int) -> dict:
    """Which draws the pointwise groups keep: every ``thin``-th of each chain, in ``dtype``."""
    thin = max(1, -(-rows * chains * draws // POINTWISE_BUDGET))
    return {
        "thin": thin,
        "draws": chains * len(range(0, draws, thin)),
        "of_draws": chains * draws,
        "dtype": "float64" if thin == 1 else "float32",
    }
