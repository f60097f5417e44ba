"""The margin waterfall of a pruning scenario: margin now, each effect, margin after."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.errors import PumpkinError
from helpers.plots._common import label_bar, new_axes
from helpers.plots.style import (
    GREY,
    INK,
    OKABE_ITO,
    currency_formatter,
    finding_title,
    format_money,
    house_style,
)

GAIN, LOSS, TOTAL = OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"], GREY


def waterfall_frame(data) -> pd.DataFrame:
    """The bars to draw: step, amount, kind plus bottom and top of each bar.

    ``data`` is a :class:`~helpers.decide.prune.PruneScenario` or a frame with step, amount, kind
    (``total`` bars stand on zero; ``delta`` bars float on the running total).

    >>> f = waterfall_frame(pd.DataFrame({"step": ["now", "lost", "after"],
    ...     "amount": [10.0, -4.0, 6.0], "kind": ["total", "delta", "total"]}))
    >>> f[["bottom", "top"]].to_numpy().tolist()
    [[0.0, 10.0], [6.0, 10.0], [0.0, 6.0]]
    """
    frame = getattr(data, "waterfall", data)
    missing = {"step", "amount", "kind"} - set(frame.columns)
    if missing:
        raise ValueError(f"waterfall data: missing column(s) {', '.join(sorted(missing))}")
    amount = frame["amount"].astype(float).to_numpy()
    is_total = frame["kind"].eq("total").to_numpy()
    level = np.where(is_total, amount, np.nan)
    running = pd.Series(np.where(is_total, amount, 0.0)).where(is_total).ffill().fillna(0.0)
    cumulative = pd.Series(np.where(is_total, 0.0, amount)).groupby(is_total.cumsum()).cumsum()
    end = np.where(is_total, level, running + cumulative)
    start = np.where(is_total, 0.0, end - amount)
    return frame.assign(
        bottom=np.minimum(start, end), top=np.maximum(start, end), end=end
    ).reset_index(drop=True)


def plot_margin_waterfall(
    data, *, ax: Axes | None = None, currency: str | None = None, title: str | None = None
) -> Axes:
    """Bars from the margin now to the margin after the scenario, each effect in between.

    ``data`` is a :class:`~helpers.decide.prune.PruneScenario` (its ``currency`` is used unless
    ``currency`` is given) or its ``waterfall`` frame (``currency`` required: a frame carries
    none).
    """
    currency = currency or getattr(data, "currency", None)
    if not currency:
        raise PumpkinError(
            "plot_margin_waterfall: a waterfall frame carries no currency: give currency="
        )
    bars = waterfall_frame(data)
    with house_style():
        return _draw_waterfall(
            bars, ax=new_axes(ax, figsize=(8, 4.5)), currency=currency, title=title
        )


def _draw_waterfall(bars: pd.DataFrame, *, ax: Axes, currency: str, title: str | None) -> Axes:
    colours = np.where(bars["kind"].eq("total"), TOTAL, np.where(bars["amount"] >= 0, GAIN, LOSS))
    x = np.arange(len(bars))
    ax.bar(x, bars["top"] - bars["bottom"], bottom=bars["bottom"], color=colours, width=0.65)
    for xi, (_, bar) in zip(x, bars.iterrows(), strict=True):
        sign = "" if bar["kind"] == "total" or bar["amount"] < 0 else "+"
        label_bar(ax, sign + format_money(bar["amount"], currency), (xi, bar["top"]))
    ax.axhline(0, color=INK, linewidth=0.8)
    ax.set_xticks(x, [textwrap.fill(s, 12) for s in bars["step"]], fontsize=8)
    ax.yaxis.set_major_formatter(currency_formatter(currency))
    ax.set_ylabel("Margin over twelve months")
    ax.grid(axis="x", visible=False)
    change = bars["end"].iloc[-1] - bars["end"].iloc[0]
    verb = "raises" if change >= 0 else "lowers"
    finding_title(
        ax,
        title or f"The scenario {verb} the margin by {format_money(abs(change), currency)}",
        subtitle="A scenario with stated assumptions, not a forecast",
    )
    return ax


def plot_whale_before_after(data, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Whale curves (cumulative share of margin by client, best first) before and after pruning.

    ``data`` is a :class:`~helpers.decide.prune.PruneScenario`; its ``whale_before``/``whale_after``
    frames are :func:`helpers.audit.measures.whale_curve` frames.
    """
    with house_style():
        return _draw_whales(data, ax=new_axes(ax, figsize=(6, 4.5)), title=title)


def _draw_whales(data, *, ax: Axes, title: str | None) -> Axes:
    for frame, label, colour, style in (
        (data.whale_before, "before", GREY, "--"),
        (data.whale_after, "after pruning", OKABE_ITO["bluish_green"], "-"),
    ):
        x, y = _whale_xy(frame)
        ax.plot(x, y, style, color=colour, label=label, linewidth=2)
    ax.axhline(1.0, color=INK, linewidth=0.6)
    ax.set_xlabel("Share of clients (most profitable first)")
    ax.set_ylabel("Cumulative share of margin")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.legend(loc="lower right")
    before, after = (_whale_xy(f)[1].max() for f in (data.whale_before, data.whale_after))
    finding_title(
        ax,
        title or "The whale curve before and after pruning",
        subtitle=f"Peak share of margin: {before:.0%} before, {after:.0%} after",
    )
    return ax


def _whale_xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The curve's points from :func:`helpers.audit.measures.whale_curve`, from the origin."""
    x_name, y_name = "cumulative_client_share", "cumulative_margin_share"
    x = np.concatenate([[0.0], frame[x_name].to_numpy(float)])
    y = np.concatenate([[0.0], frame[y_name].to_numpy(float)])
    return x, y
