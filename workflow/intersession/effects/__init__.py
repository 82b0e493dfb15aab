"""Effects layer: pure functions from posteriors to tidy tables (no drawing)."""
