"""Calendar quarters (``2025Q2``) and the windows the metrics are measured over."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from helpers.errors import PumpkinError

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


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
    if not isinstance(text, str) or not _QUARTER.match(text.strip()):
        raise PumpkinError(f"quarter must look like 2025Q2 (year, 'Q', 1-4), got {text!r}")
    return pd.Period(text.strip(), freq="Q")


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
