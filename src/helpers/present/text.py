"""The report's words: the headline figures, the summary and section paragraphs, the methodology,
and action codes said in words (the prune reasons' words are
:func:`helpers.decide.prune.prune_reason_labels`).

Client-provided strings in Markdown go through :func:`helpers.present.html.md_text`; the display
tables are in :mod:`helpers.present.tables`, the export payload in :mod:`helpers.present.export`.
Functions are pure (frames in, strings or figures out); the notebook displays them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.audit.measures import REVENUE_SOURCES
from helpers.audit.rules import (
    ACTION_LABELS,
    FIELD_SEGMENTS,
    FIX_ACTIONS,
    RULES,
    SEGMENT_LABELS,
    SEGMENT_NAMES,
    no_revenue_book,
    rules_text,
)
from helpers.audit.scores import INPUT_COLUMNS, WITHIN_SIZE
from helpers.book.load import NO_REVENUE
from helpers.book.quarters import ending_note, history_covers, prior_window, ttm_window
from helpers.book.schema import CLIENT_EVENT_KINDS, OUR_EVENT_KINDS
from helpers.book.settings import Settings
from helpers.forecast.choice import METHOD_WORDS, Backtest
from helpers.present.format import format_number, format_percent
from helpers.present.html import md_money as _md_money
from helpers.present.html import md_text

SEGMENTS = SEGMENT_NAMES  # from the registry (helpers.audit.rules)


#: Plain-words definitions of the metric contract, for the methodology section.
DEFINITIONS: Mapping[str, str] = {
    "quarter, as_of, windows": "as_of is the quarter's last day; the TTM window is the four "
    "quarters ending with it; the prior window is the four quarters before that. Money is in the "
    "base currency (converted with fx)",
    "revenue_q": "sum of invoice amount with issue_date in the quarter (credit notes included); "
    "for a client without any invoice in the book, the billable amounts of its time entries "
    "dated in the quarter instead (revenue_source says which: invoices, billable time or none)",
    "revenue_ttm": "the same over the TTM window",
    "billable_value_ttm": "sum of the billable amounts of the client's time entries in the TTM "
    "window (what the time tracker bills for the hours); empty when no entry has an amount",
    "realisation_ttm": "invoiced revenue_ttm / billable_value_ttm, for clients with invoices and "
    "billable amounts: 1 = invoiced everything its hours bill, 0.7 = 30% written off. Low "
    "realisation is a pricing or scope problem to fix, not a reason to let a client go",
    "hours_ttm": "sum of hours of time entries dated in the TTM window, billable or not",
    "non_billable_share": "non-billable hours / hours_ttm; 0 when hours_ttm is 0",
    "labour_cost_ttm": "sum of hours x the person's cost_rate over the TTM window (the default "
    "cost rate where none)",
    "margin_ttm": "revenue_ttm - labour_cost_ttm",
    "effective_rate_ttm": "revenue_ttm / hours_ttm; empty when hours_ttm is 0",
    "days_late_avg": "over invoices with amount > 0 and due_date in the TTM window, days late = "
    "max(0, end - due_date) where end is paid_date if the invoice was paid on or before as_of, "
    "else as_of (an invoice paid after as_of was unpaid at as_of); amount-weighted mean; 0 when "
    "there are none",
    "late_share": "the share of those invoices with days late > 0; 0 when none",
    "overdue_amount": "sum of amount of invoices of any date unpaid at as_of with due_date "
    "before as_of",
    "aging_*": "unpaid invoices at as_of by days past due: current (not yet due), 1-30, 31-60, "
    "61-90, 90+",
    "incidents_ttm": "sum of severity of client-caused events ("
    + ", ".join(CLIENT_EVENT_KINDS)
    + ") dated in the TTM window; our own ("
    + ", ".join(OUR_EVENT_KINDS)
    + ") count against our delivery, not the client",
    "growth_ttm": "revenue_ttm / revenue of the prior window - 1; empty when the prior revenue "
    "is 0",
    "alignment_score": "mean of alignment, transparency, respect and fit over all assessments "
    "dated in the TTM window (all assessors); empty when none",
    "expected_revenue_next_4q": "expected revenue over the next four quarters by the method that "
    "forecast the book's last year best (a backtest: each method fitted on the book up to four "
    "quarters before as_of and compared with what the clients were then invoiced): the run-rate "
    "with a damped trend, BG/NBD P(alive) x the client's own revenue rate, BG/NBD x Gamma-Gamma, "
    "or a shifted-beta-geometric retention x the run-rate; the run-rate when the book is too "
    "young for a backtest; potential_method says which",
    "expected_revenue_next_4q_low / _high": "an 80% band: the point x the 10th and 90th "
    "percentile of actual / forecast in the backtest of the method used; empty without a "
    "backtest",
    "rate_rank / rate_percentile": "position on revenue per hour among clients with hours (1 = "
    "best; percentile 100 = best)",
    "value_score / headache_score": "weighted mean of percentile ranks within the book (0-100) "
    "of independent inputs: no input, nor its mirror image, feeds both; empty for clients who left",
    "segment": "prize, tangled, seedling or weed by the two scores against their thresholds; "
    "gone: no hours and no invoices in the TTM window (outside the ranks, thresholds and shares)",
    "fit_rating / respect_rating": "mean of alignment, transparency and fit / of respect over "
    "the TTM assessments; fit_rating_others leaves out the owner's own ratings",
    "incidents_per_100h": "incidents_ttm per 100 hours worked in the TTM window",
    "invoice_interval_days": "mean days between the invoices issued in the TTM window",
    "overdue_60_plus": "aging_61_90 + aging_90_plus: money more than 60 days past due",
    "target_rate / target_rise": "cost_rate_ttm / (1 - target_margin): the hourly rate that "
    "covers the people's cost plus the target margin; target_rate / effective_rate_ttm - 1",
    "prune_abuse / prune_nonpayer / prune_cut / prune_reprice": "the reason(s) a prune "
    "candidate is one; prune is any of them",
}


# ----------------------------------------------------------------------------- words for codes


def action_labels(codes: str) -> str:
    """``"REPRICE;COLLECT"`` as plain words: ``"Raise prices, Collect overdue money"``."""
    if not isinstance(codes, str) or not codes:
        return ""
    return ", ".join(ACTION_LABELS.get(c, c) for c in codes.split(";"))


# ----------------------------------------------------------------------------- headline


def headline(metrics: pd.DataFrame, *, currency: str) -> dict[str, object]:
    """The key figures of a quarter (numbers only): the summary, the index page and tests."""
    active = metrics["active"] if "active" in metrics.columns else metrics["revenue_ttm"].ne(0)
    pruned = metrics["prune"].astype(bool)
    revenue_ttm = float(metrics["revenue_ttm"].sum())
    hours_ttm = float(metrics["hours_ttm"].sum())
    counts = metrics["segment"].astype(object).value_counts().reindex(list(SEGMENTS), fill_value=0)
    fixes = (
        metrics["actions"].fillna("").str.split(";").map(lambda a: bool(set(a) & set(FIX_ACTIONS)))
    )
    return {
        "currency": currency,
        "clients": int(len(metrics)),
        "active_clients": int(active.sum()),
        "revenue_q": float(metrics["revenue_q"].sum()),
        "revenue_ttm": revenue_ttm,
        "margin_ttm": float(metrics["margin_ttm"].sum()),
        "hours_ttm": hours_ttm,
        **{segment: int(counts[segment]) for segment in SEGMENTS},
        "prune": int(pruned.sum()),
        "prune_revenue_ttm": float(metrics.loc[pruned, "revenue_ttm"].sum()),
        "prune_revenue_share": float(metrics.loc[pruned, "revenue_ttm"].sum() / revenue_ttm)
        if revenue_ttm
        else 0.0,
        "prune_hours_share": float(metrics.loc[pruned, "hours_ttm"].sum() / hours_ttm)
        if hours_ttm
        else 0.0,
        "prune_margin_ttm": float(metrics.loc[pruned, "margin_ttm"].sum()),
        "fix": int((fixes & ~pruned).sum()),
        "review": int(
            metrics["actions"].fillna("").str.split(";").map(lambda a: "REVIEW" in a).sum()
        ),
    }


def revenue_sources(metrics: pd.DataFrame) -> dict[str, int]:
    """How many clients each revenue source covers (invoices, billable time, none)."""
    if "revenue_source" not in metrics.columns:
        return {"invoices": int(len(metrics))}
    counts = metrics["revenue_source"].value_counts()
    return {s: int(counts.get(s, 0)) for s in REVENUE_SOURCES}


def sources_sentence(sources: Mapping[str, int]) -> str:
    """'Revenue comes from invoices for 12 clients, from the billable value of their time (no
    invoices in the book) for 3.' (the summary and the methodology say it)."""
    words = {
        "invoices": "from invoices",
        "billable time": "from the billable value of their time (no invoices in the book)",
        "none": "from nothing (no invoices, no billable amounts)",
    }
    parts = [f"{words[s]} for {n}" for s, n in sources.items() if n]
    if not parts:
        return ""
    clients = "client" if sum(sources.values()) == 1 else "clients"
    return "Revenue comes " + ", ".join(parts) + f" {clients}."


