"""Realisation: how much of the billable value of its hours each client was invoiced for."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import GREY, INK, SEGMENT_COLOURS, finding_title, format_money, house_style

LOW_COLOUR = SEGMENT_COLOURS["weed"]
FULL_COLOUR = SEGMENT_COLOURS["seedling"]


def lowest_realisation(data: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """The ``top`` clients with a realisation (invoices and a billable value), lowest first."""
    require_columns(
        data,
        ("client_id", "name", "realisation_ttm", "billable_value_ttm", "revenue_ttm"),
        figure="lowest_realisation",
    )
    known = data[data["realisation_ttm"].notna()]
    return known.sort_values(["realisation_ttm", "client_id"]).head(top).reset_index(drop=True)


def plot_realisation(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    top: int = 10,
    currency: str,
    low: float = 0.9,
    title: str | None = None,
) -> Axes:
    """The ``top`` clients that bill least of what they work: one bar per client, invoiced revenue
    as a share of the billable value of its hours over the last four quarters (100% = all of it),
    bars below ``low`` highlighted, each labelled with the money written off."""
    rows = lowest_realisation(data, top=top)
    if rows.empty:
        raise ValueError("no client has both invoices and billable amounts: nothing to draw")
    with house_style():
        ax = new_axes(ax, figsize=(9, 0.45 * len(rows) + 1.6))
        share = rows["realisation_ttm"].to_numpy(dtype=float)
        y = np.arange(len(rows))[::-1]
        colours = np.where(share < low, LOW_COLOUR, FULL_COLOUR)
        ax.barh(y, share, color=colours, height=0.6)
        ax.axvline(1.0, color=INK, linewidth=1)
        ax.set_yticks(y, rows["name"].astype(str).str.slice(0, 32))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(0, max(1.1, float(np.nanmax(share)) * 1.1))
        gap = rows["billable_value_ttm"] - rows["revenue_ttm"]
        for yy, s, g in zip(y, share, gap.to_numpy(dtype=float), strict=True):
            text = f"{format_money(g, currency)} not invoiced" if g > 0 else "all invoiced"
            ax.annotate(
                text, (s, yy), xytext=(4, 0), textcoords="offset points", va="center", color=GREY
            )
        ax.set_xlabel("invoiced / billable value of the hours (last four quarters)")
        worst = rows.iloc[0]
        finding_title(
            ax,
            title
            or f"{worst['name']} was invoiced {worst['realisation_ttm']:.0%} of what its hours bill",
            subtitle=f"the {len(rows)} clients with the lowest realisation; "
            f"below {low:.0%} highlighted",
        )
    return ax
