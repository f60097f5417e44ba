"""One client's scorecard: small multiples of its key measures, quarter by quarter.

Each panel is one measure over the quarters in the data; dots take the colour of the client's
segment in that quarter, and dotted lines show the book's median for comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.errors import PumpkinError
from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import (
    GREY,
    INK,
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    currency_formatter,
    finding_title,
    format_money,
    house_style,
    segment_colour,
)

#: (column, panel title, money?) in reading order: what it earns, then what it costs us.
PANELS = (
    ("revenue_q", "Revenue in the quarter", True),
    ("effective_rate_ttm", "Revenue per hour (12 months)", True),
    ("margin_ttm", "Margin (12 months)", True),
    ("days_late_avg", "Days late per invoice", False),
    ("incidents_ttm", "Incidents caused (12 months)", False),
    ("value_score", "Value score (0-100)", False),
)


def plot_scorecard(
    data: pd.DataFrame,
    *,
    client_id: str,
    ax: Axes | None = None,
    currency: str,
    title: str | None = None,
) -> Axes:
    """Small multiples (2 x 3 panels inside ``ax``) of one client's measures over the quarters
    of ``data`` (one or several quarters of client metrics). Returns the parent axes; the panels
    are its ``child_axes``."""
    require_columns(data, ("quarter", "client_id", "name", "segment"), figure="plot_scorecard")
    rows = data[data["client_id"].astype(str) == str(client_id)]
    if rows.empty:
        raise PumpkinError(f"plot_scorecard: no client {client_id!r} in the data")
    with house_style():
        ax = new_axes(ax, figsize=(11, 6))
        return _draw_scorecard(data, rows, ax=ax, currency=currency, title=title)


def scorecard_title(data: pd.DataFrame, rows: pd.DataFrame, *, currency: str) -> str:
    """'Client 007: Tangled vines: fix in 2025Q4; $140/h against a book median of $95/h'."""
    last = rows.sort_values("quarter").iloc[-1]
    name = last["name"] if pd.notna(last["name"]) else last["client_id"]
    segment = SEGMENT_LABELS.get(str(last["segment"]), str(last["segment"]))
    head = f"{name}: {segment} in {last['quarter']}"
    if "effective_rate_ttm" not in data.columns or pd.isna(last["effective_rate_ttm"]):
        return head
    book = data.loc[data["quarter"] == last["quarter"], "effective_rate_ttm"].median()
    return (
        f"{head}; {format_money(last['effective_rate_ttm'], currency)}/h against a book median "
        f"of {format_money(book, currency)}/h"
    )


def _draw_scorecard(
    data: pd.DataFrame, rows: pd.DataFrame, *, ax: Axes, currency: str, title: str | None
) -> Axes:
    rows = rows.sort_values("quarter")
    quarters = rows["quarter"].astype(str).tolist()
    x = np.arange(len(quarters))
    colours = [segment_colour(str(s)) for s in rows["segment"].astype(object)]
    ax.set_axis_off()
    panels = [(c, t, m) for c, t, m in PANELS if c in rows.columns]
    for i, (column, label, money) in enumerate(panels):
        row, col = divmod(i, 3)
        panel = ax.inset_axes([col / 3 + 0.035, 0.55 - row * 0.55, 1 / 3 - 0.07, 0.36])
        values = rows[column].to_numpy(dtype=float)
        panel.plot(x, values, color=GREY, lw=1.2, zorder=2)
        panel.scatter(x, values, c=colours, s=42, zorder=3, edgecolors="white", gid="quarters")
        medians = data.groupby("quarter")[column].median().reindex(quarters).to_numpy(dtype=float)
        panel.plot(x, medians, color=INK, lw=0.9, ls=":", zorder=1, gid="book-median")
        panel.set_title(label, fontsize=10, loc="left", fontweight="bold", color=INK)
        panel.set_xticks(x, quarters, fontsize=8, rotation=0 if len(x) <= 4 else 45)
        panel.set_xlim(-0.5, len(x) - 0.5)
        panel.tick_params(axis="y", labelsize=8)
        panel.spines[["top", "right"]].set_visible(False)
        panel.grid(axis="y", color="#EBEBEB")
        if money:
            panel.yaxis.set_major_formatter(currency_formatter(currency))
        if column == "value_score":
            panel.set_ylim(0, 100)
    present = [s for s in SEGMENT_COLOURS if (rows["segment"].astype(object) == s).any()]
    key = " · ".join(f"{SEGMENT_LABELS[s]}" for s in present)
    finding_title(
        ax,
        title or scorecard_title(data, rows, currency=currency),
        subtitle=f"dots coloured by the quarter's segment ({key}); dotted line = book median",
    )
    return ax
