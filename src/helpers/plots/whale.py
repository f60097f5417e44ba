"""The whale curve: cumulative margin with clients ranked from most to least profitable.

It climbs above 100% (the best clients earn more than the whole book) and comes back down as the
unprofitable tail gives part of it back: the hump is the margin the tail costs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from helpers.audit.measures import whale_curve
from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import (
    GREY,
    INK,
    OKABE_ITO,
    SEGMENT_COLOURS,
    finding_title,
    format_money,
    house_style,
)


def plot_whale_curve(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    currency: str,
    title: str | None = None,
) -> Axes:
    """Cumulative margin (% of the book's margin) against the share of clients, best first."""
    require_columns(data, ("client_id", "margin_ttm"), figure="plot_whale_curve")
    with house_style():
        ax = new_axes(ax, figsize=(9, 5.5))
        return _draw_whale(data, ax=ax, currency=currency, title=title)


def whale_title(points: pd.DataFrame, *, currency: str) -> str:
    """'The 102 profitable clients earn 134% of the margin; the other 48 lose $310k'."""
    losing = points[points["margin_ttm"] < 0]
    if points.empty:
        return "No clients"
    if losing.empty:
        return "Every client makes a profit"
    winners = points[points["margin_ttm"] >= 0]
    peak = points["cumulative_margin"].max()
    total = points["cumulative_margin"].iloc[-1]
    if total > 0:
        return (
            f"The {len(winners)} profitable clients earn {peak / total:.0%} of the margin; "
            f"the other {len(losing)} lose {format_money(-losing['margin_ttm'].sum(), currency)}"
        )
    return (
        f"The book loses money: {len(losing)} clients lose "
        f"{format_money(-losing['margin_ttm'].sum(), currency)}"
    )


def _draw_whale(data: pd.DataFrame, *, ax: Axes, currency: str, title: str | None) -> Axes:
    points = whale_curve(data)
    x = np.concatenate([[0.0], points["cumulative_client_share"].to_numpy()]) * 100
    y = np.concatenate([[0.0], points["cumulative_margin_share"].to_numpy()]) * 100
    ax.plot(x, y, color=OKABE_ITO["blue"], lw=2.2, gid="whale-curve")
    ax.axhline(100, color=GREY, ls="--", lw=1, gid="total-margin")
    ax.text(1, 100, "the book's margin ", transform=ax.get_yaxis_transform(), ha="right",
            va="bottom", fontsize=8.5, color=INK)  # fmt: skip
    if len(points) and np.isfinite(y).any():
        top = int(np.nanargmax(y))
        ax.plot(x[top], y[top], "o", color=SEGMENT_COLOURS["weed"], ms=7, gid="whale-peak")
        ax.annotate(
            f"peak: {y[top]:.0f}% of the margin\nfrom the best {x[top]:.0f}% of clients",
            xy=(x[top], y[top]), xytext=(-12, -45), textcoords="offset points", fontsize=9, ha="right",
            color=INK, arrowprops={"arrowstyle": "-", "color": GREY, "lw": 0.8},
        )  # fmt: skip
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_xlabel("Share of clients, most profitable first (%)")
    ax.set_ylabel("Cumulative margin, last 12 months (% of total)")
    total = points["margin_ttm"].fillna(0).sum()
    subtitle = f"{len(points)} clients · total margin {format_money(total, currency)}"
    finding_title(ax, title or whale_title(points, currency=currency), subtitle=subtitle)
    return ax
