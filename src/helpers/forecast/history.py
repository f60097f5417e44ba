"""A book's invoice history in the shape the forecasters read, built once and cut at any quarter.

:func:`book_history` turns the invoices into integer client codes, one purchase per client and
day, and a matrix of net revenue per client and calendar quarter. :func:`inputs_at` cuts that
history at a quarter's last day (point in time: nothing issued later is seen) into
:class:`Inputs`: the purchase summary the probability models take and the quarterly revenue the
run-rate and the retention model take. The backtest cuts the same history twice (four quarters
before the audited quarter, and at it) without reading the invoices again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.book.load import Book
from helpers.book.quarters import as_of as quarter_end
from helpers.book.quarters import parse_quarter
from helpers.forecast.potential import (
    _coded_invoices,
    _daily_by_code,
    _summarise_daily,
    _window_totals,
)


@dataclass(frozen=True)
class BookHistory:
    """The invoices of one book, coded once.

    ``ids``: client ids by code (sorted); ``coded``/``daily``: invoices and daily purchases on
    codes; ``revenue``: net revenue per code (rows) and quarter (columns, ``first`` onwards).
    """

    ids: pd.Index
    coded: pd.DataFrame
    daily: pd.DataFrame
    revenue: np.ndarray
    first: pd.Period | None


@dataclass(frozen=True)
class Inputs:
    """A book's history cut at the end of ``quarter``, one row per client with a purchase.

    ``summary``: ``client_id, client`` (code), ``frequency, recency, T`` (weeks), ``monetary``,
    ``revenue_ttm``, ``purchases_ttm``, ``mean_value`` (see
    :func:`helpers.forecast.potential.summarise_purchases`). ``quarterly``: net revenue per
    summary row and quarter, the oldest quarter of the book first and ``quarter`` last.
    """

    quarter: str
    summary: pd.DataFrame
    quarterly: np.ndarray


def book_history(book: Book) -> BookHistory:
    """Code the book's invoices once (see the module docstring)."""
    coded, ids = _coded_invoices(book)
    daily = _daily_by_code(coded)
    dates = coded["issue_date"]
    if dates.notna().sum() == 0:
        return BookHistory(ids, coded, daily, np.zeros((len(ids), 0)), None)
    # a quarterly Period's ordinal: (year - 1970) x 4 + quarter - 1
    ordinal = ((dates.dt.year - 1970) * 4 + (dates.dt.month - 1) // 3).to_numpy(float)
    first = pd.Period(ordinal=int(np.nanmin(ordinal)), freq="Q")
    offset = ordinal - first.ordinal
    n_quarters = int(np.nanmax(offset)) + 1
    known = np.isfinite(offset)
    revenue = np.zeros((len(ids), n_quarters))
    np.add.at(
        revenue,
        (coded["client"].to_numpy()[known], offset[known].astype(int)),
        coded["amount_base"].to_numpy(float)[known],
    )
    return BookHistory(ids, coded, daily, revenue, first)


def quarter_columns(history: BookHistory, quarter: str) -> int:
    """How many quarters of the book end on or before ``quarter`` (0 when it starts later)."""
    if history.first is None:
        return 0
    return max(0, parse_quarter(quarter).ordinal - history.first.ordinal + 1)


def inputs_at(history: BookHistory, quarter: str) -> Inputs:
    """The history cut at the last day of ``quarter`` (see :class:`Inputs`)."""
    end = quarter_end(quarter)
    summary = _summarise_daily(
        history.daily,
        customer="client",
        date="issue_date",
        value="amount_base",
        as_of=end,
        unit=pd.Timedelta(1, unit="W"),
    )
    daily = history.daily
    positive = daily[(daily["issue_date"] <= end) & (daily["amount_base"] > 0)]
    mean_value = positive.groupby("client")["amount_base"].mean()
    totals = _window_totals(history.coded, daily, quarter)
    client = summary["client"]
    summary = summary.assign(
        client_id=history.ids.take(client.to_numpy()),
        revenue_ttm=client.map(totals["revenue_ttm"]).fillna(0.0).astype(float),
        purchases_ttm=client.map(totals["purchases_ttm"]).fillna(0.0).astype(float),
        mean_value=client.map(mean_value).astype(float),
    )
    columns = ["client_id", "client", *summary.columns.drop(["client", "client_id"])]
    summary = summary[columns].reset_index(drop=True)
    n = quarter_columns(history, quarter)
    quarterly = np.zeros((len(summary), n))
    kept = min(n, history.revenue.shape[1])
    quarterly[:, :kept] = history.revenue[client.to_numpy(), :kept]
    return Inputs(quarter, summary, quarterly)


def actual_revenue(
    history: BookHistory, clients: np.ndarray, after: str, quarters: int
) -> np.ndarray:
    """Net revenue of the client codes over the ``quarters`` quarters after ``after``."""
    start = quarter_columns(history, after)
    stop = min(start + quarters, history.revenue.shape[1])
    if stop <= start:
        return np.zeros(len(clients))
    return history.revenue[np.asarray(clients, dtype=int), start:stop].sum(axis=1)
