"""The decisions journal: what the partners decided, what happened since, and what that does to
the recommendations (closing the loop of the quarterly audit).

The book's optional ``decisions`` table (``date``, ``client_id``, ``action``, ``decided_by``,
``note``, ``until``) records what the partners chose; everything else here is computed from the
book, never typed in.

**What happened since** (:func:`decision_outcomes`), for each decision dated on or before the
quarter's last day. The decision falls in quarter D; the report's quarter is Q.

- *before*: the four quarters before D (D-4 .. D-1); *after*: the quarters after D up to Q, at
  most the last four (max(D+1, Q-3) .. Q). Flows are per quarter so windows of different length
  compare; the quarter of the decision itself is in neither (the change was under way).
- The figure each action is meant to move:

  - ``REPRICE``: revenue per hour (invoiced in the window / hours worked in it); worked when it
    rose by at least ``decision_min_change``.
  - ``RESCOPE``: client-caused incidents (severity) per 100 hours worked; worked when it fell by
    at least ``decision_min_change`` (or to none).
  - ``IMPROVE_DELIVERY``: our own rework and missed deadlines (severity) per 100 hours; as
    ``RESCOPE``.
  - ``INVOICE_MORE_OFTEN``: days late, amount-weighted over the invoices due in the window (paid
    date, else the window's end); worked when it fell by at least ``decision_min_change`` (or
    below one day).
  - ``COLLECT``: money more than 90 days past due on the decision's day and at the quarter's end;
    worked when what is left is at most ``collect_floor``.
  - ``REASSIGN_OWNER``: the ratings (mean of the four) of the assessor who rated the client lowest
    before (the owner who disliked it) against the current owner's ratings since; worked when
    the owner changed and the new owner's rating is at least ``decision_min_change`` higher.
  - ``PRUNE``: whether the client is gone (no hours and no invoice in Q) and where its hours went:
    the hours per quarter on the clients given ``GROW`` in Q, before and after. Worked when gone.
  - ``GROW``, ``NURTURE``: revenue per quarter; worked when it rose by ``decision_min_change``.
  - ``KEEP``, ``REVIEW``: the margin per quarter (revenue - labour cost: what keeping it costs);
    worked when it did not fall.

- The verdict: ``too early`` in the decision's own quarter (no full quarter since), ``worked``
  when the figure moved as above, ``not yet`` one quarter on without that, ``did not work`` two
  or more quarters on without that (no data since counts as not moved).

**The journal in the recommendations** (:func:`apply_journal`, after
:func:`helpers.audit.rules.classify`): a client whose latest decision is ``KEEP``, with no
``until`` or one not passed at the quarter's end, is *kept on purpose*: its actions become
``KEEP`` (``COLLECT`` stays: money owed is not forgiven), ``prune`` and the ``prune_<reason>``
flags are cleared, the rules' own actions go to ``overruled_actions`` and the reason says why it
is kept, until when, and what it costs. A fix (or ``PRUNE``) decided two or more quarters ago
that did not work is said in the client's reasons ("REPRICE decided 2025Q1: rate still 38 USD per
hour, ..."): seed 003's "may not be worth your effort".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.audit.rules import FIX_ACTIONS
from helpers.book.quarters import Window, parse_quarter
from helpers.book.schema import (
    CLIENT_EVENT_KINDS,
    DECISION_ACTIONS,
    OUR_EVENT_KINDS,
    TABLES,
)
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.present.format import money_with_code

DECISIONS_FILE = "decisions.csv"
VERDICTS = ("worked", "not yet", "did not work", "too early")
#: Decisions whose failure is said in the client's reasons two or more quarters on: the rules'
#: fixes (the registry's ``fix`` actions) and PRUNE.
FOLLOWED_UP = (*FIX_ACTIONS, "PRUNE")
#: Quarters after which a fix that did not work is said in the reasons.
FOLLOW_UP_QUARTERS = 2
RATINGS = ("alignment", "transparency", "respect", "fit")
OUTCOME_COLUMNS = [
    "quarter",
    "date",
    "decided_quarter",
    "client_id",
    "name",
    "action",
    "decided_by",
    "note",
    "until",
    "quarters_since",
    "measure",
    "unit",
    "before",
    "after",
    "grow_hours_before",
    "grow_hours_after",
    "verdict",
    "what_happened",
    "still",
]
#: Columns :func:`apply_journal` adds to the metric contract.
JOURNAL_COLUMNS = ("kept_on_purpose", "kept_until", "overruled_actions")


# ----------------------------------------------------------------------------- windows


def _window(first: pd.Period, last: pd.Period) -> Window:
    return Window(first.start_time.normalize(), last.end_time.normalize())


@dataclass(frozen=True)
class _Spans:
    since: int  # whole quarters from the decision's quarter to the report's
    before: Window
    before_n: int
    after: Window | None
    after_n: int
    last: Window  # the report's quarter


def _spans(decided: pd.Period, quarter: pd.Period) -> _Spans:
    since = int(quarter.ordinal - decided.ordinal)
    first = max(decided + 1, quarter - 3)
    after = _window(first, quarter) if since >= 1 else None
    return _Spans(
        since=since,
        before=_window(decided - 4, decided - 1),
        before_n=4,
        after=after,
        after_n=int(quarter.ordinal - first.ordinal + 1) if since >= 1 else 0,
        last=_window(quarter, quarter),
    )


# ----------------------------------------------------------------------------- figures


def _positions(column: pd.Series, ids: list[str]) -> np.ndarray:
    """Per row, the position of its client in ``ids`` (-1 when not among them): one pass of
    Arrow's hashing over the column (about 20-30 ms for 2M entries), whatever the few ids."""
    if not len(column):
        return np.array([], dtype=np.int32)
    values = pa.array(column.astype("str"), from_pandas=True)
    found = pc.index_in(values, value_set=pa.array(ids, type=values.type))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)