def no_revenue_markdown(metrics: pd.DataFrame, *, quarter: str, currency: str) -> str:
    """The opening of a report on a book without revenue: the message, then what is measured."""
    h = headline(metrics, currency=currency)
    return (
        f"**{md_text(NO_REVENUE[0].upper() + NO_REVENUE[1:])}.**\n\n"
        f"At the end of {md_text(quarter)} the book has **{h['active_clients']}** active clients "
        f"(of {h['clients']} on file) and **{format_number(h['hours_ttm'])}** hours over the last four "
        f"quarters, {format_percent(_share(metrics, 'non_billable_share'))} of them not billable, costing "
        f"{_md_money(currency)(float(metrics['labour_cost_ttm'].sum()))} in labour. Without "
        "revenue the report leaves out the patch, the rate ranking, the whale curve, the prune "
        "list, payments, movement, potential and the pruning scenario."
    )


def _share(metrics: pd.DataFrame, column: str) -> float:
    """The hours-weighted mean of a share column (the book's non-billable share)."""
    hours = metrics["hours_ttm"].to_numpy(dtype=float)
    total = hours.sum()
    return float((metrics[column].to_numpy(dtype=float) * hours).sum() / total) if total else 0.0


def realisation_markdown(metrics: pd.DataFrame, *, currency: str) -> str:
    """One paragraph on realisation across the book, or why there is none to show."""
    if "realisation_ttm" not in metrics.columns or metrics["realisation_ttm"].isna().all():
        return (
            "No client has both invoices and billable amounts on its time entries over the last "
            "four quarters, so realisation (what was invoiced against what the hours bill) cannot "
            "be measured. Export time with billable rates to see it."
        )
    known = metrics[metrics["realisation_ttm"].notna()]
    billed, invoiced = known["billable_value_ttm"].sum(), known["revenue_ttm"].sum()
    money = _md_money(currency)
    return (
        f"Over the last four quarters, {len(known)} clients with invoices and billable amounts "
        f"were invoiced **{money(invoiced)}** for hours worth **{money(billed)}** at their "
        f"billable rates ({format_percent(invoiced / billed) if billed else '–'}): "
        f"{money(max(billed - invoiced, 0.0))} not invoiced. A low realisation is a price or "
        "a scope to fix, not a reason to let the client go."
    )


