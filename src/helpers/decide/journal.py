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

from helpers.book.quarters import Window, parse_quarter
from helpers.book.schema import (
    CLIENT_EVENT_KINDS,
    DECISION_ACTIONS,
    OUR_EVENT_KINDS,
    TABLES,
)
from helpers.book.settings import Settings
from helpers.errors import PumpkinError

DECISIONS_FILE = "decisions.csv"
VERDICTS = ("worked", "not yet", "did not work", "too early")
#: Decisions whose failure is said in the client's reasons two or more quarters on.
FOLLOWED_UP = (
    "REPRICE",
    "RESCOPE",
    "INVOICE_MORE_OFTEN",
    "REASSIGN_OWNER",
    "IMPROVE_DELIVERY",
    "COLLECT",
    "PRUNE",
)
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


class _Figures:
    """The book's rows of a few clients, and the figures of one client over a window."""

    def __init__(self, book, client_ids, settings: Settings) -> None:
        ids = set(client_ids)
        entries = book.time_entries[book.time_entries["client_id"].isin(ids)]
        cost = entries["person"].map(book.people.set_index("person")["cost_rate"])
        self.entries = entries.assign(
            cost=entries["hours"] * cost.fillna(settings.default_cost_rate).astype(float)
        )
        self.invoices = book.invoices[book.invoices["client_id"].isin(ids)]
        self.events = book.events[book.events["client_id"].isin(ids)]
        rated = book.assessments[book.assessments["client_id"].isin(ids)]
        self.assessments = rated.assign(rating=rated[list(RATINGS)].mean(axis=1))
        self.settings = settings

    @staticmethod
    def _in(frame: pd.DataFrame, client_id: str, column: str, window: Window) -> pd.DataFrame:
        return frame[(frame["client_id"] == client_id) & window.contains(frame[column])]

    def hours(self, client_id: str, window: Window) -> float:
        return float(self._in(self.entries, client_id, "date", window)["hours"].sum())

    def labour_cost(self, client_id: str, window: Window) -> float:
        return float(self._in(self.entries, client_id, "date", window)["cost"].sum())

    def revenue(self, client_id: str, window: Window) -> float:
        return float(self._in(self.invoices, client_id, "issue_date", window)["amount_base"].sum())

    def invoiced(self, client_id: str, window: Window) -> bool:
        return not self._in(self.invoices, client_id, "issue_date", window).empty

    def rate(self, client_id: str, window: Window) -> float:
        hours = self.hours(client_id, window)
        return self.revenue(client_id, window) / hours if hours > 0 else np.nan

    def severity_per_100_hours(self, client_id: str, window: Window, kinds) -> float:
        hours = self.hours(client_id, window)
        events = self._in(self.events, client_id, "date", window)
        severity = float(events.loc[events["kind"].isin(kinds), "severity"].sum())
        return 100 * severity / hours if hours > 0 else np.nan

    def days_late(self, client_id: str, window: Window) -> float:
        due = self._in(self.invoices, client_id, "due_date", window)
        due = due[due["amount_base"] > 0]
        if due.empty:
            return np.nan
        paid = due["paid_date"].where(due["paid_date"] <= window.end, window.end)
        days = (paid - due["due_date"]).dt.days.clip(lower=0).astype(float)
        return float(np.average(days, weights=due["amount_base"]))

    def over_90(self, client_id: str, day: pd.Timestamp) -> float:
        inv = self.invoices[self.invoices["client_id"] == client_id]
        unpaid = (inv["issue_date"] <= day) & ~(inv["paid_date"] <= day)
        late = (day - inv["due_date"]).dt.days > 90
        return float(inv.loc[unpaid & late, "amount_base"].sum())

    def ratings(self, client_id: str, window: Window) -> pd.Series:
        """Mean rating per assessor over the window."""
        rated = self._in(self.assessments, client_id, "date", window)
        return rated.groupby("assessor")["rating"].mean()