def _at(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``column``'s values at ``rows`` as a NumPy array (numbers and dates indexed in place;
    text taken first, so only those rows are converted)."""
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy()[rows]
    return column.take(rows).to_numpy()


def _by_client(
    codes: np.ndarray, ids: list[str], values: dict[str, np.ndarray]
) -> dict[str, dict[str, np.ndarray]]:
    """Per client ``ids[code]`` with any row, its rows' ``values`` in their order."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    ordered = {c: v[order] for c, v in values.items()}
    return {
        ids[k]: {c: v[bounds[k] : bounds[k + 1]] for c, v in ordered.items()}
        for k in range(len(ids))
        if bounds[k + 1] > bounds[k]
    }


def _recoded(entry_clients: np.ndarray, clients: pd.DataFrame, ids: list[str]) -> np.ndarray | None:
    """Per time entry, its client's position in ``ids`` (-1 when not among them) from its row in
    ``clients`` (``entry_clients``, -1 for none): one look-up in a table of the clients instead
    of hashing the entries' text. None when some id has no row in ``clients``."""
    where = _positions(clients["client_id"], ids)  # per client row, its position in ids
    if len(set(where[where >= 0].tolist())) < len(ids):
        return None
    return np.append(where, -1).astype(np.int32)[entry_clients]  # -1: the appended -1


