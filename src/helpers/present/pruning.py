"""The report's pruning overview: robust and borderline candidates, the waterfall and the whale."""

from __future__ import annotations

import pandas as pd

from helpers.book.settings import Settings
from helpers.decide.prune import (
    PruneScenario,
    robust_candidates,
    robustness_sentence,
    simulate,
)
from helpers.present.tables import Table

#: The formats of the robust candidates' columns.
_CANDIDATE_FORMATS = {
    "share of settings": "pct",
    "revenue (TTM)": "money",
    "revenue / hour": "money",
}


def prune_overview(
    metrics: pd.DataFrame, *, settings: Settings, scenario: PruneScenario | None = None
):
    """For the quarterly report: (robust and borderline candidates :class:`Table`, figure,
    sentence).

    The figure shows the default prune set's margin waterfall and the whale curve before and
    after; the sentence counts the robust candidates. ``scenario``: the default prune set's
    :func:`~helpers.decide.prune.simulate` of these metrics and settings when the caller has it
    already (the report's scenario section), else simulated here.
    """
    from matplotlib.figure import Figure

    from helpers.plots.waterfall import plot_margin_waterfall, plot_whale_before_after

    if scenario is None:
        scenario = simulate(metrics, settings=settings)
    figure = Figure(figsize=(12, 4.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    plot_margin_waterfall(scenario, ax=left)
    plot_whale_before_after(scenario, ax=right)
    candidates = robust_candidates(metrics, settings=settings)
    table = Table(candidates, _CANDIDATE_FORMATS, empty="No prune candidate this quarter.")
    return table, figure, robustness_sentence(candidates, settings=settings)
