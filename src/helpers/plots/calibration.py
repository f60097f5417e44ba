"""Forecast check: predicted vs actual business in the quarters after a past quarter.

Draws :func:`helpers.forecast.potential.calibration` (``by="quarter"``): bars for what the cohort actually
bought, a line for what the forecast fitted at the start of the holdout said. When the line
tracks the bars, the consultant can trust ``expected_revenue_next_4q``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from helpers.errors import PumpkinError
from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import GREY, INK, OKABE_ITO, currency_formatter, finding_title, house_style

MEASURES = ("purchases", "revenue")
METHOD_WORDS = {"bgnbd+gg": "BG/NBD + Gamma-Gamma", "bgnbd+own-mean": "BG/NBD x own mean value",
                "run-rate": "run-rate fallback"}  # fmt: skip


def calibration_title(data: pd.DataFrame, measure: str = "purchases") -> str:
    """'The forecast was 4% under what happened over 4 quarters' (total over the holdout)."""
    predicted = float(data[f"predicted_{measure}"].sum())
    actual = float(data[f"actual_{measure}"].sum())
    span = f"{len(data)} quarter{'s' if len(data) != 1 else ''}"
    if actual <= 0:
        return f"Nothing was bought in the {span} after the fit"
    gap = predicted / actual - 1
    if abs(gap) < 0.005:
        return f"The forecast matched what happened over {span}"
    side = "over" if gap > 0 else "under"
    return f"The forecast was {abs(gap):.0%} {side} what happened over {span}"


def plot_calibration(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    measure: str = "purchases",
    currency: str = "USD",
    title: str | None = None,
) -> Axes:
    """Actual (bars) vs predicted (line) purchases or revenue per holdout quarter."""
    if measure not in MEASURES:
        raise PumpkinError(f"plot_calibration: measure must be one of {MEASURES}, got {measure!r}")
    require_columns(
        data, ("quarter", f"predicted_{measure}", f"actual_{measure}"), figure="plot_calibration"
    )
    with house_style():
        ax = new_axes(ax, figsize=(8, 4.5))
        return _draw(data, ax=ax, measure=measure, currency=currency, title=title)


def _draw(data: pd.DataFrame, *, ax: Axes, measure: str, currency: str, title: str | None) -> Axes:
    positions = np.arange(len(data))
    ax.bar(positions, data[f"actual_{measure}"], width=0.6, color=OKABE_ITO["sky_blue"],
           label="actual")  # fmt: skip
    ax.plot(positions, data[f"predicted_{measure}"], color=INK, marker="o", linewidth=2,
            label="predicted")  # fmt: skip
    ax.set_xticks(positions, data["quarter"].astype(str))
    ax.set_xlabel("quarter after the fit")
    top = float(np.nanmax(data[[f"actual_{measure}", f"predicted_{measure}"]].to_numpy()))
    ax.set_ylim(0, top * 1.18 if top > 0 else 1.0)
    if measure == "revenue":
        ax.yaxis.set_major_formatter(currency_formatter(currency))
        ax.set_ylabel("revenue of the clients known at the fit")
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:,.0f}"))
        ax.set_ylabel("purchases (invoice days)")
    handles = [Patch(color=OKABE_ITO["sky_blue"], label="actual"),
               Line2D([], [], color=INK, marker="o", linewidth=2, label="predicted")]  # fmt: skip
    ax.legend(handles=handles, loc="upper right", ncols=2)
    method = data["method"].iloc[0] if "method" in data.columns and len(data) else None
    subtitle = f"method: {METHOD_WORDS.get(method, method)}" if method else None
    finding_title(ax, title or calibration_title(data, measure), subtitle=subtitle)
    if "method" in data.columns and (data["method"] == "run-rate").any():
        ax.text(1.0, 1.01, "models unreliable on this book", transform=ax.transAxes, ha="right",
                va="bottom", fontsize=8, color=GREY)  # fmt: skip
    return ax
