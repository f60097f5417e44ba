"""Screening a prospect (seed 000: sometimes you must say no before it starts).

Two halves. The book's figures: how the clients of the same industry and size turned out (their
segments, revenue per hour, lateness, incidents, abuse or disputes). And the seed's questions,
which only the partner can answer (:class:`ProspectAnswers`): does the prospect understand our
value proposition; is the service it wants one we want to provide (strategy, not ability); does
it keep the roles clear (or want to sell to us as well); how did it treat our people while still
a prospect (the red cloth); and, turned on ourselves, is a no about work we can't do well enough
yet or work we won't do. :func:`screen_prospect` combines them into an answer (take, take with
conditions, decline) with its reasons in plain words. A prospect who mistreated our people is
declined whatever the figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np
import pandas as pd

from helpers.audit.rules import FIELD_SEGMENTS
from helpers.book.quarters import ttm_window
from helpers.book.schema import SIZES
from helpers.book.settings import Settings
from helpers.decide.offboarding import normalise_answer
from helpers.errors import PumpkinError
from helpers.present.format import format_money

MIN_LOOKALIKES = 5
TAKE, TAKE_WITH_CONDITIONS, DECLINE = "take", "take with conditions", "decline"

#: Seed 000's questions: (answer field, the question, the good answer, the bad answer).
PROSPECT_QUESTIONS = (
    (
        "value_proposition",
        "Does the prospect understand our value proposition, or make requests that show it "
        "does not?",
        "understood",
        "not-understood",
    ),
    (
        "service",
        "Is the service it wants one we want to provide (a matter of strategy, not of ability)?",
        "wanted",
        "not-wanted",
    ),
    (
        "role",
        "Does it keep the roles clear, or does it want to sell to us as well (client and "
        "supplier at once)?",
        "clear",
        "blurred",
    ),
    (
        "people",
        "How has it treated our people while still a prospect?",
        "respectful",
        "mistreated",
    ),
)
CANT_OR_WONT_QUESTION = (
    "If we lean to no: is it work we can't do well enough yet (would training, practice, "
    "capability or staff fix it?), or work we won't do?"
)


@dataclass(frozen=True)
class ProspectAnswers:
    """The partner's answers to seed 000's questions; "" = not asked yet."""

    value_proposition: str = ""  # understood / not-understood
    service: str = ""  # wanted / not-wanted
    role: str = ""  # clear / blurred
    people: str = ""  # respectful / mistreated
    cant_or_wont: str = ""  # can't / won't (when we lean to no)

    def __post_init__(self) -> None:
        for name, _question, good, bad in PROSPECT_QUESTIONS:
            value = str(getattr(self, name) or "").strip().lower().replace("_", "-")
            if value not in ("", good, bad):
                option = name.replace("_", "-")
                raise PumpkinError(f"--{option} must be {good} or {bad}, got {value!r}")
            object.__setattr__(self, name, value)
        try:
            object.__setattr__(self, "cant_or_wont", normalise_answer(self.cant_or_wont))
        except PumpkinError:
            raise PumpkinError(
                f"--cant-or-wont must be cant or wont, got {self.cant_or_wont!r}"
            ) from None

    @property
    def unanswered(self) -> tuple[str, ...]:
        """The seed's questions not answered yet."""
        return tuple(q for name, q, _, _ in PROSPECT_QUESTIONS if not getattr(self, name))

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


RED_CLOTH_KINDS = ("abuse", "dispute")
SEGMENTS = FIELD_SEGMENTS  # from the registry: look-alikes are active clients
LOOKALIKE_COLUMNS = [
    "client_id",
    "name",
    "industry",
    "size",
    "segment",
    "revenue_ttm",
    "hours_ttm",
    "effective_rate_ttm",
    "days_late_avg",
    "late_share",
    "incidents_ttm",
    "red_cloth_events",
    "prune",
]


