"""Checks layer: convergence diagnostics of stored fits."""
