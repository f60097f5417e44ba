"""The forecasters behind one interface: every client's expected revenue in each of the next four
quarters, from a book's history cut at a quarter's end (:class:`~helpers.forecast.history.Inputs`).

Each forecaster is a function ``(inputs, *, fit, split=True) -> MethodForecast`` registered in
:data:`FORECASTERS` under the name ``potential_method`` shows; ``fit`` is the BG/NBD and
Gamma-Gamma fit of the same cut (:func:`helpers.forecast.potential.fit_potential`), computed once
and shared by the two methods that use it (``None`` when no method needs it); ``split=False``
lets a method give only the year's total spread evenly (what the backtest compares). A method that
cannot run on the book (too few clients, a fit that cannot be trusted) returns ``skipped`` with the
reason in words and no figures.

* ``run-rate``: the last four quarters' revenue with a damped trend (see :func:`run_rate_revenue`).
* ``bgnbd+own-rate``: BG/NBD's probability that the client is still buying x its own revenue rate
  over the last four quarters (no pooling across clients).
* ``bgnbd+gg``: BG/NBD expected purchases x Gamma-Gamma's expected value per purchase
  (:mod:`helpers.forecast.potential`; clients Gamma-Gamma cannot value are valued at their own
  mean purchase, ``bgnbd+own-mean``).
* ``sbg+run-rate``: for clients billed on a schedule, the shifted-beta-geometric chance of still
  being billed in each coming quarter (:mod:`helpers.forecast.retention`) x the run-rate; the
  other clients get the run-rate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.forecast.choice import BGNBD_OWN_RATE, METHOD_WORDS, METHODS, SBG  # noqa: F401
from helpers.forecast.history import Inputs
from helpers.forecast.potential import (
    BGNBD,
    HORIZON_WEEKS,
    RUN_RATE,
    RUN_RATE_HALF_LIFE_WEEKS,
    RUN_RATE_MIN_WEEKS,
    PotentialFit,
    _forecast,
    _usable,
    p_alive,
)
from helpers.forecast.retention import (
    MIN_LEFT,
    MIN_SCHEDULED,
    fit_sbg,
    lifetimes,
    still_billed,
)

#: The share of last year's change (this year's four quarters against the four before) carried
#: into next year: 0 = no trend, 1 = the full change again.
TREND_DAMPING = 0.5
#: The yearly change the trend reads is capped to this range (one odd year does not double a
#: forecast or wipe it out).
TREND_RANGE = (-0.5, 1.0)
#: A client is old enough for the trend when its first purchase is at most this many weeks
#: after the start of the year before last (a month, as the book's coverage note allows).
TREND_GRACE_WEEKS = 31 / 7
QUARTERS = 4


@dataclass(frozen=True)
class MethodForecast:
    """One method's forecast at one cut, per summary row: ``revenue`` per coming quarter
    (rows x 4, undiscounted), ``labels`` (the method used for the client, fallbacks named),
    ``p_alive`` (NaN where no model gives one), ``purchases`` (expected purchase days over the
    four quarters). ``skipped``: why the method cannot run on this book ("" when it ran; the
    arrays are then empty)."""

    name: str
    revenue: np.ndarray
    labels: np.ndarray
    p_alive: np.ndarray
    purchases: np.ndarray
    skipped: str = ""

    @property
    def total(self) -> np.ndarray:
        """Expected revenue over the four quarters per client, undiscounted."""
        return self.revenue.sum(axis=1)


def _skipped(name: str, reason: str) -> MethodForecast:
    empty = np.zeros(0)
    return MethodForecast(name, np.zeros((0, QUARTERS)), empty.astype(object), empty, empty, reason)


def _per_quarter(yearly: np.ndarray) -> np.ndarray:
    return np.repeat(np.asarray(yearly, dtype=float)[:, None] / QUARTERS, QUARTERS, axis=1)


def yearly_rate(summary: pd.DataFrame) -> np.ndarray:
    """The client's own revenue rate per year: its last four quarters' net revenue (floored at
    0), annualised over its age when it is younger than a year (at least a quarter)."""
    weeks = summary["T"].clip(RUN_RATE_MIN_WEEKS, HORIZON_WEEKS).to_numpy(float)
    return summary["revenue_ttm"].clip(lower=0).to_numpy(float) * HORIZON_WEEKS / weeks


def damped_trend(inputs: Inputs) -> np.ndarray:
    """``1 + TREND_DAMPING x g`` per client, ``g`` = last four quarters against the four before
    - 1, capped to :data:`TREND_RANGE`; 1 (no trend) where the client's first purchase is not
    within a month of the start of the earlier four quarters (too young to compare two years) or
    those quarters had no revenue."""
    quarterly = inputs.quarterly
    if quarterly.shape[1] < 2 * QUARTERS:
        return np.ones(len(inputs.summary))
    recent = quarterly[:, -QUARTERS:].sum(axis=1)
    before = quarterly[:, -2 * QUARTERS : -QUARTERS].sum(axis=1)
    old_enough = inputs.summary["T"].to_numpy(float) >= 2 * HORIZON_WEEKS - TREND_GRACE_WEEKS
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.clip(recent / before - 1.0, *TREND_RANGE)
    usable = old_enough & (before > 0) & np.isfinite(change)
    return np.where(usable, 1.0 + TREND_DAMPING * change, 1.0)


def lapse_decay(summary: pd.DataFrame) -> np.ndarray:
    """The forecast halves for every year without a purchase beyond the client's usual interval
    between purchases (``recency / frequency``; none known with a single purchase), so a client
    invoiced monthly is not marked down between two invoices but one silent for months is."""
    gap = (summary["T"] - summary["recency"]).to_numpy(float)
    x = summary["frequency"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        usual = np.where(x > 0, summary["recency"].to_numpy(float) / x, 0.0)
    return 0.5 ** (np.clip(gap - usual, 0, None) / RUN_RATE_HALF_LIFE_WEEKS)


def run_rate_revenue(inputs: Inputs) -> np.ndarray:
    """Next year's revenue by the run-rate: :func:`yearly_rate` x :func:`lapse_decay` x
    :func:`damped_trend`.

    A young client is annualised over its age, a lapsed one halves per year without a purchase,
    and a client two years old or more carries half of last year's change into next year.
    """
    summary = inputs.summary
    return yearly_rate(summary) * lapse_decay(summary) * damped_trend(inputs)


def _run_rate_purchases(summary: pd.DataFrame) -> np.ndarray:
    weeks = summary["T"].clip(RUN_RATE_MIN_WEEKS, HORIZON_WEEKS).to_numpy(float)
    return summary["purchases_ttm"].to_numpy(float) * HORIZON_WEEKS / weeks * lapse_decay(summary)


def run_rate_forecast(
    inputs: Inputs, *, fit: PotentialFit | None = None, split: bool = True
) -> MethodForecast:
    """``run-rate``: :func:`run_rate_revenue`, spread evenly over the four quarters."""
    n = len(inputs.summary)
    return MethodForecast(
        RUN_RATE,
        _per_quarter(run_rate_revenue(inputs)),
        np.full(n, RUN_RATE, dtype=object),
        np.full(n, np.nan),
        _run_rate_purchases(inputs.summary),
    )


def _bgnbd_skip(fit: PotentialFit | None) -> str:
    if fit is None:
        return "no BG/NBD fit was made"
    if not fit.reliable:
        return f"BG/NBD cannot be trusted on this book: {fit.reason}"
    return ""


def bgnbd_own_rate_forecast(
    inputs: Inputs, *, fit: PotentialFit | None, split: bool = True
) -> MethodForecast:
    """``bgnbd+own-rate``: BG/NBD P(alive) x :func:`yearly_rate`; a client whose purchase summary
    the model cannot take gets the run-rate (labelled ``run-rate``)."""
    if why := _bgnbd_skip(fit):
        return _skipped(BGNBD_OWN_RATE, why)
    summary = inputs.summary
    base = run_rate_forecast(inputs)
    usable = _usable(summary).to_numpy()
    x, t_x, T = (summary[c].to_numpy(float)[usable] for c in ("frequency", "recency", "T"))
    alive = np.full(len(summary), np.nan)
    alive[usable] = p_alive(fit.bgnbd, x, t_x, T)
    yearly = np.where(usable, np.nan_to_num(alive) * yearly_rate(summary), base.total)
    labels = np.where(usable, BGNBD_OWN_RATE, RUN_RATE).astype(object)
    purchases = np.where(usable, np.nan_to_num(alive) * _run_rate_purchases(summary) /
                         lapse_decay(summary), base.purchases)  # fmt: skip
    return MethodForecast(BGNBD_OWN_RATE, _per_quarter(yearly), labels, alive, purchases)


def bgnbd_gg_forecast(
    inputs: Inputs, *, fit: PotentialFit | None, split: bool = True
) -> MethodForecast:
    """``bgnbd+gg``: BG/NBD expected purchases x Gamma-Gamma value per purchase, per quarter
    (clients Gamma-Gamma cannot value: their own mean purchase; clients the models cannot
    take: the run-rate without trend). ``split=False`` computes the year's total only and
    spreads it evenly over the quarters (the backtest needs no more; a quarter of the work)."""
    if why := _bgnbd_skip(fit):
        return _skipped(BGNBD, why)
    if split:
        weeks = np.arange(1, QUARTERS + 1) * HORIZON_WEEKS / QUARTERS
        forecast = _forecast(inputs.summary, fit, weeks)
        revenue = np.diff(forecast.revenue, axis=1, prepend=0.0)
    else:
        forecast = _forecast(inputs.summary, fit, np.array([HORIZON_WEEKS]))
        revenue = _per_quarter(forecast.revenue[:, 0])
    return MethodForecast(
        BGNBD, revenue, forecast.method, forecast.p_alive, forecast.purchases[:, -1]
    )


def sbg_forecast(
    inputs: Inputs, *, fit: PotentialFit | None = None, split: bool = True
) -> MethodForecast:
    """``sbg+run-rate``: clients billed on a schedule keep their run-rate (without the lapse
    decay: leaving is what the model counts) x the chance they are still billed in each coming
    quarter; a scheduled client that has left gets 0; other clients get the run-rate."""
    life = lifetimes(inputs.quarterly)
    scheduled, left = life.scheduled, life.left
    n_scheduled, n_left = int(scheduled.sum()), int((scheduled & left).sum())
    if n_scheduled < MIN_SCHEDULED:
        return _skipped(SBG, f"only {n_scheduled} client(s) billed on a schedule (need "
                        f"{MIN_SCHEDULED})")  # fmt: skip
    if n_left < MIN_LEFT:
        return _skipped(SBG, f"only {n_left} client(s) billed on a schedule have left in the "
                        f"book's history (need {MIN_LEFT} to estimate retention)")  # fmt: skip
    params, ok, why = fit_sbg(life.periods[scheduled], left[scheduled])
    if not ok:
        return _skipped(SBG, f"the retention model cannot be trusted on this book: {why}")
    base = run_rate_forecast(inputs)
    summary = inputs.summary
    staying = scheduled & ~left
    yearly = yearly_rate(summary) * damped_trend(inputs)
    ahead = np.arange(1, QUARTERS + 1)[None, :]
    chance = still_billed(params, life.periods[:, None], ahead)
    revenue = base.revenue.copy()
    revenue[staying] = yearly[staying, None] / QUARTERS * chance[staying]
    revenue[scheduled & left] = 0.0
    labels = np.where(scheduled, SBG, RUN_RATE).astype(object)
    alive = np.where(scheduled, np.where(left, 0.0, chance[:, 0]), np.nan)
    return MethodForecast(SBG, revenue, labels, alive, base.purchases)


Forecaster = Callable[..., MethodForecast]
#: The forecasters by method name, in :data:`METHODS` order.
FORECASTERS: dict[str, Forecaster] = {
    RUN_RATE: run_rate_forecast,
    BGNBD_OWN_RATE: bgnbd_own_rate_forecast,
    BGNBD: bgnbd_gg_forecast,
    SBG: sbg_forecast,
}
#: The methods that read the BG/NBD (and Gamma-Gamma) fit.
NEEDS_FIT = frozenset({BGNBD_OWN_RATE, BGNBD})
