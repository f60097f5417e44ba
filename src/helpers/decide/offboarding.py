"""Offboarding plans: how to let a client go, following seed 002's four steps, said per cause.

Seed 002's frame stays for every plan: 1. communicate clearly (a meeting, not an e-mail); 2. be
honest but diplomatic (points to make, words to avoid: no blame); 3. offer support (notice,
handover, a referral the consultant fills in); 4. follow up (a letter and a check-in).

What is honest depends on why the client is let go (the ``prune_<reason>`` columns of the audit):

- ``abuse`` (``prune_abuse``): the behaviour, its dates, that it concerns our people; no
  negotiation. Seed 003: letting an abusive client go is a statement of values to the team.
- ``nonpayer`` (``prune_nonpayer``): the overdue money, the oldest invoice, a settlement proposal.
- ``reprice`` (``prune_reprice``): the rate that covers our cost and the date of the offer; the
  plan's first step is that offer, and the parting only if it is declined.
- ``cut`` (``prune_cut``, seed 003's bottom of the book): the audit's reasons of profitability,
  fit and growth, and "we are not the best fit".
- ``review`` (a ``REVIEW`` client the consultant chose) and any later ``prune_<reason>``: the
  audit's own words, framed like the cut.

Before acting on the cut or a review, seed 000's questions come first: can't or won't? The
partner's answers (:class:`CantOrWont`) are saved beside the plans (``cant_or_wont.csv``) and
printed in them. Every plan's dates respect the contract's notice (``clients.notice_days``, else
``settings.notice_days``); several exits are spread over ``settings.exit_spread_days`` so the
month's cash does not stop all at once (:func:`schedule_exits`, :func:`exit_calendar`).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.book.quarters import as_of, ttm_window
from helpers.book.settings import Settings
from helpers.errors import BookError, PumpkinError
from helpers.present.format import exact_money

REFERRAL = "[referral: another provider who may serve them better]"
OTHER_LEAD = "[a colleague the client gets on with]"
FOLLOW_UP_DAYS = 14  # after the last day of our work
OFFER_DAYS = 14  # how long a reprice offer stands
SETTLEMENT_INSTALMENTS = 3  # monthly instalments a non-payer may choose instead of paying at once
ANSWERS_FILE = "cant_or_wont.csv"

#: The seed's cut (and a review): they explain the decision by our strategy, not the client's
#: faults. Honest there; not for abuse, non-payment or a price (those plans say why plainly).
POINTS_TO_MAKE = (
    "We have reviewed every client relationship in a client audit this quarter.",
    "We looked at profitability, at how well the work fits where our business is going, and at "
    "the potential for growth on both sides.",
    "We are focusing on a narrower kind of work, and we are not the best fit for what you need.",
    "We want the change to be smooth for you: here is the transition period and what we will hand "
    "over.",
    "Someone else can serve your needs better than we can, and we are happy to introduce you.",
)
#: Avoid these in every plan: they blame or criticise the client (seed 002: "avoid blaming or
#: criticising"). Each cause adds its own (:data:`CAUSES`).
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

#: Seed 000, turned on ourselves before letting a client go for the cut or after a review.
CANT_OR_WONT_QUESTIONS = (
    "Is the gap something we have not done, or something we do not want to do?",
    "If we have not done it, why not: are we resisting change, or is it really a matter of "
    "strategy?",
    "Are we not doing this well enough: would training, practice, better capability or more "
    "staff fix it?",
)
ANSWERS = ("won't", "can't")
FIXES = ("training", "practice", "capability", "staff")


@dataclass(frozen=True)
class Cause:
    """Why a client is let go, and what that changes in the plan."""

    code: str
    label: str  # the reason in a few plain words
    seed: str  # where the reason comes from
    asks: bool  # does the plan start with "can't or won't?"
    avoid: tuple[str, ...] = ()  # words to avoid on top of WORDS_TO_AVOID


#: Causes in precedence order: a client let go for several reasons gets the first one's plan.
CAUSES: Mapping[str, Cause] = {
    c.code: c
    for c in (
        Cause(
            "abuse",
            "how our people were treated",
            "seeds 000 and 003: abuse of our people, whatever the revenue",
            asks=False,
            avoid=(
                "we could reconsider",
                "a second chance",
                "if things improve",
                "let's find a compromise",
                "a discount",
            ),
        ),
        Cause(
            "nonpayer",
            "invoices that are not paid",
            "seed 003: give up the clients who won't pay",
            asks=False,
            avoid=("you never pay", "deadbeat", "we will sue you", "forget the invoices"),
        ),
        Cause(
            "reprice",
            "a price below what the work costs us",
            "seed 003: time spent against revenue; a rise too big for a repricing",
            asks=False,
            avoid=(
                "take it or leave it",
                "you are too cheap",
                "a special discount",
                "we lose money on you",
            ),
        ),
        Cause(
            "cut",
            "the bottom of the book on revenue per hour",
            "seed 003: the bottom 5-10% on time against revenue may not be worth the effort",
            asks=True,
        ),
        Cause(
            "review",
            "a weak relationship the audit asked us to review",
            "the audit's REVIEW: nothing fixable found, so the partner decides",
            asks=True,
        ),
        Cause(
            "chosen",
            "the consultant's choice",
            "not an audit reason: the consultant chose this client",
            asks=True,
        ),
    )
}
PRUNE_CAUSES = ("abuse", "nonpayer", "reprice", "cut")  # the seeds' prune_<reason> columns


def cause_of(code: str) -> Cause:
    """The cause for ``code``; a later ``prune_<reason>`` is framed like the cut (asks first)."""
    if code in CAUSES:
        return CAUSES[code]
    label = f"the audit's '{code.replace('_', ' ')}' reason"
    return Cause(code, label, f"the audit's prune_{code} column", asks=True)


def plan_causes(row: pd.Series | Mapping) -> tuple[str, ...]:
    """Why the client is let go, most serious first: its true ``prune_<reason>`` columns.

    Known reasons come in :data:`PRUNE_CAUSES` order, later ones after them; with none, a
    ``REVIEW`` client is ``review`` and any other client the consultant picked is ``chosen``.
    """
    row = pd.Series(row)
    flagged = [
        str(c).removeprefix("prune_")
        for c in row.index
        if str(c).startswith("prune_") and _is_true(row[c])
    ]
    ordered = [c for c in PRUNE_CAUSES if c in flagged] + sorted(
        c for c in flagged if c not in PRUNE_CAUSES
    )
    if ordered:
        return tuple(ordered)
    actions = str(row.get("actions") or "").split(";")
    return ("review",) if "REVIEW" in actions else ("chosen",)


def cause_column(metrics: pd.DataFrame) -> pd.Series:
    """The plan's cause for every row of a metrics table (:func:`plan_causes`' first)."""
    return pd.Series(
        [plan_causes(row)[0] for _, row in metrics.iterrows()], index=metrics.index, dtype=object
    )


def _is_true(value) -> bool:
    return isinstance(value, bool | np.bool_) and bool(value)


# ----------------------------------------------------------------------------- can't or won't?


@dataclass(frozen=True)
class CantOrWont:
    """The partner's answers to seed 000's questions for one client, saved with its plan."""

    client_id: str
    answer: str = ""  # "won't" (strategy), "can't" (ability), or "" (not answered yet)
    fixes: tuple[str, ...] = ()  # which of FIXES would close the gap
    note: str = ""
    answered_by: str = ""
    date: str = ""  # YYYY-MM-DD
    quarter: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "answer", normalise_answer(self.answer))
        fixes = tuple(str(f).strip().lower() for f in self.fixes if str(f).strip())
        unknown = [f for f in fixes if f not in FIXES]
        if unknown:
            raise PumpkinError(
                f"can't or won't: unknown fix(es) {', '.join(unknown)}; known: {', '.join(FIXES)}"
            )
        object.__setattr__(self, "fixes", tuple(f for f in FIXES if f in fixes))

    @property
    def answered(self) -> bool:
        return bool(self.answer)

    @property
    def hold(self) -> bool:
        """The answers say we could fix the gap: hold the plan and fix it first."""
        return self.answer == "can't" or bool(self.fixes)

    def verdict(self) -> str:
        """The answers in one sentence the partner can stand behind."""
        if not self.answered:
            return "Not answered yet: answer the questions before the meeting."
        who = f" ({self.answered_by}, {self.date})" if self.answered_by or self.date else ""
        note = f" Note: {self.note.strip()}" if self.note.strip() else ""
        if self.hold:
            fixed_by = " and ".join(self.fixes) or "work we could learn"
            return (
                f"Can't yet, not won't{who}: {fixed_by} could close the gap. Hold the plan: fix "
                f"it first, or write down why we choose not to.{note}"
            )
        return (
            f"Won't{who}: a matter of strategy, not of ability; training, practice, capability "
            f"or staff would not change it. The plan goes ahead.{note}"
        )


def normalise_answer(answer: object) -> str:
    """``"won't"``, ``"can't"`` or ``""`` from the ways people type them (wont, Can’t, ...)."""
    text = "" if answer is None or answer != answer else str(answer)
    key = text.strip().lower().replace("’", "'").replace("'", "").replace(" ", "")
    if key in ("", "none", "notanswered"):
        return ""
    if key in ("wont", "willnot"):
        return "won't"
    if key in ("cant", "cannot"):
        return "can't"
    raise PumpkinError(f"can't or won't: the answer must be can't or won't, got {text!r}")


_ANSWER_COLUMNS = ["quarter", "client_id", "answer", "fixes", "note", "answered_by", "date"]


def load_answers(path: str | Path, *, quarter: str | None = None) -> dict[str, CantOrWont]:
    """The saved answers by client (a missing file: none); ``quarter`` keeps that quarter's."""
    path = Path(path)
    if not path.exists():
        return {}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("client_id", "answer") if c not in frame.columns]
    if missing:
        raise BookError("required column missing", file=path, column=missing[0])
    answers = {}
    for i, row in enumerate(frame.to_dict("records")):
        if quarter is not None and row.get("quarter", "") not in ("", quarter):
            continue
        try:
            answers[row["client_id"]] = CantOrWont(
                client_id=row["client_id"],
                answer=row["answer"],
                fixes=tuple(row.get("fixes", "").split(";")),
                note=row.get("note", ""),
                answered_by=row.get("answered_by", ""),
                date=row.get("date", ""),
                quarter=row.get("quarter", ""),
            )
        except PumpkinError as exc:
            column = "fixes" if "fix" in str(exc) else "answer"
            raise BookError(str(exc), file=path, row=i + 2, column=column) from None
    return answers