def summary_markdown(metrics: pd.DataFrame, *, quarter: str, currency: str) -> str:
    """The one-paragraph summary with the key figures (numbers only: nothing to escape)."""
    if no_revenue_book(metrics):
        return no_revenue_markdown(metrics, quarter=quarter, currency=currency)
    h = headline(metrics, currency=currency)
    money = _md_money(currency)
    margin_share = h["margin_ttm"] / h["revenue_ttm"] if h["revenue_ttm"] else float("nan")
    segments = ", ".join(
        f"**{h[s]}** {SEGMENT_LABELS[s].split(':')[0].lower()}" for s in FIELD_SEGMENTS
    )
    left = (
        f" **{h['gone']}** {'client has' if h['gone'] == 1 else 'clients have'} left (no hours "
        "and no invoices in the last four quarters)."
        if h.get("gone")
        else ""
    )
    review = (
        f" **{h['review']}** {'weed has' if h['review'] == 1 else 'weeds have'} no reason to let "
        "go and nothing to fix: review them with their owners."
        if h["review"]
        else ""
    )
    who = (
        "client is a prune candidate: it brings"
        if h["prune"] == 1
        else "clients are prune candidates: they bring"
    )
    prune = (
        f"**{h['prune']}** {who} "
        f"{format_percent(h['prune_revenue_share'])} of the revenue ({money(h['prune_revenue_ttm'])}) for "
        f"{format_percent(h['prune_hours_share'])} of the hours, and {money(h['prune_margin_ttm'])} of margin."
        if h["prune"]
        else "No client is a prune candidate."
    )
    return (
        f"At the end of {md_text(quarter)} the book has **{h['active_clients']}** active clients "
        f"(of {h['clients']} on file). Over the last four quarters they brought "
        f"**{money(h['revenue_ttm'])}** of revenue ({money(h['revenue_q'])} in the quarter) and "
        f"**{money(h['margin_ttm'])}** of margin ({format_percent(margin_share)} of revenue) for "
        f"{format_number(h['hours_ttm'])} hours. The patch holds {segments}.{left} {prune} "
        f"**{h['fix']}** more {'has' if h['fix'] == 1 else 'have'} something to fix (price, scope, "
        "invoicing, owner, delivery or "
        f"collection).{review} Money is in {md_text(currency)}."
    ) + _sources_suffix(metrics)