def _grow_hours(book, grow_ids, exclude: str, window: Window, quarters: int) -> float:
    entries = book.time_entries
    mask = entries["client_id"].isin(set(grow_ids) - {exclude}) & window.contains(entries["date"])
    return float(entries.loc[mask, "hours"].sum()) / max(quarters, 1)


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
        gb = _grow_hours(ctx["book"], grow, client_id, before_w, spans.before_n)
        ga = (
            _grow_hours(ctx["book"], grow, client_id, after_w, spans.after_n)
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
    book, quarter: str, settings: Settings | None = None, *, metrics: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per decision dated on or before ``quarter``'s last day: the figure its action is
    meant to move before and after, the verdict and a sentence of what happened.

    ``metrics`` (the quarter's classified contract) names the ``GROW`` clients a pruned client's
    hours should have gone to; without it they are the clients whose ``actions`` would say so,
    which is unknown: the PRUNE rows then say there is no GROW client.
    """
    settings = settings or Settings()
    decisions = decisions_as_of(book, quarter)
    if decisions.empty:
        return empty_outcomes()
    period = parse_quarter(quarter)
    clients = book.clients.set_index("client_id")
    grow_ids: list[str] = []
    if metrics is not None and len(metrics):
        codes = metrics["actions"].fillna("").str.split(";")
        grow_ids = metrics.loc[codes.map(lambda c: "GROW" in c), "client_id"].tolist()
    figures = _Figures(book, decisions["client_id"].unique(), settings)
    rows = []
    for d in decisions.itertuples(index=False):
        decided = pd.Period(d.date, freq="Q")
        spans = _spans(decided, period)
        owner = clients["owner"].get(d.client_id) if "owner" in clients else None
        ctx = {
            "date": d.date,
            "owner": owner if isinstance(owner, str) else None,
            "grow_ids": grow_ids,
            "book": book,
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
    return f"{x:,.0f} {currency}" if np.isfinite(x) else "no data"


def _kept_reason(row: pd.Series, decision: pd.Series, currency: str) -> str:
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


def _follow_up(outcome: pd.Series) -> str:
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
    metrics: pd.DataFrame, outcomes: pd.DataFrame, *, settings: Settings | None = None
) -> pd.DataFrame:
    """The classified contract of one quarter with the journal taken into account.

    Adds ``kept_on_purpose`` (bool), ``kept_until`` (date) and ``overruled_actions`` (the rules'
    codes for a client kept on purpose, else ""). ``metrics`` is not changed.
    """
    settings = settings or Settings()
    out = metrics.assign(
        kept_on_purpose=False,
        kept_until=pd.Series(pd.NaT, index=metrics.index, dtype="datetime64[ns]"),
        overruled_actions="",
    )
    if outcomes.empty or metrics.empty:
        return out
    end = parse_quarter(str(outcomes["quarter"].iloc[0])).end_time.normalize()
    position = {cid: i for i, cid in enumerate(out["client_id"])}
    actions = out["actions"].astype(object).to_numpy(copy=True)
    reasons = out["reasons"].astype(object).to_numpy(copy=True)
    kept = np.zeros(len(out), dtype=bool)
    until = out["kept_until"].to_numpy(copy=True)
    overruled = out["overruled_actions"].astype(object).to_numpy(copy=True)
    latest = outcomes.groupby("client_id", sort=False).tail(1)
    for _, decision in latest.iterrows():
        i = position.get(decision["client_id"])
        if i is None or decision["action"] != "KEEP":
            continue
        if pd.notna(decision["until"]) and decision["until"] < end:
            reasons[i] += (
                f" (kept on purpose until {decision['until']:%Y-%m-%d}: that has passed, so the "
                "recommendation stands again)"
            )
            continue
        row = out.iloc[i]
        codes = str(row["actions"]).split(";")
        collect = "COLLECT" in codes and len(codes) == len(str(row["reasons"]).split(" | "))
        kept_text = _kept_reason(row, decision, settings.base_currency)
        end_day = decision["until"]
        until[i] = (
            pd.Timestamp(end_day).to_datetime64() if pd.notna(end_day) else np.datetime64("NaT")
        )
        kept[i], overruled[i] = True, row["actions"]
        if collect:
            collect_reason = str(row["reasons"]).split(" | ")[codes.index("COLLECT")]
            actions[i], reasons[i] = "COLLECT;KEEP", f"{collect_reason} | {kept_text}"
        else:
            actions[i], reasons[i] = "KEEP", kept_text
    failed = outcomes[
        outcomes["action"].isin(FOLLOWED_UP)
        & outcomes["verdict"].eq("did not work")
        & outcomes["quarters_since"].ge(FOLLOW_UP_QUARTERS)
    ]
    failed = failed.groupby(["client_id", "action"], sort=False).tail(1)
    for _, outcome in failed.iterrows():
        i = position.get(outcome["client_id"])
        if i is not None:
            reasons[i] = _append(reasons[i], actions[i], outcome["action"], _follow_up(outcome))
    flags = {
        c: np.where(kept, False, out[c].to_numpy(dtype=bool))
        for c in out.columns
        if c == "prune" or (c.startswith("prune_") and out[c].dtype == bool)
    }
    return out.assign(
        actions=actions,
        reasons=reasons,
        kept_on_purpose=kept,
        kept_until=until,
        overruled_actions=overruled,
        **flags,
    )


def with_journal(
    metrics: pd.DataFrame, book, quarter: str, settings: Settings | None = None
) -> pd.DataFrame:
    """:func:`apply_journal` with the book's decisions for ``quarter`` (what the contract does)."""
    outcomes = decision_outcomes(book, quarter, settings, metrics=metrics)
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
