"""Exits month by month: the revenue that stops and the hours freed as clients are let go."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import label_bar, new_axes, require_columns
from helpers.plots.style import (
    GREY,
    INK,
    OKABE_ITO,
    currency_formatter,
    finding_title,
    format_money,
    house_style,
)

LOST = OKABE_ITO["vermillion"]


def plot_exit_calendar(calendar: pd.DataFrame, *, ax: Axes | None = None, currency: str) -> Axes:
    """Bars of the revenue not coming in each month (pro rata after each exit), labelled with
    the hours freed; the months in which someone leaves are named under the axis.

    ``calendar`` is :func:`helpers.decide.offboarding.exit_calendar`. With no exit planned the
    axes say so in words.
    """
    require_columns(
        calendar, ["month", "leaving", "revenue_lost", "hours_freed"], figure="exit calendar"
    )
    with house_style():
        ax = new_axes(ax, figsize=(9, 4.2))
        if calendar.empty:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "No exit is planned.", ha="center", va="center", color=INK)
            return ax
        x = np.arange(len(calendar))
        lost = calendar["revenue_lost"].astype(float).to_numpy()
        ax.bar(x, lost, color=LOST, width=0.65)
        for xi, amount, hours in zip(x, lost, calendar["hours_freed"], strict=True):
            if amount > 0:
                label_bar(ax, f"{format_money(amount, currency)}\n{hours:,.0f} h", (xi, amount))
        leaving = calendar["leaving"].fillna("").astype(str)
        counts = [len(t.split(", ")) if t else 0 for t in leaving]
        ax.set_xticks(
            x,
            [
                f"{m}\n{n} leave" if n else str(m)
                for m, n in zip(calendar["month"], counts, strict=True)
            ],
        )
        ax.yaxis.set_major_formatter(currency_formatter(currency))
        ax.set_ylim(0, max(lost.max(), 1.0) * 1.25)
        ax.set_ylabel("revenue no longer coming in", color=GREY)
        last = lost[-1]
        return finding_title(
            ax,
            f"Spread exits: {format_money(last, currency)} a month stops once all have left",
            subtitle="revenue not coming in each month, and the hours freed (pro rata after "
            "each last day of work)",
        )
