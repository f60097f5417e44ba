"""``pumpkin plans``: the offboarding plans of a quarter's prune candidates, without the notebook.

One page per candidate in Markdown and in HTML (``offboarding_<client_id>.md`` / ``.html``) and
``offboarding.xlsx`` with two sheets: ``offboarding`` (one row per plan: cause, dates, points,
can't-or-won't answers, the follow-up letter) and ``exits by month`` (who leaves, the revenue
that stops and the hours freed, month by month). The partner's can't-or-won't answers are read
from ``cant_or_wont.csv`` in the output folder (or ``--answers``), where notebook 04 saves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.book.settings import Settings
from helpers.decide.offboarding import (
    Plan,
    business_day,
    default_start_date,
    exit_calendar,
    load_answers,
    offboarding_plans,
    plans_frame,
    write_plans,
)
from helpers.errors import PumpkinError
from helpers.present.export import write_workbook

WORKBOOK = "offboarding.xlsx"


@dataclass(frozen=True)
class PlansWritten:
    """What :func:`write_offboarding` wrote."""

    plans: tuple[Plan, ...]
    pages: tuple[Path, ...]
    workbook: Path
    calendar: pd.DataFrame


def offboarding_workbook_sheets(plans, calendar: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: the plans (dates as YYYY-MM-DD) and the exits month by month."""
    frame = plans_frame(plans)
    dates = ["meeting_date", "exit_date", "transition_end", "follow_up_date"]
    if len(frame):
        frame = frame.assign(**{c: pd.to_datetime(frame[c]).dt.strftime("%Y-%m-%d") for c in dates})
    return {"offboarding": frame, "exits by month": calendar}


def write_offboarding(plans, out_dir: str | Path) -> PlansWritten:
    """Both pages of every plan and the workbook into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = write_plans(plans, out, fmt="md") + write_plans(plans, out, fmt="html")
    calendar = exit_calendar(plans)
    workbook = write_workbook(offboarding_workbook_sheets(plans, calendar), out / WORKBOOK)
    return PlansWritten(tuple(plans), tuple(pages), workbook, calendar)


def quarter_plans(
    book,
    quarter: str,
    *,
    settings: Settings,
    start_date=None,
    answers_file: str | Path | None = None,
):
    """The plans of ``quarter``'s prune candidates, with the saved can't-or-won't answers."""
    from helpers.decide.contract import client_metrics

    if start_date is None:
        start_date = default_start_date(quarter)
    else:
        try:
            start_date = business_day(start_date)
        except PumpkinError:
            raise PumpkinError(
                f"--start-date must be a date such as 2026-01-12, got {start_date!r}"
            ) from None
    metrics = client_metrics(book, quarter, settings=settings)
    answers = load_answers(answers_file, quarter=quarter) if answers_file else {}
    return offboarding_plans(
        metrics, start_date=start_date, book=book, settings=settings, answers=answers
    )


def summary_line(written: PlansWritten, *, quarter: str, out: Path) -> str:
    """One line: how many plans, where, and over which dates."""
    plans = written.plans
    if not plans:
        return f"no prune candidate in {quarter}: wrote an empty {WORKBOOK} to {out}"
    causes = pd.Series([p.cause for p in plans]).value_counts()
    first = min(p.meeting_date for p in plans)
    last = max(p.transition_end for p in plans)
    held = sum(p.hold for p in plans)
    unanswered = sum(bool(p.questions) and not (p.answers and p.answers.answered) for p in plans)
    return (
        f"wrote {len(plans)} offboarding plan(s) for {quarter} to {out} (a Markdown and an HTML "
        f"page each, and {WORKBOOK}): "
        + ", ".join(f"{n} {cause}" for cause, n in causes.items())
        + f"; meetings from {first:%Y-%m-%d}, last exit {last:%Y-%m-%d}"
        + (f"; {unanswered} still to answer: can't or won't?" if unanswered else "")
        + (f"; {held} on hold (the answers say we could fix it)" if held else "")
    )