def _sources_suffix(metrics: pd.DataFrame) -> str:
    sources = revenue_sources(metrics)
    if {k for k, n in sources.items() if n} <= {"invoices"}:
        return ""  # the usual book: every client invoiced, nothing to explain
    return " " + sources_sentence(sources)


def coverage_note(book, *, quarter: str) -> str:
    """A caution when the book's history does not cover the windows the metrics compare.

    The TTM window needs four quarters of history and growth the four before them; early
    quarters of a book have less, so their revenue, rates and growth are not comparable yet.

    >>> import types
    >>> book = types.SimpleNamespace(first_activity=lambda: pd.Timestamp("2025-01-02"))
    >>> coverage_note(book, quarter="2025Q2")[:46]
    'Caution: the book starts on 2025-01-02, so the'
    >>> coverage_note(book, quarter="2026Q4")
    ''
    >>> coverage_note(book, quarter="2026Q1")[-45:]
    'used to nurture clients (no full prior year).'

    A quarter that ends after the book's last dated row says so too:

    >>> book.last_activity = lambda: pd.Timestamp("2026-11-20")
    >>> coverage_note(book, quarter="2026Q4")[:64]
    'Caution: the book ends on 2026-11-20, before the quarter does (2'
    """
    ending = ending_note(book.last_activity(), quarter) if hasattr(book, "last_activity") else ""
    starting = _starting_note(book.first_activity(), quarter)
    return " ".join(note for note in (starting, ending) if note)