def save_answers(answers: Iterable[CantOrWont], path: str | Path) -> Path:
    """Write the answers to ``path`` (``cant_or_wont.csv``), replacing earlier answers for the
    same client and quarter and keeping the others."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = {}
    if path.exists():
        for a in load_answers(path).values():
            kept[(a.quarter, a.client_id)] = a
    for a in answers:
        kept[(a.quarter, a.client_id)] = a
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_ANSWER_COLUMNS)
        for a in sorted(kept.values(), key=lambda a: (a.quarter, a.client_id)):
            writer.writerow(
                [
                    a.quarter,
                    a.client_id,
                    a.answer,
                    ";".join(a.fixes),
                    a.note,
                    a.answered_by,
                    a.date,
                ]
            )
    return path


# ----------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Step:
    """One dated step of a plan."""

    number: int
    title: str
    date: pd.Timestamp
    text: str


@dataclass(frozen=True)
class Offer:
    """A reprice-or-exit offer: the rate that covers our cost, and its dates."""

    rate: float
    rise: float  # fraction: 0.24 = +24%
    current_rate: float
    cost_rate: float
    book_rate: float
    offered_on: pd.Timestamp
    answer_by: pd.Timestamp
    rate_from: pd.Timestamp


@dataclass(frozen=True)
class Settlement:
    """What a non-payer is asked to pay, at once or in monthly instalments."""

    amount: float
    full_by: pd.Timestamp
    instalments: tuple[tuple[pd.Timestamp, float], ...]


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
    currency: str
    referral: str = REFERRAL
    team: tuple[str, ...] = ()
    cause: str = "chosen"
    causes: tuple[str, ...] = ("chosen",)
    notice_days: int = 30
    notice_source: str = "the default setting"
    exit_date: pd.Timestamp | None = None
    questions: tuple[str, ...] = ()
    answers: CantOrWont | None = None
    letter: str = ""
    for_our_people: str = ""
    monthly_revenue: float = 0.0
    monthly_hours: float = 0.0
    offer: Offer | None = None
    settlement: Settlement | None = None
    behaviour: tuple[str, ...] = field(default=())

    @property
    def meeting_date(self) -> pd.Timestamp:
        return self.steps[0].date

    @property
    def transition_end(self) -> pd.Timestamp:
        return self.exit_date if self.exit_date is not None else self.steps[2].date

    @property
    def follow_up_date(self) -> pd.Timestamp:
        return self.steps[3].date

    @property
    def open_amount(self) -> float:
        return float(self.open_invoices["amount_base"].sum()) if len(self.open_invoices) else 0.0

    @property
    def team_text(self) -> str:
        return ", ".join(self.team) or "nobody logged hours in the last twelve months"

    @property
    def cause_label(self) -> str:
        return cause_of(self.cause).label

    @property
    def hold(self) -> bool:
        """The partner's answers say the gap could be fixed: do not act on this plan yet."""
        return self.answers is not None and self.answers.hold

    @property
    def answers_text(self) -> str:
        if not self.questions:
            return ""
        return (self.answers or CantOrWont(self.client_id)).verdict()

    # ------------------------------------------------------------------ pages

    def _sections(self) -> list[tuple[str, list[str], list[str]]]:
        """(heading, paragraphs, bullets) in page order; the steps are rendered separately."""
        also = [cause_of(c).label for c in self.causes if c != self.cause]
        why = f"Why we part: {self.cause_label} ({cause_of(self.cause).seed})." + (
            f" Also: {'; '.join(also)}." if also else ""
        )
        sections: list[tuple[str, list[str], list[str]]] = [("", [why], [])]
        if self.questions:
            answer = [f"Answers: {self.answers_text}"]
            if self.answers is None or not self.answers.answered:
                answer.append(
                    f"Answer in notebook 04 or the pruning planner; the answers are saved in "
                    f"`{ANSWERS_FILE}` beside these plans and printed here."
                )
            sections.append(("Before acting: can't or won't?", answer, list(self.questions)))
        sections += [
            ("Why (from the audit)", [self.reason], list(self.behaviour)),
            (
                "Notice and dates",
                [
                    f"Notice: {self.notice_days} days ({self.notice_source}). Meeting "
                    f"{self.meeting_date:%Y-%m-%d}; last day of our work"
                    f"{' if the offer is declined' if self.offer is not None else ''} "
                    f"{self.transition_end:%Y-%m-%d}; follow-up {self.follow_up_date:%Y-%m-%d}. "
                    f"It stops about {exact_money(self.monthly_revenue, self.currency)} of "
                    f"revenue and frees about {self.monthly_hours:,.0f} hours a month."
                ],
                [],
            ),
            (
                "Money to collect first",
                [],
                [line.removeprefix("- ") for line in self._invoice_lines()],
            ),
        ]
        return sections

    def _closing(self) -> list[tuple[str, list[str], list[str]]]:
        closing = [
            ("Points to make", [], list(self.points_to_make)),
            ("Words to avoid", [], list(self.words_to_avoid)),
        ]
        if self.for_our_people:
            closing.append(("For our people", [self.for_our_people], []))
        return closing

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
        ]

        def add(heading, paragraphs, bullets):
            nonlocal lines
            if heading:
                lines += [f"## {heading}", ""]
            for p in paragraphs:
                lines += [p, ""]
            if bullets:
                lines += [*(f"- {b}" for b in bullets), ""]

        for section in self._sections():
            add(*section)
        lines += ["## Steps", ""]
        for step in self.steps:
            lines += [f"### {step.number}. {step.title} ({step.date:%Y-%m-%d})", "", step.text, ""]
        for section in self._closing():
            add(*section)
        lines += ["## Follow-up letter (draft)", ""]
        lines += [f"> {line}".rstrip() for line in self.letter.split("\n")] + [""]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The plan as one self-contained HTML page (every client text escaped)."""
        e = html.escape

        def block(heading, paragraphs, bullets):
            out = f"<h2>{e(heading)}</h2>" if heading else ""
            out += "".join(f"<p>{e(p)}</p>" for p in paragraphs)
            if bullets:
                out += "<ul>" + "".join(f"<li>{e(b)}</li>" for b in bullets) + "</ul>"
            return out

        steps = "".join(
            f"<h3>{s.number}. {e(s.title)} ({s.date:%Y-%m-%d})</h3><p>{e(s.text)}</p>"
            for s in self.steps
        )
        letter = "".join(f"<p>{e(p)}</p>" for p in self.letter.split("\n\n"))
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Offboarding plan: {e(self.name)}</title>"
            "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;"
            "line-height:1.45;color:#333}h1{font-size:1.5em}"
            "blockquote{border-left:3px solid #999;margin:0;padding:0 1em;white-space:pre-line}"
            "</style></head><body>"
            f"<h1>Offboarding plan: {e(self.name)} ({e(self.client_id)})</h1>"
            f"<p>Audit quarter: {e(self.quarter)}. Owner: {e(self.owner or 'none recorded')}. "
            f"Leads the conversation: {e(self.lead)} ({e(self.lead_reason)}).</p>"
            f"<p>People involved in the handover: {e(self.team_text)}.</p>"
            + "".join(block(*s) for s in self._sections())
            + f"<h2>Steps</h2>{steps}"
            + "".join(block(*s) for s in self._closing())
            + f"<h2>Follow-up letter (draft)</h2><blockquote>{letter}</blockquote>"
            + "</body></html>"
        )

    def _invoice_lines(self) -> list[str]:
        if self.open_invoices.empty:
            return ["- No open invoices at the end of the quarter."]
        money = self._money
        return [
            f"- {row.invoice_id}: {money(row.amount_base)}, due {row.due_date:%Y-%m-%d}"
            + (f", {_days(row.days_past_due)} past due" if row.days_past_due > 0 else ", not due")
            for row in self.open_invoices.itertuples()
        ] + [f"- Total open: {money(self.open_amount)}"]

    def _money(self, x: float) -> str:
        return exact_money(x, self.currency)


# ----------------------------------------------------------------------------- building a plan


def notice_for(row: pd.Series | Mapping, *, book=None, settings: Settings) -> tuple[int, str]:
    """The client's notice period in days and where it comes from.

    The row's ``notice_days`` when present, else the book's ``clients.notice_days``, else
    ``settings.notice_days``.
    """
    row = pd.Series(row)
    value = row.get("notice_days", np.nan)
    if (value is None or value != value) and book is not None:
        clients = getattr(book, "clients", None)
        if clients is not None and "notice_days" in clients.columns:
            match = clients.loc[clients["client_id"].eq(row["client_id"]), "notice_days"]
            value = match.iloc[0] if len(match) else np.nan
    if value is None or value != value:
        return int(settings.notice_days), "the default setting: no notice period recorded"
    return int(value), "the contract's notice period"


def plan_dates(
    cause: str,
    start_date,
    *,
    notice_days: int,
    transition_days: int | None = None,
    follow_up_days: int = FOLLOW_UP_DAYS,
    offer_days: int = OFFER_DAYS,
) -> dict[str, pd.Timestamp]:
    """The plan's dates, each rolled to a business day: ``meeting``, ``answer_by`` (the reprice
    offer's deadline, else the meeting), ``exit`` (the last day of our work) and ``follow_up``.

    Notice is given at the meeting, so the work ends ``notice_days`` later (or after
    ``transition_days`` when that is longer). A reprice offer is made at the meeting with the same
    notice: the new rate starts, or the work ends, when the notice is served, and never before the
    client has had ``offer_days`` to answer.
    """
    meeting = business_day(start_date)
    days = max(int(notice_days), int(transition_days or 0))
    exit_ = business_day(meeting + pd.Timedelta(days=days))
    answer_by = meeting
    if cause == "reprice":
        answer_by = business_day(meeting + pd.Timedelta(days=offer_days))
        exit_ = max(exit_, answer_by)
    follow_up = business_day(exit_ + pd.Timedelta(days=follow_up_days))
    return {"meeting": meeting, "answer_by": answer_by, "exit": exit_, "follow_up": follow_up}


def offboarding_plan(
    client_row: pd.Series | dict,
    *,
    start_date,
    book=None,
    settings: Settings,
    transition_days: int | None = None,
    follow_up_days: int = FOLLOW_UP_DAYS,
    answers: CantOrWont | None = None,
    records: ClientRecords | None = None,
) -> Plan:
    """The plan for one client (a row of the metrics table) starting on ``start_date``.

    The meeting is on the start date (rolled to a business day); the last day of our work is the
    notice period later (:func:`notice_for`, at least ``transition_days`` when given); the
    follow-up ``follow_up_days`` after that. ``book`` (optional) supplies the open invoices, the
    abuse events, the notice period and the assessments used to pick who leads the conversation.
    ``answers`` are the partner's can't-or-won't answers for this client. ``records``: the
    book's rows of this client already looked up (:func:`client_records`, what
    :func:`offboarding_plans` passes), else each is looked up in ``book`` here.
    """
    row = pd.Series(client_row)
    for column in ("client_id", "name", "quarter"):
        if column not in row.index or pd.isna(row[column]):
            raise PumpkinError(f"offboarding plan: the client row has no '{column}'")
    causes = plan_causes(row)
    cause = cause_of(causes[0])
    notice, notice_source = notice_for(row, book=book, settings=settings)
    dates = plan_dates(
        cause.code,
        start_date,
        notice_days=notice,
        transition_days=transition_days,
        follow_up_days=follow_up_days,
    )
    client_id, quarter = row["client_id"], str(row["quarter"])
    if records is None or not records.has(client_id, quarter):
        records = client_records(book, [client_id], quarter=quarter)
    facts = _Facts(
        row=row,
        currency=settings.base_currency,
        dates=dates,
        notice=notice,
        invoices=records.open_invoices(client_id),
        events=records.abuse_events(client_id),
        settings=settings,
    )
    lead, lead_reason = conversation_lead(
        row, book=book, settings=settings, ratings=records.ratings(client_id)
    )
    team = records.team(client_id)
    offer = reprice_offer(row, dates, settings=settings) if "reprice" in causes else None
    settlement = (
        settlement_proposal(facts.past_due, dates)
        if "nonpayer" in causes and facts.past_due > 0
        else None
    )
    said = _SAY.get(cause.code, _say_cut)(facts, offer=offer, settlement=settlement)
    extra = (
        [
            f"The money still owed: {facts.money(facts.past_due)} is past due{_oldest(facts)}; "
            f"our settlement proposal: {_settlement_text(facts, settlement)}."
        ]
        if "nonpayer" in causes[1:] and settlement is not None
        else []
    )
    if answers is not None and answers.client_id != str(row["client_id"]):
        raise PumpkinError(
            f"offboarding plan: answers for {answers.client_id} given to {row['client_id']}"
        )
    return Plan(
        client_id=str(row["client_id"]),
        name=str(row["name"]),
        quarter=str(row["quarter"]),
        owner=None if pd.isna(row.get("owner")) else str(row.get("owner")),
        lead=lead,
        lead_reason=lead_reason,
        team=team,
        reason=cause_reason(cause.code, facts, offer=offer),
        steps=_steps(cause, facts, lead=lead, offer=offer, settlement=settlement),
        points_to_make=tuple(said) + tuple(extra),
        words_to_avoid=WORDS_TO_AVOID + cause.avoid,
        open_invoices=facts.invoices,
        currency=facts.currency,
        cause=cause.code,
        causes=causes,
        notice_days=notice,
        notice_source=notice_source,
        exit_date=dates["exit"],
        questions=CANT_OR_WONT_QUESTIONS if cause.asks else (),
        answers=answers,
        letter=follow_up_letter(cause.code, facts, lead=lead, offer=offer, settlement=settlement),
        for_our_people=_for_our_people(cause.code, facts, team),
        monthly_revenue=max(facts.number("revenue_ttm"), 0.0) / 12,
        monthly_hours=max(facts.number("hours_ttm"), 0.0) / 12,
        offer=offer,
        settlement=settlement,
        behaviour=facts.behaviour if cause.code == "abuse" else (),
    )


@dataclass(frozen=True)
class _Facts:
    """What a plan's sentences draw on (one client, one quarter)."""

    row: pd.Series
    currency: str
    dates: Mapping[str, pd.Timestamp]
    notice: int
    invoices: pd.DataFrame
    events: pd.DataFrame
    settings: Settings

    def money(self, x: float) -> str:
        return exact_money(x, self.currency)

    def has(self, column: str) -> bool:
        return _has(self.row, column)

    def number(self, column: str, default: float = 0.0) -> float:
        return float(self.row[column]) if self.has(column) else default

    def day(self, key: str) -> str:
        return f"{self.dates[key]:%Y-%m-%d}"

    @property
    def past_due(self) -> float:
        """Money past due at the end of the quarter (the audit's figure, else the invoices')."""
        if self.has("overdue_amount"):
            return self.number("overdue_amount")
        return float(self.invoices.loc[self.invoices["days_past_due"] > 0, "amount_base"].sum())

    @property
    def behaviour(self) -> tuple[str, ...]:
        """One line per abuse event: its date, its severity and its note."""
        if self.events.empty:
            n = int(self.number("abuse_ttm"))
            return (
                (
                    f"{n} abuse event(s) recorded in the last twelve months (dates in the events log).",
                )
                if n
                else ()
            )
        return tuple(
            f"{e.date:%Y-%m-%d}: {_text(e.note) or 'abuse of our people'} "
            f"(severity {e.severity:.0f} of 3)"
            for e in self.events.itertuples()
        )

    @property
    def abuse_dates(self) -> str:
        if self.events.empty:
            n = int(self.number("abuse_ttm"))
            return f"{n} time(s) in the last twelve months" if n else "in the last twelve months"
        return ", ".join(f"{d:%Y-%m-%d}" for d in self.events["date"])


