"""Payment behaviour: how late each client size pays, and how old the open money is.

The seed: large clients often pay late because of their finance departments (nothing to do);
small clients paying late is a sign to invoice more often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from helpers.plots._common import label_bar, new_axes, require_columns
from helpers.plots.style import (
    INK,
    OKABE_ITO,
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    currency_formatter,
    finding_title,
    format_money,
    house_style,
    segment_colour,
)

SIZE_ORDER = ("small", "medium", "large")
UNKNOWN_SIZE = "unknown"
AGING_COLUMNS = ("aging_current", "aging_1_30", "aging_31_60", "aging_61_90", "aging_90_plus")
AGING_LABELS = ("not yet due", "1-30 days late", "31-60", "61-90", "over 90 days")
AGING_COLOURS = ("#BBBBBB", OKABE_ITO["yellow"], OKABE_ITO["orange"], OKABE_ITO["vermillion"],
                 "#882255")  # fmt: skip


def _sizes(data: pd.DataFrame) -> pd.Series:
    return data["size"].astype(object).where(data["size"].notna(), UNKNOWN_SIZE).astype(str)


def _size_order(sizes: pd.Series) -> list[str]:
    present = set(sizes)
    return [s for s in (*SIZE_ORDER, UNKNOWN_SIZE) if s in present] + sorted(
        present - {*SIZE_ORDER, UNKNOWN_SIZE}
    )


def plot_payment_behaviour(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Average days late per client (dots, coloured by segment) for each client size, with the
    median of each size as a bar. Clients with no paid invoices have no lateness: counted in the
    subtitle, not drawn."""
    require_columns(data, ("client_id", "size", "days_late_avg"), figure="plot_payment_behaviour")
    with house_style():
        ax = new_axes(ax, figsize=(9, 5.5))
        return _draw_payment(data, ax=ax, title=title)


def lateness_by_size(data: pd.DataFrame) -> pd.DataFrame:
    """Clients, median and mean days late per size (clients with a lateness only)."""
    known = data[data["days_late_avg"].notna()].assign(size=_sizes)
    return (
        known.groupby("size")["days_late_avg"]
        .agg(clients="size", median_days_late="median", mean_days_late="mean")
        .reindex(_size_order(known["size"]))
        .reset_index()
    )


def payment_title(summary: pd.DataFrame) -> str:
    """'Large clients pay 23 days late (median), small ones 8'."""
    if summary.empty:
        return "No paid invoices to measure lateness"
    worst = summary.loc[summary["median_days_late"].idxmax()]
    best = summary.loc[summary["median_days_late"].idxmin()]
    if worst["size"] == best["size"]:
        return f"{worst['size'].capitalize()} clients pay {worst['median_days_late']:.0f} days late (median)"
    return (
        f"{worst['size'].capitalize()} clients pay {worst['median_days_late']:.0f} days late "
        f"(median), {best['size']} ones {best['median_days_late']:.0f}"
    )


def _draw_payment(data: pd.DataFrame, *, ax: Axes, title: str | None) -> Axes:
    known = data[data["days_late_avg"].notna()].assign(size=_sizes)
    summary = lateness_by_size(data)
    order = summary["size"].tolist()
    position = {s: i for i, s in enumerate(order)}
    x = known["size"].map(position).to_numpy(dtype=float)
    # Deterministic jitter (golden-ratio sequence): same picture on every run.
    jitter = ((np.arange(len(known)) * 0.618034) % 1.0 - 0.5) * 0.5
    segments = known["segment"] if "segment" in known.columns else pd.Series("", index=known.index)
    ax.bar(range(len(order)), summary["median_days_late"], width=0.7, color="#EEEEEE",
           edgecolor="#BBBBBB", zorder=1, gid="median-bars")  # fmt: skip
    ax.scatter(
        x + jitter,
        known["days_late_avg"],
        s=22,
        c=[segment_colour(s) for s in segments.astype(object)],
        alpha=0.85,
        edgecolors="white",
        linewidths=0.4,
        zorder=3,
        gid="clients",
    )
    for i, row in summary.iterrows():
        label_bar(ax, f"median {row['median_days_late']:.0f} d", (i, row["median_days_late"]),
                  fontsize=8.5, zorder=4)  # fmt: skip
    ax.set_xticks(
        range(len(order)),
        [f"{s}\n({n} clients)" for s, n in zip(order, summary["clients"], strict=True)],
    )
    ax.axhline(0, color=INK, lw=0.8)
    ax.set_xlabel("Client size")
    ax.set_ylabel("Average days late per invoice (days after due date)")
    ax.grid(axis="x", visible=False)
    if "segment" in known.columns:
        present = [s for s in SEGMENT_COLOURS if (segments == s).any()]
        ax.legend(
            handles=[Patch(color=SEGMENT_COLOURS[s], label=SEGMENT_LABELS[s]) for s in present],
            title="Segment", loc="upper left", bbox_to_anchor=(1.01, 1.0),
        )  # fmt: skip
    missing = len(data) - len(known)
    subtitle = "each dot is a client; bars = median of the size" + (
        f"; {missing} clients without paid invoices not drawn" if missing else ""
    )
    finding_title(ax, title or payment_title(summary), subtitle=subtitle)
    return ax


def plot_aging(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    currency: str,
    title: str | None = None,
) -> Axes:
    """Open invoice money by age bucket, one stacked bar per client size."""
    require_columns(data, ("size", *AGING_COLUMNS), figure="plot_aging")
    with house_style():
        ax = new_axes(ax, figsize=(9, 4.5))
        return _draw_aging(data, ax=ax, currency=currency, title=title)


def aging_by_size(data: pd.DataFrame) -> pd.DataFrame:
    """Money in each aging bucket per client size (sizes as rows, buckets as columns)."""
    frame = data.assign(size=_sizes)
    return frame.groupby("size")[list(AGING_COLUMNS)].sum().reindex(_size_order(frame["size"]))


def aging_title(table: pd.DataFrame, *, currency: str) -> str:
    """'$84k (12% of open money) is over 90 days late'."""
    total = table.to_numpy().sum()
    old = table["aging_90_plus"].sum()
    if total <= 0:
        return "No open invoices"
    late = table[list(AGING_COLUMNS[1:])].to_numpy().sum()
    return (
        f"{format_money(late, currency)} of {format_money(total, currency)} open is late; "
        f"{format_money(old, currency)} ({old / total:.0%}) over 90 days"
    )


def _draw_aging(data: pd.DataFrame, *, ax: Axes, currency: str, title: str | None) -> Axes:
    table = aging_by_size(data)
    left = np.zeros(len(table))
    labels = list(table.index)
    for column, name, colour in zip(AGING_COLUMNS, AGING_LABELS, AGING_COLOURS, strict=True):
        values = table[column].to_numpy(dtype=float)
        ax.barh(labels, values, left=left, color=colour, label=name, height=0.6,
                edgecolor="white", gid=f"aging-{column}")  # fmt: skip
        left = left + values
    for i, total in enumerate(left):
        ax.annotate(format_money(total, currency), xy=(total, i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8.5, color=INK)  # fmt: skip
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(currency_formatter(currency))
    ax.set_xlabel(f"Open invoice money at the quarter's end ({currency})")
    ax.set_ylabel("Client size")
    ax.grid(axis="y", visible=False)
    ax.legend(title="Age of the money", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    finding_title(ax, title or aging_title(table, currency=currency))
    return ax
