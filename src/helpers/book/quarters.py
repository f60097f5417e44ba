"""Calendar quarters (``2025Q2``) and the windows the metrics are measured over."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.book.quarter_text import normalise_quarter
from helpers.errors import PumpkinError


@dataclass(frozen=True, order=True)
class Window:
    """A closed date interval [start, end] (days)."""

    start: pd.Timestamp
    end: pd.Timestamp

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of the dates inside the window (NaT is outside)."""
        return dates.between(self.start, self.end)


#: A book whose history starts within a window's first month is taken to cover the window.
HISTORY_GRACE = pd.Timedelta(days=31)


def history_covers(first: pd.Timestamp | None, window: Window) -> bool:
    """Whether a book whose activity starts on ``first`` covers ``window``.

    >>> history_covers(pd.Timestamp("2023-01-02"), prior_window("2024Q4"))
    True
    >>> history_covers(pd.Timestamp("2023-01-02"), prior_window("2024Q2"))
    False
    """
    return first is not None and first <= window.start + HISTORY_GRACE


def parse_quarter(text: str) -> pd.Period:
    """``"2025Q2"`` as a quarterly Period; a clear error for anything else.

    >>> parse_quarter("2025Q2").end_time.date()
    datetime.date(2025, 6, 30)
    """
    return pd.Period(normalise_quarter(text), freq="Q")


def check_quarter(quarter: str, available: list[str], *, where: str = "the book") -> str:
    """``quarter`` in its canonical spelling if it is one of ``available`` (the quarters with
    activity in the book); else one message naming the quarters there are.

    One rule for every entry point (CLI, report, notebooks, explorer, planner): any quarter with
    activity can be audited, including one that ends after the book's last dated row (the report
    then says so, see :func:`ending_note`).

    >>> check_quarter("2025q2", ["2025Q1", "2025Q2"])
    '2025Q2'
    >>> check_quarter("2026Q1", ["2025Q1", "2025Q2"])
    Traceback (most recent call last):
    ...
    helpers.errors.PumpkinError: no activity in the book for 2026Q1 (quarters with data: 2025Q1 to 2025Q2)
    """
    canonical = normalise_quarter(quarter)
    if canonical not in available:
        span = f"{available[0]} to {available[-1]}" if available else "none"
        raise PumpkinError(f"no activity in {where} for {canonical} (quarters with data: {span})")
    return canonical


def ending_note(last: pd.Timestamp | None, quarter: str) -> str:
    """A caution when the book's last dated row is before the quarter's last day.

    >>> ending_note(pd.Timestamp("2025-06-20"), "2025Q2")
    'Caution: the book ends on 2025-06-20, before the quarter does (2025-06-30): activity after that day is not in these figures.'
    >>> ending_note(pd.Timestamp("2025-06-30"), "2025Q2")
    ''
    """
    end = as_of(quarter)
    if last is None or last.normalize() >= end:
        return ""
    return (
        f"Caution: the book ends on {last:%Y-%m-%d}, before the quarter does ({end:%Y-%m-%d}): "
        "activity after that day is not in these figures."
    )


def as_of(quarter: str) -> pd.Timestamp:
    """The last day of the quarter: the point in time the metrics describe."""
    return parse_quarter(quarter).end_time.normalize()


def quarter_window(quarter: str) -> Window:
    """The quarter itself."""
    period = parse_quarter(quarter)
    return Window(period.start_time.normalize(), period.end_time.normalize())


def ttm_window(quarter: str) -> Window:
    """The four quarters ending with ``quarter`` (trailing twelve months)."""
    period = parse_quarter(quarter)
    return Window((period - 3).start_time.normalize(), period.end_time.normalize())


def prior_window(quarter: str) -> Window:
    """The four quarters before the TTM window."""
    period = parse_quarter(quarter)
    return Window((period - 7).start_time.normalize(), (period - 4).end_time.normalize())


def shift_quarter(quarter: str, n: int) -> str:
    """The quarter ``n`` quarters later (negative: earlier).

    >>> shift_quarter("2025Q1", -1)
    '2024Q4'
    """
    return str(parse_quarter(quarter) + n)


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    start, end = parse_quarter(first), parse_quarter(last)
    return [str(p) for p in pd.period_range(start, end, freq="Q")]


def quarter_of(dates: pd.Series) -> pd.Series:
    """The ``YYYYQn`` label of each date."""
    return dates.dt.to_period("Q").astype("string")