def _days(n: float) -> str:
    """'1 day', '30 days'."""
    return f"{n:.0f} day" + ("" if round(n) == 1 else "s")


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def business_day(date) -> pd.Timestamp:
    """The date itself on a weekday, else the next Monday."""
    try:
        stamp = pd.Timestamp(date).normalize()
    except (ValueError, TypeError):
        raise PumpkinError(f"start_date must be a date such as 2026-01-12, got {date!r}") from None
    if pd.isna(stamp):
        raise PumpkinError("start_date is missing")
    return stamp + pd.offsets.BDay(0)


def conversation_lead(
    row: pd.Series, *, book=None, settings: Settings, ratings: pd.Series | None = None
) -> tuple[str, str]:
    """Who leads the conversation, and why (seed 001: "is it just me?").

    The owner leads, unless the audit flagged ``REASSIGN_OWNER`` or the owner rates the client
    ``settings.reassign_gap`` or more below the other assessors: then the dislike may be
    personal, and the colleague who rates the client best (or a placeholder) leads.
    ``ratings``: each assessor's mean rating of the client when already looked up
    (:meth:`ClientRecords.ratings`).
    """
    owner = None if pd.isna(row.get("owner")) else str(row.get("owner"))
    if ratings is None:
        client_id = str(row["client_id"])
        ratings = client_records(book, [client_id], quarter=str(row["quarter"])).ratings(client_id)
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


