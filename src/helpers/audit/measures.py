"""Per-client metrics for a quarter: the measured columns of the metric contract, and views of them.

``prepare`` + ``measure`` do the expensive part once (vectorised aggregation of the big tables with
integer client codes and ``np.bincount``: no per-client Python loops); ``helpers.audit.rules.classify``
then adds the cheap scores, segment and actions, so sliders can re-classify without re-aggregating.
The whole contract (with the forecast) is assembled by :mod:`helpers.decide.contract`.

Definitions (the methodology section repeats them). ``as_of`` is the last day of the quarter, the
TTM window the four quarters ending with it, the prior window the four before. Money is
``amount_base`` (base currency, converted with ``fx`` by ``helpers.book.load``).

- ``revenue_q`` / ``revenue_ttm`` / ``revenue_prior``: invoice amounts issued in the quarter / TTM /
  prior window, credit notes (negative amounts) included. A client without any invoice in the
  book is valued by its time instead: the ``billable_amount`` of its entries dated in the window
  (what the time tracker bills for them). ``revenue_source`` says which, per client:
  ``invoices`` (the client has invoices in the book), ``billable time`` (no invoices, billable
  amounts above 0) or ``none``. Every money column below uses that revenue.
- ``billable_value_ttm``: the billable amounts of the client's TTM entries (empty when none of
  its entries has an amount); ``realisation_ttm`` = invoiced revenue_ttm / billable_value_ttm for
  clients with invoices and a billable value above 0 (1 = bills all it works, 0.7 = 30% written
  off): low realisation is a pricing or scope problem to fix, not a reason to let go.
- ``hours_ttm`` (billable or not), ``non_billable_share`` (0 without hours), ``labour_cost_ttm``
  (hours x the person's ``cost_rate``, ``settings.default_cost_rate`` for people without one),
  ``margin_ttm``, ``effective_rate_ttm`` (empty without hours).
- ``days_late_avg``: amount-weighted mean of max(0, end - due_date) over invoices with amount > 0
  due in the TTM window; end is ``paid_date`` when paid on or before as_of, else as_of (a payment
  after as_of is unknown at as_of: the figures never change when rendered later). ``late_share``:
  the share (by count) of those invoices late at all.
- Unpaid at as_of = no ``paid_date`` or one after as_of, issued on or before as_of. Aging buckets by
  days past due (as_of - due_date): ``aging_current`` (not yet due), ``aging_1_30``,
  ``aging_31_60``, ``aging_61_90``, ``aging_90_plus`` (more than 90). ``overdue_amount`` is the
  sum of the past-due buckets. Credit notes that are still open count with their negative amount
  (they offset what the client owes).
- ``incidents_ttm``: severity sum of client-caused events in the TTM window; ``growth_ttm`` =
  revenue_ttm / revenue_prior - 1, empty when the prior revenue is 0 (or negative);
  ``prior_covered``: whether the book's history reaches back over the prior window (when it does
  not, every client's prior revenue is truncated and growth is not a signal for NURTURE);
  ``alignment_score``: mean of the four ratings over every TTM assessment, empty when none.
- ``revenue_share``: revenue_ttm / the book's revenue_ttm. ``rate_rank`` (1 = highest revenue per
  hour) and ``rate_percentile`` (0-100, 100 = best: ``100 x average rank / n``) among the clients
  with hours in the TTM window only; empty for the others.
- ``expected_revenue_next_4q``: from ``helpers.forecast.estimate.client_potential`` (the method
  the backtest chose); a client valued by its billable time gets the run-rate of that value
  (``potential_method = "run-rate"``: the same run-rate, with its damped trend and lapse decay,
  :func:`helpers.forecast.estimate.run_rate_potential`), discounted by ``settings.discount_rate``.

Signal columns for the action rules: ``active`` (hours or invoices in the TTM window),
``rescope_severity_ttm`` (scope_creep + rush + after_hours), ``abuse_ttm`` (count of abuse
events), ``delivery_severity_ttm`` (rework + missed_deadline: our side), ``owner_rating`` and
``others_rating`` (mean rating by the client's owner / by everyone else, TTM), ``book_median_rate``,
``cost_rate_ttm`` (labour cost per hour), ``overdue_90_quarters`` (how many of the last four quarter
ends had more than ``settings.collect_floor`` more than 90 days past due) and the oldest unpaid
past-due invoice at as_of (``oldest_overdue_invoice``, ``_days``, ``_amount``); for the two
independent axes and the rules of issue 12: ``fit_rating`` (mean alignment, transparency and fit
over the TTM assessments), ``fit_rating_others`` (the same without the owner's), ``respect_rating``,
``incidents_per_100h`` (incidents_ttm per 100 hours worked; without hours 0, or infinite when
there are incidents), ``invoice_interval_days`` (mean days between the TTM invoices),
``overdue_60_plus`` (aging_61_90 + aging_90_plus) and ``last_activity`` (the latest time entry or
invoice on or before as_of).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.book.quarters import (
    Window,
    as_of,
    history_covers,
    parse_quarter,
    prior_window,
    quarter_window,
    ttm_window,
)
from helpers.book.schema import CLIENT_EVENT_KINDS, EVENT_KINDS, OUR_EVENT_KINDS
from helpers.book.settings import Settings

#: The metric contract, in order (``client_metrics`` returns these first, then extra columns).
CONTRACT_COLUMNS = [
    "quarter",
    "client_id",
    "name",
    "size",
    "industry",
    "owner",
    "revenue_q",
    "revenue_ttm",
    "revenue_prior",
    "hours_ttm",
    "non_billable_share",
    "labour_cost_ttm",
    "margin_ttm",
    "effective_rate_ttm",
    "days_late_avg",
    "late_share",
    "overdue_amount",
    "incidents_ttm",
    "growth_ttm",
    "alignment_score",
    "expected_revenue_next_4q",
    "potential_method",
    "aging_current",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_90_plus",
    "revenue_share",
    "rate_rank",
    "rate_percentile",
    "value_score",
    "headache_score",
    "segment",
    "actions",
    "prune",
    "reasons",
]
#: Extra per-client columns the action rules and reasons read.
SIGNAL_COLUMNS = [
    "active",
    "revenue_source",
    "billable_value_ttm",
    "realisation_ttm",
    "rescope_severity_ttm",
    "abuse_ttm",
    "delivery_severity_ttm",
    "owner_rating",
    "others_rating",
    "book_median_rate",
    "cost_rate_ttm",
    "overdue_90_quarters",
    "oldest_overdue_invoice",
    "oldest_overdue_days",
    "oldest_overdue_amount",
    "fit_rating",
    "fit_rating_others",
    "respect_rating",
    "incidents_per_100h",
    "invoice_interval_days",
    "overdue_60_plus",
    "last_activity",
]
RESCOPE_KINDS = ("scope_creep", "rush", "after_hours")
#: ``revenue_source`` values: where a client's revenue comes from (see the module docstring).
REVENUE_SOURCES = ("invoices", "billable time", "none")
AGING_BUCKETS = ("aging_1_30", "aging_31_60", "aging_61_90", "aging_90_plus")
_DAY = np.timedelta64(1, "D")


# ----------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Prepared:
    """The book as integer client codes and numpy arrays: built once, reused for every quarter."""

    clients: pd.DataFrame
    te: dict[str, np.ndarray]
    inv: dict[str, np.ndarray]  # and "invoice_id" as an Arrow array
    ev: dict[str, np.ndarray]
    asm: dict[str, np.ndarray]
    first_activity: pd.Timestamp | None = None  # where the book's history starts
    source: np.ndarray | None = None  # per client: its code in REVENUE_SOURCES
    #: whether the time entries are in date order (as exports write them): a window of them is
    #: then a slice, found by binary search, instead of a pass over every entry
    te_by_date: bool = False

    @property
    def n(self) -> int:
        return len(self.clients)


def _dates(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[ns]")


def _codes(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent), hashed by Arrow (fast on 2M rows)."""
    if len(values) == 0:
        return np.array([], dtype=np.int32)
    column = pa.array(values.astype("str"), from_pandas=True)  # the book's own Arrow text
    found = pc.index_in(column, value_set=_arrow_text(keys).cast(column.type))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)