@dataclass(frozen=True)
class Screen:
    """What the book says about a prospect (build with :func:`screen_prospect`)."""

    industry: str
    size: str
    basis: str
    widened: bool
    lookalikes: pd.DataFrame
    segments: pd.DataFrame
    figures: Mapping[str, float]
    red_cloth: bool
    flags: tuple[str, ...]
    summary: str
    currency: str
    answers: ProspectAnswers = ProspectAnswers()
    decision: str = TAKE_WITH_CONDITIONS
    reasons: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()

    @property
    def answer_text(self) -> str:
        """The answer and its reasons, as the partner would say them."""
        lines = [f"Answer: {self.decision}."]
        lines += [f"- {r}" for r in self.reasons]
        if self.conditions:
            lines += ["Conditions:", *(f"- {c}" for c in self.conditions)]
        return "\n".join(lines)

    def report(self) -> str:
        """The summary, the figures and the look-alikes as plain text (what the CLI prints)."""
        table = self.lookalikes.assign(
            effective_rate_ttm=self.lookalikes["effective_rate_ttm"].round(0),
            revenue_ttm=self.lookalikes["revenue_ttm"].round(0),
            hours_ttm=self.lookalikes["hours_ttm"].round(0),
            days_late_avg=self.lookalikes["days_late_avg"].round(1),
            late_share=self.lookalikes["late_share"].round(2),
        )
        return "\n".join(
            [
                f"Prospect: {self.industry}, {self.size}",
                "",
                self.answer_text,
                "",
                self.summary,
                "",
                "Segments of the look-alikes:",
                self.segments.to_string(index=False),
                "",
                f"Look-alikes ({self.basis}):",
                table.to_string(index=False),
            ]
        )


def screen_prospect(
    metrics: pd.DataFrame,
    *,
    industry: str,
    size: str,
    expected_hours: float | None = None,
    expected_fees: float | None = None,
    settings: Settings,
    events: pd.DataFrame | None = None,
    min_lookalikes: int = MIN_LOOKALIKES,
    answers: ProspectAnswers | None = None,
) -> Screen:
    """Compare a prospect with the book's active clients of the same industry and size, and
    answer take / take with conditions / decline with the partner's ``answers``.

    With fewer than ``min_lookalikes`` of those, the comparison widens to every client of the
    same size (and says so). ``events`` (``book.events``) adds abuse and dispute events in the
    TTM window to the red-cloth check; without it the metrics' ``abuse_ttm`` column is used.
    """
    answers = answers or ProspectAnswers()
    industry, size = check_prospect(industry, size, expected_hours, expected_fees)
    book = _active(metrics).assign(red_cloth_events=lambda d: _red_cloth_events(d, events))
    if book.empty:
        raise PumpkinError("the book has no active client in this quarter to compare with")
    lookalikes, basis, widened = _lookalikes(book, industry, size, min_lookalikes)
    figures = _figures(book, lookalikes, settings, expected_hours, expected_fees)
    flags = _flags(lookalikes, figures)
    decision, reasons, conditions = decide_prospect(
        answers, figures, flags, basis=basis, currency=settings.base_currency
    )
    return Screen(
        industry=industry,
        size=size,
        basis=basis,
        widened=widened,
        lookalikes=lookalikes[[c for c in LOOKALIKE_COLUMNS if c in lookalikes.columns]]
        .sort_values(["effective_rate_ttm", "client_id"])
        .reset_index(drop=True),
        segments=_segment_distribution(lookalikes),
        figures=MappingProxyType(figures),
        red_cloth=bool(flags),
        flags=flags,
        summary=_summary(industry, size, basis, figures, flags, settings.base_currency),
        currency=settings.base_currency,
        answers=answers,
        decision=decision,
        reasons=reasons,
        conditions=conditions,
    )


def check_prospect(industry, size, hours, fees) -> tuple[str, str]:
    """The industry and size cleaned, or a PumpkinError naming the option (before any work)."""
    if not isinstance(industry, str) or not industry.strip():
        raise PumpkinError("--industry: give the prospect's industry, e.g. retail")
    size = str(size).strip().lower()
    if size not in SIZES:
        raise PumpkinError(f"--size must be one of {', '.join(SIZES)}, got {size!r}")
    if hours is not None and not hours > 0:
        raise PumpkinError(f"--expected-hours must be more than 0, got {hours!r}")
    if fees is not None and not fees >= 0:
        raise PumpkinError(f"--expected-fees must be 0 or more, got {fees!r}")
    return industry.strip(), size


def _active(metrics: pd.DataFrame) -> pd.DataFrame:
    if "active" in metrics.columns:
        return metrics[metrics["active"].astype(bool)]
    return metrics[metrics["hours_ttm"].gt(0) | metrics["revenue_ttm"].ne(0)]


def _red_cloth_events(book: pd.DataFrame, events: pd.DataFrame | None) -> pd.Series:
    """Abuse and dispute events per client in the TTM window."""
    if events is None:
        if "abuse_ttm" in book.columns:
            return book["abuse_ttm"].fillna(0).astype(int)
        return pd.Series(0, index=book.index)
    quarter = book["quarter"].iloc[0] if len(book) else None
    window = ttm_window(str(quarter)) if quarter is not None else None
    mine = events[events["kind"].isin(RED_CLOTH_KINDS)]
    if window is not None:
        mine = mine[window.contains(mine["date"])]
    return book["client_id"].map(mine.groupby("client_id").size()).fillna(0).astype(int)


