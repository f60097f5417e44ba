"""What to do about each client: the action vocabulary, the rules (from the seeds) and the reasons.

Every rule is a vectorised mask over the classified frame; thresholds come from the settings.

- ``PRUNE`` when any of: (a) an ``abuse`` event in the TTM window, whatever the revenue (seeds 000
  and 003); (b) the non-payer rule (seed 003 section 3, issue 9): more than ``collect_floor`` was
  over 90 days past due at two or more of the last four quarter ends, or the overdue money is above
  ``collect_floor`` and above ``nonpayer_overdue_share`` of the TTM revenue, unless the client is
  ``large`` and the money was eventually paid (nothing over 90 days past due is left unpaid at
  as_of: late by policy, not unwilling); (c) in the bottom ``prune_percentile`` % of the book on
  revenue per hour (clients with hours only; seed 003 section 2) unless the gap is fixable
  (``REPRICE``, ``IMPROVE_DELIVERY``) or the client is ``NURTURE``; (d) in the ``weed`` segment with
  no fixable cause (no ``REPRICE``, ``RESCOPE``, ``INVOICE_MORE_OFTEN``, ``REASSIGN_OWNER``,
  ``IMPROVE_DELIVERY``) and not ``NURTURE``. A pruned client keeps ``COLLECT`` (get the money in
  before leaving) and loses the other actions.
- ``COLLECT``: ``aging_90_plus`` above ``collect_floor``.
- ``REPRICE``: revenue share at least ``reprice_min_revenue_share`` and revenue per hour below the
  cost per hour of the people who served it, or below ``reprice_rate_ratio`` x the book's median.
- ``IMPROVE_DELIVERY``: severity of our ``rework`` + ``missed_deadline`` at least
  ``improve_delivery_severity`` (seed 000: training, practice, capabilities, staff).
- ``RESCOPE``: severity of client-caused ``scope_creep`` + ``rush`` + ``after_hours`` at least
  ``rescope_incidents``.
- ``REASSIGN_OWNER``: the owner's mean rating at least ``reassign_gap`` below the other assessors'
  mean, and the others' mean at least ``reassign_min_others`` (seed 001: is it just me?).
- ``INVOICE_MORE_OFTEN``: a late payer (``days_late_avg`` >= ``late_days`` and ``late_share`` >=
  ``late_share``: weeks late, and habitually) that is not ``large`` (small, medium or of unknown
  size). A large late payer gets no action, only a note in its reasons: their finance department's policy (seed 003 section 3).
- ``NURTURE``: low value (``seedling`` or ``weed``) but ``growth_ttm`` >= ``nurture_growth`` (only
  when the book's history covers the prior window: ``prior_covered``) or expected revenue next year
  >= ``nurture_potential_ratio`` x the TTM revenue (seed 003); the low end of the forecast's 80%
  band (``expected_revenue_next_4q_low``) when the contract has it, so an unsure forecast protects
  no one.
- ``GROW``: ``prize`` clients. ``KEEP``: none of the above.

Clients with no activity in the TTM window (no hours, no invoices) only get the money and abuse
rules (``COLLECT``, ``PRUNE`` (a)/(b)); otherwise ``KEEP`` with "no activity in the last four
quarters". Notes that call for no action (large late payer, large non-payer that paid) are added in
brackets to the last reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from helpers.audit.measures import CONTRACT_COLUMNS
from helpers.audit.scores import score, segment
from helpers.book.settings import Settings

#: The vocabulary, most important first, with what each code means.
ACTIONS: dict[str, str] = {
    "PRUNE": "let the client go: abuse, won't pay, bottom of the book on revenue per hour with "
    "nothing to fix, or a weed with nothing to fix",
    "COLLECT": "money more than 90 days past due: chase it, pause new work, ask for a deposit",
    "REPRICE": "substantial revenue at a rate below cost or far below the book's: fix the price",
    "IMPROVE_DELIVERY": "the headache is on our side (rework, missed deadlines): training, "
    "practice, capabilities or staff",
    "RESCOPE": "client-caused scope creep, rush and after-hours work: set boundaries",
    "REASSIGN_OWNER": "the owner dislikes the client while others rate it well: move the "
    "relationship",
    "INVOICE_MORE_OFTEN": "a small or medium client that pays late: invoice more often",
    "NURTURE": "low value today but growing fast or with high expected revenue: invest",
    "GROW": "a prize client (high value, low headache): grow the relationship",
    "KEEP": "nothing to change",
}
#: Actions that fix a cause rather than grow or end the relationship.
FIX_ACTIONS = (
    "REPRICE",
    "RESCOPE",
    "INVOICE_MORE_OFTEN",
    "REASSIGN_OWNER",
    "IMPROVE_DELIVERY",
    "COLLECT",
)
_CAUSE_FIXES = ("REPRICE", "RESCOPE", "INVOICE_MORE_OFTEN", "REASSIGN_OWNER", "IMPROVE_DELIVERY")
#: The conditions under which PRUNE is given (columns ``prune_<name>`` in the output).
PRUNE_CONDITIONS = ("abuse", "nonpayer", "rate", "weed")
_PRUNE_PARTS = ("prune_abuse", "nonpayer_quarters", "nonpayer_share", "prune_rate", "prune_weed")


def rules_text(settings: Settings | None = None) -> dict[str, str]:
    """Each action's rule in plain words with the thresholds in force (for the methodology)."""
    s = settings or Settings()
    money = f"{s.collect_floor:,.0f} {s.base_currency}"
    return {
        "PRUNE": (
            "any abuse event in the last four quarters, whatever the revenue; or a non-payer: more "
            f"than {money} over 90 days past due at two or more of the last four quarter ends, or "
            f"overdue money above {s.nonpayer_overdue_share:.0%} of the last four quarters' "
            "revenue (not for a large company that has paid everything over 90 days past due: "
            f"late by policy, not unwilling); or in the bottom {s.prune_percentile:g}% of the "
            "book on revenue per hour unless REPRICE, IMPROVE_DELIVERY or NURTURE applies; or a "
            "weed with no fixable cause and no NURTURE"
        ),
        "COLLECT": f"more than {money} over 90 days past due at the quarter's end",
        "REPRICE": (
            f"at least {s.reprice_min_revenue_share:.1%} of the book's revenue and revenue per "
            "hour below what its people cost per hour, or below "
            f"{s.reprice_rate_ratio:.0%} of the book's median"
        ),
        "IMPROVE_DELIVERY": (
            f"our own rework and missed deadlines of severity {s.improve_delivery_severity:g} or "
            "more in the last four quarters"
        ),
        "RESCOPE": (
            f"client-caused scope creep, rush and after-hours work of severity "
            f"{s.rescope_incidents:g} or more in the last four quarters"
        ),
        "REASSIGN_OWNER": (
            f"the owner rates the client at least {s.reassign_gap:g} points below the other "
            f"assessors, who rate it {s.reassign_min_others:g} or more (of 5)"
        ),
        "INVOICE_MORE_OFTEN": (
            f"a small or medium client paying {s.late_days:g} or more days late on average on "
            f"at least {s.late_share:.0%} of its invoices; a large one gets no action (their "
            "payables policy), only a note"
        ),
        "NURTURE": (
            f"low value (seedling or weed) but revenue up {s.nurture_growth:.0%} or more on the "
            f"prior year, or expected revenue next year at least {s.nurture_potential_ratio:g}x "
            "the last four quarters'"
        ),
        "GROW": "a prize client (high value, low headache)",
        "KEEP": "none of the above; also every client with no activity in the last four quarters",
    }


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 numbers (NaN when missing); no copy when it already is one."""
    column = frame[name]
    if column.dtype == np.float64:
        return column.to_numpy()
    return column.to_numpy(dtype=float, na_value=np.nan)


def rule_masks(scored: pd.DataFrame, settings: Settings) -> dict[str, np.ndarray]:
    """One boolean array per action code, prune condition and note (before precedence)."""
    s = settings
    f = {
        c: _col(scored, c)
        for c in (
            "hours_ttm",
            "revenue_ttm",
            "revenue_share",
            "effective_rate_ttm",
            "cost_rate_ttm",
            "book_median_rate",
            "rescope_severity_ttm",
            "days_late_avg",
            "late_share",
            "owner_rating",
            "others_rating",
            "delivery_severity_ttm",
            "aging_90_plus",
            "growth_ttm",
            "expected_revenue_next_4q",
            "abuse_ttm",
            "overdue_90_quarters",
            "overdue_amount",
            "rate_percentile",
        )
    }
    active = scored["active"].to_numpy(dtype=bool)
    # growth is no signal when the book's history does not reach back over the prior window
    prior_covered = (
        scored["prior_covered"].to_numpy(dtype=bool)
        if "prior_covered" in scored
        else np.ones(len(scored), dtype=bool)
    )
    large = scored["size"].eq("large").to_numpy(dtype=bool, na_value=False)
    segment = {
        name: scored["segment"].eq(name).to_numpy(dtype=bool, na_value=False)
        for name in ("prize", "seedling", "weed")
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = f["effective_rate_ttm"]
        reprice = (
            active
            & (f["revenue_share"] >= s.reprice_min_revenue_share)
            & ((rate < f["cost_rate_ttm"]) | (rate < s.reprice_rate_ratio * f["book_median_rate"]))
        )
        late = (f["days_late_avg"] >= s.late_days) & (f["late_share"] >= s.late_share)
        # the potential must clear the ratio at the low end of its 80% band when there is one
        expected = (
            _col(scored, "expected_revenue_next_4q_low")
            if "expected_revenue_next_4q_low" in scored
            else f["expected_revenue_next_4q"]
        )
        potential_ratio = np.where(
            f["revenue_ttm"] > 0,
            expected / f["revenue_ttm"],
            np.where(expected > 0, np.inf, np.nan),
        )
        nurture = (
            active
            & (segment["seedling"] | segment["weed"])
            & (
                ((f["growth_ttm"] >= s.nurture_growth) & prior_covered)
                | (potential_ratio >= s.nurture_potential_ratio)
            )
        )
        masks = {
            "COLLECT": f["aging_90_plus"] > s.collect_floor,
            "REPRICE": reprice,
            "IMPROVE_DELIVERY": active
            & (f["delivery_severity_ttm"] >= s.improve_delivery_severity),
            "RESCOPE": active & (f["rescope_severity_ttm"] >= s.rescope_incidents),
            "REASSIGN_OWNER": active
            & (f["owner_rating"] <= f["others_rating"] - s.reassign_gap)
            & (f["others_rating"] >= s.reassign_min_others),
            "INVOICE_MORE_OFTEN": active & late & ~large,
            "NURTURE": nurture,
            "GROW": active & segment["prize"],
        }
        cause_fixed = np.logical_or.reduce([masks[c] for c in _CAUSE_FIXES])
        quarters_90 = f["overdue_90_quarters"] >= 2
        share_high = (f["overdue_amount"] > s.collect_floor) & (
            f["overdue_amount"] > s.nonpayer_overdue_share * np.clip(f["revenue_ttm"], 0, None)
        )
        large_paid = large & ~(f["aging_90_plus"] > s.collect_floor)
        masks.update(
            {
                "prune_abuse": f["abuse_ttm"] > 0,
                "nonpayer_quarters": quarters_90,
                "nonpayer_share": share_high,
                "prune_nonpayer": (quarters_90 | share_high) & ~large_paid,
                "prune_rate": active
                & (f["hours_ttm"] > 0)
                & (f["rate_percentile"] <= s.prune_percentile)
                & ~(masks["REPRICE"] | masks["IMPROVE_DELIVERY"] | nurture),
                "prune_weed": active & segment["weed"] & ~cause_fixed & ~nurture,
                "note_large_late": late & large,
                "note_large_paid": (quarters_90 | share_high) & large_paid,
                "active": active,
            }
        )
    masks["PRUNE"] = np.logical_or.reduce([masks[f"prune_{c}"] for c in PRUNE_CONDITIONS])
    return masks


def prune_flags(
    scored: pd.DataFrame, settings: Settings, *, percentiles: Sequence[float] | None = None
) -> np.ndarray:
    """The ``prune`` column of :func:`assign_actions` alone, without building the reasons.

    With ``percentiles``, one column per prune percentile (as if ``settings.prune_percentile``
    were each in turn): only the rate condition depends on it, so the rules run once. The
    robustness grid uses this.
    """
    masks = rule_masks(scored, settings)
    if percentiles is None:
        return masks["PRUNE"]
    other = masks["prune_abuse"] | masks["prune_nonpayer"] | masks["prune_weed"]
    fixable = masks["REPRICE"] | masks["IMPROVE_DELIVERY"] | masks["NURTURE"]
    with np.errstate(invalid="ignore"):
        eligible = masks["active"] & (_col(scored, "hours_ttm") > 0) & ~fixable
        below = _col(scored, "rate_percentile")[:, None] <= np.asarray(percentiles, dtype=float)
    return other[:, None] | (eligible[:, None] & below)


def _final_masks(masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Precedence: PRUNE keeps only COLLECT; KEEP when nothing else."""
    prune = masks["PRUNE"]
    final = {code: masks[code] & ~prune for code in ACTIONS if code not in ("PRUNE", "KEEP")}
    final["PRUNE"], final["COLLECT"] = prune, masks["COLLECT"]
    final["KEEP"] = ~np.logical_or.reduce(list(final.values()))
    return {code: final[code] for code in ACTIONS}


