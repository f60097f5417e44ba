"""What to do about each client: the one registry of segments and rules, and the reasons.

:data:`SEGMENT_REGISTRY` and :data:`RULES` are the only place where the segment vocabulary, the
action codes, their order (most decisive first), labels, colours, the seed each rule comes from,
what it means, the mask that decides it, the reason it writes and its methodology sentence are
defined. The plots' colours and order (:mod:`helpers.plots.style`), the report's lists and
methodology (:mod:`helpers.present.text`), the Excel list and the widgets read them from here.

Every rule is a vectorised mask over the classified frame; thresholds come from the settings.
Internally each action is a boolean column ``action_<code>``; the contract's ``actions``
(``;``-joined codes, most decisive first) and ``reasons`` (one sentence per action, joined with
`` | ``) are built from them.

The rules, in words (each record's ``method`` says it with the settings in force):

- ``PRUNE`` only for the seeds' four reasons, each with its own column: ``prune_abuse`` (an abuse
  event in the TTM window, whatever the revenue; seeds 000 and 003), ``prune_nonpayer`` (won't pay:
  more than ``collect_floor`` over 90 days past due at two or more of the last four quarter ends,
  or money more than 60 days past due above ``collect_floor`` and above ``nonpayer_overdue_share``
  of the TTM revenue; not for a ``large`` client that left nothing over 90 days past due unpaid),
  ``prune_cut`` (seed 003 section 2: the bottom ``prune_percentile`` % on revenue per hour **and** a
  margin below ``target_margin`` **and** nothing fixable **and** not NURTURE) and
  ``prune_reprice`` (reprice or exit: revenue per hour below the people's cost per hour, and the
  rise needed to cover that cost above ``max_price_rise``; the reason names the rate to offer).
  A pruned client keeps ``COLLECT`` and loses the other actions.
- ``COLLECT``: ``aging_90_plus`` above ``collect_floor`` (also for clients who left).
- ``REPRICE``: substantial revenue (``reprice_min_revenue_share``) at a rate below
  ``target_rate`` (cost per hour / (1 - ``target_margin``)) or below ``reprice_rate_ratio`` x the
  book's median, when the rise to cover cost is within ``max_price_rise``.
- ``IMPROVE_DELIVERY``, ``RESCOPE``, ``REASSIGN_OWNER``, ``INVOICE_MORE_OFTEN`` (reading the
  invoicing rhythm), ``NURTURE`` (on the low end of the forecast band when there is one),
  ``GROW``, ``REVIEW`` (a weed that meets no prune reason and has nothing to fix: its two worst
  headache inputs, with figures) and ``KEEP``.

Clients with no hours and no invoices in the TTM window are ``gone``: no GROW, NURTURE, REVIEW
or PRUNE; COLLECT still applies; otherwise KEEP with the date of their last activity. Each fix
action's reason says since when it has been given when the frame carries ``since_<code>``
(:func:`fix_masks` on the quarters before, see :mod:`helpers.decide.contract`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np
import pandas as pd

from helpers.audit.measures import CONTRACT_COLUMNS
from helpers.audit.scores import (
    INPUT_COLUMNS,
    INPUTS,
    _active,
    _rank_input,
    owner_is_the_outlier,
    score_and_segment,
    scored_columns,
)
from helpers.book.settings import Settings
from helpers.present.format import format_ordinal as _ordinal
from helpers.present.format import grouped_text, number_text, percent_text
from helpers.present.format import money_with_code as _money

# ----------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class SegmentKind:
    """One segment of the patch: its name, plain-words label, colour and meaning."""

    name: str
    label: str
    colour: str
    meaning: str
    field: bool = True  # one of the four fields of the patch (``gone`` is outside them)


#: The segments in reading order (best first); ``gone`` last, outside the four fields.
SEGMENT_REGISTRY: tuple[SegmentKind, ...] = (
    SegmentKind("prize", "Prize pumpkins: grow", "#009E73", "high value, low headache"),
    SegmentKind("tangled", "Tangled vines: fix", "#E69F00", "high value, high headache"),
    SegmentKind("seedling", "Seedlings: nurture", "#56B4E9", "low value, low headache"),
    SegmentKind("weed", "Weeds: prune or fix", "#D55E00", "low value, high headache"),
    SegmentKind(
        "gone",
        "Gone: clients who left",
        "#5C5C5C",
        "no hours and no invoices in the last four quarters",
        field=False,
    ),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(s.name for s in SEGMENT_REGISTRY)
#: The four fields of the patch (ranks, thresholds and segment shares are among these only).
FIELD_SEGMENTS: tuple[str, ...] = tuple(s.name for s in SEGMENT_REGISTRY if s.field)
SEGMENT_LABELS: Mapping[str, str] = MappingProxyType({s.name: s.label for s in SEGMENT_REGISTRY})
SEGMENT_COLOURS: Mapping[str, str] = MappingProxyType({s.name: s.colour for s in SEGMENT_REGISTRY})

# ----------------------------------------------------------------------------- signals

#: How many quarters back the "since" of a fix action is looked for (a year).
SINCE_LOOKBACK = 4
#: A client invoiced on average at most this many days apart is invoiced monthly or more often.
MONTHLY_INVOICING_DAYS = 35.0
_SIGNALS = (
    "hours_ttm", "revenue_ttm", "revenue_share", "effective_rate_ttm", "cost_rate_ttm",
    "book_median_rate", "rescope_severity_ttm", "days_late_avg", "late_share", "owner_rating",
    "others_rating", "delivery_severity_ttm", "aging_90_plus", "growth_ttm",
    "expected_revenue_next_4q", "abuse_ttm", "overdue_90_quarters", "overdue_amount",
    "overdue_60_plus", "rate_percentile", "margin_ttm", "invoice_interval_days",
)  # fmt: skip


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 numbers (NaN when missing); no copy when it already is one."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    column = frame[name]
    if column.dtype == np.float64:
        return column.to_numpy()
    return column.to_numpy(dtype=float, na_value=np.nan)


#: The columns :func:`helpers.audit.scores.score_and_segment` writes over the raw metrics.
_SCORED = frozenset({"value_score", "headache_score", "segment"})


class RawColumns:
    """A raw-metrics frame's columns as float arrays (see :func:`_col`), each converted once
    and kept, read-only: what :func:`classify_with_masks` reads on every slider move without
    taking them from the wide frame again. Made once per raw frame (``RawColumns(raw)``);
    only used for the very frame it was made from."""

    def __init__(self, raw: pd.DataFrame):
        self.frame = raw
        self._arrays: dict[str, np.ndarray] = {}
        self._series: dict[str, pd.Series] | None = None
        self.ranked: dict = {}  # the inputs ranked on the settings (scores._kept_rank)

    def derived(self, key: str, make: Callable[[pd.DataFrame], np.ndarray]) -> np.ndarray:
        """``make(frame)`` computed once and kept (read-only), under ``key``: flags the rules
        derive from the raw columns alone (``=large``, ``=active``)."""
        if key not in self._arrays:
            array = np.asarray(make(self.frame)).view()
            array.flags.writeable = False
            self._arrays[key] = array
        return self._arrays[key]

    def series(self) -> dict[str, pd.Series]:
        """The frame's columns as Series, by name (taken once): what the classified frame is
        built from, column by column (copy-on-write protects the raw frame from it)."""
        if self._series is None:
            self._series = dict(self.frame.items())
        return self._series

    def get(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            array = _col(self.frame, name).view()
            array.flags.writeable = False  # shared by every move: never changed in place
            self._arrays[name] = array
        return self._arrays[name]


class Signals:
    """What the masks read: the frame's columns as float arrays, flags, settings and the masks
    decided so far (a rule may read the rules before it in :data:`DECISION_ORDER`).
    ``raw_columns``: the arrays of the raw frame ``frame`` was scored from (its columns but
    the scores and segment), when the caller keeps them. ``scores``: the scores and segment
    (:func:`helpers.audit.scores.scored_columns`) when ``frame`` is the raw frame without them."""

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        settings: Settings,
        raw_columns: RawColumns | None = None,
        scores: Mapping[str, object] | None = None,
    ):
        self.frame, self.s, self.n = frame, settings, len(frame)
        self.masks: dict[str, np.ndarray] = {}
        self._cache: dict[str, np.ndarray] = {}
        self._raw = raw_columns
        self._scores = dict(scores or {})

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name in self._scores:
                self._cache[name] = np.asarray(self._scores[name], dtype=float)
            elif self._raw is not None and name not in _SCORED:
                self._cache[name] = self._raw.get(name)
            else:
                self._cache[name] = _col(self.frame, name)
        return self._cache[name]

    def flag(self, name: str, default: bool) -> np.ndarray:
        if name not in self.frame:
            return np.full(self.n, default)
        return self.frame[name].to_numpy(dtype=bool, na_value=default)

    @property
    def active(self) -> np.ndarray:
        if "=active" not in self._cache:
            self._cache["=active"] = (
                self._raw.derived("=active", _active_flags)
                if self._raw is not None
                else _active_flags(self.frame)
            )
        return self._cache["=active"]

    @property
    def large(self) -> np.ndarray:
        if "=large" not in self._cache:
            self._cache["=large"] = (
                self._raw.derived("=large", _large) if self._raw is not None else _large(self.frame)
            )
        return self._cache["=large"]

    def segment(self, name: str) -> np.ndarray:
        if "segment" not in self.frame and "segment" not in self._scores:
            return np.zeros(self.n, dtype=bool)
        key = f"segment={name}"
        if key not in self._cache:
            if "segment" in self._scores:  # a Categorical (scored_columns)
                kept = self._scores["segment"]
                categories = list(kept.categories)
                codes = np.asarray(kept.codes)
                hit = codes == categories.index(name) if name in categories else codes < -1
                self._cache[key] = hit
                return hit
            column = self.frame["segment"]
            if isinstance(column.dtype, pd.CategoricalDtype):
                categories = list(column.cat.categories)
                codes = column.cat.codes.to_numpy()
                hit = codes == categories.index(name) if name in categories else codes < -1
            else:
                hit = column.astype(object).eq(name).to_numpy(dtype=bool, na_value=False)
            self._cache[key] = hit
        return self._cache[key]


def _active_flags(frame: pd.DataFrame) -> np.ndarray:
    """The ``active`` flag (missing: False), or hours or revenue in the TTM window without it."""
    if "active" in frame:
        return frame["active"].to_numpy(dtype=bool, na_value=False)
    return (_col(frame, "hours_ttm") > 0) | (_col(frame, "revenue_ttm") != 0)


def _large(frame: pd.DataFrame) -> np.ndarray:
    """Whether each client is a ``large`` company (False without a size)."""
    if "size" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["size"].eq("large").to_numpy(dtype=bool, na_value=False)


def target_rates(frame: pd.DataFrame, *, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(``target_rate``, ``target_rise``): the hourly rate that covers the people's cost per hour
    plus ``target_margin`` of revenue (cost / (1 - target_margin)), and the rise it asks of the
    client's effective rate (target_rate / effective_rate_ttm - 1; empty without revenue)."""
    cost, rate = _col(frame, "cost_rate_ttm"), _col(frame, "effective_rate_ttm")
    target = cost / (1.0 - settings.target_margin)
    with np.errstate(invalid="ignore", divide="ignore"):
        rise = np.where(rate > 0, target / rate - 1.0, np.nan)
    return target, rise