def _arrow_text(values: pd.Series) -> pa.Array:
    return pa.array(values.astype("str"), type=pa.string(), from_pandas=True)


def _normalised(values: pd.Series) -> np.ndarray:
    """Names trimmed and case-folded, for matching people across tables (folded once per
    distinct name: a few people, many rows)."""
    codes, names = pd.factorize(values.astype("str"))
    folded = pd.Series(names, dtype="str").str.strip().str.casefold()
    return np.append(folded.to_numpy(dtype=object, na_value=None), None)[codes]


def _prepare(book, settings: Settings) -> _Prepared:
    clients = book.clients[["client_id", "name", "size", "industry", "owner"]].reset_index(
        drop=True
    )
    keys = clients["client_id"]
    te, inv, ev, asm = book.time_entries, book.invoices, book.events, book.assessments
    people = book.people.drop_duplicates("person")
    person = _codes(te["person"], people["person"])
    rates = np.append(people["cost_rate"].to_numpy(float), settings.default_cost_rate)
    cost_rate = np.where(np.isnan(rates[person]), settings.default_cost_rate, rates[person])
    hours = te["hours"].to_numpy(float)
    asm_code = _codes(asm["client_id"], keys)
    owners = np.append(_normalised(clients["owner"]), None)
    by_owner = (
        (_normalised(asm["assessor"]) == owners[asm_code]) if len(asm) else np.array([], bool)
    )
    ratings = asm[["alignment", "transparency", "respect", "fit"]].to_numpy(float)
    te_code, inv_code = _codes(te["client_id"], keys), _codes(inv["client_id"], keys)
    has_amount = te["billable_amount"].notna().to_numpy() if "billable_amount" in te else None
    amount = (
        np.nan_to_num(te["billable_amount"].to_numpy(float))
        if has_amount is not None and has_amount.any()
        else np.zeros(len(te))  # no amount at all: nan_to_num's zeros without its passes
    )
    if has_amount is None:
        has_amount = amount > 0
    values = asm[["alignment", "transparency", "fit"]].to_numpy(float)
    return _Prepared(
        clients=clients,
        te={
            "code": te_code,
            "date": _dates(te["date"]),
            "hours": hours,
            "billable": te["billable"].fillna(True).astype(bool).to_numpy(),
            "cost": hours * cost_rate,
            "amount": amount,
            "has_amount": has_amount,
        },
        inv={
            "code": inv_code,
            "issue": _dates(inv["issue_date"]),
            "due": _dates(inv["due_date"]),
            "paid": _dates(inv["paid_date"]),
            "amount": inv["amount_base"].to_numpy(float),
            "invoice_id": _arrow_text(inv["invoice_id"]),  # text only for the rows needed
        },
        ev={
            "code": _codes(ev["client_id"], keys),
            "date": _dates(ev["date"]),
            "kind": _codes(ev["kind"], pd.Series(EVENT_KINDS)),
            "severity": ev["severity"].fillna(1.0).to_numpy(float),
        },
        asm={
            "code": asm_code,
            "date": _dates(asm["date"]),
            "mean": ratings.mean(axis=1) if len(asm) else np.array([], dtype=float),
            "values": values.mean(axis=1) if len(asm) else np.array([], dtype=float),
            "respect": asm["respect"].to_numpy(float),
            "by_owner": np.asarray(by_owner, dtype=bool),
        },
        first_activity=book.first_activity(),
        source=_sources(te_code, amount, inv_code, len(clients)),
        te_by_date=_in_order(_dates(te["date"])),
    )


