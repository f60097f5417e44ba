"""Figures of the kit, seaborn-shaped: ``plot_x(data, *, ax=None, ...) -> Axes``.

One module per figure; colours, labels and money formats come from :mod:`helpers.plots.style`.
"""

from helpers.plots.calibration import plot_calibration, plot_forecast_check
from helpers.plots.movement import plot_segment_movement
from helpers.plots.patch import plot_patch
from helpers.plots.payment import plot_aging, plot_payment_behaviour
from helpers.plots.ranking import plot_rate_ranking
from helpers.plots.realisation import plot_realisation
from helpers.plots.scorecard import plot_scorecard
from helpers.plots.style import (
    ACTION_COLOURS,
    ACTION_LABELS,
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    apply_house_style,
    currency_formatter,
    finding_title,
    format_money,
    house_style,
)
from helpers.plots.waterfall import plot_margin_waterfall
from helpers.plots.whale import plot_whale_curve

__all__ = [
    "ACTION_COLOURS",
    "ACTION_LABELS",
    "SEGMENT_COLOURS",
    "SEGMENT_LABELS",
    "apply_house_style",
    "currency_formatter",
    "finding_title",
    "format_money",
    "house_style",
    "plot_aging",
    "plot_calibration",
    "plot_forecast_check",
    "plot_margin_waterfall",
    "plot_patch",
    "plot_payment_behaviour",
    "plot_rate_ranking",
    "plot_realisation",
    "plot_scorecard",
    "plot_segment_movement",
    "plot_whale_curve",
]