def _cost_rise(sig: Signals) -> np.ndarray:
    """The price rise needed to cover the people's cost (cost / rate - 1; empty without revenue)."""
    rate = sig["effective_rate_ttm"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rate > 0, sig["cost_rate_ttm"] / rate - 1.0, np.nan)


# ----------------------------------------------------------------------------- masks


def _m_collect(sig: Signals) -> np.ndarray:
    return sig["aging_90_plus"] > sig.s.collect_floor


def _m_reprice(sig: Signals) -> np.ndarray:
    s, rate = sig.s, sig["effective_rate_ttm"]
    target = sig["cost_rate_ttm"] / (1.0 - s.target_margin)
    low = (rate < target) | (rate < s.reprice_rate_ratio * sig["book_median_rate"])
    return (
        sig.active
        & (sig["hours_ttm"] > 0)
        & (sig["revenue_share"] >= s.reprice_min_revenue_share)
        & low
        & ~sig.masks["prune_reprice"]
    )


def _m_improve(sig: Signals) -> np.ndarray:
    return sig.active & (sig["delivery_severity_ttm"] >= sig.s.improve_delivery_severity)


def _creep(sig: Signals) -> np.ndarray:
    return sig["rescope_severity_ttm"] >= sig.s.rescope_incidents


def _written_off(sig: Signals) -> np.ndarray:
    """Invoices far short of the billable value of the hours worked (write-offs): a scope or
    pricing problem to fix, not a reason to let go (empty realisation never counts)."""
    with np.errstate(invalid="ignore"):
        return sig["realisation_ttm"] < sig.s.min_realisation


def _m_rescope(sig: Signals) -> np.ndarray:
    return sig.active & (_creep(sig) | _written_off(sig))


def _m_reassign(sig: Signals) -> np.ndarray:
    return sig.active & owner_is_the_outlier(sig.frame, settings=sig.s)


def _late(sig: Signals) -> np.ndarray:
    return (sig["days_late_avg"] >= sig.s.late_days) & (sig["late_share"] >= sig.s.late_share)


def _m_invoice(sig: Signals) -> np.ndarray:
    return sig.active & _late(sig) & ~sig.large


def _potential(sig: Signals) -> np.ndarray:
    """The forecast NURTURE reads: the band's low end when present (issue 13), else the point."""
    if "expected_revenue_next_4q_low" in sig.frame:
        return sig["expected_revenue_next_4q_low"]
    return sig["expected_revenue_next_4q"]


def _m_nurture(sig: Signals) -> np.ndarray:
    s, revenue, expected = sig.s, sig["revenue_ttm"], _potential(sig)
    ratio = np.where(revenue > 0, expected / np.where(revenue > 0, revenue, 1.0), np.nan)
    ratio = np.where((revenue <= 0) & (expected > 0), np.inf, ratio)
    growing = (sig["growth_ttm"] >= s.nurture_growth) & sig.flag("prior_covered", True)
    low_value = sig.segment("seedling") | sig.segment("weed")
    return sig.active & low_value & (growing | (ratio >= s.nurture_potential_ratio))


def _m_grow(sig: Signals) -> np.ndarray:
    return sig.active & sig.segment("prize")


def _m_prune_abuse(sig: Signals) -> np.ndarray:
    return sig.active & (sig["abuse_ttm"] > 0)


