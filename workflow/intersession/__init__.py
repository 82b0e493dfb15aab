"""intersession: Bayesian multilevel models of intersession processes and the alliance.

Layers import only downward: ``data`` -> ``model`` -> ``inference`` -> ``checks`` ->
``effects`` -> ``plots`` -> ``report``. Plotting never computes statistics.
"""

__version__ = "0.1.0"
