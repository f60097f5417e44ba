"""Toggl Track "Detailed report" exports.

Header: User, Email, Client, Project, Task, Description, Billable, Start date, Start time,
End date, End time, Duration, Tags, [Amount (USD) | Amount ()]. Durations are ``H:MM:SS``,
padded or not; an entry crossing midnight counts its full duration on its start date. Newer
exports quote every field and drop the amount; some start with a UTF-8 byte-order mark.
"""

from __future__ import annotations

from helpers.ingest.part import Part
from helpers.ingest.read import RawFile
from helpers.ingest.timesheet import (
    TimeSpec,
    convert_time,
    currency_in_header,
    duration_hours,
    numeric_columns,
    used_columns,
)

NAME = "toggl"
TABLE = "time_entries"
REQUIRED = {"User", "Client", "Project", "Start date", "Duration"}


def detect(columns: list[str]) -> str | None:
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


def columns_numeric(columns) -> list[str]:
    return numeric_columns(spec(columns))


def columns_used(columns, *, detail: bool) -> list[str]:
    return used_columns(spec(columns), detail=detail)


def convert(raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
    return convert_time(raw, spec(raw.columns), fmt=NAME, variant=variant, date_order=date_order)
