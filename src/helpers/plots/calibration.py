"""Forecast check: predicted vs actual business in the quarters after a past quarter.

:func:`plot_calibration` draws :func:`helpers.forecast.potential.calibration` (``by="quarter"``):
bars for what the cohort actually bought, a line for what the forecast fitted at the start of the
holdout said. :func:`plot_forecast_check` draws the backtest per client
(:attr:`helpers.forecast.backtest.Backtest.per_client`): each client's forecast against what it
was then invoiced, with the diagonal (a perfect forecast) and the 80% band. When the dots hug the
diagonal, the consultant can trust ``expected_revenue_next_4q``.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.lines import TICKDOWN, TICKLEFT, Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullLocator

from helpers.errors import PumpkinError
from helpers.forecast.choice import METHOD_WORDS
from helpers.plots._common import new_axes, require_columns
from helpers.plots.style import GREY, INK, OKABE_ITO, currency_formatter, finding_title, house_style

MEASURES = ("purchases", "revenue")


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
    currency: str,
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
        ax.text(1.0, 1.01, "the probability models were not used", transform=ax.transAxes, ha="right",
                va="bottom", fontsize=8, color=GREY)  # fmt: skip
    return ax


def forecast_check_title(data: pd.DataFrame) -> str:
    """'Forecasts were off by 18% of the revenue, 11% too low on balance'."""
    actual = float(data["actual"].sum())
    if actual <= 0:
        return "Nothing was invoiced in the year after the fit"
    error = float((data["forecast"] - data["actual"]).abs().sum()) / actual
    bias = float((data["forecast"] - data["actual"]).sum()) / actual
    side = "high" if bias >= 0 else "low"
    return (
        f"Forecasts were off by {error:.0%} of the revenue, {abs(bias):.0%} too {side} on balance"
    )


def plot_forecast_check(
    data: pd.DataFrame,
    *,
    method: str | None = None,
    band: tuple[float, float] | None = None,
    ax: Axes | None = None,
    currency: str,
    title: str | None = None,
) -> Axes:
    """Each client's forecast (across) against what it was invoiced in the year after (up), log
    scales; ``data`` = ``client_id, method, forecast, actual`` (the backtest's ``per_client``),
    ``method`` picks one method's rows (else there must be one), ``band`` = (low, high)
    multipliers drawn as dashed lines. Clients invoiced nothing are drawn as open circles on the
    floor of the axis; clients forecast nothing are left out (said in the subtitle)."""
    require_columns(data, ("forecast", "actual"), figure="plot_forecast_check")
    if method is not None:
        require_columns(data, ("method",), figure="plot_forecast_check")
        data = data[data["method"] == method]
    elif "method" in data.columns and data["method"].nunique() > 1:
        raise PumpkinError("plot_forecast_check: the data holds several methods; pass method=")
    if data.empty:
        raise PumpkinError("plot_forecast_check: no client to draw (no backtest on this book?)")
    method = method or (str(data["method"].iloc[0]) if "method" in data.columns else None)
    with house_style():
        ax = new_axes(ax, figsize=(6.5, 5.5))
        return _draw_check(data, ax=ax, method=method, band=band, currency=currency, title=title)


def _draw_check(data, *, ax, method, band, currency, title) -> Axes:
    shown = data[data["forecast"] > 0]
    left_out = len(data) - len(shown)
    values = shown[["forecast", "actual"]].to_numpy(float)
    positive = values[values > 0]
    floor = float(positive.min()) / 2 if positive.size else 1.0
    top = float(positive.max()) * 2 if positive.size else 10.0
    invoiced = shown["actual"] > 0
    ax.scatter(shown.loc[invoiced, "forecast"], shown.loc[invoiced, "actual"], s=22,
               color=OKABE_ITO["blue"], alpha=0.75, label="client")  # fmt: skip
    if (~invoiced).any():
        ax.scatter(shown.loc[~invoiced, "forecast"], np.full((~invoiced).sum(), floor), s=26,
                   facecolors="none", edgecolors=OKABE_ITO["vermillion"],
                   label="invoiced nothing after the fit")  # fmt: skip
    line = np.array([floor, top])
    ax.plot(line, line, color=INK, linewidth=1, label="forecast = actual")
    if band is not None and np.all(np.isfinite(band)):
        low, high = band
        for factor, label in ((low, "80% band"), (high, None)):
            if factor > 0:
                ax.plot(line, line * factor, color=GREY, linestyle="--", linewidth=1, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, top)
    ax.set_ylim(floor * 0.8, top)
    for axis in (ax.xaxis, ax.yaxis):
        MinorTickMarks.replace(axis)
    ax.xaxis.set_major_formatter(currency_formatter(currency))
    ax.yaxis.set_major_formatter(currency_formatter(currency))
    ax.set_xlabel("forecast of the next four quarters, made at the fit")
    ax.set_ylabel("invoiced in those four quarters")
    ax.legend(loc="upper left", fontsize=8)
    parts = [f"method: {METHOD_WORDS.get(method, method)}"] if method else []
    parts.append(f"{len(shown)} clients")
    if left_out:
        parts.append(f"{left_out} forecast at nothing not drawn")
    finding_title(ax, title or forecast_check_title(data), subtitle="; ".join(parts))
    return ax


class MinorTickMarks(Line2D):
    """The minor tick marks of one axis, drawn as one line of markers rather than one matplotlib
    ``Tick`` per mark.

    A log axis has about 40 minor ticks; matplotlib makes each a ``Tick`` (three lines and two
    labels, blank here) and moves every one of them several times per draw while it lays the
    figure out: about half of the forecast check's time. These are the same marks (the axis's
    own minor locator, without the places a major tick takes, within the limits at draw time;
    the house's size, width and colour for outward ticks), drawn by the figure after the axes,
    so that the axes' own lines stay the figure's lines.
    """

    def __init__(self, axis: Axis, locator) -> None:
        name = axis.axis_name
        rc = mpl.rcParams
        super().__init__(
            [], [], linestyle="none", marker=TICKDOWN if name == "x" else TICKLEFT,
            markersize=rc[f"{name}tick.minor.size"], markeredgewidth=rc[f"{name}tick.minor.width"],
            color=rc[f"{name}tick.color"], clip_on=False, gid=f"minor-ticks-{name}",
        )  # fmt: skip
        self.axis, self.locator = axis, locator
        ax = axis.axes
        self.set_transform(
            ax.get_xaxis_transform(which="tick1")
            if name == "x"
            else ax.get_yaxis_transform(which="tick1")
        )

    @classmethod
    def replace(cls, axis: Axis) -> MinorTickMarks | None:
        """Draw ``axis``'s minor ticks as marks (its own minor locator set to none); an axis
        whose ticks are not plain outward marks on the bottom or left is left as it is."""
        name = axis.axis_name
        rc = mpl.rcParams
        if name == "x":
            plain = rc["xtick.bottom"] and not rc["xtick.top"]
        else:
            plain = rc["ytick.left"] and not rc["ytick.right"]
        plain = plain and rc[f"{name}tick.direction"] == "out"
        if not plain or axis.axes.figure is None:
            return None
        marks = cls(axis, axis.get_minor_locator())
        axis.set_minor_locator(NullLocator())
        axis.axes.figure.add_artist(marks)
        return marks

    def locations(self) -> np.ndarray:
        """Where the axis would put its minor ticks now (matplotlib's ``get_minorticklocs``
        without the places of the major ticks, then the ticks within the view)."""
        minor = np.asarray(self.locator(), dtype=float)
        transform = self.axis.get_transform()
        low, high = sorted(transform.transform(self.axis.get_view_interval()))
        scaled = transform.transform(minor)
        majors = transform.transform(np.asarray(self.axis.get_majorticklocs(), dtype=float))
        tolerance = (high - low) * 1e-5
        on_major = np.isclose(scaled[:, None], majors[None, :], atol=tolerance, rtol=0).any(axis=1)
        close = (high - low) * 1e-10
        shown = ~on_major & (scaled >= low - close) & (scaled <= high + close)
        return minor[shown]

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.axis.get_visible():
            return
        at = self.locations()
        zeros = np.zeros(len(at))
        data = (at, zeros) if self.axis.axis_name == "x" else (zeros, at)
        old = self.get_data(orig=True)
        if not all(np.array_equal(a, b) for a, b in zip(data, old, strict=True)):
            self.set_data(data)  # only when the limits moved: a draw leaves the figure drawn
        super().draw(renderer)