def _client_rows(
    frame: pd.DataFrame, ids: list[str], codes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, their client's position in ``ids``): the rows of ``frame`` whose client is in
    ``ids``, in the frame's order (``codes``: every row's position in a list that starts with
    ``ids``, when the caller has them)."""
    codes = _positions(frame["client_id"], ids) if codes is None else codes
    rows = np.flatnonzero((codes >= 0) & (codes < len(ids)))
    return rows, codes[rows]


def _inside(dates: np.ndarray, window: Window) -> np.ndarray:
    return (dates >= window.start.to_datetime64()) & (dates <= window.end.to_datetime64())


_NONE: dict[str, np.ndarray] = {}


class _Figures:
    """The book's rows of a few clients, and the figures of one client over a window.

    ``entry_codes``: per time entry, its client's position in a list that starts with
    ``client_ids`` (:func:`_positions`), when the caller has them (the entries are then not
    looked up again)."""

    def __init__(
        self, book, client_ids, settings: Settings, *, entry_codes: np.ndarray | None = None
    ) -> None:
        ids = [str(c) for c in client_ids]
        te = book.time_entries
        rows, codes = _client_rows(te, ids, entry_codes)
        hours = te["hours"].take(rows)
        cost = te["person"].take(rows).map(book.people.set_index("person")["cost_rate"])
        cost = hours * cost.fillna(settings.default_cost_rate).astype(float)
        self.entries = _by_client(
            codes,
            ids,
            {"date": _at(te["date"], rows), "hours": hours.to_numpy(), "cost": cost.to_numpy()},
        )
        self.invoices = self._table(
            book.invoices, ids, ("issue_date", "due_date", "paid_date", "amount_base")
        )
        self.events = self._table(book.events, ids, ("date", "kind", "severity"))
        rows, codes = _client_rows(book.assessments, ids)
        rated = book.assessments[list(RATINGS)].take(rows)
        self.assessments = _by_client(
            codes,
            ids,
            {
                "date": _at(book.assessments["date"], rows),
                "assessor": _at(book.assessments["assessor"], rows),
                "rating": rated.mean(axis=1).to_numpy(),
            },
        )
        self.settings = settings

    @staticmethod
    def _table(frame: pd.DataFrame, ids: list[str], columns: tuple[str, ...]) -> dict:
        rows, codes = _client_rows(frame, ids)
        return _by_client(codes, ids, {c: _at(frame[c], rows) for c in columns})

    def _sum(self, table: dict, client_id: str, column: str, when: str, window: Window) -> float:
        rows = table.get(client_id, _NONE)
        if not rows:
            return 0.0
        return float(rows[column][_inside(rows[when], window)].sum())

    def hours(self, client_id: str, window: Window) -> float:
        return self._sum(self.entries, client_id, "hours", "date", window)

    def labour_cost(self, client_id: str, window: Window) -> float:
        return self._sum(self.entries, client_id, "cost", "date", window)

    def revenue(self, client_id: str, window: Window) -> float:
        return self._sum(self.invoices, client_id, "amount_base", "issue_date", window)

    def invoiced(self, client_id: str, window: Window) -> bool:
        rows = self.invoices.get(client_id, _NONE)
        return bool(rows) and bool(_inside(rows["issue_date"], window).any())

    def rate(self, client_id: str, window: Window) -> float:
        hours = self.hours(client_id, window)
        return self.revenue(client_id, window) / hours if hours > 0 else np.nan

    def severity_per_100_hours(self, client_id: str, window: Window, kinds) -> float:
        hours = self.hours(client_id, window)
        if hours <= 0:
            return np.nan
        rows = self.events.get(client_id, _NONE)
        if not rows:
            return 0.0
        mask = _inside(rows["date"], window) & np.isin(rows["kind"], list(kinds))
        return 100 * float(rows["severity"][mask].sum()) / hours

    def days_late(self, client_id: str, window: Window) -> float:
        rows = self.invoices.get(client_id, _NONE)
        if not rows:
            return np.nan
        due = _inside(rows["due_date"], window) & (rows["amount_base"] > 0)
        if not due.any():
            return np.nan
        end = window.end.to_datetime64()
        paid = rows["paid_date"][due]
        paid = np.where(~np.isnat(paid) & (paid <= end), paid, end)
        days = np.clip((paid - rows["due_date"][due]) / np.timedelta64(1, "D"), 0, None)
        return float(np.average(np.floor(days), weights=rows["amount_base"][due]))

    def over_90(self, client_id: str, day: pd.Timestamp) -> float:
        rows = self.invoices.get(client_id, _NONE)
        if not rows:
            return 0.0
        t = day.to_datetime64()
        paid = rows["paid_date"]
        unpaid = (rows["issue_date"] <= t) & (np.isnat(paid) | (paid > t))
        late = (t - rows["due_date"]) / np.timedelta64(1, "D") > 90
        return float(rows["amount_base"][unpaid & late].sum())

    def ratings(self, client_id: str, window: Window) -> pd.Series:
        """Mean rating per assessor over the window."""
        rows = self.assessments.get(client_id, _NONE)
        if not rows:
            return pd.Series(dtype=float)
        mask = _inside(rows["date"], window)
        rated = pd.Series(rows["rating"][mask].astype(float), index=rows["assessor"][mask])
        return rated.groupby(level=0).mean()


class _GrowHours:
    """Hours on the GROW clients: filtered from the book once, summed over windows.

    ``span`` (first and last day of every window asked for) limits the filter to the entries
    dated inside it: a slice found by binary search when the entries are in date order (as
    exports write them), else a mask; the sums over windows inside the span are the same.
    ``names``/``codes``: a list of client ids that holds the GROW clients and, per time entry,
    its client's position in it (-1 when not there; :func:`_positions`): the entries are
    matched by those integers, never by their text."""

    def __init__(
        self,
        book,
        grow_ids,
        span: Window | None = None,
        *,
        names: list[str] | None = None,
        codes: np.ndarray | None = None,
    ) -> None:
        entries = book.time_entries
        grow_ids = [str(c) for c in grow_ids]
        if names is None or codes is None:
            names = grow_ids
            codes = _positions(entries["client_id"], names) if len(grow_ids) else None
        self.names = {name: k for k, name in enumerate(names)}
        rows: slice | np.ndarray = slice(0, 0)
        if len(grow_ids):
            rows = slice(0, len(entries))
            if span is not None:
                dates = entries["date"].to_numpy()
                start, end = span.start.to_datetime64(), span.end.to_datetime64()
                if _in_date_order(dates):
                    first = np.searchsorted(dates, start, side="left")
                    last = np.searchsorted(dates, end, side="right")
                    rows = slice(int(first), int(last))
                else:
                    rows = np.flatnonzero(_inside(dates, span))
        grow = np.zeros(len(names) + 1, dtype=bool)  # the last one: -1, no client here
        grow[[self.names[c] for c in grow_ids]] = True
        near = codes[rows] if codes is not None else np.array([], dtype=np.int32)
        keep = grow[near]
        self.codes = near[keep]
        self.dates = entries["date"].to_numpy()[rows][keep]
        self.hours = entries["hours"].to_numpy(dtype=float)[rows][keep]

    def per_quarter(self, exclude: str, window: Window, quarters: int) -> float:
        mask = _inside(self.dates, window) & (self.codes != self.names.get(exclude, -2))
        return float(self.hours[mask].sum()) / max(quarters, 1)


def _in_date_order(dates: np.ndarray) -> bool:
    return len(dates) < 2 or bool((dates[1:] >= dates[:-1]).all())


def _grow_span(pruned: pd.Series, quarter: pd.Period) -> Window | None:
    """From the first day of the earliest PRUNE decision's before-window to the last day of
    ``quarter``: every window :class:`_GrowHours` is asked about lies inside it."""
    if pruned.empty:
        return None
    spans = [_spans(pd.Period(day, freq="Q"), quarter) for day in pruned]
    windows = [w for s in spans for w in (s.before, s.after or s.last)]
    return Window(min(w.start for w in windows), max(w.end for w in windows))


# ----------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class _Outcome:
    measure: str
    unit: str
    before: float
    after: float
    worked: bool
    what: str  # what happened, in words
    still: str = ""  # the words when it did not work ("rate still 38 USD per hour")
    grow_before: float = np.nan
    grow_after: float = np.nan


def _n(x: float, digits: int = 0) -> str:
    return "no data" if x is None or not np.isfinite(x) else f"{x:,.{digits}f}"


def _moved(before: float, after: float, change: float, *, up: bool) -> bool:
    if not np.isfinite(after):
        return False
    if not np.isfinite(before):
        return False
    return after >= before * (1 + change) if up else after <= before * (1 - change)


def _evaluate(action: str, client_id: str, spans: _Spans, fig: _Figures, ctx: dict) -> _Outcome:
    s, cur = fig.settings, fig.settings.base_currency
    m = s.decision_min_change
    before_w, after_w = spans.before, spans.after or spans.last
    has_after = spans.after is not None

    def per_quarter(value: float, n: int) -> float:
        return value / n if n else np.nan

    if action == "REPRICE":
        b, a = fig.rate(client_id, before_w), fig.rate(client_id, after_w) if has_after else np.nan
        window = after_w if has_after else before_w
        hours = fig.hours(client_id, window)
        cost = fig.labour_cost(client_id, window) / hours if hours else np.nan
        return _Outcome(
            "revenue per hour",
            f"{cur} per hour",
            b,
            a,
            _moved(b, a, m, up=True),
            f"revenue per hour {_n(b)} {cur} before, {_n(a)} {cur} since"
            + (f" (our people cost {_n(cost)} {cur} per hour)" if np.isfinite(cost) else ""),
            f"rate still {_n(a)} {cur} per hour ({_n(b)} {cur} before)",
        )
    if action in ("RESCOPE", "IMPROVE_DELIVERY"):
        kinds = OUR_EVENT_KINDS if action == "IMPROVE_DELIVERY" else CLIENT_EVENT_KINDS
        what = (
            "our rework and missed deadlines"
            if action == "IMPROVE_DELIVERY"
            else "client-caused incidents"
        )
        b = fig.severity_per_100_hours(client_id, before_w, kinds)
        a = fig.severity_per_100_hours(client_id, after_w, kinds) if has_after else np.nan
        worked = (np.isfinite(a) and a == 0) or _moved(b, a, m, up=False)
        return _Outcome(
            what + " per 100 hours",
            "severity per 100 hours",
            b,
            a,
            bool(worked),
            f"{what} {_n(b, 1)} per 100 hours before, {_n(a, 1)} since",
            f"{what} still {_n(a, 1)} per 100 hours ({_n(b, 1)} before)",
        )
    if action == "INVOICE_MORE_OFTEN":
        b = fig.days_late(client_id, before_w)
        a = fig.days_late(client_id, after_w) if has_after else np.nan
        worked = (np.isfinite(a) and a < 1) or _moved(b, a, m, up=False)
        return _Outcome(
            "days late",
            "days",
            b,
            a,
            bool(worked),
            f"paid {_n(b)} days late on average before, {_n(a)} since",
            f"still paying {_n(a)} days late on average ({_n(b)} before)",
        )
    if action == "COLLECT":
        b, a = fig.over_90(client_id, ctx["date"]), fig.over_90(client_id, spans.last.end)
        return _Outcome(
            "money more than 90 days past due",
            cur,
            b,
            a,
            a <= s.collect_floor,
            f"{_n(b)} {cur} more than 90 days past due on the day, {_n(a)} {cur} now",
            f"still {_n(a)} {cur} more than 90 days past due ({_n(b)} {cur} then)",
        )
    if action == "REASSIGN_OWNER":
        earlier = fig.ratings(client_id, Window(pd.Timestamp.min, ctx["date"]))
        old = str(earlier.idxmin()) if len(earlier) else None
        b = float(earlier.min()) if len(earlier) else np.nan
        owner = ctx["owner"]
        later = fig.ratings(client_id, after_w) if has_after else pd.Series(dtype=float)
        a = float(later[owner]) if owner in later.index else np.nan
        changed = owner is not None and owner != old
        if not changed:
            what = f"the owner is still {owner or 'unknown'}" + (
                f" (rated it {_n(b, 1)} of 5 before)" if np.isfinite(b) else ""
            )
            still = f"the owner is still {owner or 'unknown'}"
        else:
            what = (
                f"{old or 'the lowest assessor'} rated it {_n(b, 1)} of 5 before, the owner since, "
                f"{owner}, rates it {_n(a, 1)}"
            )
            still = f"the new owner {owner} rates it {_n(a, 1)} of 5 ({_n(b, 1)} before)"
        return _Outcome(
            "owner's rating",
            "of 5",
            b,
            a,
            changed and _moved(b, a, m, up=True),
            what,
            still,
        )
    if action == "PRUNE":
        b = per_quarter(fig.hours(client_id, before_w), spans.before_n)
        a = per_quarter(fig.hours(client_id, after_w), spans.after_n) if has_after else np.nan
        last_hours = fig.hours(client_id, spans.last)
        gone = last_hours == 0 and not fig.invoiced(client_id, spans.last)
        grow = ctx["grow_ids"]
        gb = ctx["grow_hours"].per_quarter(client_id, before_w, spans.before_n)
        ga = (
            ctx["grow_hours"].per_quarter(client_id, after_w, spans.after_n)
            if has_after
            else np.nan
        )
        went = (
            f"; GROW clients' hours {_n(gb)} a quarter before, {_n(ga)} since"
            if len(grow)
            else "; no GROW client this quarter to take its hours"
        )
        quarter = ctx["quarter"]
        state = (
            f"gone: no hours and no invoice in {quarter} ({_n(b)} hours a quarter before)"
            if gone
            else f"still here: {_n(last_hours)} hours in {quarter} ({_n(b)} a quarter before)"
        )
        return _Outcome(
            "hours a quarter",
            "hours",
            b,
            a,
            gone,
            state + went,
            f"still {_n(last_hours)} hours in {quarter}",
            gb,
            ga,
        )
    if action in ("GROW", "NURTURE"):
        b = per_quarter(fig.revenue(client_id, before_w), spans.before_n)
        a = per_quarter(fig.revenue(client_id, after_w), spans.after_n) if has_after else np.nan
        return _Outcome(
            "revenue a quarter",
            cur,
            b,
            a,
            _moved(b, a, m, up=True),
            f"revenue {_n(b)} {cur} a quarter before, {_n(a)} {cur} since",
            f"revenue still {_n(a)} {cur} a quarter ({_n(b)} {cur} before)",
        )

    # KEEP, REVIEW: what keeping the client costs
    def margin(window: Window, n: int) -> float:
        return per_quarter(fig.revenue(client_id, window) - fig.labour_cost(client_id, window), n)

    b = margin(before_w, spans.before_n)
    a = margin(after_w, spans.after_n) if has_after else np.nan
    return _Outcome(
        "margin a quarter",
        cur,
        b,
        a,
        bool(np.isfinite(a) and a >= b),
        f"margin {_n(b)} {cur} a quarter before, {_n(a)} {cur} since",
        f"margin down to {_n(a)} {cur} a quarter ({_n(b)} {cur} before)",
    )


def _verdict(since: int, worked: bool) -> str:
    if since < 1:
        return "too early"
    if worked:
        return "worked"
    return "not yet" if since < FOLLOW_UP_QUARTERS else "did not work"


def empty_outcomes() -> pd.DataFrame:
    kinds = {"date": "datetime64[ns]", "until": "datetime64[ns]", "quarters_since": "int64"}
    floats = ("before", "after", "grow_hours_before", "grow_hours_after")
    return pd.DataFrame(
        {
            c: pd.Series(dtype=kinds.get(c, "float64" if c in floats else "object"))
            for c in OUTCOME_COLUMNS
        }
    )


def decisions_as_of(book, quarter: str) -> pd.DataFrame:
    """The book's decisions dated on or before the quarter's last day, oldest first."""
    decisions = getattr(book, "decisions", None)
    if decisions is None or decisions.empty:
        return _empty_decisions()
    end = parse_quarter(quarter).end_time.normalize()
    in_force = decisions[decisions["date"] <= end]
    return in_force.sort_values("date", kind="stable").reset_index(drop=True)


def _empty_decisions() -> pd.DataFrame:
    kinds = {"date": "datetime64[ns]"}
    return pd.DataFrame(
        {c.name: pd.Series(dtype=kinds.get(c.kind, "object")) for c in TABLES["decisions"].columns}
    )


def decision_outcomes(
    book,
    quarter: str,
    *,
    settings: Settings,
    metrics: pd.DataFrame | None = None,
    entry_clients: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per decision dated on or before ``quarter``'s last day: the figure its action is
    meant to move before and after, the verdict and a sentence of what happened.

    ``metrics`` (the quarter's classified contract) names the ``GROW`` clients a pruned client's
    hours should have gone to; without it they are the clients whose ``actions`` would say so,
    which is unknown: the PRUNE rows then say there is no GROW client.

    ``entry_clients``: per time entry, the row of its client in ``book.clients`` (-1 when none),
    as :func:`helpers.audit.measures.prepare` makes them, when the caller has them: the decided
    and GROW clients' entries are then found from those integers instead of their text.
    """
    decisions = decisions_as_of(book, quarter)
    if decisions.empty:
        return empty_outcomes()
    period = parse_quarter(quarter)
    clients = book.clients.set_index("client_id")
    grow_ids: list[str] = []
    if metrics is not None and len(metrics):
        # GROW as one of the ;-joined codes, matched by Arrow over the column (splitting every
        # client's codes in Python cost 0.09 s at 10k clients)
        grow = metrics["actions"].fillna("").astype("str").str.contains(r"(?:^|;)GROW(?:;|$)")
        grow_ids = metrics.loc[grow.to_numpy(dtype=bool), "client_id"].tolist()
    decided = [str(c) for c in decisions["client_id"].unique()]
    pruned = decisions.loc[decisions["action"].eq("PRUNE"), "date"]
    grown = grow_ids if len(pruned) else []
    # the time entries of the decided and the GROW clients found in one pass over the book
    names = decided + sorted(set(grown) - set(decided))
    codes = None if entry_clients is None else _recoded(entry_clients, book.clients, names)
    if codes is None:
        codes = _positions(book.time_entries["client_id"], names)
    figures = _Figures(book, decided, settings, entry_codes=codes)
    grow_hours = _GrowHours(book, grown, _grow_span(pruned, period), names=names, codes=codes)
    rows = []
    for d in decisions.itertuples(index=False):
        decided = pd.Period(d.date, freq="Q")
        spans = _spans(decided, period)
        owner = clients["owner"].get(d.client_id) if "owner" in clients else None
        ctx = {
            "date": d.date,
            "owner": owner if isinstance(owner, str) else None,
            "grow_ids": grow_ids,
            "grow_hours": grow_hours,
            "quarter": str(period),
        }
        out = _evaluate(d.action, d.client_id, spans, figures, ctx)
        rows.append(
            {
                "quarter": str(period),
                "date": d.date,
                "decided_quarter": str(decided),
                "client_id": d.client_id,
                "name": clients["name"].get(d.client_id),
                "action": d.action,
                "decided_by": d.decided_by,
                "note": d.note,
                "until": d.until,
                "quarters_since": spans.since,
                "measure": out.measure,
                "unit": out.unit,
                "before": out.before,
                "after": out.after,
                "grow_hours_before": out.grow_before,
                "grow_hours_after": out.grow_after,
                "verdict": _verdict(spans.since, out.worked),
                "what_happened": out.what,
                "still": out.still,
            }
        )
    frame = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    return frame.astype({"before": float, "after": float, "quarters_since": "int64"})