# ----------------------------------------------------------------------------- reasons


_WHOLE_TEXT = np.array([str(i) for i in range(1000)], dtype=object)
_NO_ACTIVITY = "no activity in the last four quarters: nothing to measure"


def _number_text(values: np.ndarray) -> np.ndarray:
    """Numbers as text: whole numbers 0-999 by table lookup (fast), anything else with ``:g``."""
    v = np.asarray(values, dtype=float)
    whole = (v == np.round(v)) & (v >= 0) & (v < len(_WHOLE_TEXT))
    out = np.empty(len(v), dtype=object)
    out[whole] = _WHOLE_TEXT[v[whole].astype(int)]
    rest = np.flatnonzero(~whole)
    out[rest] = [f"{x:g}" for x in v[rest].tolist()]
    return out


_PADDED_TEXT = np.array([f"{i:03d}" for i in range(1000)], dtype=object)


def _grouped_text(values: np.ndarray) -> np.ndarray:
    """Whole numbers with thousands separators (``-12,345``), vectorised by 3-digit lookups."""
    v = np.rint(np.asarray(values, dtype=float))
    finite = np.isfinite(v)
    rest = np.abs(np.where(finite, v, 0)).astype(np.int64)
    low, rest = rest % 1000, rest // 1000
    text = np.where(rest > 0, _PADDED_TEXT[low], _WHOLE_TEXT[low])
    while (rest > 0).any():
        low, higher = rest % 1000, rest // 1000
        head = np.where(higher > 0, _PADDED_TEXT[low], _WHOLE_TEXT[low])
        text = np.where(rest > 0, head + "," + text, text)
        rest = higher
    text = np.where(v < 0, "-" + text, text)
    return np.where(finite, text, "n/a")


