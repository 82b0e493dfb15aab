"""Model layer: declarations (data, from models/) and the PyMC models built from them."""
