"""Plots layer: figures drawn from tables and stored fits; no statistics computed here."""
