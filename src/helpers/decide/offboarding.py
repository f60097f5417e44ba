"""Offboarding plans: how to let a client go, following seed 002's four steps, with its figures.

1. communicate clearly (a meeting; the reason framed by the audit: profitability, fit with our
   goals, growth potential); 2. honest but diplomatic (points to make, words to avoid: no blame);
3. offer support (transition period, handover, a referral the consultant fills in); 4. follow up.
Each plan carries suggested dates from a start date, the open invoices to collect first and the
people involved: per seed 001 ("is it just me?") someone else leads the conversation when the
owner's dislike looks personal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.book.quarters import as_of
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.present.format import currency_symbol

REFERRAL = "[referral: another provider who may serve them better]"
OTHER_LEAD = "[a colleague the client gets on with]"
TRANSITION_DAYS = 30
FOLLOW_UP_DAYS = 14

#: Say these; they explain the decision by our strategy, not by the client's faults.
POINTS_TO_MAKE = (
    "We have reviewed every client relationship in a client audit this quarter.",
    "We looked at profitability, at how well the work fits where our business is going, and at "
    "the potential for growth on both sides.",
    "We are focusing on a narrower kind of work, and we are not the best fit for what you need.",
    "We want the change to be smooth for you: here is the transition period and what we will hand "
    "over.",
    "Someone else can serve your needs better than we can, and we are happy to introduce you.",
)
#: Avoid these: they blame or criticise the client (seed 002: "avoid blaming or criticising").
WORDS_TO_AVOID = (
    "difficult client",
    "problem client",
    "you always / you never",
    "your fault",
    "unprofitable",
    "late payer",
    "demanding",
    "not worth our time",
    "firing you",
)


@dataclass(frozen=True)
class Step:
    """One dated step of a plan."""

    number: int
    title: str
    date: pd.Timestamp
    text: str


@dataclass(frozen=True)
class Plan:
    """The offboarding plan for one client (build with :func:`offboarding_plan`)."""

    client_id: str
    name: str
    quarter: str
    owner: str | None
    lead: str
    lead_reason: str
    reason: str
    steps: tuple[Step, ...]
    points_to_make: tuple[str, ...]
    words_to_avoid: tuple[str, ...]
    open_invoices: pd.DataFrame
    referral: str = REFERRAL
    currency: str = "USD"
    team: tuple[str, ...] = ()

    @property
    def meeting_date(self) -> pd.Timestamp:
        return self.steps[0].date

    @property
    def transition_end(self) -> pd.Timestamp:
        return self.steps[2].date

    @property
    def follow_up_date(self) -> pd.Timestamp:
        return self.steps[3].date

    @property
    def open_amount(self) -> float:
        return float(self.open_invoices["amount_base"].sum()) if len(self.open_invoices) else 0.0

    @property
    def team_text(self) -> str:
        return ", ".join(self.team) or "nobody logged hours in the last twelve months"

    def to_markdown(self) -> str:
        """The plan as one Markdown page."""
        lines = [
            f"# Offboarding plan: {self.name} ({self.client_id})",
            "",
            f"Audit quarter: {self.quarter}. Owner: {self.owner or 'none recorded'}. "
            f"Leads the conversation: {self.lead} ({self.lead_reason}).",
            "",
            f"People involved in the handover: {self.team_text}.",
            "",
            "## Why (from the audit)",
            "",
            self.reason,
            "",
            "## Money to collect first",
            "",
            *self._invoice_lines(),
            "",
            "## Steps",
            "",
        ]
        for step in self.steps:
            lines += [f"### {step.number}. {step.title} ({step.date:%Y-%m-%d})", "", step.text, ""]
        lines += ["## Points to make", "", *(f"- {p}" for p in self.points_to_make), ""]
        lines += ["## Words to avoid", "", *(f"- {w}" for w in self.words_to_avoid), ""]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The plan as one self-contained HTML page (every client text escaped)."""
        e = html.escape
        steps = "".join(
            f"<h3>{s.number}. {e(s.title)} ({s.date:%Y-%m-%d})</h3><p>{e(s.text)}</p>"
            for s in self.steps
        )
        items = "".join
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Offboarding plan: {e(self.name)}</title>"
            "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;"
            "line-height:1.45;color:#333}h1{font-size:1.5em}</style></head><body>"
            f"<h1>Offboarding plan: {e(self.name)} ({e(self.client_id)})</h1>"
            f"<p>Audit quarter: {e(self.quarter)}. Owner: {e(self.owner or 'none recorded')}. "
            f"Leads the conversation: {e(self.lead)} ({e(self.lead_reason)}).</p>"
            f"<p>People involved in the handover: {e(self.team_text)}.</p>"
            f"<h2>Why (from the audit)</h2><p>{e(self.reason)}</p>"
            "<h2>Money to collect first</h2><ul>"
            + items(f"<li>{e(line.removeprefix('- '))}</li>" for line in self._invoice_lines())
            + f"</ul><h2>Steps</h2>{steps}<h2>Points to make</h2><ul>"
            + items(f"<li>{e(p)}</li>" for p in self.points_to_make)
            + "</ul><h2>Words to avoid</h2><ul>"
            + items(f"<li>{e(w)}</li>" for w in self.words_to_avoid)
            + "</ul></body></html>"
        )

    def _invoice_lines(self) -> list[str]:
        if self.open_invoices.empty:
            return ["- No open invoices at the end of the quarter."]
        money = self._money
        return [
            f"- {row.invoice_id}: {money(row.amount_base)}, due {row.due_date:%Y-%m-%d}"
            + (f", {row.days_past_due:.0f} days past due" if row.days_past_due > 0 else ", not due")
            for row in self.open_invoices.itertuples()
        ] + [f"- Total open: {money(self.open_amount)}"]

    def _money(self, x: float) -> str:
        return exact_money(x, self.currency)


