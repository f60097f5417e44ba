"""Revenue per hour, ranked: the seed's indicator, with the bottom X% cut highlighted."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import (
    GREY,
    INK,
    SEGMENT_COLOURS,
    currency_formatter,
    finding_title,
    format_money,
    house_style,
)

CUT_COLOUR = SEGMENT_COLOURS["weed"]


def plot_rate_ranking(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    cut_percentile: float = 10.0,
    currency: str,
    label: int = 5,
    title: str | None = None,
) -> Axes:
    """Clients ranked by revenue per hour (best left); those in the bottom ``cut_percentile`` %
    are highlighted and the worst ``label`` of them named. Clients with no hours have no rate:
    they are counted in the subtitle, not drawn."""
    require_columns(data, ("client_id", "name", "effective_rate_ttm"), figure="plot_rate_ranking")
    if not 0 <= cut_percentile <= 100:
        raise ValueError(f"cut_percentile must be between 0 and 100, got {cut_percentile!r}")
    with house_style():
        ax = new_axes(ax, figsize=(11, 5.5))
        return _draw_ranking(
            data, ax=ax, cut=cut_percentile, currency=currency, label=label, title=title
        )


def rate_cut(data: pd.DataFrame, cut_percentile: float) -> pd.DataFrame:
    """Clients with a rate, best first, with ``percentile`` (the one the cut reads) and ``in_cut``
    = in the bottom ``cut_percentile`` %.

    Uses the contract's ``rate_percentile`` (100 = best) when present, else ranks the rates.
    """
    rated = data[data["effective_rate_ttm"].notna()]
    if "hours_ttm" in rated.columns:
        rated = rated[rated["hours_ttm"].fillna(0) > 0]
    if "rate_percentile" in rated.columns and rated["rate_percentile"].notna().all():
        percentile = rated["rate_percentile"].astype(float)
    else:
        percentile = rated["effective_rate_ttm"].rank(method="average") * 100 / max(len(rated), 1)
    return (
        rated.assign(percentile=percentile, in_cut=percentile <= cut_percentile)
        .sort_values(["effective_rate_ttm", "client_id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def ranking_title(ranked: pd.DataFrame, *, currency: str) -> str:
    """'12 clients (8%) earn less than $95/h' (the first rate above the cut)."""
    cut = ranked[ranked["in_cut"]]
    if cut.empty:
        return "No client falls in the bottom cut of revenue per hour"
    above = ranked.loc[~ranked["in_cut"], "effective_rate_ttm"]
    share = len(cut) / len(ranked)
    if above.empty:
        limit = f"at most {format_money(cut['effective_rate_ttm'].max(), currency)}/h"
    else:
        limit = f"less than {format_money(above.min(), currency)}/h"
    return f"{len(cut)} clients ({share:.0%}) earn {limit}"


def _bars(ax: Axes, positions: np.ndarray, heights: np.ndarray, colours, *, width=0.85) -> None:
    """What ``ax.bar`` draws (one Rectangle per client, bottom at 0, in ``ax.patches``), with
    the data limits updated once rather than once per bar (most of ``ax.bar``'s time on a book
    of a few hundred clients)."""
    for x, height, colour in zip(positions, heights, colours, strict=True):
        bar = Rectangle(
            (x - width / 2, 0.0), width, height, facecolor=colour, gid="rate-bars",
            label="_nolegend_",
        )  # fmt: skip
        bar.sticky_edges.y.append(0.0)
        ax.add_artist(bar)
    if len(heights):
        low, high = np.nanmin(heights), np.nanmax(heights)
        ax.update_datalim(
            [(positions[0] - width / 2, min(low, 0.0)), (positions[-1] + width / 2, max(high, 0.0))]
        )
        ax.autoscale_view()


def _draw_ranking(
    data: pd.DataFrame, *, ax: Axes, cut: float, currency: str, label: int, title: str | None
) -> Axes:
    ranked = rate_cut(data, cut)
    positions = np.arange(1, len(ranked) + 1)
    colours = np.where(ranked["in_cut"], CUT_COLOUR, GREY)
    _bars(ax, positions, ranked["effective_rate_ttm"].to_numpy(dtype=float), colours)
    median = ranked["effective_rate_ttm"].median()
    if pd.notna(median):
        ax.axhline(median, color=INK, lw=0.9, ls=":", gid="median-rate")
        ax.annotate(
            f"book median {format_money(median, currency)}/h",
            xy=(1, median), xycoords=("axes fraction", "data"), xytext=(0, 3),
            textcoords="offset points", ha="right", va="bottom", fontsize=8.5, color=INK,
        )  # fmt: skip
    in_cut = ranked[ranked["in_cut"]]
    if not in_cut.empty:
        boundary = len(ranked) - len(in_cut) + 0.5
        ax.axvline(boundary, color=CUT_COLOUR, lw=1.2, ls="--", gid="cut-line")
        ax.text(
            boundary, 0.98, f" bottom {cut:g}% ", transform=ax.get_xaxis_transform(),
            ha="right", va="top", color=CUT_COLOUR, fontsize=9, fontweight="bold",
        )  # fmt: skip
        worst = in_cut.tail(label).iloc[::-1]
        if len(worst):
            lines = [
                f"{str(r.name)[:24]}  {format_money(r.effective_rate_ttm, currency)}/h"
                for r in worst.itertuples()
            ]
            ax.text(
                0.985, 0.62, "Lowest:\n" + "\n".join(lines), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=8.5, color=INK, parse_math=False, gid="lowest-clients",
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": CUT_COLOUR, "lw": 0.8},
            )  # fmt: skip
    ax.set_xlim(0, len(ranked) + 1)
    ax.yaxis.set_major_formatter(currency_formatter(currency))
    ax.set_xlabel("Clients ranked by revenue per hour (1 = best)")
    ax.set_ylabel(f"Revenue per hour worked ({currency}/h, last 12 months)")
    ax.grid(axis="x", visible=False)
    unrated = len(data) - len(ranked)
    subtitle = f"{len(ranked)} clients with hours" + (
        f"; {unrated} without hours have no rate and are not drawn" if unrated else ""
    )
    finding_title(ax, title or ranking_title(ranked, currency=currency), subtitle=subtitle)
    return ax