def audit_reason(row: pd.Series, *, currency: str) -> str:
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


# ----------------------------------------------------------------------------- per cause


def reprice_offer(
    row: pd.Series, dates: Mapping[str, pd.Timestamp], *, settings: Settings
) -> Offer:
    """The rate to offer (the audit's ``target_rate``; else the people's cost per hour plus
    ``target_margin`` of the revenue) and its dates: offered at the meeting, open for
    :data:`OFFER_DAYS`, starting when the notice is served."""
    current = float(row["effective_rate_ttm"]) if _has(row, "effective_rate_ttm") else np.nan
    cost = float(row["cost_rate_ttm"]) if _has(row, "cost_rate_ttm") else np.nan
    if _has(row, "target_rate"):
        rate = float(row["target_rate"])
    else:
        margin = float(getattr(settings, "target_margin", 0.30))
        rate = cost / (1 - margin) if cost == cost else np.nan
    if _has(row, "target_rise"):
        rise = float(row["target_rise"])
    else:
        rise = rate / current - 1 if current and current == current else np.nan
    book_rate = float(row["book_median_rate"]) if _has(row, "book_median_rate") else np.nan
    return Offer(
        rate=rate,
        rise=rise,
        current_rate=current,
        cost_rate=cost,
        book_rate=book_rate,
        offered_on=dates["meeting"],
        answer_by=dates["answer_by"],
        rate_from=dates["exit"],
    )


def settlement_proposal(
    amount: float, dates: Mapping[str, pd.Timestamp], *, instalments: int = SETTLEMENT_INSTALMENTS
) -> Settlement:
    """All the past-due money by the last day of our work, or ``instalments`` monthly parts,
    the first two weeks after the meeting."""
    first = business_day(dates["meeting"] + pd.Timedelta(days=14))
    parts = tuple(
        (business_day(first + pd.DateOffset(months=i)), amount / instalments)
        for i in range(instalments)
    )
    return Settlement(amount=amount, full_by=dates["exit"], instalments=parts)