# ----------------------------------------------------------------------------- building a plan


def exact_money(x: float, currency: str = "USD") -> str:
    """Money to the unit, as on an invoice: $12,000 (plans quote amounts exactly).

    >>> exact_money(-1234.5)
    '-$1,234'
    """
    sign = "-" if x < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(x):,.0f}"


def offboarding_plan(
    client_row: pd.Series | dict,
    *,
    start_date,
    book=None,
    settings: Settings,
    transition_days: int = TRANSITION_DAYS,
    follow_up_days: int = FOLLOW_UP_DAYS,
) -> Plan:
    """The plan for one client (a row of the metrics table) starting on ``start_date``.

    Dates roll forward to a business day: the meeting on the start date, the transition ending
    ``transition_days`` later, the follow-up ``follow_up_days`` after that. ``book`` (optional)
    supplies the open invoices and the assessments used to pick who leads the conversation.
    """
    row = pd.Series(client_row)
    for column in ("client_id", "name", "quarter"):
        if column not in row.index or pd.isna(row[column]):
            raise PumpkinError(f"offboarding plan: the client row has no '{column}'")
    start = _business_day(start_date)
    meeting = start
    transition_end = _business_day(meeting + pd.Timedelta(days=transition_days))
    follow_up = _business_day(transition_end + pd.Timedelta(days=follow_up_days))
    invoices = open_invoices(book, row["client_id"], as_of(row["quarter"]))
    lead, lead_reason = conversation_lead(row, book=book, settings=settings)
    currency = settings.base_currency
    money = lambda x: exact_money(x, currency)  # noqa: E731
    past_due = invoices.loc[invoices["days_past_due"] > 0, "amount_base"].sum()
    chase = f", {money(past_due)} of it past due: chase that first," if past_due > 0 else ","
    collect = (
        f"Before the meeting, list the {len(invoices)} open invoice(s) "
        f"({money(invoices['amount_base'].sum())}{chase} and agree in the meeting how they will "
        f"be settled by {transition_end:%Y-%m-%d}."
        if len(invoices)
        else "There is no open invoice to settle."
    )
    steps = (
        Step(
            1,
            "Communicate clearly: schedule a meeting or call",
            meeting,
            f"{lead} meets {row['name']} (a meeting or a call, not an e-mail) and explains that "
            "we have evaluated the relationship in a client audit, looking at profitability, fit "
            f"with our business goals and potential for future growth. {collect}",
        ),
        Step(
            2,
            "Be honest but diplomatic",
            meeting,
            "In the same conversation: be honest that the relationship is ending, explain it by "
            "our strategy and where our business is going, and avoid blaming or criticising the "
            "client (see the points to make and the words to avoid).",
        ),
        Step(
            3,
            "Offer support: transition and handover",
            transition_end,
            f"A transition period of {transition_days} days, to {transition_end:%Y-%m-%d}: "
            "finish or hand over the work in progress, return their files, documents and access "
            f"credentials, and introduce them to {REFERRAL}.",
        ),
        Step(
            4,
            "Follow up",
            follow_up,
            f"{lead} checks that the transition went smoothly and deals with any remaining issue "
            "or question, including the last invoices.",
        ),
    )
    return Plan(
        client_id=str(row["client_id"]),
        name=str(row["name"]),
        quarter=str(row["quarter"]),
        owner=None if pd.isna(row.get("owner")) else str(row.get("owner")),
        lead=lead,
        lead_reason=lead_reason,
        team=handover_team(book, row["client_id"], as_of(row["quarter"])),
        reason=audit_reason(row, currency=currency),
        steps=steps,
        points_to_make=POINTS_TO_MAKE,
        words_to_avoid=WORDS_TO_AVOID,
        open_invoices=invoices,
        currency=currency,
    )