def _in_order(dates: np.ndarray) -> bool:
    """Whether ``dates`` never go back (any NaT, never in a time entry, counts as out of
    order)."""
    return not np.isnat(dates).any() and bool((dates[1:] >= dates[:-1]).all())


def _sources(te_code: np.ndarray, amount: np.ndarray, inv_code: np.ndarray, n: int) -> np.ndarray:
    """Per client, its position in :data:`REVENUE_SOURCES`: invoices when it has any in the book,
    else billable time when its entries bill something, else none."""
    everything = np.ones(len(inv_code), dtype=bool)
    invoiced = _sum(inv_code, None, everything, n) > 0
    valued = _sum(te_code, amount, amount > 0, n) > 0
    return np.where(invoiced, 0, np.where(valued, 1, 2)).astype(np.int8)


# ----------------------------------------------------------------------------- aggregation


def _within(dates: np.ndarray, window) -> np.ndarray:
    return (dates >= np.datetime64(window.start, "ns")) & (dates <= np.datetime64(window.end, "ns"))


def _sum(
    codes: np.ndarray, weights: np.ndarray | None, mask: np.ndarray | None, n: int
) -> np.ndarray:
    """Per-client sum of ``weights`` (count when None) over the rows in ``mask`` (all rows when
    None). When every row counts, the rows are summed as they are, without copying the kept
    ones first: the same numbers added in the same order."""
    keep = codes >= 0 if mask is None else mask & (codes >= 0)
    if keep.all():
        return np.bincount(codes, weights=weights, minlength=n).astype(float)
    w = None if weights is None else weights[keep]
    return np.bincount(codes[keep], weights=w, minlength=n).astype(float)


def _te_rows(prep: _Prepared, window) -> slice | np.ndarray:
    """The time entries dated in ``window``: a slice when they are in date order, else a mask.
    Either way the rows keep their order, so sums add the same numbers in the same order."""
    dates = prep.te["date"]
    if not prep.te_by_date:
        return _within(dates, window)
    start, end = np.datetime64(window.start, "ns"), np.datetime64(window.end, "ns")
    return slice(
        int(np.searchsorted(dates, start, side="left")),
        int(np.searchsorted(dates, end, side="right")),
    )