def _settlement_text(facts: _Facts, s: Settlement) -> str:
    last = s.instalments[-1][0]
    return (
        f"{facts.money(s.amount)} in full by {s.full_by:%Y-%m-%d}, or {len(s.instalments)} "
        f"monthly instalments of {facts.money(s.instalments[0][1])}, the first on "
        f"{s.instalments[0][0]:%Y-%m-%d} and the last on {last:%Y-%m-%d}"
    )


def _oldest(facts: _Facts) -> str:
    if facts.has("oldest_overdue_days") and facts.number("oldest_overdue_days") > 0:
        invoice = (
            f" ({facts.row['oldest_overdue_invoice']})"
            if facts.has("oldest_overdue_invoice")
            else ""
        )
        return f", the oldest{invoice} {facts.number('oldest_overdue_days'):.0f} days past due"
    late = facts.invoices[facts.invoices["days_past_due"] > 0]
    if len(late):
        first = late.iloc[0]
        return f", the oldest ({first['invoice_id']}) {first['days_past_due']:.0f} days past due"
    return ""


def _cost(facts: _Facts, offer: Offer) -> str:
    """ " (85 an hour)" when the people's cost per hour is known."""
    return (
        f" ({facts.money(offer.cost_rate)} an hour)" if offer.cost_rate == offer.cost_rate else ""
    )


def _rate_text(facts: _Facts, offer: Offer) -> str:
    book = (
        f"; the book's typical client pays {facts.money(offer.book_rate)} an hour"
        if offer.book_rate == offer.book_rate
        else ""
    )
    cost = (
        f"costs us {facts.money(offer.cost_rate)} an hour to deliver"
        if offer.cost_rate == offer.cost_rate
        else "costs us more than that to deliver"
    )
    return f"{facts.money(offer.current_rate)} an hour for work that {cost}{book}"


def _say_abuse(facts: _Facts, **_) -> list[str]:
    return [
        f"We are ending our work together because of how our people were treated "
        f"({facts.abuse_dates}). Name the behaviour and the dates, calmly and once.",
        "This concerns our people, and it is not open to negotiation: no price, apology or "
        "promise changes the decision.",
        f"We respect the notice in our agreement ({facts.notice} days): our work ends on "
        f"{facts.day('exit')}, and the handover will be done properly.",
        "Keep to the facts and the dates; do not debate them or discuss anyone's character.",
    ]


def _say_nonpayer(facts: _Facts, *, settlement: Settlement | None = None, **_) -> list[str]:
    n_late = int((facts.invoices["days_past_due"] > 0).sum())
    count = f" on {n_late} invoice(s)" if n_late else ""
    points = [
        f"We are ending our work together because invoices are not being paid: "
        f"{facts.money(facts.past_due)} is past due{count}{_oldest(facts)}.",
    ]
    if settlement is not None:
        points.append(f"Our settlement proposal: {_settlement_text(facts, settlement)}.")
    points += [
        f"No new work starts; the work in progress is handed over by {facts.day('exit')}, the end "
        f"of the {facts.notice}-day notice.",
        "Keep to the amounts, the invoice numbers and the dates: it is about the money, not the "
        "person.",
    ]
    return points


def _say_reprice(facts: _Facts, *, offer: Offer, **_) -> list[str]:
    return [
        f"Our prices have to cover what the work costs us: today you pay {_rate_text(facts, offer)}.",
        f"We offer to continue at {facts.money(offer.rate)} an hour ({offer.rise:+.0%}) from "
        f"{offer.rate_from:%Y-%m-%d}; the offer made on {offer.offered_on:%Y-%m-%d} stands until "
        f"{offer.answer_by:%Y-%m-%d}.",
        f"If the new rate does not work for you, we part on {facts.day('exit')} and help you move "
        f"to {REFERRAL}.",
        "Make the offer once, in figures; do not bargain below the rate that covers our cost.",
    ]


def _say_cut(facts: _Facts, **_) -> list[str]:
    row = facts.row
    looked = POINTS_TO_MAKE[1]
    figures = []
    if facts.has("effective_rate_ttm"):
        typical = (
            f" against a typical {facts.money(facts.number('book_median_rate'))}"
            if facts.has("book_median_rate")
            else ""
        )
        figures.append(
            f"the work brings {facts.money(facts.number('effective_rate_ttm'))} an hour{typical}"
        )
    if facts.has("growth_ttm"):
        figures.append(f"revenue {row['growth_ttm']:+.0%} on a year ago")
    if figures:
        looked = looked.removesuffix(".") + f" ({'; '.join(figures)})."
    return [POINTS_TO_MAKE[0], looked, *POINTS_TO_MAKE[2:]]


_SAY = {"abuse": _say_abuse, "nonpayer": _say_nonpayer, "reprice": _say_reprice}


def cause_reason(cause: str, facts: _Facts, *, offer: Offer | None = None) -> str:
    """The "why" paragraph: the cause's own figures first, then the audit's words."""
    row, money = facts.row, facts.money
    words = f" The audit's words: {row['reasons']}." if facts.has("reasons") else ""
    if cause == "abuse":
        revenue = (
            f" The client brought {money(facts.number('revenue_ttm'))} over twelve months; the "
            "decision stands whatever the revenue."
            if facts.has("revenue_ttm")
            else ""
        )
        return (
            f"Our people were mistreated ({facts.abuse_dates}); the events are listed below."
            + revenue
            + words
        )
    if cause == "nonpayer":
        over_90 = (
            f", {money(facts.number('aging_90_plus'))} of it more than 90 days"
            if facts.number("aging_90_plus") > 0
            else ""
        )
        revenue = (
            f" The client was invoiced {money(facts.number('revenue_ttm'))} over twelve months."
            if facts.has("revenue_ttm")
            else ""
        )
        return f"{money(facts.past_due)} is past due{over_90}{_oldest(facts)}.{revenue}" + words
    if cause == "reprice" and offer is not None:
        return (
            f"The client pays {_rate_text(facts, offer)}. Covering that cost with our margin "
            f"takes {money(offer.rate)} an hour, a rise of {offer.rise:+.0%}: more than a "
            "repricing, so the offer comes with an exit." + words
        )
    return audit_reason(row, currency=facts.currency)