def _business_day(date) -> pd.Timestamp:
    """The date itself on a weekday, else the next Monday."""
    try:
        stamp = pd.Timestamp(date).normalize()
    except (ValueError, TypeError):
        raise PumpkinError(f"start_date must be a date such as 2026-01-12, got {date!r}") from None
    if pd.isna(stamp):
        raise PumpkinError("start_date is missing")
    return stamp + pd.offsets.BDay(0)


def open_invoices(book, client_id: str, when: pd.Timestamp) -> pd.DataFrame:
    """The client's invoices issued by ``when`` and unpaid at ``when``, oldest due first."""
    columns = ["invoice_id", "issue_date", "due_date", "amount_base", "days_past_due"]
    if book is None:
        return pd.DataFrame(columns=columns)
    invoices = book.invoices
    unpaid = invoices["paid_date"].isna() | (invoices["paid_date"] > when)
    mine = invoices["client_id"].eq(client_id) & invoices["issue_date"].le(when) & unpaid
    return (
        invoices[mine & invoices["amount_base"].gt(0)]
        .assign(days_past_due=lambda d: (when - d["due_date"]).dt.days.clip(lower=0))
        .sort_values(["due_date", "invoice_id"])[columns]
        .reset_index(drop=True)
    )


def handover_team(book, client_id: str, when: pd.Timestamp) -> tuple[str, ...]:
    """Who worked for the client in the year to ``when``, most hours first: "Ann (120 h)"."""
    if book is None or book.time_entries.empty:
        return ()
    entries = book.time_entries
    start = when - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    mine = entries[entries["client_id"].eq(client_id) & entries["date"].between(start, when)]
    hours = mine.groupby("person")["hours"].sum().sort_values(ascending=False)
    return tuple(f"{person} ({h:,.0f} h)" for person, h in hours.items())


def conversation_lead(row: pd.Series, *, book=None, settings: Settings) -> tuple[str, str]:
    """Who leads the conversation, and why (seed 001: "is it just me?").

    The owner leads, unless the audit flagged ``REASSIGN_OWNER`` or the owner rates the client
    ``settings.reassign_gap`` or more below the other assessors: then the dislike may be
    personal, and the colleague who rates the client best (or a placeholder) leads.
    """
    owner = None if pd.isna(row.get("owner")) else str(row.get("owner"))
    ratings = _ratings(book, str(row["client_id"]))
    others = ratings.drop(owner, errors="ignore") if owner else ratings
    flagged = "REASSIGN_OWNER" in str(row.get("actions") or "").split(";")
    gap = ratings.get(owner, float("nan")) - (others.mean() if len(others) else float("nan"))
    personal = flagged or (gap <= -settings.reassign_gap)
    if owner is None:
        return (others.idxmax() if len(others) else OTHER_LEAD), "no owner is recorded"
    if not personal:
        return owner, "the client's owner"
    who = others.idxmax() if len(others) else OTHER_LEAD
    why = (
        f"the owner, {owner}, rates the client {abs(gap):.1f} points below colleagues: the "
        "dislike may be personal, so someone else leads"
        if gap == gap
        else f"the audit suggests the dislike of the owner, {owner}, may be personal"
    )
    return who, why


def _ratings(book, client_id: str) -> pd.Series:
    """Each assessor's mean rating of the client (mean of the four scores), best first."""
    if book is None or book.assessments.empty:
        return pd.Series(dtype=float)
    scores = ["alignment", "transparency", "respect", "fit"]
    mine = book.assessments[book.assessments["client_id"].eq(client_id)]
    return mine.groupby("assessor")[scores].mean().mean(axis=1).sort_values(ascending=False)


