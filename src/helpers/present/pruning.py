"""The report's pruning overview: robust and borderline candidates, the waterfall and the whale."""

from __future__ import annotations

import pandas as pd

from helpers.book.settings import Settings
from helpers.decide.prune import robust_candidates, robustness_sentence, simulate


def prune_overview(metrics: pd.DataFrame, *, settings: Settings):
    """For the quarterly report: (robust and borderline candidates table, figure, sentence).

    The figure shows the default prune set's margin waterfall and the whale curve before and
    after; the sentence counts the robust candidates.
    """
    from matplotlib.figure import Figure

    from helpers.plots.waterfall import plot_margin_waterfall, plot_whale_before_after

    scenario = simulate(metrics, settings=settings)
    figure = Figure(figsize=(12, 4.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    plot_margin_waterfall(scenario, ax=left)
    plot_whale_before_after(scenario, ax=right)
    candidates = robust_candidates(metrics, settings=settings)
    return candidates, figure, robustness_sentence(candidates, settings=settings)