# ----------------------------------------------------------------------------- recommendations


def _plain(text: object) -> str:
    """User text inside a reason: no ``;`` (it separates codes) and no ``|`` (reasons)."""
    return str(text).replace(";", ",").replace("|", "/").strip()


def _money(x: float, currency: str) -> str:
    return money_with_code(x, currency, missing="no data")


def _kept_reason(row: dict, decision: dict, currency: str) -> str:
    why = _plain(decision["note"]) if isinstance(decision["note"], str) else "no reason given"
    until = decision["until"]
    when = f"until {until:%Y-%m-%d}" if pd.notna(until) else "no end date"
    by = f" by {_plain(decision['decided_by'])}" if isinstance(decision["decided_by"], str) else ""
    margin = float(row.get("margin_ttm", np.nan))
    cost = (
        f"it lost {_money(-margin, currency)} over the last four quarters"
        if np.isfinite(margin) and margin < 0
        else f"its margin was {_money(margin, currency)} over the last four quarters"
    )
    rate = float(row.get("effective_rate_ttm", np.nan))
    at_rate = f" at {_money(rate, currency)} per hour" if np.isfinite(rate) else ""
    rules = str(row["actions"]).replace(";", ", ")
    return (
        f"kept on purpose ({why}, {when}, decided {decision['date']:%Y-%m-%d}{by}): "
        f"{cost}{at_rate}, and the rules would say {rules}"
    )


