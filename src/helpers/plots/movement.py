"""Segment movement: how many clients sit in each segment, quarter by quarter, and who moved."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from helpers.audit.measures import segment_transitions
from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import (
    GREY,
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    SEGMENTS,
    finding_title,
    house_style,
)


def plot_segment_movement(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Stacked bars of clients per segment for each quarter of a long metrics frame (one row per
    client and quarter, e.g. ``metrics_for_quarters``); the title says who moved last quarter."""
    require_columns(data, ("quarter", "client_id", "segment"), figure="plot_segment_movement")
    with house_style():
        ax = new_axes(ax, figsize=(9, 5))
        return _draw_movement(data, ax=ax, title=title)


def segment_table(data: pd.DataFrame) -> pd.DataFrame:
    """Clients per quarter (rows, in order) and segment (columns, best first)."""
    segments = data["segment"].astype(object).fillna("unknown").astype(str)
    present = [s for s in (*SEGMENTS, "unknown") if (segments == s).any()]
    counts = data.assign(segment=segments).groupby(["quarter", "segment"]).size()
    return counts.unstack(fill_value=0).reindex(columns=present, fill_value=0).sort_index()


def last_moves(data: pd.DataFrame) -> pd.DataFrame:
    """Each client's segment in the last two quarters (from, to); empty with one quarter."""
    quarters = sorted(data["quarter"].astype(str).unique())
    if len(quarters) < 2:
        return pd.DataFrame(columns=["client_id", "from_segment", "to_segment"])
    last_two = data[data["quarter"].astype(str).isin(quarters[-2:])]
    moves = segment_transitions(last_two.assign(quarter=last_two["quarter"].astype(str)))
    return (
        moves.assign(
            from_segment=moves["from_segment"].astype(object),
            to_segment=moves["to_segment"].astype(object),
        )
        .dropna(subset=["from_segment", "to_segment"])
        .reset_index(drop=True)
    )


def movement_title(data: pd.DataFrame) -> str:
    """'Since 2025Q3: 5 clients slipped into weeds, 3 became prize pumpkins, 80% stayed put'."""
    moves = last_moves(data)
    if moves.empty:
        counts = segment_table(data).iloc[-1]
        return (
            f"{int(counts.get('prize', 0))} prize pumpkins and {int(counts.get('weed', 0))} weeds"
        )
    moved = moves[moves["from_segment"] != moves["to_segment"]]
    to_weed = int((moved["to_segment"] == "weed").sum())
    to_prize = int((moved["to_segment"] == "prize").sum())
    stayed = 1 - len(moved) / len(moves)
    return (
        f"Since {moves['from_quarter'].iloc[0]}: {to_weed} clients slipped into weeds, "
        f"{to_prize} became prize pumpkins, {stayed:.0%} stayed put"
    )


def _draw_movement(data: pd.DataFrame, *, ax: Axes, title: str | None) -> Axes:
    table = segment_table(data)
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for segment in table.columns:
        counts = table[segment].to_numpy(dtype=float)
        ax.bar(x, counts, bottom=bottom, width=0.65, color=SEGMENT_COLOURS.get(segment, GREY),
               edgecolor="white", gid=f"segment-{segment}")  # fmt: skip
        for xi, (b, c) in enumerate(zip(bottom, counts, strict=True)):
            if c >= max(table.to_numpy().sum(axis=1).max() * 0.04, 1):
                ax.text(xi, b + c / 2, f"{int(c)}", ha="center", va="center", fontsize=8.5,
                        color="white", fontweight="bold")  # fmt: skip
        bottom = bottom + counts
    ax.set_xticks(x, table.index.astype(str))
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Clients (count)")
    ax.grid(axis="x", visible=False)
    ax.legend(
        handles=[Patch(color=SEGMENT_COLOURS.get(s, GREY), label=SEGMENT_LABELS.get(s, s))
                 for s in reversed(table.columns)],
        loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Segment",
    )  # fmt: skip
    finding_title(ax, title or movement_title(data))
    return ax
