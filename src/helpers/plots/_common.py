"""Small shared workers of the figures: axes creation, column checks, bar labels, primary action,
sizes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.errors import PumpkinError


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, figure: str) -> None:
    """Refuse a frame that lacks columns a figure needs, naming them."""
    if not isinstance(data, pd.DataFrame):
        raise PumpkinError(
            f"{figure}: expected a DataFrame of client metrics, got {type(data).__name__}"
        )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise PumpkinError(f"{figure}: the data lacks column(s) {', '.join(missing)}")


def new_axes(ax: Axes | None, *, figsize: tuple[float, float]) -> Axes:
    """The given axes, or a new figure's axes (a plain Figure: nothing is shown twice in notebooks)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _fig, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def standalone_axes(*, figsize: tuple[float, float]) -> Axes:
    """Axes on a Figure not managed by pyplot (for widgets: no inline auto-display, no leak)."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def primary_action(actions: pd.Series) -> pd.Series:
    """The first (most important) code of each ';'-joined actions string ('KEEP' when blank)."""
    return actions.fillna("").astype(str).str.split(";").str[0].str.strip().replace("", "KEEP")


def nice_number(x: float) -> float:
    """The 1-2-5 number at or below x (for legend sizes: 200k, 500k, 1M)."""
    if not np.isfinite(x) or x <= 0:
        return 0.0
    exponent = np.floor(np.log10(x))
    for step in (5.0, 2.0, 1.0):
        if step * 10**exponent <= x:
            return float(step * 10**exponent)
    return float(10 ** (exponent - 1) * 5)


def label_bar(ax: Axes, text: str, xy: tuple[float, float], *, fontsize: float = 8, **kwargs):
    """A bar's figure written just above its top (``xy``), centred, in the house's ink."""
    from helpers.plots.style import INK

    return ax.annotate(
        text,
        xy,
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        color=INK,
        **kwargs,
    )
