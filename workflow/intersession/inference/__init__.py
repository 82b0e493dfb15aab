"""Inference layer: sampling backends and the stored InferenceData with provenance."""