def _nonpayer_parts(sig: Signals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = sig.s
    quarters = sig["overdue_90_quarters"] >= 2
    owed = sig["overdue_60_plus"]  # only money more than 60 days past due counts (issue 12)
    revenue = np.clip(sig["revenue_ttm"], 0, None)
    share = (owed > s.collect_floor) & (owed > s.nonpayer_overdue_share * revenue)
    large_paid = sig.large & ~(sig["aging_90_plus"] > s.collect_floor)
    return quarters, share, large_paid


def _m_prune_nonpayer(sig: Signals) -> np.ndarray:
    quarters, share, large_paid = _nonpayer_parts(sig)
    return sig.active & (quarters | share) & ~large_paid


def _m_prune_reprice(sig: Signals) -> np.ndarray:
    rise = _cost_rise(sig)
    return (
        sig.active
        & (sig["hours_ttm"] > 0)
        & (sig["revenue_ttm"] > 0)
        & (rise > sig.s.max_price_rise)
    )


def _cause_fixed(sig: Signals) -> np.ndarray:
    return np.logical_or.reduce([sig.masks[c] for c in CAUSE_FIXES])


def _m_prune_cut(sig: Signals) -> np.ndarray:
    s, revenue = sig.s, sig["revenue_ttm"]
    thin = sig["margin_ttm"] < s.target_margin * np.clip(revenue, 0, None)
    return (
        sig.active
        & (sig["hours_ttm"] > 0)
        & (sig["rate_percentile"] <= s.prune_percentile)
        & thin
        & ~_cause_fixed(sig)
        & ~sig.masks["prune_reprice"]  # the offer comes first: the price is what to fix
        & ~sig.masks["NURTURE"]
    )


def _m_prune(sig: Signals) -> np.ndarray:
    return np.logical_or.reduce([sig.masks[c] for c in PRUNE_COLUMNS])


def _m_review(sig: Signals) -> np.ndarray:
    m = sig.masks
    return sig.active & sig.segment("weed") & ~m["PRUNE"] & ~_cause_fixed(sig) & ~m["NURTURE"]


def _m_keep(sig: Signals) -> np.ndarray:
    return np.zeros(sig.n, dtype=bool)  # decided by precedence: nothing else applies


# ----------------------------------------------------------------------------- text helpers


def _join_nonempty(parts: list[np.ndarray], separator: str) -> np.ndarray:
    """Row-wise join of the non-empty strings of several object arrays."""
    out = parts[0]
    for part in parts[1:]:
        both = (out != "") & (part != "")
        out = np.where(both, out + separator + part, np.where(out == "", part, out))
    return out


def _plain(text: object) -> str:
    """User text inside a reason: no ``;`` (it separates action codes) and no ``|``."""
    return str(text).replace(";", ",").replace("|", "/")


def _share_of(amount: float, revenue: float) -> str:
    return f"{amount / revenue:.0%} of" if revenue > 0 else "more than"


def _size(size: object) -> str:
    return f"a {size} company" if isinstance(size, str) and size else "a company of unknown size"


class Words:
    """Per-row figures as text for the reason builders (row positions ``idx``)."""

    def __init__(
        self,
        frame: pd.DataFrame,
        masks: Mapping[str, np.ndarray],
        *,
        settings: Settings,
        extra: Mapping[str, np.ndarray] | None = None,
    ):
        self.frame, self.masks, self.s = frame, masks, settings
        self.extra = dict(extra or {})  # computed columns not (yet) in the frame
        self.cur = settings.base_currency
        self.ranked = int(frame["rate_rank"].notna().sum()) if "rate_rank" in frame else 0

    def col(self, idx: np.ndarray, name: str) -> np.ndarray:
        if name in self.extra:
            return np.asarray(self.extra[name], dtype=float)[idx]
        return _col(self.frame, name)[idx]

    def take(self, idx: np.ndarray, *names: str) -> list[list]:
        """The named columns at ``idx`` as plain Python lists (fast to format)."""
        out = []
        for name in names:
            if name in self.extra:
                out.append(np.asarray(self.extra[name])[idx].tolist())
                continue
            if name not in self.frame:
                out.append([None] * len(idx))
                continue
            col = self.frame[name]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiub":
                out.append(col.to_numpy()[idx].tolist())
            else:
                out.append(col.iloc[idx].tolist())
        return out

    def money(self, idx: np.ndarray, name: str) -> np.ndarray:
        return grouped_text(self.col(idx, name)) + f" {self.cur}"

    def number(self, idx: np.ndarray, name: str) -> np.ndarray:
        return number_text(self.col(idx, name))

    def per_hour(self, idx: np.ndarray, name: str) -> np.ndarray:
        return self.money(idx, name) + " per hour"


def _part(idx: np.ndarray, mask: np.ndarray, phrases: Callable) -> np.ndarray:
    out = np.full(len(idx), "", dtype=object)
    hit = np.flatnonzero(mask[idx])
    if len(hit):
        out[hit] = phrases(idx[hit])
    return out


# ----------------------------------------------------------------------------- reasons


def _r_prune(w: Words, idx: np.ndarray) -> np.ndarray:
    m = w.masks
    both_share = m["nonpayer_share"] & m["prune_nonpayer"]
    parts = [
        _part(idx, m["prune_abuse"], lambda i: _r_abuse(w, i)),
        _part(idx, m["nonpayer_quarters"] & m["prune_nonpayer"], lambda i: _r_quarters(w, i)),
        # one "won't pay" when both signals hold: the share then continues the same clause
        _part(idx, both_share & ~m["nonpayer_quarters"], lambda i: "won't pay: " + _r_share(w, i)),
        _part(idx, both_share & m["nonpayer_quarters"], lambda i: _r_share(w, i)),
        _part(idx, m["prune_reprice"], lambda i: _r_reprice_exit(w, i)),
        _part(idx, m["prune_cut"], lambda i: _r_cut(w, i)),
    ]
    return "let go: " + _join_nonempty(parts, ", and also ")


def _r_abuse(w: Words, idx: np.ndarray) -> np.ndarray:
    n = w.col(idx, "abuse_ttm")
    return (
        w.number(idx, "abuse_ttm")
        + np.where(n != 1, " abuse events", " abuse event")
        + " against our people in the last four quarters, and keeping them costs our values "
        "whatever the revenue"
    )


def _r_quarters(w: Words, idx: np.ndarray) -> np.ndarray:
    n = w.col(idx, "overdue_90_quarters")
    at = np.where(n >= 4, "each of", w.number(idx, "overdue_90_quarters").astype(object) + " of")
    return (
        f"won't pay: more than {_money(w.s.collect_floor, w.cur)} was over 90 days past due at "
        + at
        + " the last four quarter ends, and "
        + w.money(idx, "aging_90_plus")
        + " is over 90 days past due now"
    )


def _r_share(w: Words, idx: np.ndarray) -> np.ndarray:
    return np.array(
        [
            f"{_money(o, w.cur)} more than 60 days past due, {_share_of(o, r)} the last "
            f"four quarters' revenue of {_money(max(r, 0.0), w.cur)}"
            for o, r in zip(*w.take(idx, "overdue_60_plus", "revenue_ttm"), strict=True)
        ],
        dtype=object,
    )


def _r_reprice_exit(w: Words, idx: np.ndarray) -> list[str]:
    cols = w.take(idx, "effective_rate_ttm", "cost_rate_ttm", "target_rate", "target_rise")
    tm = f"{w.s.target_margin:.0%}"
    return [
        f"reprice or exit: we bill {_money(rate, w.cur)} per hour and the people we put on it "
        f"cost {_money(cost, w.cur)} per hour, so the rate would have to rise "
        f"{cost / rate - 1:.0%} just to cover that cost"  # the rule: more than max_price_rise
        f": offer {_money(target, w.cur)} per hour ({rise:.0%} more, cost plus a {tm} "
        "margin), and if that is declined, part ways with care"
        for rate, cost, target, rise in zip(*cols, strict=True)
    ]


def _r_cut(w: Words, idx: np.ndarray) -> list[str]:
    cols = w.take(idx, "effective_rate_ttm", "rate_rank", "book_median_rate", "margin_ttm",
                  "revenue_ttm")  # fmt: skip
    s = w.s
    out = []
    for rate, rank, median, margin, revenue in zip(*cols, strict=True):
        share = f"{abs(margin) / revenue:.0%}" if revenue and revenue > 0 else None
        if margin < 0:  # said as the loss it is, not as a negative margin
            result = f"at a loss of {_money(-margin, w.cur)} in the last four quarters" + (
                f" ({share} of its revenue)" if share else ""
            )
        else:
            result = (
                f"at a margin of {_money(margin, w.cur)} in the last four quarters ("
                + (f"{share} of revenue" if share else "no revenue")
                + f", below the {s.target_margin:.0%} we aim for)"
            )
        out.append(
            f"{_money(rate, w.cur)} per hour against the book's median of {_money(median, w.cur)} "
            f"per hour, in the bottom {s.prune_percentile:g}% of the book by rate ({_ordinal(rank)} "
            f"of {w.ranked} clients), {result}, and nothing we could fix explains it: it may "
            "not be worth our effort"
        )
    return out


def _r_collect(w: Words, idx: np.ndarray) -> list[str]:
    return [
        f"{_money(amount, w.cur)} more than 90 days past due, oldest invoice {_plain(invoice)} is "
        f"{days:.0f} days past due: chase it, pause new work and ask for a deposit"
        for amount, invoice, days in zip(
            *w.take(idx, "aging_90_plus", "oldest_overdue_invoice", "oldest_overdue_days"),
            strict=True,
        )
    ]


def _r_reprice(w: Words, idx: np.ndarray) -> list[str]:
    cols = w.take(idx, "revenue_share", "effective_rate_ttm", "cost_rate_ttm", "book_median_rate",
                  "target_rate", "target_rise")  # fmt: skip
    tm, cur = f"{w.s.target_margin:.0%}", w.cur
    out = []
    for share, rate, cost, median, target, rise in zip(*cols, strict=True):
        if rate < target:
            ask = (
                f"offer {_money(target, cur)} per hour ({rise:.0%} more), which covers the "
                f"{_money(cost, cur)} per hour the people we put on it cost, plus a {tm} margin"
            )
        else:
            ask = f"raise it towards the book's median ({rate / median:.0%} of it now)"
        out.append(
            f"{share:.1%} of the book's revenue at {_money(rate, cur)} per hour: {ask} (the "
            f"book's median is {_money(median, cur)} per hour)"
        )
    return out


def _r_improve(w: Words, idx: np.ndarray) -> np.ndarray:
    return (
        "our own rework and missed deadlines (severity "
        + w.number(idx, "delivery_severity_ttm")
        + " in the last four quarters): fix it with training, practice, capabilities or "
        "staff, not by letting the client go"
    )


def _r_rescope(w: Words, idx: np.ndarray) -> np.ndarray:
    per_100 = np.array([f"{x:.1f}" for x in w.col(idx, "incidents_per_100h").tolist()], object)
    creep = (
        "client-caused scope creep, rush and after-hours work of severity "
        + w.number(idx, "rescope_severity_ttm")
        + " in the last four quarters (all its incidents: "
        + per_100
        + " per 100 hours worked): set boundaries and agree what is in scope"
    )
    severity = w.col(idx, "rescope_severity_ttm")
    realised = w.col(idx, "realisation_ttm")
    with np.errstate(invalid="ignore"):
        written_off = ~(severity >= w.s.rescope_incidents) & (realised < w.s.min_realisation)
    if not written_off.any():
        return creep
    invoiced, billable = w.take(idx[written_off], "revenue_ttm", "billable_value_ttm")
    creep[written_off] = [
        f"invoiced {_money(inv, w.cur)} of the {_money(bill, w.cur)} its hours were worth at "
        f"our rates in the last four quarters ({inv / bill:.0%}): agree the scope or price the "
        "work that is being written off"
        for inv, bill in zip(invoiced, billable, strict=True)
    ]
    return creep


def _r_reassign(w: Words, idx: np.ndarray) -> list[str]:
    return [
        f"the owner {_plain(owner)} rates the client {mine:.1f} of 5 while the other assessors "
        f"rate it {theirs:.1f}: move the relationship to someone who does not share the dislike "
        "(its value counts only the others' ratings)"
        for owner, mine, theirs in zip(
            *w.take(idx, "owner", "owner_rating", "others_rating"), strict=True
        )
    ]


def _r_invoice(w: Words, idx: np.ndarray) -> list[str]:
    cols = w.take(idx, "size", "days_late_avg", "late_share", "invoice_interval_days")
    out = []
    for size, days, share, interval in zip(*cols, strict=True):
        head = f"{_size(size)} that pays {days:,.0f} days late on average ({share:.0%} of invoices late)"
        if interval is not None and np.isfinite(interval) and interval <= MONTHLY_INVOICING_DAYS:
            out.append(
                f"{head}, already invoiced every {interval:.0f} days: ask for a deposit, shorter "
                "payment terms or milestone billing"
            )
        elif interval is not None and np.isfinite(interval):
            out.append(f"{head}, invoiced every {interval:.0f} days: invoice monthly or more often")
        else:
            out.append(f"{head}, invoiced once in the last four quarters: invoice monthly")
    return out


def _r_nurture(w: Words, idx: np.ndarray) -> np.ndarray:
    low = "expected_revenue_next_4q_low" in w.frame
    grew = "revenue grew " + percent_text(w.col(idx, "growth_ttm")) + " on the prior four quarters"
    expects = (
        "expected revenue next year of "
        + (
            "at least "
            + w.money(idx, "expected_revenue_next_4q_low")
            + " (the low end of its forecast's 80% band)"
            if low
            else w.money(idx, "expected_revenue_next_4q")
        )
        + " against "
        + w.money(idx, "revenue_ttm")
        + " in the last four quarters"
    )
    covered = (
        w.frame["prior_covered"].to_numpy(dtype=bool)[idx] if "prior_covered" in w.frame else True
    )
    growing = (w.col(idx, "growth_ttm") >= w.s.nurture_growth) & covered
    return "low value today but " + np.where(growing, grew, expects) + ": invest in its future"


def _r_grow(w: Words, idx: np.ndarray) -> np.ndarray:
    return (
        "a prize client: "
        + w.money(idx, "revenue_ttm")
        + " of revenue and "
        + w.money(idx, "margin_ttm")
        + " of margin in the last four quarters at "
        + w.per_hour(idx, "effective_rate_ttm")
        + ", with little headache: grow the relationship"
    )


def _r_keep(w: Words, idx: np.ndarray) -> np.ndarray:
    measured = (
        "nothing to change: "
        + w.money(idx, "revenue_ttm")
        + " of revenue and "
        + w.money(idx, "margin_ttm")
        + " of margin in the last four quarters at "
        + w.per_hour(idx, "effective_rate_ttm")
    )
    left = idx[~w.masks["active"][idx]]
    (last,) = w.take(left, "last_activity")
    when = np.full(len(idx), "no activity on record", dtype=object)
    when[~w.masks["active"][idx]] = [
        f"last activity {pd.Timestamp(d):%Y-%m-%d}" if not pd.isna(d) else "no activity on record"
        for d in last
    ]
    gone = "no hours and no invoices in the last four quarters (" + when + "): the client has left"
    return np.where(w.masks["active"][idx], measured, gone)


#: What each headache input reads as, in words with its figures (REVIEW's reason).
def _headache_phrases(w: Words, idx: np.ndarray) -> dict[str, np.ndarray]:
    nb = percent_text(w.col(idx, "non_billable_share"))
    per_100 = np.array([f"{x:.1f}" for x in w.col(idx, "incidents_per_100h").tolist()], object)
    respect = np.array(
        [f"{x:.1f}" if np.isfinite(x) else "n/a" for x in w.col(idx, "respect_rating").tolist()],
        dtype=object,
    )
    (sizes,) = w.take(idx, "size")
    size = np.array([s if isinstance(s, str) and s else "unknown-size" for s in sizes], object)
    return {
        "hours_per_revenue": w.per_hour(idx, "effective_rate_ttm")
        + " against the book's median of "
        + w.per_hour(idx, "book_median_rate")
        + " (look at the price or the scope)",
        "non_billable": nb + " of its hours not billable (agree what is billable)",
        "lateness": "it pays "
        + grouped_text(w.col(idx, "days_late_avg"))
        + " days late on average, late for a "
        + size
        + " client (shorten the terms)",
        "incidents": "client-caused incidents of severity "
        + w.number(idx, "incidents_ttm")
        + " ("
        + per_100
        + " per 100 hours worked, set boundaries)",
        "disrespect": "our people rate its respect for them " + respect + " of 5 (talk about it)",
    }


def _r_review(w: Words, idx: np.ndarray) -> np.ndarray:
    weights = w.s.headache_weights
    measured = [k for k in INPUTS["headache"] if INPUT_COLUMNS[k][0] in w.frame]
    keys = [k for k in measured if weights.get(k, 0.0) > 0] or measured
    if not keys:
        return np.full(
            len(idx),
            "a weed that meets no reason to let go and has nothing the "
            "rules can fix: review it with its owner before next quarter",
            object,
        )
    active = w.masks["active"]
    ranks = np.column_stack(
        [
            (
                _col(w.frame, f"pctl_{k}")
                if f"pctl_{k}" in w.frame
                else _rank_input(w.frame, k, INPUTS["headache"][k], active, w.s)
            )[idx]
            for k in keys
        ]
    )
    order = np.argsort(-np.nan_to_num(ranks, nan=-1.0), axis=1, kind="stable")
    phrases = _headache_phrases(w, idx)
    rows = np.arange(len(idx))
    first = np.array([phrases[keys[k]][r] for r, k in zip(rows, order[:, 0], strict=True)], object)
    second = (
        np.array([phrases[keys[k]][r] for r, k in zip(rows, order[:, 1], strict=True)], object)
        if len(keys) > 1
        else np.full(len(idx), "", dtype=object)
    )
    return (
        "no reason to let go and nothing the rules can fix, but its worst headaches are "
        + np.where(second != "", first + ", and " + second, first)
        + ": review it with its owner before next quarter"
    )


# ----------------------------------------------------------------------------- methodology


def _t_prune(s: Settings) -> str:
    money = _money(s.collect_floor, s.base_currency)
    return (
        "only for the seeds' four reasons: (a) an abuse event against our people in the last "
        "four quarters, whatever the revenue; (b) won't pay: more than "
        f"{money} over 90 days past due at two or more of the last four quarter ends, or money "
        f"more than 60 days past due above {money} and above {s.nonpayer_overdue_share:.0%} of "
        "the last four quarters' revenue (not for a large company that left nothing over 90 days "
        "past due unpaid: late by policy, not unwilling); (c) the seed's cut: in the bottom "
        f"{s.prune_percentile:g}% of the book on revenue per hour and a margin below "
        f"{s.target_margin:.0%} of revenue, with nothing fixable (no reprice, rescope, invoicing, "
        "owner or delivery fix, and no reprice-or-exit offer to make first) and no NURTURE; "
        "(d) reprice or exit: revenue per hour below what "
        f"the people we put on it cost and a rise of more than {s.max_price_rise:.0%} needed to cover it (the "
        f"reason names the rate that covers cost plus a {s.target_margin:.0%} margin). A pruned "
        "client keeps COLLECT"
    )


def _t_collect(s: Settings) -> str:
    return (
        f"more than {_money(s.collect_floor, s.base_currency)} over 90 days past due at the "
        "quarter's end (clients who left included)"
    )


def _t_reprice(s: Settings) -> str:
    return (
        f"at least {s.reprice_min_revenue_share:.1%} of the book's revenue at a rate below the "
        f"one that covers its people's cost plus a {s.target_margin:.0%} margin (cost per hour / "
        f"{1 - s.target_margin:.2f}), or below {s.reprice_rate_ratio:.0%} of the book's median, "
        f"when the rise needed to cover cost is {s.max_price_rise:.0%} or less; the reason names "
        "that rate, the rise and the book's median"
    )


def _t_improve(s: Settings) -> str:
    return (
        f"our own rework and missed deadlines of severity {s.improve_delivery_severity:g} or "
        "more in the last four quarters"
    )


def _t_rescope(s: Settings) -> str:
    return (
        f"client-caused scope creep, rush and after-hours work of severity "
        f"{s.rescope_incidents:g} or more in the last four quarters, or invoices below "
        f"{s.min_realisation:.0%} of the billable value of the hours worked (write-offs)"
    )


def _t_reassign(s: Settings) -> str:
    return (
        f"the owner rates the client at least {s.reassign_gap:g} points below the other "
        f"assessors, who rate it {s.reassign_min_others:g} or more (of 5); the owner's own "
        "ratings are then left out of the client's value"
    )


def _t_invoice(s: Settings) -> str:
    return (
        f"a small or medium client paying {s.late_days:g} or more days late on average on at "
        f"least {s.late_share:.0%} of its invoices; one already invoiced every "
        f"{MONTHLY_INVOICING_DAYS:g} days or more often is told to ask for a deposit, shorter "
        "terms or milestone billing; a large one gets no action (their payables policy), only a "
        "note"
    )


def _t_review(s: Settings) -> str:
    return (
        "a weed that meets none of the prune reasons and has nothing to fix; the reason names "
        "its two worst headache inputs with their figures"
    )


def _t_nurture(s: Settings) -> str:
    return (
        f"low value (seedling or weed) but revenue up {s.nurture_growth:.0%} or more on the prior "
        "year (when the book covers it), or expected revenue next year (the low end of the "
        f"forecast band when there is one) at least {s.nurture_potential_ratio:g}x the last four "
        "quarters'"
    )


def _t_grow(s: Settings) -> str:
    return "a prize client (high value, low headache)"


def _t_keep(s: Settings) -> str:
    return "none of the above; also the clients who left, unless they still owe money (COLLECT)"


# ----------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Rule:
    """One action: what it is called and looks like, where it comes from, when it applies, what
    it says and how the methodology states it."""

    code: str
    label: str
    colour: str
    kind: str  # prune, fix, review, nurture, grow, keep
    seed: str
    meaning: str
    mask: Callable[[Signals], np.ndarray]
    reason: Callable[[Words, np.ndarray], Sequence[str]]
    method: Callable[[Settings], str]


#: The action registry, most decisive first (this order is the action order everywhere).
RULES: tuple[Rule, ...] = (
    Rule("PRUNE", "Let go", "#D55E00", "prune", "002, 003 sections 2-3",
         "let the client go, with care: abuse, won't pay, reprice or exit, or the seed's cut",
         _m_prune, _r_prune, _t_prune),
    Rule("COLLECT", "Collect overdue money", "#CC79A7", "fix", "003 section 3",
         "money more than 90 days past due: chase it, pause new work, ask for a deposit",
         _m_collect, _r_collect, _t_collect),
    Rule("REPRICE", "Raise prices", "#E69F00", "fix", "003 section 2",
         "substantial revenue at a rate below cost plus margin or far below the book's: fix the "
         "price", _m_reprice, _r_reprice, _t_reprice),
    Rule("IMPROVE_DELIVERY", "Improve our delivery", "#997700", "fix", "000",
         "the headache is on our side (rework, missed deadlines): training, practice, "
         "capabilities or staff", _m_improve, _r_improve, _t_improve),
    Rule("RESCOPE", "Rescope the work", "#F0E442", "fix", "003 section 2",
         "client-caused scope creep, rush and after-hours work: set boundaries",
         _m_rescope, _r_rescope, _t_rescope),
    Rule("REASSIGN_OWNER", "Change the owner", "#882255", "fix", "001",
         "the owner dislikes the client while others rate it well: move the relationship",
         _m_reassign, _r_reassign, _t_reassign),
    Rule("INVOICE_MORE_OFTEN", "Invoice more often", "#0072B2", "fix", "003 section 3",
         "a small or medium client that pays late: invoice more often, or a deposit and "
         "shorter terms when it already is", _m_invoice, _r_invoice, _t_invoice),
    Rule("REVIEW", "Review with the owner", "#6F4E7C", "review", "003 section 2",
         "a weed with no reason to let go and nothing to fix: look at its worst headaches",
         _m_review, _r_review, _t_review),
    Rule("NURTURE", "Nurture", "#56B4E9", "nurture", "003 section 1",
         "low value today but growing fast or with high expected revenue: invest",
         _m_nurture, _r_nurture, _t_nurture),
    Rule("GROW", "Grow", "#009E73", "grow", "003 section 1",
         "a prize client (high value, low headache): grow the relationship",
         _m_grow, _r_grow, _t_grow),
    Rule("KEEP", "Keep as is", "#8C8C8C", "keep", "003",
         "nothing to change", _m_keep, _r_keep, _t_keep),
)  # fmt: skip
RULES_BY_CODE: Mapping[str, Rule] = MappingProxyType({r.code: r for r in RULES})
#: The action codes in order, with what each means.
ACTIONS: Mapping[str, str] = MappingProxyType({r.code: r.meaning for r in RULES})
ACTION_ORDER: tuple[str, ...] = tuple(r.code for r in RULES)
ACTION_LABELS: Mapping[str, str] = MappingProxyType({r.code: r.label for r in RULES})
ACTION_COLOURS: Mapping[str, str] = MappingProxyType({r.code: r.colour for r in RULES})
#: Actions that fix a cause rather than grow, review or end the relationship.
FIX_ACTIONS: tuple[str, ...] = tuple(r.code for r in RULES if r.kind == "fix")
#: The fixes that remove a reason to let go (COLLECT gets money in, it fixes no cause).
CAUSE_FIXES: tuple[str, ...] = tuple(c for c in FIX_ACTIONS if c != "COLLECT")
#: The prune reasons, one boolean column each (``prune`` = any of them).
PRUNE_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "prune_abuse": "abuse of our people in the last four quarters",
        "prune_nonpayer": "won't pay",
        "prune_cut": "the seed's cut: bottom of the book on revenue per hour, thin margin, "
        "nothing to fix",
        "prune_reprice": "reprice or exit: below cost by more than the largest rise we ask",
    }
)
PRUNE_COLUMNS: tuple[str, ...] = tuple(PRUNE_REASONS)
_PRUNE_MASKS = {
    "prune_abuse": _m_prune_abuse,
    "prune_nonpayer": _m_prune_nonpayer,
    "prune_reprice": _m_prune_reprice,
    "prune_cut": _m_prune_cut,
}
#: The order the masks are decided in (each may read the ones before it).
DECISION_ORDER: tuple[str, ...] = (
    "prune_reprice", "COLLECT", "REPRICE", "IMPROVE_DELIVERY", "RESCOPE", "REASSIGN_OWNER",
    "INVOICE_MORE_OFTEN", "NURTURE", "GROW", "prune_abuse", "prune_nonpayer", "prune_cut",
    "PRUNE", "REVIEW", "KEEP",
)  # fmt: skip


