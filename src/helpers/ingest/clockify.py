"""Clockify "Detailed report" exports.

Header: Project, Client, Description, Task, User, Group, Email, Tags, Billable, Start Date,
Start Time, End Date, End Time, Duration (h), Duration (decimal), Billable Rate (USD),
Billable Amount (USD), Date of creation; optional Kiosk, Cost Rate (X), Cost Amount (X),
Profit. Dates follow the user's setting (DD/MM/YYYY or MM/DD/YYYY; inferred per file) and
times are 12- or 24-hour. Hours come from ``Duration (decimal)``.
"""

from __future__ import annotations

from dataclasses import replace

from helpers.ingest import values
from helpers.ingest.part import Part
from helpers.ingest.read import RawFile
from helpers.ingest.timesheet import (
    TimeExport,
    TimeSpec,
    currency_in_header,
)

NAME = "clockify"
TABLE = "time_entries"
REQUIRED = {"Project", "Client", "User", "Start Date", "Duration (decimal)"}


def detect(columns: list[str]) -> str | None:
    """The header variant, or None when this is not a Clockify detailed report."""
    if not set(columns) >= REQUIRED:
        return None
    _, code = currency_in_header(columns, "Billable Amount")
    cost, _ = currency_in_header(columns, "Cost Rate")
    parts = [f"currency {code}" if code else "no currency"]
    parts += ["+Kiosk"] * ("Kiosk" in columns) + ["+cost columns"] * (cost is not None)
    return ", ".join(parts)


def spec(columns) -> TimeSpec:
    """Which columns give each canonical field in this header."""
    amount, code = currency_in_header(columns, "Billable Amount")
    cost, _ = currency_in_header(columns, "Cost Rate")
    return TimeSpec(
        date="Start Date",
        client="Client",
        person=("User",),
        hours="Duration (decimal)",
        hours_reader=values.decimal,
        hours_expected="decimal hours such as 1.50",
        billable="Billable" if "Billable" in columns else None,
        amount=amount,
        currency_code=code,
        cost_rate=cost,
        detail=tuple(
            c for c in ("Project", "Description", "Start Time", "End Time") if c in columns
        ),
    )


_EXPORT = TimeExport(NAME, spec)
columns_numeric = _EXPORT.columns_numeric


def columns_used(columns, *, detail: bool) -> list[str]:
    """The columns the conversion reads, and Start Time (it tells 12- from 24-hour clocks)."""
    return [*_EXPORT.columns_used(columns, detail=detail), "Start Time"]


def convert(raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
    """The export's rows as canonical time entries; the variant says which clock it uses."""
    part = _EXPORT.convert(raw, variant, date_order=date_order)
    times = values.coded(raw.column("Start Time"))[1]
    clock = (
        "12-hour times" if times.str.contains(r"[AaPp][Mm]$", regex=True).any() else "24-hour times"
    )
    return replace(part, variant=f"{variant}, {clock}")