def _steps(cause: Cause, facts: _Facts, *, lead: str, offer, settlement) -> tuple[Step, ...]:
    name, d = facts.row["name"], facts.dates
    invoices = facts.invoices
    past_due = invoices.loc[invoices["days_past_due"] > 0, "amount_base"].sum()
    chase = f"; {facts.money(past_due)} of it past due: chase that first" if past_due > 0 else ""
    collect = (
        f"Before the meeting, list the {len(invoices)} open invoice(s) "
        f"({facts.money(invoices['amount_base'].sum())}{chase}) and agree in the meeting how they "
        f"will be settled by {facts.day('exit')}."
        if len(invoices)
        else "There is no open invoice to settle."
    )
    notice = (
        f"Give the {facts.notice} days' notice of our agreement in that meeting: our work ends on "
        f"{facts.day('exit')}."
    )
    if cause.code == "abuse":
        first = (
            f"{lead} meets {name} (a meeting or a call, not an e-mail) and says that we are "
            f"ending our work together because of how our people were treated "
            f"({facts.abuse_dates}). {notice} {collect}"
        )
        honest = (
            "In the same conversation: be honest about the behaviour and its dates, without "
            "insults; say that it concerns our people and is not open to negotiation."
        )
        support = (
            f"The notice runs to {facts.day('exit')}: finish or hand over the work in progress, "
            "return their files, documents and access credentials; nobody who was mistreated "
            f"works with them again. Introduce them to {REFERRAL} if they ask."
        )
    elif cause.code == "nonpayer":
        proposal = (
            f" Propose the settlement: {_settlement_text(facts, settlement)}."
            if settlement is not None
            else ""
        )
        first = (
            f"{lead} meets {name} (a meeting or a call, not an e-mail) and explains that we are "
            f"ending our work together because {facts.money(facts.past_due)} is past due.{proposal} "
            f"{notice} {collect}"
        )
        honest = (
            "In the same conversation: be honest that unpaid invoices are the reason, keep to the "
            "amounts and dates, and avoid blaming the person in front of you."
        )
        support = (
            f"A transition of {facts.notice} days, to {facts.day('exit')}: no new work starts, "
            "the work in progress is handed over, their files, documents and access credentials "
            f"are returned, and they are introduced to {REFERRAL}."
        )
    elif cause.code == "reprice":
        margin = float(getattr(facts.settings, "target_margin", 0.30))
        first = (
            f"Offer {name} {facts.money(offer.rate)} per hour instead of "
            f"{facts.money(offer.current_rate)} ({offer.rise:+.0%}), the rate that covers what "
            f"our people cost{_cost(facts, offer)} plus a {margin:.0%} margin, from {offer.rate_from:%Y-%m-%d}; the offer stands until "
            f"{offer.answer_by:%Y-%m-%d}, and if they decline, this meeting is the notice of our "
            f"agreement ({facts.notice} days). {lead} makes the offer in a meeting or a call, "
            f"not an e-mail. {collect}"
        )
        honest = (
            "In the same conversation: be honest that the price has to cover our cost, show the "
            "figures, and avoid blaming the client for the price they have been paying."
        )
        support = (
            f"If the offer is declined by {offer.answer_by:%Y-%m-%d}: our work ends on "
            f"{facts.day('exit')}; finish or hand over the work in progress, return their files, "
            f"documents and access credentials, and introduce them to {REFERRAL}. If accepted, "
            f"the new rate starts on {offer.rate_from:%Y-%m-%d}."
        )
    else:
        first = (
            f"{lead} meets {name} (a meeting or a call, not an e-mail) and explains that we have "
            "evaluated the relationship in a client audit, looking at profitability, fit with our "
            f"business goals and potential for future growth. {notice} {collect}"
        )
        honest = (
            "In the same conversation: be honest that the relationship is ending, explain it by "
            "our strategy and where our business is going, and avoid blaming or criticising the "
            "client (see the points to make and the words to avoid)."
        )
        support = (
            f"A transition of {facts.notice} days, to {facts.day('exit')}: finish or hand over "
            "the work in progress, return their files, documents and access credentials, and "
            f"introduce them to {REFERRAL}."
        )
    title_1 = (
        "Communicate clearly: make the offer in a meeting or call"
        if cause.code == "reprice"
        else "Communicate clearly: schedule a meeting or call"
    )
    return (
        Step(1, title_1, d["meeting"], first),
        Step(2, "Be honest but diplomatic", d["meeting"], honest),
        Step(3, "Offer support: notice, transition and handover", d["exit"], support),
        Step(
            4,
            "Follow up",
            d["follow_up"],
            f"{lead} sends the follow-up letter below, checks that the transition went smoothly "
            "and deals with any remaining issue or question, including the last invoices.",
        ),
    )


def _for_our_people(cause: str, facts: _Facts, team: Sequence[str]) -> str:
    if cause != "abuse":
        return ""
    who = ", ".join(t.split(" (")[0] for t in team) or "the people who worked for the client"
    return (
        f"Tell {who} that the client was let go because of how our people were treated, and "
        "that it was not negotiable. Seed 003: letting an abusive client go says more about our "
        "values than any mission statement."
    )


def follow_up_letter(cause: str, facts: _Facts, *, lead: str, offer=None, settlement=None) -> str:
    """A short draft the lead sends after the meeting, in the plan's own words (paragraphs
    separated by blank lines; the consultant edits it before sending)."""
    name, d = facts.row["name"], facts.dates
    open_amount = float(facts.invoices["amount_base"].sum()) if len(facts.invoices) else 0.0
    money_line = (
        f"{facts.money(open_amount)} remains open on {len(facts.invoices)} invoice(s); please "
        f"settle it by {facts.day('exit')}."
        if open_amount > 0
        else "No invoice remains open."
    )
    if cause == "abuse":
        subject = "Confirming the end of our work together"
        body = [
            f"Following our conversation on {facts.day('meeting')}, this confirms that we are "
            f"ending our work together. The last day of our services is {facts.day('exit')} "
            f"({facts.notice} days' notice, as our agreement sets out).",
            "We made this decision because of how members of our team were treated "
            f"({facts.abuse_dates}). The decision is final.",
            "Until then we will complete the handover of the work in progress and return your "
            f"files, documents and access credentials. {money_line}",
        ]
    elif cause == "nonpayer":
        subject = "Our work together and the open invoices"
        proposal = (
            f"As proposed, you can settle {_settlement_text(facts, settlement)}. Please tell us "
            f"which you prefer by {settlement.instalments[0][0]:%Y-%m-%d}."
            if settlement is not None
            else money_line
        )
        body = [
            f"Thank you for meeting on {facts.day('meeting')}. As discussed, our work together "
            f"ends on {facts.day('exit')} ({facts.notice} days' notice), because "
            f"{facts.money(facts.past_due)} of invoices is past due.",
            proposal,
            "Until then we will hand over the work in progress and return your files, documents "
            "and access credentials.",
        ]
    elif cause == "reprice":
        subject = "Our rate from " + f"{offer.rate_from:%Y-%m-%d}"
        body = [
            f"Thank you for meeting on {facts.day('meeting')}. To go on working together we need "
            f"to charge {facts.money(offer.rate)} an hour from {offer.rate_from:%Y-%m-%d} "
            f"(today {facts.money(offer.current_rate)}, {offer.rise:+.0%}), which covers what the "
            "work costs us.",
            f"Please let us know by {offer.answer_by:%Y-%m-%d}. If the new rate does not work for "
            f"you, our work together ends on {facts.day('exit')} and we will help you move to "
            f"{REFERRAL}, with a full handover.",
            money_line,
        ]
    else:
        subject = "Thank you, and the next steps"
        body = [
            f"Thank you for the conversation on {facts.day('meeting')}. As discussed, after "
            "reviewing our client relationships we are focusing our work, and our work together "
            f"ends on {facts.day('exit')}.",
            "Until then we will hand over the work in progress and return your files, documents "
            f"and access credentials. We are glad to introduce you to {REFERRAL}.",
            money_line,
        ]
    return "\n\n".join(
        [
            f"Subject: {subject}",
            f"Dear {name} team,",
            *body,
            f"We will be in touch on {d['follow_up']:%Y-%m-%d} to check that everything went "
            "smoothly.",
            f"Kind regards,\n{lead}",
        ]
    )


# ----------------------------------------------------------------------------- many plans