def _follow_up(outcome: dict) -> str:
    n = int(outcome["quarters_since"])
    return (
        f"{outcome['action']} decided {outcome['decided_quarter']}: {outcome['still']}, "
        f"{n} quarters on, so this fix may not be worth your effort"
    )


def _append(reasons: str, actions: str, code: str, sentence: str) -> str:
    """``sentence`` in brackets after the reason of ``code`` (else after the last reason)."""
    parts, codes = reasons.split(" | ") if reasons else [""], actions.split(";")
    at = codes.index(code) if code in codes and len(codes) == len(parts) else len(parts) - 1
    parts[at] = f"{parts[at]} ({sentence})" if parts[at] else sentence
    return " | ".join(parts)


def apply_journal(
    metrics: pd.DataFrame, outcomes: pd.DataFrame, *, settings: Settings
) -> pd.DataFrame:
    """The classified contract of one quarter with the journal taken into account.

    Adds ``kept_on_purpose`` (bool), ``kept_until`` (date) and ``overruled_actions`` (the rules'
    codes for a client kept on purpose, else ""). ``metrics`` is not changed.
    """
    n = len(metrics)
    kept = np.zeros(n, dtype=bool)
    until = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    overruled = np.full(n, "", dtype=object)
    plain = {"kept_on_purpose": kept, "kept_until": until, "overruled_actions": overruled}
    if outcomes.empty or metrics.empty:
        return metrics.assign(**plain)
    records = outcomes.to_dict("records")  # a few rows: plain Python beats pandas here
    end = parse_quarter(str(records[0]["quarter"])).end_time.normalize()
    # the rows of the decided clients only (not a dict of every client: 10k rows cost 12 ms)
    decided = metrics["client_id"].isin({r["client_id"] for r in records}).to_numpy(dtype=bool)
    rows = np.flatnonzero(decided)
    position = dict(zip(metrics["client_id"].take(rows).tolist(), rows.tolist(), strict=True))
    last = {r["client_id"]: r for r in records}  # records are oldest first
    latest = [r for cid, r in last.items() if r["action"] == "KEEP" and cid in position]
    failed = {
        (r["client_id"], r["action"]): r
        for r in records
        if r["action"] in FOLLOWED_UP
        and r["verdict"] == "did not work"
        and r["quarters_since"] >= FOLLOW_UP_QUARTERS
        and r["client_id"] in position
    }
    if not latest and not failed:
        return metrics.assign(**plain)
    actions = metrics["actions"].to_numpy(dtype=object, copy=True)
    reasons = metrics["reasons"].to_numpy(dtype=object, copy=True)
    for decision in latest:
        i = position[decision["client_id"]]
        if pd.notna(decision["until"]) and decision["until"] < end:
            reasons[i] += (
                f" (kept on purpose until {decision['until']:%Y-%m-%d}: that has passed, so the "
                "recommendation stands again)"
            )
            continue
        row = {
            c: metrics[c].iat[i]
            for c in ("actions", "reasons", "margin_ttm", "effective_rate_ttm")
            if c in metrics.columns
        }
        codes, said = str(row["actions"]).split(";"), str(row["reasons"]).split(" | ")
        kept_text = _kept_reason(row, decision, settings.base_currency)
        if pd.notna(decision["until"]):
            until[i] = pd.Timestamp(decision["until"]).to_datetime64()
        kept[i], overruled[i] = True, row["actions"]
        if "COLLECT" in codes and len(codes) == len(said):
            actions[i] = "COLLECT;KEEP"
            reasons[i] = f"{said[codes.index('COLLECT')]} | {kept_text}"
        else:
            actions[i], reasons[i] = "KEEP", kept_text
    for outcome in failed.values():
        i = position[outcome["client_id"]]
        reasons[i] = _append(reasons[i], actions[i], outcome["action"], _follow_up(outcome))
    flags = {
        c: np.where(kept, False, metrics[c].to_numpy(dtype=bool))
        for c in metrics.columns
        if c == "prune" or (c.startswith("prune_") and metrics[c].dtype == bool)
    }
    # the rules' one flag per action code (``action_<code>``) follows the overruled actions;
    # split once per distinct actions text (a few dozen combinations among thousands of clients)
    which, combos = pd.factorize(pd.Series(actions, dtype=object).map(str))
    codes_now = [set(a.split(";")) for a in combos]
    flags.update(
        {
            c: np.array(
                [c.removeprefix("action_").upper() in a for a in codes_now], dtype=bool
            ).take(which)
            for c in metrics.columns
            if c.startswith("action_") and metrics[c].dtype == bool
        }
    )
    return metrics.assign(actions=actions, reasons=reasons, **plain, **flags)