def _te_sum(
    prep: _Prepared, rows, weights: str | None, *, where: np.ndarray | None = None
) -> np.ndarray:
    """:func:`_sum` of a time-entry column (count when None) over ``rows`` (from
    :func:`_te_rows`) and, when given, the entries in ``where``."""
    te = prep.te
    codes = te["code"][rows]
    mask = None if where is None else where[rows]
    return _sum(codes, None if weights is None else te[weights][rows], mask, prep.n)


def _divide(num: np.ndarray, den: np.ndarray, *, empty: float = np.nan) -> np.ndarray:
    out = np.full(num.shape, empty, dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _money_measures(prep: _Prepared, quarter: str, *, fixes: bool = False) -> dict[str, np.ndarray]:
    """The revenue columns; ``fixes``: only what the fix rules read (revenue_ttm, invoices_ttm,
    realisation_ttm), by the same sums."""
    inv, te, n = prep.inv, prep.te, prep.n
    source = prep.source if prep.source is not None else np.zeros(n, dtype=np.int8)
    by_time = source == REVENUE_SOURCES.index("billable time")
    last_two = quarter_window(str(parse_quarter(quarter) - 1)).start
    windows = {
        "revenue_q": quarter_window(quarter),
        "revenue_ttm": ttm_window(quarter),
        "revenue_prior": prior_window(quarter),
        "revenue_last_2q": Window(last_two, as_of(quarter)),
    }
    if fixes:
        windows = {"revenue_ttm": windows["revenue_ttm"]}
    any_amount = bool(te["has_amount"].any())  # most invoiced books: no pass over the entries
    revenue, billed = {}, {}
    for name, window in windows.items():
        invoiced = _sum(inv["code"], inv["amount"], _within(inv["issue"], window), n)
        billed[name] = (
            _te_sum(prep, _te_rows(prep, window), "amount") if any_amount else np.zeros(n)
        )
        revenue[name] = np.where(by_time, billed[name], invoiced)
    revenue_ttm = revenue["revenue_ttm"]
    in_ttm = _within(inv["issue"], ttm_window(quarter))
    # no entry with an amount (most invoiced books): no client valued, without a pass over them
    valued = _sum(te["code"], None, te["has_amount"], n) > 0 if any_amount else np.zeros(n, bool)
    billable_value = np.where(valued, billed["revenue_ttm"], np.nan)
    invoiced_client = source == REVENUE_SOURCES.index("invoices")
    realisation = np.where(
        invoiced_client & (billable_value > 0), _divide(revenue_ttm, billable_value), np.nan
    )
    invoices_ttm = _sum(inv["code"], None, in_ttm, n)
    if fixes:
        return {**revenue, "realisation_ttm": realisation, "invoices_ttm": invoices_ttm}
    return {
        **revenue,
        "revenue_source": np.asarray(REVENUE_SOURCES, dtype=object)[source],
        "billable_value_ttm": billable_value,
        "realisation_ttm": realisation,
        "invoices_ttm": invoices_ttm,
        "growth_ttm": np.where(
            revenue["revenue_prior"] > 0, _divide(revenue_ttm, revenue["revenue_prior"]) - 1, np.nan
        ),
        "prior_covered": np.full(n, history_covers(prep.first_activity, prior_window(quarter))),
    }


_DAY_OFFSET = 3_000_000


_NS_PER_DAY = 86_400 * 10**9


def _day_numbers(dates: np.ndarray) -> np.ndarray:
    """Each date's day (floored, as ``astype("datetime64[D]")`` floors) plus _DAY_OFFSET, by
    integer division of the nanoseconds (about 7x the unit cast on 2M dates; no NaT here)."""
    nanoseconds = dates.astype("datetime64[ns]", copy=False).view(np.int64)
    return nanoseconds // _NS_PER_DAY + _DAY_OFFSET


_NAT = np.iinfo(np.int64).min  # NaT's nanoseconds: below every date


def _last_activity(prep: _Prepared, end: np.datetime64) -> np.ndarray:
    """Per client, the day of its latest time entry or invoice dated on ``end``'s day or before
    (NaT when none): the latest date among its rows before the next midnight (``np.maximum.at``
    of the nanoseconds; the entries, when in date order, a slice found by binary search),
    floored to its day. One pass over the rows per quarter instead of sorting them all once
    (a quarter costs about a tenth of the sort on the 2M book)."""
    n, te, inv = prep.n, prep.te, prep.inv
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    day = _day_numbers(np.array([end]))[0] - _DAY_OFFSET
    before = np.datetime64(int(day) + 1, "D").astype("datetime64[ns]")
    latest = np.full(n + 1, _NAT, dtype=np.int64)  # the last slot: the rows of no client (-1)
    if prep.te_by_date:
        k = int(np.searchsorted(te["date"], before, side="left"))
        np.maximum.at(latest, te["code"][:k], te["date"][:k].view(np.int64))
    else:
        rows = te["date"] < before  # NaT compares False
        np.maximum.at(latest, te["code"][rows], te["date"][rows].view(np.int64))
    rows = inv["issue"] < before
    np.maximum.at(latest, inv["code"][rows], inv["issue"][rows].view(np.int64))
    latest = latest[:n]
    found = latest != _NAT
    days = _day_numbers(latest[found].view("datetime64[ns]")) - _DAY_OFFSET
    out[found] = days.astype("datetime64[D]").astype("datetime64[ns]")
    return out


def _rhythm(prep: _Prepared, quarter: str) -> dict[str, np.ndarray]:
    """``invoice_interval_days``: mean days between invoices (amount > 0) issued in the TTM
    window, (last - first) / (count - 1); empty with fewer than two. ``last_activity``: the
    latest time entry or invoice dated on or before as_of (NaT when none)."""
    inv, n = prep.inv, prep.n
    end = np.datetime64(as_of(quarter), "ns")
    issued = _within(inv["issue"], ttm_window(quarter)) & (inv["amount"] > 0) & (inv["code"] >= 0)
    days = (inv["issue"] - np.datetime64("1970-01-01", "ns")) / _DAY
    first, last = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(first, inv["code"][issued], days[issued])
    np.maximum.at(last, inv["code"][issued], days[issued])
    count = _sum(inv["code"], None, issued, n)
    interval = np.where(count >= 2, (last - first) / np.maximum(count - 1, 1), np.nan)
    return {"invoice_interval_days": interval, "last_activity": _last_activity(prep, end)}


def _lateness(prep: _Prepared, quarter: str) -> dict[str, np.ndarray]:
    inv, n, end = prep.inv, prep.n, np.datetime64(as_of(quarter), "ns")
    due_in_ttm = _within(inv["due"], ttm_window(quarter)) & (inv["amount"] > 0)
    paid_by_then = inv["paid"] <= end
    finish = np.where(paid_by_then, inv["paid"], end)
    days = np.clip((finish - inv["due"]) / _DAY, 0, None)
    days = np.where(due_in_ttm, days, 0.0)
    weight = _sum(inv["code"], inv["amount"], due_in_ttm, n)
    count = _sum(inv["code"], None, due_in_ttm, n)
    return {
        "days_late_avg": _divide(
            _sum(inv["code"], days * inv["amount"], due_in_ttm, n), weight, empty=0.0
        ),
        "late_share": _divide(
            _sum(inv["code"], None, due_in_ttm & (days > 0), n), count, empty=0.0
        ),
    }


def _days_past_due(prep: _Prepared, end: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """(open at ``end``, days past due at ``end``) per invoice."""
    inv = prep.inv
    open_ = (inv["issue"] <= end) & ~(inv["paid"] <= end)
    return open_, (end - inv["due"]) / _DAY


_AGING_RANGES = (
    ("aging_1_30", 1, 30),
    ("aging_31_60", 31, 60),
    ("aging_61_90", 61, 90),
    ("aging_90_plus", 91, np.inf),
)


def _aging(
    prep: _Prepared, quarter: str, floor: float, *, fixes: bool = False
) -> dict[str, np.ndarray]:
    """The aging buckets; ``fixes``: ``aging_90_plus`` alone (what COLLECT reads)."""
    inv, n, end = prep.inv, prep.n, np.datetime64(as_of(quarter), "ns")
    open_, days = _days_past_due(prep, end)
    code, amount = inv["code"], inv["amount"]
    if fixes:
        _, low, high = _AGING_RANGES[-1]
        return {"aging_90_plus": _sum(code, amount, open_ & (days >= low) & (days <= high), n)}
    out = {"aging_current": _sum(code, amount, open_ & (days <= 0), n)}
    for name, low, high in _AGING_RANGES:
        out[name] = _sum(code, amount, open_ & (days >= low) & (days <= high), n)
    out["overdue_amount"] = sum(out[b] for b in AGING_BUCKETS)
    out["overdue_90_quarters"] = _overdue_90_quarters(prep, quarter, floor)
    out.update(_oldest_overdue(prep, open_ & (days >= 1) & (amount > 0), days))
    return out


def _overdue_90_quarters(prep: _Prepared, quarter: str, floor: float) -> np.ndarray:
    """At how many of the last four quarter ends money > 90 days past due exceeded ``floor``."""
    inv, n, count = prep.inv, prep.n, np.zeros(prep.n)
    for k in range(4):
        end = np.datetime64(as_of(str(parse_quarter(quarter) - k)), "ns")
        open_, days = _days_past_due(prep, end)
        count += _sum(inv["code"], inv["amount"], open_ & (days > 90), n) > floor
    return count


def _oldest_overdue(prep: _Prepared, mask: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
    inv, n = prep.inv, prep.n
    rows = np.flatnonzero(mask & (inv["code"] >= 0))
    invoice = np.full(n, None, dtype=object)
    oldest_days, oldest_amount = np.full(n, np.nan), np.full(n, np.nan)
    if len(rows):
        ids = inv["invoice_id"].take(rows).to_numpy(zero_copy_only=False).astype(object)
        rank = np.lexsort((ids.astype(str), -days[rows], inv["code"][rows]))
        order, ids = rows[rank], ids[rank]
        codes = inv["code"][order]
        leads = np.r_[True, codes[1:] != codes[:-1]]
        first = order[leads]
        invoice[inv["code"][first]] = ids[leads]
        oldest_days[inv["code"][first]] = days[first]
        oldest_amount[inv["code"][first]] = inv["amount"][first]
    return {
        "oldest_overdue_invoice": invoice,
        "oldest_overdue_days": oldest_days,
        "oldest_overdue_amount": oldest_amount,
    }


def _work(prep: _Prepared, quarter: str, *, fixes: bool = False) -> dict[str, np.ndarray]:
    """Hours and labour cost; ``fixes``: without the non-billable share."""
    te = prep.te
    in_ttm = _te_rows(prep, ttm_window(quarter))
    hours = _te_sum(prep, in_ttm, "hours")
    cost = _te_sum(prep, in_ttm, "cost")
    if fixes:
        return {"hours_ttm": hours, "labour_cost_ttm": cost, "cost_rate_ttm": _divide(cost, hours)}
    non_billable = _te_sum(prep, in_ttm, "hours", where=~te["billable"])
    return {
        "hours_ttm": hours,
        "non_billable_share": _divide(non_billable, hours, empty=0.0),
        "labour_cost_ttm": cost,
        "cost_rate_ttm": _divide(cost, hours),
    }


def _events(prep: _Prepared, quarter: str, *, fixes: bool = False) -> dict[str, np.ndarray]:
    """Event severities; ``fixes``: the rescope and delivery ones alone."""
    ev, n = prep.ev, prep.n
    in_ttm = _within(ev["date"], ttm_window(quarter))

    def severity(kinds) -> np.ndarray:
        wanted = [EVENT_KINDS.index(k) for k in kinds]
        return _sum(ev["code"], ev["severity"], in_ttm & np.isin(ev["kind"], wanted), n)

    if fixes:
        return {
            "rescope_severity_ttm": severity(list(RESCOPE_KINDS)),
            "delivery_severity_ttm": severity(list(OUR_EVENT_KINDS)),
        }
    return {
        "incidents_ttm": severity(list(CLIENT_EVENT_KINDS)),
        "rescope_severity_ttm": severity(list(RESCOPE_KINDS)),
        "abuse_ttm": _sum(ev["code"], None, in_ttm & (ev["kind"] == EVENT_KINDS.index("abuse")), n),
        "delivery_severity_ttm": severity(list(OUR_EVENT_KINDS)),
    }


def _alignment(prep: _Prepared, quarter: str, *, fixes: bool = False) -> dict[str, np.ndarray]:
    """Mean ratings; ``fixes``: the owner's and the others' alone (what REASSIGN_OWNER reads)."""
    asm, n = prep.asm, prep.n
    in_ttm = _within(asm["date"], ttm_window(quarter))

    def mean(mask: np.ndarray) -> np.ndarray:
        return _divide(_sum(asm["code"], asm["mean"], mask, n), _sum(asm["code"], None, mask, n))

    def mean_of(name: str, mask: np.ndarray) -> np.ndarray:
        return _divide(_sum(asm["code"], asm[name], mask, n), _sum(asm["code"], None, mask, n))

    if fixes:
        return {
            "owner_rating": mean(in_ttm & asm["by_owner"]),
            "others_rating": mean(in_ttm & ~asm["by_owner"]),
        }
    return {
        "alignment_score": mean(in_ttm),
        "owner_rating": mean(in_ttm & asm["by_owner"]),
        "others_rating": mean(in_ttm & ~asm["by_owner"]),
        "fit_rating": mean_of("values", in_ttm),
        "fit_rating_others": mean_of("values", in_ttm & ~asm["by_owner"]),
        "respect_rating": mean_of("respect", in_ttm),
    }


# ----------------------------------------------------------------------------- ranks


def rate_ranks(frame: pd.DataFrame) -> pd.DataFrame:
    """``rate_rank``, ``rate_percentile`` and ``book_median_rate`` among clients with hours."""
    rate = frame["effective_rate_ttm"].where(frame["hours_ttm"] > 0)
    ranked = rate.notna().sum()
    rank = rate.rank(ascending=False, method="min")
    return frame.assign(
        rate_rank=rank.astype("Int64"),
        rate_percentile=rate.rank(method="average") * 100 / max(ranked, 1),
        book_median_rate=rate.median() if ranked else np.nan,
    )


# ----------------------------------------------------------------------------- public


def prepare(book, *, settings: Settings) -> _Prepared:
    """The book as integer client codes and numpy arrays, reused by :func:`measure` per quarter."""
    return _prepare(book, settings)


def measure(
    prep: _Prepared, quarter: str, *, settings: Settings, fixes_only: bool = False
) -> pd.DataFrame:
    """The measured columns and rule signals of ``quarter``, one row per client (no potential,
    no rate or score ranks: :mod:`helpers.decide.contract` adds those).

    ``fixes_only=True`` measures only :data:`FIX_COLUMNS`, what the fix rules read
    (:func:`helpers.audit.rules.fix_masks`, after :func:`rate_ranks`), by the same sums as the full
    measure: enough for those rules on the quarters before ("since when")."""
    parse_quarter(quarter)
    if fixes_only:
        return _fix_measures(prep, quarter, settings)
    measures = {
        **_money_measures(prep, quarter),
        **_work(prep, quarter),
        **_lateness(prep, quarter),
        **_aging(prep, quarter, settings.collect_floor),
        **_events(prep, quarter),
        **_alignment(prep, quarter),
        **_rhythm(prep, quarter),
    }
    revenue, hours = measures["revenue_ttm"], measures["hours_ttm"]
    total = pd.Series(revenue).sum()  # as the frame's column sums it
    measures.update(
        overdue_90_quarters=measures["overdue_90_quarters"].astype(int),
        abuse_ttm=measures["abuse_ttm"].astype(int),
    )
    columns = {
        **{c: prep.clients[c] for c in prep.clients.columns},
        "quarter": quarter,
        **measures,
        "margin_ttm": revenue - measures["labour_cost_ttm"],
        "effective_rate_ttm": _divide(revenue, hours),
        "revenue_share": revenue / total if total else np.zeros(prep.n),
        "active": (hours > 0) | (measures["invoices_ttm"] > 0),
        "overdue_60_plus": measures["aging_61_90"] + measures["aging_90_plus"],
        "incidents_per_100h": _per_100_hours(measures["incidents_ttm"], hours),
    }
    # one frame built at once: inserting some 55 columns one by one cost about 30 ms
    return pd.DataFrame(columns, index=prep.clients.index)


#: The measured columns the fix rules read (with ``client_id`` and ``quarter``):
#: ``measure(..., fixes_only=True)`` computes these alone.
FIX_COLUMNS = (
    "quarter",
    "client_id",
    "size",
    "revenue_ttm",
    "realisation_ttm",
    "invoices_ttm",
    "hours_ttm",
    "labour_cost_ttm",
    "cost_rate_ttm",
    "days_late_avg",
    "late_share",
    "aging_90_plus",
    "rescope_severity_ttm",
    "delivery_severity_ttm",
    "owner_rating",
    "others_rating",
    "effective_rate_ttm",
    "revenue_share",
    "active",
)


def _fix_measures(prep: _Prepared, quarter: str, settings: Settings) -> pd.DataFrame:
    """:data:`FIX_COLUMNS` of ``quarter``: each array from the same sums as :func:`measure`'s
    (the same numbers added in the same order), about a quarter of its work."""
    measures = {
        **_money_measures(prep, quarter, fixes=True),
        **_work(prep, quarter, fixes=True),
        **_lateness(prep, quarter),
        **_aging(prep, quarter, settings.collect_floor, fixes=True),
        **_events(prep, quarter, fixes=True),
        **_alignment(prep, quarter, fixes=True),
    }
    revenue, hours = measures["revenue_ttm"], measures["hours_ttm"]
    total = pd.Series(revenue).sum()  # as measure's column sum
    measures.update(
        effective_rate_ttm=_divide(revenue, hours),
        revenue_share=revenue / total if total else np.zeros(prep.n),
        active=(hours > 0) | (measures["invoices_ttm"] > 0),
        quarter=quarter,
        client_id=prep.clients["client_id"],
        size=prep.clients["size"],
    )
    # one frame built at once: inserting the columns one by one cost about as much as the sums
    return pd.DataFrame({c: measures[c] for c in FIX_COLUMNS}, index=prep.clients.index)


def _per_100_hours(incidents: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Severity per 100 hours worked; without hours: 0 when no incidents, else infinite."""
    rate = _divide(incidents * 100.0, hours)
    return np.where(hours > 0, rate, np.where(incidents > 0, np.inf, 0.0))


def whale_curve(metrics: pd.DataFrame) -> pd.DataFrame:
    """Clients ranked by margin (highest first) with the cumulative share of margin and clients.

    The cumulative margin share rises above 1 and comes back down: the unprofitable tail gives
    back part of what the best clients earn (the "whale curve"). A missing margin counts as
    zero. The one computation of the curve: the whale plots and the pruning scenario draw it.
    """
    ranked = metrics.sort_values(["margin_ttm", "client_id"], ascending=[False, True])
    kept = [c for c in ("client_id", "name", "margin_ttm", "segment") if c in ranked.columns]
    margin = ranked["margin_ttm"].fillna(0.0).to_numpy(dtype=float)
    total = margin.sum()
    cumulative = np.cumsum(margin)
    rank = np.arange(1, len(ranked) + 1)
    return (
        ranked[kept]
        .reset_index(drop=True)
        .assign(
            rank=rank,
            cumulative_margin=cumulative,
            cumulative_margin_share=cumulative / total if total else np.nan,
            cumulative_client_share=rank / max(len(ranked), 1),
        )
    )


def segment_counts(metrics: pd.DataFrame) -> pd.DataFrame:
    """Clients, TTM revenue and margin per segment (every segment listed, zeros included).

    ``share`` is among the four fields only: the clients who left (``gone``, listed last) are
    outside the segment shares (their share is empty)."""
    from helpers.audit.rules import FIELD_SEGMENTS, SEGMENT_NAMES  # the registry

    counts = (
        metrics.groupby("segment", observed=False)
        .agg(
            clients=("client_id", "size"),
            revenue_ttm=("revenue_ttm", "sum"),
            margin_ttm=("margin_ttm", "sum"),
            hours_ttm=("hours_ttm", "sum"),
        )
        .reindex(list(SEGMENT_NAMES), fill_value=0)
        .rename_axis("segment")
        .reset_index()
    )
    fields = counts["segment"].isin(FIELD_SEGMENTS)
    total = max(int(counts.loc[fields, "clients"].sum()), 1)
    return counts.assign(share=(counts["clients"] / total).where(fields))


def segment_transitions(long: pd.DataFrame) -> pd.DataFrame:
    """Per client, its segment in each quarter and the next: client_id, name (when given),
    from/to quarter and segment (from a long ``metrics_for_quarters`` frame). The one pairing of
    quarters: the movement plot and the report's movement tables read it."""
    ordered = long.sort_values(["client_id", "quarter"])
    nxt = ordered.groupby("client_id", sort=False)[["quarter", "segment"]].shift(-1)
    named = ["client_id", "name"] if "name" in long.columns else ["client_id"]
    return (
        ordered.assign(to_quarter=nxt["quarter"], to_segment=nxt["segment"])
        .dropna(subset=["to_quarter"])
        .rename(columns={"quarter": "from_quarter", "segment": "from_segment"})[
            [*named, "from_quarter", "to_quarter", "from_segment", "to_segment"]
        ]
        .reset_index(drop=True)
    )


def movement_counts(transitions: pd.DataFrame) -> pd.DataFrame:
    """How many clients moved from each segment to each other one, per pair of quarters."""
    return (
        transitions.groupby(["from_quarter", "to_quarter", "from_segment", "to_segment"])
        .size()
        .rename("count")
        .reset_index()
    )


def split_history(
    history: pd.DataFrame, quarter: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(history, current, previous)``: a long ``metrics_for_quarters`` frame with its rows of
    ``quarter`` and of the quarter before it (empty when the frame has none), what the report,
    the movement plot and the scorecard take."""
    earlier = str(parse_quarter(quarter) - 1)
    return (
        history,
        history[history["quarter"] == quarter].reset_index(drop=True),
        history[history["quarter"] == earlier].reset_index(drop=True),
    )