def _percent_text(shares: np.ndarray) -> np.ndarray:
    """Shares as whole percentages (``0.425`` -> ``42%``)."""
    return _grouped_text(np.asarray(shares, dtype=float) * 100) + "%"


def _join_nonempty(parts: list[np.ndarray], separator: str) -> np.ndarray:
    """Row-wise join of the non-empty strings of several object arrays."""
    out = parts[0]
    for part in parts[1:]:
        both = (out != "") & (part != "")
        out = np.where(both, out + separator + part, np.where(out == "", part, out))
    return out


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}"


def _taker(frame: pd.DataFrame) -> Callable[..., list[list]]:
    """``take(idx, *names)``: the named columns at row positions ``idx``, as plain Python lists
    (plain floats format several times faster than numpy scalars)."""

    def take(idx: np.ndarray, *names: str) -> list[list]:
        out = []
        for name in names:
            col = frame[name]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiub":
                out.append(col.to_numpy()[idx].tolist())
            else:
                out.append(col.iloc[idx].tolist())
        return out

    return take


def _reason_builders(
    frame: pd.DataFrame, masks: dict[str, np.ndarray], settings: Settings
) -> dict[str, Callable[[np.ndarray], list[str]]]:
    """Per action: a function from row positions to one plain-words sentence per row."""
    s, cur = settings, settings.base_currency
    take = _taker(frame)
    ranked = int(frame["rate_rank"].notna().sum())

    def prune(idx: np.ndarray) -> np.ndarray:
        parts = [
            _prune_part(idx, masks["prune_abuse"], abuse),
            _prune_part(idx, masks["nonpayer_quarters"] & masks["prune_nonpayer"], quarters_90),
            _prune_part(idx, masks["nonpayer_share"] & masks["prune_nonpayer"], overdue_share),
            _prune_part(idx, masks["prune_rate"], bottom_rate),
            _prune_part(idx, masks["prune_weed"], weed),
        ]
        return "let go: " + _join_nonempty(parts, ", and also ")

    def _prune_part(idx, mask, phrases) -> np.ndarray:
        out = np.full(len(idx), "", dtype=object)
        hit = np.flatnonzero(mask[idx])
        if len(hit):
            out[hit] = phrases(idx[hit])
        return out

    def numbers(idx, name) -> np.ndarray:
        return _number_text(_col(frame, name)[idx])

    def abuse(idx):
        n = _col(frame, "abuse_ttm")[idx]
        return (
            numbers(idx, "abuse_ttm")
            + np.where(n != 1, " abuse events", " abuse event")
            + " against our people in the last four quarters, and keeping them costs our values "
            "whatever the revenue"
        )

    def quarters_90(idx):
        return (
            "won't pay: money more than 90 days past due at "
            + numbers(idx, "overdue_90_quarters")
            + " of the last four quarter ends"
        )

    def overdue_share(idx):
        return [
            f"won't pay: {_money(o, cur)} overdue, {_share_of(o, r)} the last four quarters' "
            f"revenue of {_money(max(r, 0.0), cur)}"
            for o, r in zip(*take(idx, "overdue_amount", "revenue_ttm"), strict=True)
        ]

    def column(idx, name) -> np.ndarray:
        return _col(frame, name)[idx]

    def money(idx, name) -> np.ndarray:
        return _grouped_text(column(idx, name)) + f" {cur}"

    def bottom_rate(idx):
        return (
            money(idx, "effective_rate_ttm")
            + f" per hour is in the bottom {s.prune_percentile:g}% of the book (rank "
            + numbers(idx, "rate_rank")
            + f" of {ranked}) and nothing fixable explains the gap"
        )

    def weed(idx):
        v, h = score_text(idx, "value_score"), score_text(idx, "headache_score")
        return "a weed (value " + v + ", headache " + h + ") with no fixable cause"

    def collect(idx):
        return [
            f"{_money(amount, cur)} more than 90 days past due, oldest invoice {_plain(invoice)} is "
            f"{days:.0f} days past due: chase it, pause new work and ask for a deposit"
            for amount, invoice, days in zip(
                *take(idx, "aging_90_plus", "oldest_overdue_invoice", "oldest_overdue_days"),
                strict=True,
            )
        ]

    def reprice(idx):
        cols = take(idx, "revenue_share", "effective_rate_ttm", "cost_rate_ttm", "book_median_rate")
        return [
            f"{share:.1%} of the book's revenue at {_money(rate, cur)} per hour, "
            + (
                f"below the {_money(cost, cur)} per hour its people cost"
                if rate < cost
                else f"{rate / median:.0%} of the book's median of {_money(median, cur)}"
            )
            + ": fix the price before anything else"
            for share, rate, cost, median in zip(*cols, strict=True)
        ]

    def improve(idx):
        return (
            "our own rework and missed deadlines (severity "
            + numbers(idx, "delivery_severity_ttm")
            + " in the last four quarters): fix it with training, practice, capabilities or "
            "staff, not by letting the client go"
        )

    def rescope(idx):
        return (
            "client-caused scope creep, rush and after-hours work (severity "
            + numbers(idx, "rescope_severity_ttm")
            + f" in the last four quarters, threshold {s.rescope_incidents:g}): set boundaries"
        )

    def reassign(idx):
        return [
            f"the owner {_plain(owner)} rates the client {mine:.1f} of 5 while the other assessors rate it "
            f"{theirs:.1f}: move the relationship to someone who does not share the dislike"
            for owner, mine, theirs in zip(
                *take(idx, "owner", "owner_rating", "others_rating"), strict=True
            )
        ]

    def invoice(idx):
        (sizes,) = take(idx, "size")
        return (
            np.array([_size(size) for size in sizes], dtype=object)
            + " that pays "
            + _grouped_text(column(idx, "days_late_avg"))
            + " days late on average ("
            + _percent_text(column(idx, "late_share"))
            + " of invoices late): invoice more often"
        )

    def nurture(idx):
        grew = (
            "revenue grew "
            + _percent_text(column(idx, "growth_ttm"))
            + " on the prior four quarters"
        )
        low = "expected_revenue_next_4q_low" in frame
        expects = (
            "expected revenue next year of "
            + (
                "at least " + money(idx, "expected_revenue_next_4q_low") + " (the low end of "
                "its forecast's 80% band)"
                if low
                else money(idx, "expected_revenue_next_4q")
            )
            + " against "
            + money(idx, "revenue_ttm")
            + " in the last four quarters"
        )
        growing = (column(idx, "growth_ttm") >= s.nurture_growth) & (
            column(idx, "prior_covered").astype(bool) if "prior_covered" in frame else True
        )
        return "low value today but " + np.where(growing, grew, expects) + ": invest in its future"

    def score_text(idx, name) -> np.ndarray:
        values = np.nan_to_num(_col(frame, name)[idx])
        return _WHOLE_TEXT[np.clip(np.rint(values), 0, 100).astype(int)]

    def grow(idx):
        v, h = score_text(idx, "value_score"), score_text(idx, "headache_score")
        return (
            "prize client, high value (score "
            + v
            + ") and low headache (score "
            + h
            + "): grow the relationship"
        )

    def keep(idx):
        v, h = score_text(idx, "value_score"), score_text(idx, "headache_score")
        measured = "nothing to change: value score " + v + ", headache score " + h
        return np.where(masks["active"][idx], measured, _NO_ACTIVITY)

    return {
        "PRUNE": prune,
        "COLLECT": collect,
        "REPRICE": reprice,
        "IMPROVE_DELIVERY": improve,
        "RESCOPE": rescope,
        "REASSIGN_OWNER": reassign,
        "INVOICE_MORE_OFTEN": invoice,
        "NURTURE": nurture,
        "GROW": grow,
        "KEEP": keep,
    }