def with_journal(
    metrics: pd.DataFrame,
    book,
    quarter: str,
    *,
    settings: Settings,
    entry_clients: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`apply_journal` with the book's decisions for ``quarter`` (what the contract does;
    ``entry_clients`` as in :func:`decision_outcomes`)."""
    outcomes = decision_outcomes(
        book, quarter, settings=settings, metrics=metrics, entry_clients=entry_clients
    )
    return apply_journal(metrics, outcomes, settings=settings)


# ----------------------------------------------------------------------------- recording


def decisions_path(data: str | Path) -> Path:
    """Where a book's decisions are written: ``decisions.csv`` in the book's folder."""
    data = Path(data)
    if data.suffix.lower() == ".xlsx":
        raise PumpkinError(
            f"{data}: a workbook book keeps its decisions in its 'decisions' sheet; add the row "
            "there (decisions.csv is written only beside a folder book)"
        )
    return data / DECISIONS_FILE if data.is_dir() or not data.suffix else data


def record_decision(
    path: str | Path,
    *,
    client_id: str,
    action: str,
    date: str | pd.Timestamp | None = None,
    decided_by: str | None = None,
    note: str | None = None,
    until: str | pd.Timestamp | None = None,
    known_clients=None,
) -> pd.Series:
    """Append one decision to ``path`` (a ``decisions.csv``; created with its header if absent).

    The date defaults to today. ``known_clients`` (ids), when given, refuses an unknown client;
    the action must be a decision code. Returns the row written.
    """
    code = str(action or "").strip().upper()
    if code not in DECISION_ACTIONS:
        raise PumpkinError(f"unknown action code {action!r} (one of {', '.join(DECISION_ACTIONS)})")
    client_id = str(client_id or "").strip()
    if not client_id:
        raise PumpkinError("a decision needs a client (client_id)")
    if known_clients is not None and client_id not in set(known_clients):
        raise PumpkinError(f"unknown client {client_id!r} (not in the book's clients)")
    day = _day(date, "date") if date not in (None, "") else pd.Timestamp.today().normalize()
    end = _day(until, "until") if until not in (None, "") else None
    if end is not None and end < day:
        raise PumpkinError(f"until {end:%Y-%m-%d} is before the decision's date {day:%Y-%m-%d}")
    row = {
        "date": f"{day:%Y-%m-%d}",
        "client_id": client_id,
        "action": code,
        "decided_by": _clean(decided_by),
        "note": _clean(note),
        "until": f"{end:%Y-%m-%d}" if end is not None else "",
    }
    path = Path(path)
    columns = [c.name for c in TABLES["decisions"].columns]
    new = not path.exists() or path.stat().st_size == 0
    if not new:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        if [h.strip() for h in header] != columns:
            raise PumpkinError(
                f"{path}: header is {', '.join(header)}; expected {', '.join(columns)}"
            )
        _end_with_newline(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(row)
    return pd.Series(row)


def _end_with_newline(path: Path) -> None:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("ab") as handle:
            handle.write(b"\n")


def _clean(text: str | None) -> str:
    return " ".join(str(text).split()) if text else ""


def _day(value, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError):
        day = pd.NaT
    if pd.isna(day):
        raise PumpkinError(f"{name} must be a date (YYYY-MM-DD), got {value!r}")
    return day.normalize()


#: For the widgets: action codes a partner may record, KEEP (overrule) first.
RECORDABLE: tuple[str, ...] = ("KEEP", *[c for c in DECISION_ACTIONS if c != "KEEP"])