def _lookalikes(book: pd.DataFrame, industry: str, size: str, minimum: int):
    same_size = book["size"].fillna("").str.lower().eq(size)
    same_industry = book["industry"].fillna("").str.strip().str.lower().eq(industry.lower())
    exact = book[same_size & same_industry]
    if len(exact) >= minimum:
        return exact, f"{len(exact)} {size} clients in {industry}", False
    if same_size.sum():
        return (
            book[same_size],
            f"only {len(exact)} {size} client(s) in {industry}, so every {size} client: "
            f"{int(same_size.sum())} of them",
            True,
        )
    return (
        book,
        f"no {size} client in the book, so every active client: {len(book)} of them",
        True,
    )


def _segment_distribution(lookalikes: pd.DataFrame) -> pd.DataFrame:
    counts = lookalikes["segment"].astype(str).value_counts().reindex(SEGMENTS, fill_value=0)
    return pd.DataFrame(
        {
            "segment": list(SEGMENTS),
            "clients": counts.to_numpy(),
            "share": (counts / max(len(lookalikes), 1)).round(2).to_numpy(),
        }
    )


def _is_late_payer(frame: pd.DataFrame, settings: Settings) -> pd.Series:
    """Weeks late and habitually (the rule behind ``INVOICE_MORE_OFTEN``)."""
    return frame["days_late_avg"].ge(settings.late_days) & frame["late_share"].ge(
        settings.late_share
    )


def _figures(book, lookalikes, settings, hours, fees) -> dict[str, float]:
    rates = book["effective_rate_ttm"].dropna()
    figures = {
        "lookalikes": float(len(lookalikes)),
        "weed_share": float(lookalikes["segment"].astype(str).eq("weed").mean()),
        "prize_share": float(lookalikes["segment"].astype(str).eq("prize").mean()),
        "prune_share": float(lookalikes["prune"].fillna(False).astype(bool).mean())
        if "prune" in lookalikes.columns
        else float("nan"),
        "typical_rate": float(lookalikes["effective_rate_ttm"].median()),
        "book_rate": float(rates.median()) if len(rates) else float("nan"),
        "typical_days_late": float(lookalikes["days_late_avg"].median()),
        "book_days_late": float(book["days_late_avg"].median()),
        "late_payer_share": float(_is_late_payer(lookalikes, settings).mean()),
        "typical_incidents": float(lookalikes["incidents_ttm"].median()),
        "book_incidents": float(book["incidents_ttm"].median()),
        "red_cloth_clients": float(lookalikes["red_cloth_events"].gt(0).sum()),
        "prune_line_rate": float(np.percentile(rates, settings.prune_percentile))
        if len(rates)
        else float("nan"),
        "implied_rate": float("nan"),
        "implied_rate_percentile": float("nan"),
    }
    if hours is not None and fees is not None:
        implied = fees / hours
        figures["implied_rate"] = implied
        figures["implied_rate_percentile"] = float((rates < implied).mean() * 100)
    return figures


def _flags(lookalikes: pd.DataFrame, figures: Mapping[str, float]) -> tuple[str, ...]:
    flags = []
    if figures["weed_share"] > 0.5:
        flags.append(f"the look-alikes are mostly weeds ({figures['weed_share']:.0%})")
    if figures["red_cloth_clients"]:
        flags.append(
            f"{figures['red_cloth_clients']:.0f} look-alike(s) had abuse or dispute events in "
            "the last twelve months"
        )
    return tuple(flags)


def _summary(industry, size, basis, f, flags, currency) -> str:
    money = lambda x: format_money(x, currency)  # noqa: E731
    lines = [
        f"The book has {f['lookalikes']:.0f} look-alike(s) for a {size} {industry} prospect "
        f"({basis}).",
        f"How they turned out: {f['prize_share']:.0%} prize pumpkins, {f['weed_share']:.0%} "
        f"weeds; {f['prune_share']:.0%} are prune candidates.",
        f"Typical revenue per hour {money(f['typical_rate'])} (book median "
        f"{money(f['book_rate'])}); typically {f['typical_days_late']:.0f} days late (book "
        f"{f['book_days_late']:.0f}), {f['late_payer_share']:.0%} late payers; typical "
        f"incidents {f['typical_incidents']:.0f} a year (book {f['book_incidents']:.0f}).",
    ]
    if f["implied_rate"] == f["implied_rate"]:
        below = f["implied_rate"] <= f["prune_line_rate"]
        lines.append(
            f"The expected fees and hours imply {money(f['implied_rate'])} an hour, better than "
            f"{f['implied_rate_percentile']:.0f}% of the book's clients"
            + (
                f": at or below the prune line ({money(f['prune_line_rate'])}), where prune "
                "candidates come from."
                if below
                else "."
            )
        )
    if flags:
        lines.append("Red cloth: " + "; ".join(flags) + ".")
    else:
        lines.append(
            "No red-cloth flag: the look-alikes are not mostly weeds, and none had abuse "
            "or dispute events."
        )
    lines.append("The figures inform the answer; the seed's questions decide it with them.")
    return "\n".join(lines)


