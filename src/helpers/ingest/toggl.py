"""Toggl Track "Detailed report" exports.

Header: User, Email, Client, Project, Task, Description, Billable, Start date, Start time,
End date, End time, Duration, Tags, [Amount (USD) | Amount ()]. Durations are ``H:MM:SS``,
padded or not; an entry crossing midnight counts its full duration on its start date. Newer
exports quote every field and drop the amount; some start with a UTF-8 byte-order mark.
"""

from __future__ import annotations

from helpers.ingest.timesheet import (
    TimeExport,
    TimeSpec,
    currency_in_header,
    duration_hours,
)

NAME = "toggl"
TABLE = "time_entries"
REQUIRED = {"User", "Client", "Project", "Start date", "Duration"}


def detect(columns: list[str]) -> str | None:
    """The header variant, or None when this is not a Toggl Track detailed report."""
    if not set(columns) >= REQUIRED:
        return None
    amount, code = currency_in_header(columns, "Amount")
    if amount is None:
        return "no amount column"
    return f"Amount ({code})" if code else "Amount () (no rates)"


def spec(columns) -> TimeSpec:
    """Which columns give each canonical field in this header."""
    amount, code = currency_in_header(columns, "Amount")
    return TimeSpec(
        date="Start date",
        client="Client",
        person=("User",),
        hours="Duration",
        hours_reader=duration_hours,
        hours_expected="H:MM:SS",
        billable="Billable" if "Billable" in columns else None,
        amount=amount,
        currency_code=code,
        detail=tuple(
            c
            for c in ("Project", "Description", "Start time", "End date", "End time")
            if c in columns
        ),
    )


_EXPORT = TimeExport(NAME, spec)
columns_numeric = _EXPORT.columns_numeric
columns_used = _EXPORT.columns_used
convert = _EXPORT.convert