def _prune_ids(metrics: pd.DataFrame, prune_ids: Iterable[str] | None) -> list[str]:
    ids = (
        metrics.loc[metrics["prune"].fillna(False).astype(bool), "client_id"].tolist()
        if prune_ids is None
        else list(prune_ids)
    )
    unknown = sorted(set(ids) - set(metrics["client_id"]))
    if unknown:
        raise PumpkinError(f"offboarding plans: unknown client_id(s) {', '.join(unknown)}")
    return ids


#: Causes whose exits are never delayed to protect cash: abuse (our people come first) and
#: non-payment (more unpaid work protects no cash).
NOT_DELAYED = ("abuse", "nonpayer")


def schedule_exits(
    metrics: pd.DataFrame,
    prune_ids: Iterable[str] | None = None,
    *,
    start_date,
    settings: Settings,
    book=None,
) -> pd.DataFrame:
    """When each exit starts, so that several exits do not stop the month's cash at once.

    Clients let go for abuse or for not paying meet on the start date (:data:`NOT_DELAYED`).
    The others' last days are spread at least ``settings.exit_spread_days / n`` apart (n of
    them): in order of their earliest possible exit (start date plus notice), then reprice
    offers before the cut and the rest, lowest revenue per hour first; each meeting is moved
    later by as much as its exit must wait. Three exits with the same notice over 90 days meet
    on days 0, 30 and 60, and leave in three different months.
    """
    ids = _prune_ids(metrics, prune_ids)
    columns = [
        "client_id",
        "name",
        "cause",
        "notice_days",
        "meeting_date",
        "exit_date",
        "monthly_revenue",
        "monthly_hours",
    ]
    if not ids:
        return pd.DataFrame(columns=columns)
    start = business_day(start_date)
    rows = metrics.set_index("client_id", drop=False).loc[ids]
    order = {c: i for i, c in enumerate(PRUNE_CAUSES)}
    items = []
    for client_id, row in rows.iterrows():
        cause = plan_causes(row)[0]
        notice, _ = notice_for(row, book=book, settings=settings)
        earliest = plan_dates(cause, start, notice_days=notice)["exit"]
        rate = float(row["effective_rate_ttm"]) if _has(row, "effective_rate_ttm") else np.inf
        items.append((earliest, order.get(cause, len(order)), rate, client_id, cause, notice))
    spread = sorted(i for i in items if i[4] not in NOT_DELAYED)
    gap = pd.Timedelta(days=float(settings.exit_spread_days) / max(len(spread), 1))
    meetings = {i[3]: start for i in items if i[4] in NOT_DELAYED}
    previous = None
    for earliest, _, _, client_id, _, _ in spread:
        target = earliest if previous is None else max(earliest, previous + gap)
        meetings[client_id] = business_day(start + pd.Timedelta(days=(target - earliest).days))
        previous = target
    out = []
    for _, _, _, client_id, cause, notice in items:
        row = rows.loc[client_id]
        dates = plan_dates(cause, meetings[client_id], notice_days=notice)
        out.append(
            {
                "client_id": client_id,
                "name": row["name"],
                "cause": cause,
                "notice_days": notice,
                "meeting_date": dates["meeting"],
                "exit_date": dates["exit"],
                "monthly_revenue": max(_number(row, "revenue_ttm"), 0.0) / 12,
                "monthly_hours": max(_number(row, "hours_ttm"), 0.0) / 12,
            }
        )
    return pd.DataFrame(out, columns=columns)


def _number(row: pd.Series, column: str) -> float:
    return float(row[column]) if _has(row, column) else 0.0


def offboarding_plans(
    metrics: pd.DataFrame,
    prune_ids: Iterable[str] | None = None,
    *,
    start_date,
    book=None,
    settings: Settings,
    answers: Mapping[str, CantOrWont] | None = None,
    spread: bool = True,
) -> list[Plan]:
    """One plan per client to let go (default: the clients flagged ``prune``), in the order of
    ``prune_ids``. With ``spread`` (the default) the meetings follow :func:`schedule_exits`;
    without it every meeting is on ``start_date``. ``answers`` maps client_id to its
    can't-or-won't answers."""
    ids = _prune_ids(metrics, prune_ids)
    book = clients_only(book, ids)  # each plan looks up its own client's rows
    rows = metrics.set_index("client_id", drop=False)
    answers = answers or {}
    if spread:
        schedule = schedule_exits(metrics, ids, start_date=start_date, settings=settings, book=book)
        meets = dict(zip(schedule["client_id"], schedule["meeting_date"], strict=True))
        starts = [(i, meets[i]) for i in ids]
    else:
        starts = [(i, start_date) for i in ids]
    quarters = {str(q) for q in rows.loc[ids, "quarter"].dropna()} if ids else set()
    records = client_records(book, ids, quarter=quarters.pop()) if len(quarters) == 1 else None
    return [
        offboarding_plan(
            rows.loc[i],
            start_date=when,
            book=book,
            settings=settings,
            answers=answers.get(i),
            records=records,
        )
        for i, when in starts
    ]


@dataclass(frozen=True)
class ClientRecords:
    """The book's rows that the plans of one quarter look up, for several clients at once: one
    pass over each table (:func:`client_records`; a plan built alone looks up its one client
    the same way, so there is one implementation of each look-up): the client's open
    invoices at the quarter's end, its abuse events in the TTM window, who worked for it in
    the year (most hours first) and each assessor's mean rating (best first)."""

    quarter: str
    client_ids: frozenset[str]
    invoices: Mapping[str, pd.DataFrame]
    events: Mapping[str, pd.DataFrame]
    teams: Mapping[str, pd.Series]
    ratings_by_client: Mapping[str, pd.Series]
    no_invoices: pd.DataFrame = field(default_factory=pd.DataFrame)
    no_events: pd.DataFrame = field(default_factory=pd.DataFrame)

    def has(self, client_id: str, quarter: str) -> bool:
        return str(quarter) == self.quarter and str(client_id) in self.client_ids

    def open_invoices(self, client_id: str) -> pd.DataFrame:
        found = self.invoices.get(str(client_id))
        return found if found is not None else self.no_invoices.copy()

    def abuse_events(self, client_id: str) -> pd.DataFrame:
        found = self.events.get(str(client_id))
        return found if found is not None else self.no_events.copy()

    def team(self, client_id: str) -> tuple[str, ...]:
        hours = self.teams.get(str(client_id))
        if hours is None:
            return ()
        hours = hours.sort_values(ascending=False)
        return tuple(f"{person} ({h:,.0f} h)" for person, h in hours.items())

    def ratings(self, client_id: str) -> pd.Series:
        found = self.ratings_by_client.get(str(client_id))
        if found is None:
            return pd.Series(dtype=float)
        return found.sort_values(ascending=False)


