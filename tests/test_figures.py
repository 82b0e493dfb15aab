"""Figures draw what their tables say (no computation in plotting)."""

import numpy as np
import pandas as pd

from intersession.plots import figures
from tests.fakes import fake_fit


def test_floodlight_marks_johnson_neyman_boundaries_and_shades_regions():
    grid = np.linspace(2.0, 7.0, 50)
    table = pd.DataFrame(
        {
            "moderator_value": grid,
            "mean": 0.2 * (grid - 4),
            "lower": 0.2 * (grid - 4) - 0.2,
            "upper": 0.2 * (grid - 4) + 0.2,
            "density": np.exp(-((grid - 5) ** 2)),
        }
    )
    regions = pd.DataFrame(
        {
            "region": ["slope > 0 (95% interval above 0)", "slope = 0 (median, 95% interval)"],
            "lower": [5.0, 3.5],
            "upper": [7.0, 4.5],
            "lower_is_boundary": [True, False],
            "upper_is_boundary": [False, False],
        }
    )
    labels = {"outcome": "ISP-actions", "focal": "Self", "moderator": "Other"}
    fig = figures.floodlight(table, regions, labels, 0.95)
    ax = fig.axes[0]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in dashed] == [5.0]  # one boundary, not the data end
    assert len(ax.patches) == 1  # one shaded region; the zero crossing is not a region


def test_divergence_pair_plot_marks_divergent_draws():
    idata = fake_fit(divergent=7)
    fig = figures.divergence_pairs(idata, ["sd_therapist", "sigma"])
    assert fig.axes
    drawn = [len(line.get_xdata()) for ax in fig.axes for line in ax.lines]
    drawn += [len(c.get_offsets()) for ax in fig.axes for c in ax.collections]
    assert 7 in drawn  # the divergent draws are drawn on their own


def test_rank_plots_are_titled_in_words_not_variable_names():
    from intersession.inference.record import parameter_map
    from intersession.report.labels import variable_label

    idata = fake_fit()
    pmap = parameter_map(idata)
    labels = {"self_alliance": "Self-alliance", "other_alliance": "Other-alliance"}
    fig = figures.rank_plots(
        idata, ["beta", "sd_therapist"], lambda v: variable_label(v, pmap, labels)
    )
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert "Self-alliance" in titles and "SD of therapist intercepts" in titles
    assert not any("beta" in t or "sd_" in t for t in titles)
    assert min(ax.title.get_fontsize() for ax in fig.axes) >= 9