def _plain(text: object) -> str:
    """User text inside a reason: no ``;`` (it separates action codes) and no ``|``."""
    return str(text).replace(";", ",").replace("|", "/")


def _share_of(amount: float, revenue: float) -> str:
    return f"{amount / revenue:.0%} of" if revenue > 0 else "more than"


def _size(size: object) -> str:
    return f"a {size} company" if isinstance(size, str) and size else "a company of unknown size"


def _notes(frame: pd.DataFrame, masks: dict[str, np.ndarray], settings: Settings) -> np.ndarray:
    """Bracketed notes that call for no action, appended to the last reason."""

    def column(name: str) -> np.ndarray:
        return _col(frame, name)

    out = np.full(len(frame), "", dtype=object)
    late = np.flatnonzero(masks["note_large_late"])
    out[late] = (
        " (pays "
        + _grouped_text(column("days_late_avg")[late])
        + " days late on average, "
        + _percent_text(column("late_share")[late])
        + " of invoices late: a large company, that is their payables policy, not a reason to act)"
    )
    paid = np.flatnonzero(masks["note_large_paid"])
    if len(paid):
        overdue, revenue = column("overdue_amount")[paid], column("revenue_ttm")[paid]
        held = np.where(
            masks["nonpayer_quarters"][paid],
            "money was more than 90 days past due at "
            + _number_text(column("overdue_90_quarters")[paid])
            + " of the last four quarter ends",
            _grouped_text(overdue)
            + f" {settings.base_currency} overdue, "
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


def _join_codes(final: dict[str, np.ndarray], n: int) -> np.ndarray:
    """``;``-joined codes per row, via the few distinct combinations (fast for 10k rows)."""
    codes = list(final)
    bits = np.zeros(n, dtype=np.int64)
    for k, code in enumerate(codes):
        bits |= final[code].astype(np.int64) << k
    patterns, inverse = np.unique(bits, return_inverse=True)
    labels = np.array(
        [";".join(c for k, c in enumerate(codes) if p >> k & 1) for p in patterns], dtype=object
    )
    return labels[inverse]


def assign_actions(scored: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """``scored`` (with ``segment``) plus ``actions``, ``prune``, ``reasons`` and the
    ``prune_<condition>`` flags. The input is not changed."""
    settings = settings or Settings()
    masks = rule_masks(scored, settings)
    final = _final_masks(masks)
    builders = _reason_builders(scored, masks, settings)
    n = len(scored)
    reasons = np.full(n, "", dtype=object)
    for code, mask in final.items():
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        text = np.array(builders[code](idx), dtype=object)
        current = reasons[idx]
        reasons[idx] = np.where(current == "", text, current + " | " + text)
    reasons = reasons + _notes(scored, masks, settings)
    return scored.assign(
        actions=_join_codes(final, n) if n else np.array([], dtype=object),
        prune=final["PRUNE"],
        reasons=reasons,
        **{f"prune_{c}": masks[f"prune_{c}"] & final["PRUNE"] for c in PRUNE_CONDITIONS},
    )


def no_revenue_book(frame: pd.DataFrame) -> bool:
    """Whether the frame's book records no revenue at all: every client's ``revenue_source`` is
    ``none`` (no invoices, no billable amounts). False without that column or without rows."""
    return (
        "revenue_source" in frame.columns
        and len(frame) > 0
        and bool(frame["revenue_source"].eq("none").all())
    )


def without_value(classified: pd.DataFrame, settings: Settings) -> pd.DataFrame:
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
    return classified.assign(**changes)


def classify(raw: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Scores, segment and actions on top of ``raw_metrics``: the full contract. Cheap (what the
    sliders call on every move); ``raw`` is not changed."""
    settings = settings or Settings()
    out = assign_actions(segment(score(raw, settings), settings), settings)
    out = without_value(out, settings)
    first = [c for c in CONTRACT_COLUMNS if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]]