def _starting_note(first, quarter: str) -> str:
    ttm, prior = ttm_window(quarter), prior_window(quarter)
    if first is None or history_covers(first, prior):
        return ""
    if history_covers(first, ttm):
        return (
            f"Caution: the book starts on {first:%Y-%m-%d}, so the four quarters before the last "
            "four are not fully covered: growth is not used to nurture clients (no full prior year)."
        )
    months = max(0, (ttm.end.year - first.year) * 12 + ttm.end.month - first.month + 1)
    return (
        f"Caution: the book starts on {first:%Y-%m-%d}, so the last four quarters hold only "
        f"{months} of 12 months of history and there is no prior year for growth: revenue, margin "
        "and hours are partial, and forecasts annualise a short history."
    )


# ----------------------------------------------------------------------------- sections


def left_markdown(left: pd.DataFrame) -> str:
    """One paragraph: how many clients left and how many had a service problem before."""
    if left.empty:
        return "No client has left: every client on file had hours or invoices in the last four quarters."
    n = len(left)
    ours = int(left["delivery_severity_ttm"].fillna(0).gt(0).sum())
    owner = int((left["owner_rating"] < left["others_rating"]).fillna(False).sum())
    late = int(left["days_late_avg"].fillna(0).gt(0).sum())
    incidents = int(left["incidents_ttm"].fillna(0).gt(0).sum())
    who = "client has" if n == 1 else "clients have"
    return (
        f"**{n}** {who} left: no hours and no invoices in the last four quarters. They are "
        "outside the four fields, the ranks and the shares. In the four quarters before they went "
        f"quiet, **{ours}** had our own rework or missed deadlines, **{owner}** were rated lower "
        f"by their owner than by the other assessors, **{late}** paid late and **{incidents}** "
        "had client-caused incidents (seed 001: most clients leave over service, so look at ours "
        "first)."
    )


def potential_markdown(metrics: pd.DataFrame, *, currency: str) -> str:
    """One sentence: expected revenue next year against this year's, and the method used."""
    money = _md_money(currency)
    expected = float(metrics["expected_revenue_next_4q"].sum())
    current = float(metrics["revenue_ttm"].sum())
    methods = metrics["potential_method"].fillna("none").value_counts()
    method_text = ", ".join(f"{md_text(m)} for {n}" for m, n in methods.items())
    change = f" ({expected / current - 1:+.0%})" if current else ""
    return (
        f"The current clients are expected to bring **{money(expected)}** over the next four "
        f"quarters, against {money(current)} over the last four{change}. "
        f"Forecasts by client: {method_text} clients. Headroom (the size wallet minus TTM revenue) is an "
        f"assumption from the settings, not a measurement."
    )


def backtest_markdown(checked: Backtest, metrics: pd.DataFrame, *, currency: str) -> str:
    """The method used and why, and what the band means, in a short paragraph."""
    money = _md_money(currency)
    method = md_text(METHOD_WORDS.get(checked.chosen, checked.chosen))
    text = f"**Method: {method}.** {md_text(checked.reason)}"
    low, high = checked.band
    if not (np.isfinite(low) and np.isfinite(high)):
        return text + (
            " There is no band around the forecasts: without a backtest there are no past "
            "misses to size one from, so no client is nurtured on its potential alone."
        )
    total_low = float(metrics["expected_revenue_next_4q_low"].sum())
    total_high = float(metrics["expected_revenue_next_4q_high"].sum())
    return text + (
        f" A client forecast at {money(100_000)} can be expected between {money(100_000 * low)}"
        f" and {money(100_000 * high)} four times in five, if next year misses as the backtest's "
        f"year did (the 80% band); over all clients, {money(total_low)} to {money(total_high)}. "
        "Nurturing a client on its potential takes the low end of its band."
    )


# ----------------------------------------------------------------------------- methodology


def _cut_text(threshold: float) -> str:
    """A score threshold, or why there is none (no client scored: a book without revenue)."""
    return "none (no client scored)" if pd.isna(threshold) else f"{threshold:.1f}"


