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
from helpers.book.quarters import parse_quarter, ttm_window
from helpers.forecast.potential import _coded_invoices, _daily_by_code


@dataclass(frozen=True)
class BookHistory:
    """The invoices of one book, coded once.

    ``ids``: client ids by code (sorted); ``client``/``day``/``value``: the daily purchases (one
    per client and day, credit notes netted; sorted by client, then day; days since 1970);
    ``revenue``: net revenue per code (rows) and quarter (columns, ``first`` onwards).
    """

    ids: pd.Index
    client: np.ndarray
    day: np.ndarray
    value: np.ndarray
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
    return _history(*_coded_invoices(book))


def time_history(book: Book, clients=None) -> BookHistory:
    """The billable value of the book's time in the shape of :func:`book_history`: each time
    entry with a ``billable_amount`` above 0 is a purchase of that amount on its date (what a
    client without invoices is valued by, :mod:`helpers.audit.measures`). ``clients``: only
    these client ids (default: every client with such an entry)."""
    entries = book.time_entries
    if "billable_amount" in entries:
        amount = entries["billable_amount"].fillna(0.0).astype(float)
    else:
        amount = pd.Series(0.0, index=entries.index)
    keep = amount > 0
    if clients is not None:
        keep &= entries["client_id"].isin(list(clients))
    codes, ids = pd.factorize(entries.loc[keep, "client_id"], sort=True)
    coded = pd.DataFrame(
        {
            "client": codes,
            "issue_date": entries.loc[keep, "date"].to_numpy(),
            "amount_base": amount[keep].to_numpy(),
        }
    )
    return _history(coded, ids)


def _history(coded: pd.DataFrame, ids: pd.Index) -> BookHistory:
    """Coded purchases (``client`` code, ``issue_date``, ``amount_base``) as a history."""
    daily = _daily_by_code(coded)
    client = daily["client"].to_numpy().astype(np.int64)
    day = daily["issue_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    value = daily["amount_base"].to_numpy(float)
    if len(day) == 0:
        return BookHistory(ids, client, day, value, np.zeros((len(ids), 0)), None)
    dates = pd.DatetimeIndex(daily["issue_date"])
    # a quarterly Period's ordinal: (year - 1970) x 4 + quarter - 1
    ordinal = ((dates.year - 1970) * 4 + (dates.month - 1) // 3).to_numpy(np.int64)
    first = pd.Period(ordinal=int(ordinal.min()), freq="Q")
    n_quarters = int(ordinal.max() - first.ordinal) + 1
    cell = client * n_quarters + (ordinal - first.ordinal)
    revenue = np.bincount(cell, weights=value, minlength=len(ids) * n_quarters)
    return BookHistory(ids, client, day, value, revenue.reshape(len(ids), n_quarters), first)


def quarter_columns(history: BookHistory, quarter: str) -> int:
    """How many quarters of the book end on or before ``quarter`` (0 when it starts later)."""
    if history.first is None:
        return 0
    return max(0, parse_quarter(quarter).ordinal - history.first.ordinal + 1)


def _days(timestamp: pd.Timestamp) -> int:
    return int(np.datetime64(timestamp.normalize(), "D").astype(np.int64))


def inputs_at(history: BookHistory, quarter: str) -> Inputs:
    """The history cut at the last day of ``quarter`` (see :class:`Inputs`).

    The same figures as :func:`helpers.forecast.potential.summarise_purchases` of the book's
    invoices (weeks; a day with a net credit is no purchase), computed on the coded arrays.
    """
    end = _days(quarter_end(quarter))
    ttm_start = _days(ttm_window(quarter).start)
    seen = history.day <= end
    client, day, value = history.client[seen], history.day[seen], history.value[seen]
    bought = value >= 0
    b_client = client[bought]  # sorted: the groups are runs
    start = np.flatnonzero(np.r_[True, b_client[1:] != b_client[:-1]]) if len(b_client) else []
    start = np.asarray(start, dtype=np.int64)
    codes = b_client[start]
    counts = np.diff(np.r_[start, len(b_client)])
    b_day, b_value = day[bought], value[bought]
    group = np.repeat(np.arange(len(codes)), counts)
    later = np.ones(len(b_day), dtype=bool)
    later[start] = False  # one purchase per day: every purchase after the first is a repeat
    repeat = later & (b_value > 0)
    repeat_n = np.bincount(group[repeat], minlength=len(codes))
    repeat_sum = np.bincount(group[repeat], weights=b_value[repeat], minlength=len(codes))
    positive = b_value > 0
    positive_n = np.bincount(group[positive], minlength=len(codes))
    positive_sum = np.bincount(group[positive], weights=b_value[positive], minlength=len(codes))
    in_ttm = b_day >= ttm_start
    purchases_ttm = np.bincount(group[in_ttm], minlength=len(codes)).astype(float)
    n_ids = len(history.ids)
    ttm = day >= ttm_start
    revenue_ttm = np.bincount(client[ttm], weights=value[ttm], minlength=n_ids)[codes]
    credit_dates = np.bincount(client[~bought], minlength=n_ids)[codes]
    first, last = b_day[start], b_day[start + counts - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        summary = pd.DataFrame(
            {
                "client_id": history.ids.take(codes),
                "client": codes,
                "frequency": (counts - 1).astype(float),
                "recency": (last - first) / 7.0,
                "T": (end - first) / 7.0,
                "monetary": np.where(repeat_n > 0, repeat_sum / repeat_n, np.nan),
                "credit_dates": credit_dates.astype(int),
                "revenue_ttm": revenue_ttm,
                "purchases_ttm": purchases_ttm,
                "mean_value": np.where(positive_n > 0, positive_sum / positive_n, np.nan),
            }
        )
    n = quarter_columns(history, quarter)
    quarterly = np.zeros((len(summary), n))
    kept = min(n, history.revenue.shape[1])
    quarterly[:, :kept] = history.revenue[codes, :kept]
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