def _by_client(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per client_id, each in the frame's order, index reset."""
    return {
        str(k): part.drop(columns="client_id").reset_index(drop=True)
        for k, part in frame.groupby("client_id", sort=False)
    }


def _none_of(frame: pd.DataFrame) -> pd.DataFrame:
    """No rows of ``frame``, its other columns and their types (a client with none)."""
    return frame.iloc[0:0].drop(columns="client_id").reset_index(drop=True)


def client_records(book, client_ids: Iterable[str], *, quarter: str) -> ClientRecords:
    """What the plans of ``quarter`` look up in ``book`` for ``client_ids``, in one pass over
    each table."""
    ids = frozenset(str(i) for i in client_ids)
    quarter = str(quarter)
    when = as_of(quarter)
    invoice_columns = ("invoice_id", "issue_date", "due_date", "amount_base", "days_past_due")
    event_columns = ("date", "severity", "note")
    invoices: dict[str, pd.DataFrame] = {}
    events: dict[str, pd.DataFrame] = {}
    no_invoices = pd.DataFrame(columns=list(invoice_columns))
    no_events = pd.DataFrame(columns=list(event_columns))
    teams: dict[str, pd.Series] = {}
    ratings: dict[str, pd.Series] = {}
    table = getattr(book, "invoices", None) if book is not None else None
    if table is not None:
        unpaid = table["paid_date"].isna() | (table["paid_date"] > when)
        mine = table["client_id"].isin(ids) & table["issue_date"].le(when) & unpaid
        picked = (
            table[mine & table["amount_base"].gt(0)]
            .assign(days_past_due=lambda d: (when - d["due_date"]).dt.days.clip(lower=0))
            .sort_values(["due_date", "invoice_id"])[["client_id", *invoice_columns]]
        )
        invoices = _by_client(picked)
        no_invoices = _none_of(picked)
    table = getattr(book, "events", None) if book is not None else None
    if table is not None and not table.empty:
        window = ttm_window(quarter)
        mine = table[
            table["client_id"].isin(ids)
            & table["kind"].eq("abuse")
            & window.contains(table["date"])
        ]
        picked = mine.assign(
            severity=mine["severity"].fillna(1.0) if "severity" in mine else 1.0,
            note=mine.get("note", ""),
        ).sort_values("date")[["client_id", *event_columns]]
        events = _by_client(picked)
        no_events = _none_of(picked)
    table = getattr(book, "time_entries", None) if book is not None else None
    if table is not None and not table.empty:
        start = when - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        mine = table[table["client_id"].isin(ids) & table["date"].between(start, when)]
        hours = mine.groupby(["client_id", "person"])["hours"].sum()
        teams = {str(k): part.droplevel(0) for k, part in hours.groupby(level=0, sort=False)}
    table = getattr(book, "assessments", None) if book is not None else None
    if table is not None and not table.empty:
        scores = ["alignment", "transparency", "respect", "fit"]
        mine = table[table["client_id"].isin(ids)]
        means = mine.groupby(["client_id", "assessor"])[scores].mean().mean(axis=1)
        ratings = {str(k): part.droplevel(0) for k, part in means.groupby(level=0, sort=False)}
    return ClientRecords(
        quarter=quarter,
        client_ids=ids,
        invoices=invoices,
        events=events,
        teams=teams,
        ratings_by_client=ratings,
        no_invoices=no_invoices,
        no_events=no_events,
    )


def clients_only(book, client_ids: Iterable[str]):
    """``book`` with its per-client tables cut to ``client_ids`` (one pass over each table), so
    every plan's look-ups (open invoices, abuse events, the team, the ratings, the notice) scan
    a few rows rather than the whole book. None stays None."""
    if book is None or not dataclasses.is_dataclass(book):
        return book
    wanted = {str(i) for i in client_ids}
    cut = {}
    for f in dataclasses.fields(book):
        frame = getattr(book, f.name)
        if isinstance(frame, pd.DataFrame) and "client_id" in frame.columns:
            cut[f.name] = frame[frame["client_id"].isin(wanted)]
    return dataclasses.replace(book, **cut)


def exit_calendar(plans: Sequence[Plan]) -> pd.DataFrame:
    """Month by month: who leaves, the monthly revenue that stops with them, and the revenue
    lost and hours freed in the month (pro rata from the day after each last day of work). A
    reprice offer is counted as declined: the figures are what parting would cost at most.

    From the month of the first meeting to the month after the last exit; empty without plans.
    """
    columns = ["month", "leaving", "revenue_stopping", "revenue_lost", "hours_freed"]
    if not plans:
        return pd.DataFrame(columns=columns)
    first = min(p.meeting_date for p in plans).to_period("M")
    last = max(p.transition_end for p in plans).to_period("M") + 1
    rows = []
    for month in pd.period_range(first, last, freq="M"):
        start, end = month.start_time.normalize(), month.end_time.normalize()
        days = month.days_in_month
        leaving = [p for p in plans if p.transition_end.to_period("M") == month]
        lost = hours = 0.0
        for p in plans:
            after = (end - max(p.transition_end, start - pd.Timedelta(days=1))).days
            share = min(max(after, 0), days) / days
            lost += p.monthly_revenue * share
            hours += p.monthly_hours * share
        rows.append(
            {
                "month": str(month),
                "leaving": ", ".join(p.name for p in leaving),
                "revenue_stopping": sum(p.monthly_revenue for p in leaving),
                "revenue_lost": lost,
                "hours_freed": hours,
            }
        )
    return pd.DataFrame(rows, columns=columns)


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


PLAN_COLUMNS = [
    "client_id",
    "name",
    "cause",
    "owner",
    "lead",
    "lead_reason",
    "team",
    "notice_days",
    "meeting_date",
    "exit_date",
    "transition_end",
    "follow_up_date",
    "monthly_revenue",
    "monthly_hours",
    "open_invoices",
    "open_amount",
    "reason",
    "points_to_make",
    "cant_or_wont",
    "hold",
    "letter",
    "referral",
]


def plans_frame(plans: Sequence[Plan]) -> pd.DataFrame:
    """One row per plan, for the ``offboarding`` sheet of the Excel lists."""
    return pd.DataFrame(
        [
            {
                "client_id": p.client_id,
                "name": p.name,
                "cause": p.cause,
                "owner": p.owner,
                "lead": p.lead,
                "lead_reason": p.lead_reason,
                "team": p.team_text,
                "notice_days": p.notice_days,
                "meeting_date": p.meeting_date,
                "exit_date": p.transition_end,
                "transition_end": p.transition_end,
                "follow_up_date": p.follow_up_date,
                "monthly_revenue": p.monthly_revenue,
                "monthly_hours": p.monthly_hours,
                "open_invoices": len(p.open_invoices),
                "open_amount": p.open_amount,
                "reason": p.reason,
                "points_to_make": " | ".join(p.points_to_make),
                "cant_or_wont": p.answers_text,
                "hold": p.hold,
                "letter": p.letter,
                "referral": p.referral,
            }
            for p in plans
        ],
        columns=PLAN_COLUMNS,
    )


def default_start_date(quarter: str) -> pd.Timestamp:
    """Two weeks after the quarter's last day (a suggestion the consultant moves)."""
    return as_of(str(quarter)) + pd.Timedelta(days=14)


def offboarding_sheet(
    metrics: pd.DataFrame,
    book=None,
    *,
    settings: Settings,
    start_date=None,
    answers: Mapping[str, CantOrWont] | None = None,
) -> pd.DataFrame:
    """The ``offboarding`` sheet of the Excel lists: one row per prune candidate.

    ``start_date`` defaults to :func:`default_start_date`. Dates are ``YYYY-MM-DD`` text, so
    they survive the report's JSON export; an empty metrics table gives an empty sheet with the
    columns.
    """
    if metrics.empty:
        return plans_frame([])
    if start_date is None:
        start_date = default_start_date(str(metrics["quarter"].iloc[0]))
    frame = plans_frame(
        offboarding_plans(
            metrics, start_date=start_date, book=book, settings=settings, answers=answers
        )
    )
    if frame.empty:
        return frame
    dates = ["meeting_date", "exit_date", "transition_end", "follow_up_date"]
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in dates})