#: The score inputs in words (the methodology names what each weight reads).
_INPUT_WORDS: Mapping[str, str] = {
    "margin": "margin",
    "revenue": "revenue",
    "growth": "growth on the prior year",
    "potential": "expected revenue next year",
    "values": "alignment, transparency and fit (without the owner's ratings when REASSIGN_OWNER "
    "holds)",
    "hours_per_revenue": "hours per unit of revenue",
    "non_billable": "non-billable share of hours",
    "lateness": "days late",
    "incidents": "client-caused incidents per 100 hours worked",
    "disrespect": "5 - the respect rating (how the client treats our people)",
}


def _inputs_text(weights: Mapping[str, float]) -> str:
    total = sum(weights.values()) or 1.0
    parts = []
    for key, weight in weights.items():
        words = _INPUT_WORDS.get(key, key)
        within = ", ranked within the client's size class" if key in WITHIN_SIZE else ""
        columns = "/".join(INPUT_COLUMNS.get(key, ()))
        parts.append(
            f"{md_text(key)} {weight / total:.0%} ({md_text(words)}{within}; {md_text(columns)})"
        )
    return ", ".join(parts)


def methodology_markdown(
    *,
    settings: Settings,
    value_threshold: float,
    headache_threshold: float,
    sources: Mapping[str, int] | None = None,
) -> str:
    """Definitions, weights, thresholds and rules actually used, generated from the settings and
    the registry of rules (:mod:`helpers.audit.rules`); with ``sources``
    (:func:`revenue_sources`), how many clients each revenue source covers."""
    s = settings
    source_text = (
        "\n\n" + sources_sentence(sources) + " A client with invoices in the book is valued by "
        "its invoices; one without, by the billable amounts of its time entries (what the time "
        "tracker bills for the hours); a book with neither is measured on hours only."
        if sources
        else ""
    )
    money = _md_money(s.base_currency)
    definitions = "\n".join(f"- **{md_text(k)}**: {md_text(v)}" for k, v in DEFINITIONS.items())
    sentences = rules_text(settings=s)
    actions = "\n".join(
        f"- **{rule.code}** ({md_text(rule.label)}; seed {md_text(rule.seed)}): "
        f"{md_text(sentences[rule.code])}."
        for rule in RULES
    )
    value_cut = "the median" if s.value_threshold is None else "set in the settings"
    headache_cut = "the median" if s.headache_threshold is None else "set in the settings"
    return f"""### Definitions

Every figure is point in time: as of the quarter's last day, from invoices, hours, events and
assessments dated on or before it. Money is in {md_text(s.base_currency)} (other currencies converted
with the fx table).{source_text}

{definitions}

### Scores and segments

- **Value score** (what the client is worth): {_inputs_text(s.value_weights)}.
- **Headache score** (what serving it costs beyond the hours billed):
  {_inputs_text(s.headache_weights)}.
- The two scores are independent: no input, nor its mirror image, feeds both.
- Each input is a percentile rank among the active clients (0-100); a missing input gets the
  neutral 50. Clients who left (no hours and no invoices in the last four quarters) are outside
  the ranks, the thresholds, the four fields and the segment shares.
- Thresholds: value {_cut_text(value_threshold)} ({value_cut}), headache
  {_cut_text(headache_threshold)} ({headache_cut}). Prize: high value, low headache; tangled:
  high, high; seedling: low, low;
  weed: low value, high headache.

### Actions, the seeds they come from and their thresholds

{actions}

Each fix action's reason says since which quarter it has been given (looking back up to a year).
Every reason is a sentence with the client's figures.

### Other settings in force

- Target margin {s.target_margin:.0%} of revenue; largest price rise asked before reprice or
  exit {s.max_price_rise:.0%}; the seed's cut at the bottom {s.prune_percentile:g}% on revenue per
  hour.
- Cost of an hour when a person has no cost rate: {money(s.default_cost_rate)}.
  Future revenue discounted at {s.discount_rate:.0%} a year.
"""