def action_column(code: str) -> str:
    """The boolean column of an action code (``action_prune``)."""
    return f"action_{code.lower()}"


_ACTION_COLUMNS = frozenset(f"action_{code.lower()}" for code in ACTION_ORDER)


def since_column(code: str) -> str:
    """The column holding the quarter a fix action has been given since (``since_reprice``)."""
    return f"since_{code.lower()}"


def rules_text(*, settings: Settings) -> dict[str, str]:
    """Each action's methodology sentence with the thresholds in force."""
    s = settings
    return {r.code: r.method(s) for r in RULES}


# ----------------------------------------------------------------------------- deciding


def _decide(sig: Signals) -> dict[str, np.ndarray]:
    for name in DECISION_ORDER:
        rule = _PRUNE_MASKS.get(name) or RULES_BY_CODE[name].mask
        with np.errstate(invalid="ignore", divide="ignore"):
            sig.masks[name] = np.asarray(rule(sig), dtype=bool)
    return sig.masks


def rule_masks(
    scored: pd.DataFrame,
    *,
    settings: Settings,
    raw_columns: RawColumns | None = None,
    scores: Mapping[str, object] | None = None,
) -> dict[str, np.ndarray]:
    """One boolean array per action code, prune reason and note (before precedence);
    ``raw_columns``: the arrays of the raw frame ``scored`` was scored from, if kept;
    ``scores``: the scores and segment when ``scored`` is the raw frame without them."""
    sig = Signals(scored, settings=settings, raw_columns=raw_columns, scores=scores)
    masks = _decide(sig)
    quarters, share, large_paid = _nonpayer_parts(sig)
    late = _late(sig)
    masks.update(
        {
            "nonpayer_quarters": quarters,
            "nonpayer_share": share,
            "note_large_late": sig.active & late & sig.large,
            "note_large_paid": sig.active & (quarters | share) & large_paid,
            "active": sig.active,
        }
    )
    return masks


