"""Data layer: codebook, validation, scoring, reliability and the study simulator."""