def audit_reason(row: pd.Series, *, currency: str = "USD") -> str:
    """The audit's reason in plain words: profitability, fit with our goals, growth potential."""
    money = lambda x: exact_money(x, currency)  # noqa: E731
    parts = []
    if _has(row, "effective_rate_ttm"):
        rank = (
            f" (a better rate than only {row['rate_percentile']:.0f}% of the book)"
            if _has(row, "rate_percentile")
            else ""
        )
        parts.append(
            f"Profitability: {money(row['revenue_ttm'])} of revenue for "
            f"{row['hours_ttm']:,.0f} hours over twelve months, "
            f"{money(row['effective_rate_ttm'])} an hour{rank}, a margin of "
            f"{money(row['margin_ttm'])}."
        )
    if _has(row, "alignment_score"):
        parts.append(
            f"Fit with our goals: an alignment score of {row['alignment_score']:.1f} of 5."
        )
    if _has(row, "growth_ttm"):
        potential = (
            f", and {money(row['expected_revenue_next_4q'])} expected over the next year"
            if _has(row, "expected_revenue_next_4q")
            else ""
        )
        parts.append(
            f"Growth potential: revenue {row['growth_ttm']:+.0%} on a year ago{potential}."
        )
    if _has(row, "reasons"):
        parts.append(f"The audit's words: {row['reasons']}.")
    return " ".join(parts) or "The client is in the prune set chosen by the consultant."


def _has(row: pd.Series, column: str) -> bool:
    return column in row.index and not pd.isna(row[column]) and row[column] != ""


# ----------------------------------------------------------------------------- many plans


def offboarding_plans(
    metrics: pd.DataFrame,
    prune_ids: Iterable[str] | None = None,
    *,
    start_date,
    book=None,
    settings: Settings,
) -> list[Plan]:
    """One plan per client to let go (default: the clients flagged ``prune``)."""
    ids = (
        metrics.loc[metrics["prune"].fillna(False).astype(bool), "client_id"].tolist()
        if prune_ids is None
        else list(prune_ids)
    )
    rows = metrics.set_index("client_id", drop=False)
    unknown = sorted(set(ids) - set(rows.index))
    if unknown:
        raise PumpkinError(f"offboarding plans: unknown client_id(s) {', '.join(unknown)}")
    return [
        offboarding_plan(rows.loc[i], start_date=start_date, book=book, settings=settings)
        for i in ids
    ]


def write_plans(plans: Sequence[Plan], out_dir: str | Path, fmt: str = "md") -> list[Path]:
    """One page per client in ``out_dir`` (``offboarding_<client_id>.md`` or ``.html``)."""
    if fmt not in ("md", "html"):
        raise PumpkinError(f"write_plans: fmt must be 'md' or 'html', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for plan in plans:
        path = out / f"offboarding_{_safe_name(plan.client_id)}.{fmt}"
        path.write_text(plan.to_markdown() if fmt == "md" else plan.to_html(), encoding="utf-8")
        paths.append(path)
    return paths


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "client"


def plans_frame(plans: Sequence[Plan]) -> pd.DataFrame:
    """One row per plan, for the ``offboarding`` sheet of the Excel action list."""
    columns = [
        "client_id",
        "name",
        "owner",
        "lead",
        "lead_reason",
        "team",
        "meeting_date",
        "transition_end",
        "follow_up_date",
        "open_invoices",
        "open_amount",
        "reason",
        "referral",
    ]
    return pd.DataFrame(
        [
            {
                "client_id": p.client_id,
                "name": p.name,
                "owner": p.owner,
                "lead": p.lead,
                "lead_reason": p.lead_reason,
                "team": p.team_text,
                "meeting_date": p.meeting_date,
                "transition_end": p.transition_end,
                "follow_up_date": p.follow_up_date,
                "open_invoices": len(p.open_invoices),
                "open_amount": p.open_amount,
                "reason": p.reason,
                "referral": p.referral,
            }
            for p in plans
        ],
        columns=columns,
    )


def offboarding_sheet(
    metrics: pd.DataFrame, book=None, *, settings: Settings | None = None, start_date=None
) -> pd.DataFrame:
    """The ``offboarding`` sheet of the Excel action list: one row per prune candidate.

    ``start_date`` defaults to two weeks after the quarter's last day (a suggestion the
    consultant moves). Dates are ``YYYY-MM-DD`` text, so they survive the report's JSON export;
    an empty metrics table gives an empty sheet with the columns.
    """
    settings = settings or Settings()
    if metrics.empty:
        return plans_frame([])
    if start_date is None:
        start_date = as_of(str(metrics["quarter"].iloc[0])) + pd.Timedelta(days=14)
    frame = plans_frame(
        offboarding_plans(metrics, start_date=start_date, book=book, settings=settings)
    )
    if frame.empty:
        return frame
    dates = ["meeting_date", "transition_end", "follow_up_date"]
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in dates})