def fix_masks(measured: pd.DataFrame, *, settings: Settings) -> dict[str, np.ndarray]:
    """The fix actions' conditions on measured columns alone (no scores or segments needed):
    what :mod:`helpers.decide.contract` evaluates on the quarters before to say "since when"."""
    sig = Signals(measured, settings=settings)
    sig.masks["prune_reprice"] = np.asarray(_m_prune_reprice(sig), dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {code: np.asarray(RULES_BY_CODE[code].mask(sig), bool) for code in FIX_ACTIONS}


def prune_flags(
    scored: pd.DataFrame, *, settings: Settings, percentiles: Sequence[float] | None = None
) -> np.ndarray:
    """The ``prune`` column of :func:`assign_actions` alone, without building the reasons.

    With ``percentiles``, one column per prune percentile (as if ``settings.prune_percentile``
    were each in turn): only the cut depends on it, so the rules run once. The robustness grid
    uses this.
    """
    masks = rule_masks(scored, settings=settings)
    if percentiles is None:
        return masks["PRUNE"]
    other = masks["prune_abuse"] | masks["prune_nonpayer"] | masks["prune_reprice"]
    sig = Signals(scored, settings=settings)
    sig.masks.update(masks)
    with np.errstate(invalid="ignore"):
        thin = sig["margin_ttm"] < settings.target_margin * np.clip(sig["revenue_ttm"], 0, None)
        eligible = (
            sig.active
            & (sig["hours_ttm"] > 0)
            & thin
            & ~_cause_fixed(sig)
            & ~masks["prune_reprice"]
            & ~masks["NURTURE"]
        )
        below = sig["rate_percentile"][:, None] <= np.asarray(percentiles, dtype=float)
    return other[:, None] | (eligible[:, None] & below)


def _final_masks(masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Precedence: PRUNE keeps only COLLECT; KEEP when nothing else."""
    prune = masks["PRUNE"]
    final = {code: masks[code] & ~prune for code in ACTION_ORDER if code not in ("PRUNE", "KEEP")}
    final["PRUNE"], final["COLLECT"] = prune, masks["COLLECT"]
    final["KEEP"] = ~np.logical_or.reduce(list(final.values()))
    return {code: final[code] for code in ACTION_ORDER}


def _since_text(frame: pd.DataFrame, code: str, idx: np.ndarray) -> np.ndarray:
    """`` (since 2024Q3)`` / `` (new this quarter)`` from ``since_<code>``; empty without it."""
    column = since_column(code)
    if column not in frame or "quarter" not in frame:
        return np.full(len(idx), "", dtype=object)
    since = frame[column].iloc[idx].to_numpy(dtype=object, na_value=None)
    quarter = frame["quarter"].iloc[idx].to_numpy(dtype=object, na_value=None)
    known = since != None  # noqa: E711 (element-wise)
    text = np.full(len(idx), "", dtype=object)
    for q in set(quarter[known].tolist()):
        rows = known & (quarter == q)
        limit = str(pd.Period(q, "Q") - SINCE_LOOKBACK)
        first = since[rows]
        text[rows] = np.where(
            first == q,
            " (new this quarter)",
            " (since " + first.astype(str) + np.where(first == limit, " or earlier)", ")"),
        )
    return text


def _notes(
    frame: pd.DataFrame, masks: dict[str, np.ndarray], settings: Settings, idx: np.ndarray
) -> np.ndarray:
    """Bracketed notes that call for no action, appended to the last reason (rows ``idx``)."""

    def column(name: str, rows: np.ndarray) -> np.ndarray:
        return _col(frame, name)[idx[rows]]

    out = np.full(len(idx), "", dtype=object)
    late = np.flatnonzero(masks["note_large_late"][idx])
    out[late] = (
        " (pays "
        + grouped_text(column("days_late_avg", late))
        + " days late on average, "
        + percent_text(column("late_share", late))
        + " of invoices late: a large company, that is their payables policy, not a reason to act)"
    )
    paid = np.flatnonzero(masks["note_large_paid"][idx])
    if len(paid):
        overdue, revenue = column("overdue_60_plus", paid), column("revenue_ttm", paid)
        held = np.where(
            masks["nonpayer_quarters"][idx[paid]],
            "money was more than 90 days past due at "
            + number_text(column("overdue_90_quarters", paid))
            + " of the last four quarter ends",
            grouped_text(overdue)
            + f" {settings.base_currency} more than 60 days past due, "
            + np.array([_share_of(o, r) for o, r in zip(overdue, revenue, strict=True)], object)
            + " the revenue",
        )
        out[paid] = (
            out[paid]
            + " (not pruned as a non-payer: "
            + held
            + ", but a large company with nothing more than 90 days past due left unpaid, so "
            "late by policy, not unwilling)"
        )
    return out


def join_actions(frame: pd.DataFrame) -> np.ndarray:
    """``;``-joined codes per row from the ``action_<code>`` columns (via the few distinct
    combinations: fast for 10k rows)."""
    flags = {code: frame[action_column(code)].to_numpy(dtype=bool) for code in ACTION_ORDER}
    return _joined_codes(flags, len(frame))


def _joined_codes(final: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """``;``-joined codes per row from the decided masks (via the few distinct combinations)."""
    if not n:
        return np.array([], dtype=object)
    labels, inverse = _code_patterns(final, n)
    return labels[inverse]


def _code_patterns(final: Mapping[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``;``-joined codes (an object array) and each row's position among them."""
    bits = np.zeros(n, dtype=np.int64)
    for k, code in enumerate(ACTION_ORDER):
        bits |= final[code].astype(np.int64) << k
    patterns, inverse = np.unique(bits, return_inverse=True)
    labels = np.array(
        [";".join(c for k, c in enumerate(ACTION_ORDER) if p >> k & 1) for p in patterns],
        dtype=object,
    )
    return labels, inverse


def _joined_text(final: Mapping[str, np.ndarray], n: int):
    """:func:`_joined_codes` as the text column a frame makes of it, typed once per distinct
    combination and taken per row (inferring the text type of every row's string cost a few
    ms per slider move at 10,000 clients); the same values and dtype."""
    if not n:
        return _joined_codes(final, n)
    labels, inverse = _code_patterns(final, n)
    return pd.Series(labels).array.take(inverse)


def _reason_text(
    scored: pd.DataFrame,
    masks: dict[str, np.ndarray],
    final: dict[str, np.ndarray],
    settings: Settings,
    idx: np.ndarray,
) -> np.ndarray:
    """The ``reasons`` of the rows at positions ``idx``: one sentence per decided action, most
    decisive first, joined with `` | ``, then the notes. Every builder works row by row, so a
    row's words do not depend on which other rows are worded with it."""
    target, rise = target_rates(scored, settings=settings)
    words = Words(
        scored, masks, settings=settings, extra={"target_rate": target, "target_rise": rise}
    )
    reasons = np.full(len(idx), "", dtype=object)
    for code, mask in final.items():
        hit = np.flatnonzero(mask[idx])
        if not len(hit):
            continue
        rows = idx[hit]
        text = np.array(RULES_BY_CODE[code].reason(words, rows), dtype=object)
        if RULES_BY_CODE[code].kind == "fix":
            text = text + _since_text(scored, code, rows)
        current = reasons[hit]
        reasons[hit] = np.where(current == "", text, current + " | " + text)
    return reasons + _notes(scored, masks, settings, idx)


def assign_actions(
    scored: pd.DataFrame, *, settings: Settings, reasons: bool = True
) -> pd.DataFrame:
    """``scored`` (with ``segment``) plus ``actions``, ``prune``, ``reasons``, the prune reason
    columns, ``target_rate`` / ``target_rise`` and one ``action_<code>`` flag per code. The
    input is not changed.

    With ``reasons=False`` the ``reasons`` column is left empty (None): the codes and flags are
    the same, and :func:`word_reasons` words the rows a view shows (what a slider move needs:
    wording 10,000 reasons is most of a classification)."""
    return _assign_actions(scored, settings, reasons=reasons)[0]


def _assign_actions(
    scored: pd.DataFrame,
    settings: Settings,
    *,
    reasons: bool,
    raw_columns: RawColumns | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """:func:`assign_actions` and the rule masks it decided with."""
    columns, masks = _action_columns(scored, settings, reasons=reasons, raw_columns=raw_columns)
    return _with_columns(scored, columns), masks


def _action_columns(
    scored: pd.DataFrame,
    settings: Settings,
    *,
    reasons: bool,
    raw_columns: RawColumns | None = None,
    scores: Mapping[str, object] | None = None,
) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """The columns :func:`assign_actions` adds, in order, and the rule masks (``scores``: see
    :func:`rule_masks`; only without ``reasons``, which read the scored frame)."""
    target, rise = target_rates(scored, settings=settings)
    masks = rule_masks(scored, settings=settings, raw_columns=raw_columns, scores=scores)
    final = _final_masks(masks)
    n = len(scored)
    text = (
        _reason_text(scored, masks, final, settings, np.arange(n))
        if reasons
        else np.full(n, None, dtype=object)
    )
    columns = {
        "target_rate": target,
        "target_rise": rise,
        "actions": _joined_text(final, n),
        "prune": final["PRUNE"],
        "reasons": text,
        **{c: masks[c] & final["PRUNE"] for c in PRUNE_COLUMNS},
        **{action_column(code): final[code] for code in ACTION_ORDER},
    }
    return columns, masks


def _with_columns(frame: pd.DataFrame, columns: Mapping[str, object]) -> pd.DataFrame:
    """``frame.assign(**columns)``; in one step when every name is new (``assign`` inserts the
    columns one by one: a quarter of a slider move at 10,000 clients)."""
    if any(name in frame.columns for name in columns):
        return frame.assign(**columns)
    return pd.concat([frame, pd.DataFrame(dict(columns), index=frame.index)], axis=1)


#: The settings that only move the scores (so the segments, so the masks): no reason reads them.
_SCORE_ONLY_SETTINGS = frozenset({"value_threshold", "headache_threshold", "value_weights"})
#: Read only by the reason of the prune cut (:func:`_r_cut`), so only for rows the cut prunes.
_CUT_SETTINGS = ("prune_percentile",)


def _wording_key(settings: Settings) -> tuple:
    """The settings a reason's words may read (all but :data:`_SCORE_ONLY_SETTINGS`), but those
    only the prune cut's words read (:data:`_CUT_SETTINGS`, keyed per row)."""
    key = []
    for field in fields(settings):
        if field.name not in _SCORE_ONLY_SETTINGS and field.name not in _CUT_SETTINGS:
            value = getattr(settings, field.name)
            key.append(tuple(sorted(value.items())) if isinstance(value, Mapping) else value)
    return tuple(key)


class WordedReasons:
    """The reasons worded so far for the rows of one raw frame's classifications (kept by a
    caller that classifies that frame again and again: the explorer, per quarter): a row's
    words depend only on its own figures, the rule masks at that row and the settings they read
    (:func:`_reason_text` works row by row), so a row whose masks and those settings did not
    change is not worded again (a threshold or a value weight moves the masks of a few rows; the
    prune cut only the words of the rows it prunes)."""

    #: Settings variants kept before the oldest words are dropped.
    KEPT_SETTINGS = 16

    def __init__(self) -> None:
        self._words: dict[tuple, dict[tuple, str]] = {}

    def reasons(
        self,
        classified: pd.DataFrame,
        masks: Mapping[str, np.ndarray],
        idx: np.ndarray,
        *,
        settings: Settings,
    ) -> np.ndarray:
        """The reasons of the rows at ``idx`` (sorted, distinct), as :func:`_reason_text`."""
        key = _wording_key(settings)
        if key not in self._words and len(self._words) >= self.KEPT_SETTINGS:
            self._words.pop(next(iter(self._words)))
        words = self._words.setdefault(key, {})
        names = sorted(masks)
        bits = np.packbits(np.stack([np.asarray(masks[n])[idx] for n in names], axis=1), axis=1)
        cut = np.asarray(masks["prune_cut"])[idx].tolist()
        at_cut = tuple(getattr(settings, name) for name in _CUT_SETTINGS)
        keys = [
            (int(i), b.tobytes(), at_cut if c else None)
            for i, b, c in zip(idx.tolist(), bits, cut, strict=True)
        ]
        missing = [k for k, row in enumerate(keys) if row not in words]
        if missing:
            rows = idx[missing]
            text = _reason_text(classified, dict(masks), _final_masks(dict(masks)), settings, rows)
            for k, t in zip(missing, text.tolist(), strict=True):
                words[keys[k]] = t
        return np.array([words[row] for row in keys], dtype=object)


def word_reasons(
    classified: pd.DataFrame,
    *,
    settings: Settings,
    rows: Sequence[int] | np.ndarray,
    masks: Mapping[str, np.ndarray] | None = None,
    worded: WordedReasons | None = None,
) -> pd.DataFrame:
    """``classified`` (from ``classify(..., reasons=False)`` with the same settings) with the
    ``reasons`` of the rows at positions ``rows`` worded, exactly as :func:`classify` words
    them; the other rows keep what they had. A book without revenue keeps its reasons
    (:func:`without_value` words them all). ``masks`` are the rule masks
    :func:`classify_with_masks` returned with ``classified`` (the rules then do not run again);
    without them they are decided here. ``worded``: the words kept for the classifications of
    the same raw frame (:class:`WordedReasons`), used with ``masks`` only."""
    idx = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(idx) or no_revenue_book(classified):
        return classified
    text = classified["reasons"].to_numpy(dtype=object, copy=True)
    if worded is not None and masks is not None:
        text[idx] = worded.reasons(classified, masks, idx, settings=settings)
        return classified.assign(reasons=text)
    masks = dict(masks) if masks is not None else rule_masks(classified, settings=settings)
    text[idx] = _reason_text(classified, masks, _final_masks(masks), settings, idx)
    return classified.assign(reasons=text)


def no_revenue_book(frame: pd.DataFrame) -> bool:
    """Whether the frame's book records no revenue at all: every client's ``revenue_source`` is
    ``none`` (no invoices, no billable amounts). False without that column or without rows."""
    if "revenue_source" not in frame.columns or not len(frame):
        return False
    source = frame["revenue_source"]
    # the first client's source answers almost every book at once (a slider move asks thrice)
    first = source.iloc[0]
    if not isinstance(first, str) or first != "none":
        return False
    return bool(source.eq("none").all())


def without_value(classified: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """A book without revenue (:func:`no_revenue_book`): nothing can be valued, so no value
    score, no segment, and ``KEEP`` for every client with the reason in words and its hours
    (no GROW, NURTURE, REPRICE or PRUNE from a revenue of 0). Other books are returned as they
    are. The hours-based columns are left as measured."""
    if not no_revenue_book(classified):
        return classified
    n, cur = len(classified), settings.base_currency
    hours, cost = _col(classified, "hours_ttm"), _col(classified, "labour_cost_ttm")
    reasons = [
        "no revenue in the book to weigh "
        + (
            f"its {h:,.1f} hours of the last four quarters (labour cost {_money(c, cur)})"
            if h > 0
            else "this client"
        )
        + " against: import invoices, or export time with billable rates"
        for h, c in zip(hours.tolist(), cost.tolist(), strict=True)
    ]
    segments = classified["segment"]
    empty_segment = (
        pd.Categorical([None] * n, categories=segments.cat.categories)
        if isinstance(segments.dtype, pd.CategoricalDtype)
        else np.full(n, None, dtype=object)
    )
    blank = np.full(n, np.nan)
    changes: dict[str, object] = {
        # nothing to divide by or rank on: empty rather than a margin made of labour cost only
        **{
            c: blank
            for c in (
                "margin_ttm",
                "effective_rate_ttm",
                "rate_percentile",
                "revenue_share",
                "growth_ttm",
                "book_median_rate",
            )
            if c in classified.columns
        },
        "rate_rank": pd.array([pd.NA] * n, dtype="Int64"),
        "value_score": blank,
        "segment": empty_segment,
        "actions": np.full(n, "KEEP", dtype=object),
        "reasons": np.array(reasons, dtype=object),
    }
    for name in classified.columns:  # every action and prune flag (however many the rules keep)
        if classified[name].dtype == bool and (name == "prune" or name.startswith("prune_")):
            changes[name] = np.zeros(n, dtype=bool)
        elif classified[name].dtype == bool and name in ACTIONS:
            changes[name] = np.full(n, name == "KEEP")
        elif classified[name].dtype == bool and name in _ACTION_COLUMNS:
            changes[name] = np.full(n, name == action_column("KEEP"))
    return classified.assign(**changes)


def classify(raw: pd.DataFrame, *, settings: Settings, reasons: bool = True) -> pd.DataFrame:
    """Scores, segment and actions on top of ``raw_metrics``: the full contract. Cheap (what the
    sliders call on every move); ``raw`` is not changed. ``reasons=False`` leaves the reasons
    unworded (None) for :func:`word_reasons` to word the rows a view shows."""
    return classify_with_masks(raw, settings=settings, reasons=reasons)[0]


def classify_with_masks(
    raw: pd.DataFrame,
    *,
    settings: Settings,
    reasons: bool = False,
    raw_columns: RawColumns | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """:func:`classify` and the rule masks it decided with (one array per action code, prune
    reason and note, by position): what :func:`word_reasons` needs to word rows later without
    running the rules a second time (a slider move words the rows shown after classifying).
    ``raw_columns``: ``RawColumns(raw)`` kept by a caller that classifies the same raw frame
    again and again (the explorer); ignored when made from another frame."""
    if raw_columns is not None and raw_columns.frame is not raw:
        raw_columns = None
    if raw_columns is not None and not reasons:
        kept = _classify_kept(raw, settings, raw_columns)
        if kept is not None:
            return kept
    out, masks = _assign_actions(
        score_and_segment(raw, settings=settings),
        settings,
        reasons=reasons,
        raw_columns=raw_columns,
    )
    out = without_value(out, settings=settings)
    first = [c for c in CONTRACT_COLUMNS if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]], masks


def _classify_kept(
    raw: pd.DataFrame, settings: Settings, raw_columns: RawColumns
) -> tuple[pd.DataFrame, dict[str, np.ndarray]] | None:
    """:func:`classify_with_masks` without reasons, the frame built once from the raw frame's
    kept Series and the new columns, already in the contract's order (widening the frame with
    the scores, again with the actions, then reordering every column cost some 4 ms of a
    slider move at 150 clients): the same frame and masks. None (take the long way) when the
    raw frame already has one of the new columns or repeats a name."""
    scores = scored_columns(
        raw,
        settings=settings,
        arrays=raw_columns.get,
        active=raw_columns.derived("=scored", lambda frame: _active(frame).to_numpy()),
        ranked=raw_columns.ranked,
    )
    actions, masks = _action_columns(
        raw, settings, reasons=False, raw_columns=raw_columns, scores=scores
    )
    added = {**scores, **actions}
    series = raw_columns.series()
    if not raw.columns.is_unique or any(name in series for name in added):
        return None
    names = [*series, *added]
    first = [c for c in CONTRACT_COLUMNS if c in added or c in series]
    chosen = set(first)
    ordered = first + [c for c in names if c not in chosen]
    out = pd.DataFrame(
        {c: series[c] if c in series else added[c] for c in ordered}, index=raw.index, copy=False
    )
    return without_value(out, settings=settings), masks


# ----------------------------------------------------------------------------- clients who left

#: What the "clients who left" view shows for the four quarters before a client went quiet.
LEFT_COLUMNS = (
    "client_id", "name", "owner", "last_activity", "last_active_quarter", "revenue_then",
    "delivery_severity_ttm", "owner_rating", "others_rating", "days_late_avg", "incidents_ttm",
    "aging_90_plus", "preceded_by",
)  # fmt: skip


def clients_who_left(book, metrics: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """The clients in the ``gone`` segment with what preceded their going quiet (seed 001: most
    clients leave over service, not price).

    For each, measured over the four quarters ending with the quarter of its last activity
    (``last_active_quarter``): its revenue then (``revenue_then``), our rework and missed
    deadlines (``delivery_severity_ttm``), the owner's rating against the other assessors'
    (``owner_rating``, ``others_rating``), late payment (``days_late_avg``) and client-caused
    incidents (``incidents_ttm``); ``aging_90_plus`` is what it still owes now. ``preceded_by``
    says it in a sentence. Most recent leavers first.
    """
    from helpers.audit.measures import measure, prepare
    from helpers.book.quarters import quarter_of

    gone = metrics[metrics["segment"].astype(object).eq("gone")]
    if gone.empty:
        return pd.DataFrame(columns=list(LEFT_COLUMNS))
    base = gone[["client_id", "name", "owner", "last_activity", "aging_90_plus"]].assign(
        last_active_quarter=lambda d: quarter_of(d["last_activity"]).where(
            d["last_activity"].notna()
        )
    )
    prep = prepare(book, settings=settings)
    then = []
    for quarter in base["last_active_quarter"].dropna().unique():
        ids = base.loc[base["last_active_quarter"] == quarter, "client_id"]
        measured = measure(prep, str(quarter), settings=settings)
        then.append(measured[measured["client_id"].isin(ids)])
    figures = ["revenue_ttm", "delivery_severity_ttm", "owner_rating", "others_rating",
               "days_late_avg", "incidents_ttm"]  # fmt: skip
    before = (
        pd.concat(then, ignore_index=True)[["client_id", *figures]]
        if then
        else pd.DataFrame(columns=["client_id", *figures])
    )
    out = base.merge(before, on="client_id", how="left").rename(
        columns={"revenue_ttm": "revenue_then"}
    )
    out = out.assign(
        preceded_by=[_preceded(row, settings.base_currency) for row in out.itertuples()]
    )
    return out.sort_values(
        ["last_activity", "client_id"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)[list(LEFT_COLUMNS)]


def _preceded(row, currency: str) -> str:
    if pd.isna(row.last_active_quarter):
        return "no activity on record"
    parts = []
    if row.delivery_severity_ttm > 0:
        parts.append(f"our rework and missed deadlines of severity {row.delivery_severity_ttm:g}")
    if pd.notna(row.owner_rating) and pd.notna(row.others_rating):
        parts.append(
            f"the owner rated it {row.owner_rating:.1f} of 5 against the other assessors' "
            f"{row.others_rating:.1f}"
        )
    if row.days_late_avg > 0:
        days = f"{row.days_late_avg:.0f}"
        parts.append(f"it paid {days} {'day' if days == '1' else 'days'} late on average")
    if row.incidents_ttm > 0:
        parts.append(f"client-caused incidents of severity {row.incidents_ttm:g}")
    head = (
        f"in the four quarters to {row.last_active_quarter} "
        f"({_money(row.revenue_then, currency)} of revenue)"
    )
    if not parts:
        return f"{head}: nothing on record (no rework, incidents, late payment or low ratings)"
    return f"{head}: " + ", ".join(parts)