def decide_prospect(
    answers: ProspectAnswers,
    figures: Mapping[str, float],
    flags: tuple[str, ...] = (),
    *,
    basis: str = "",
    currency: str,
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(answer, reasons, conditions): the seed's questions first, the look-alikes' figures
    second. Mistreating our people, blurring client and supplier, or wanting a service we do not
    want to provide (strategy: won't) declines; an unclear value proposition, a "can't yet", a
    rate at the prune line or look-alikes that went badly set conditions; unanswered questions
    are conditions too (ask them before deciding)."""
    money = lambda x: format_money(x, currency)  # noqa: E731
    basis = basis or f"{figures['lookalikes']:.0f} clients"
    figures_line = (
        f"Their look-alikes ({basis}): "
        f"{figures['prize_share']:.0%} prize pumpkins, {figures['weed_share']:.0%} weeds, "
        f"typically {money(figures['typical_rate'])} an hour."
    )
    below_line = figures["implied_rate"] == figures["implied_rate"] and (
        figures["implied_rate"] <= figures["prune_line_rate"]
    )
    poor_figures = bool(flags) or below_line
    declines, conditions = [], []
    if answers.people == "mistreated":
        declines.append(
            "They mistreated our people while still a prospect (the red cloth): we decline, "
            "whatever the figures. Our people see what we accept."
        )
    if answers.role == "blurred":
        declines.append(
            "They want to sell to us as well as buy from us: that blurs client and supplier, "
            "confuses our people and sends a confusing signal outside (seed 000: 'not for us')."
        )
    if answers.service == "not-wanted":
        if answers.cant_or_wont == "can't":
            conditions.append(
                "We lean to no only because we do not do this work well enough yet: training, "
                "practice, capability or staff could fix it. Take it once the gap has a plan and "
                "a date, or say no for now and say why."
            )
        else:
            declines.append(
                "The service they want is not one we want to provide: a matter of strategy, "
                "not of ability."
            )
    elif answers.cant_or_wont == "can't":
        conditions.append(
            "The doubt is about our ability, not our strategy: agree how we close the gap "
            "(training, practice, capability or staff) before we start."
        )
    if answers.value_proposition == "not-understood":
        if poor_figures:
            declines.append(
                "Their requests show they do not understand what we offer, and clients like "
                "them have turned out badly ("
                + "; ".join(_figure_doubts(figures, flags, money))
                + ")."
            )
        else:
            conditions.append(
                "Agree in writing what we do and do not do before starting: their requests show "
                "they do not understand our value proposition yet."
            )
    if below_line:
        conditions.append(
            f"Quote at least {money(figures['prune_line_rate'])} an hour: at "
            f"{money(figures['implied_rate'])} an hour they would start where the clients we let "
            "go come from."
        )
    if figures["weed_share"] > 0.5:
        conditions.append(
            f"Review the relationship after two quarters: {figures['weed_share']:.0%} of their "
            "look-alikes turned into weeds."
        )
    if figures["red_cloth_clients"]:
        conditions.append(
            f"Say at the start how we expect our people to be treated: "
            f"{figures['red_cloth_clients']:.0f} look-alike(s) had abuse or dispute events."
        )
    conditions += [f"Ask before deciding: {q}" for q in answers.unanswered]
    if declines:
        return DECLINE, (*declines, figures_line), ()
    if conditions:
        return TAKE_WITH_CONDITIONS, (figures_line,), tuple(conditions)
    return (
        TAKE,
        (
            "They understand what we offer, want a service we want to provide, keep the roles "
            "clear and treated our people well.",
            figures_line,
        ),
        (),
    )


def _figure_doubts(figures, flags, money) -> list[str]:
    doubts = list(flags)
    if figures["implied_rate"] == figures["implied_rate"] and (
        figures["implied_rate"] <= figures["prune_line_rate"]
    ):
        doubts.append(
            f"{money(figures['implied_rate'])} an hour is at or below the prune line "
            f"({money(figures['prune_line_rate'])})"
        )
    return doubts
