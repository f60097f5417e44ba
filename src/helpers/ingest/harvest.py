"""Harvest "Detailed time report" exports (current and older headers).

Current header: Date, Client, Project, Project Code, Task, Notes, Hours, [Hours Rounded],
Billable?, Invoiced?, [Approved?], First Name, Last Name, Employee Id, Roles, Employee?,
Billable Rate, Billable Amount, Cost Rate, Cost Amount, Currency, External Reference URL.
Older exports have Department and Hourly Rate, locale dates and decimal commas. Hours are the
tracked ``Hours`` (the effort), not ``Hours Rounded`` (what rounding bills).
"""

from __future__ import annotations

from helpers.ingest import values
from helpers.ingest.timesheet import TimeExport, TimeSpec

NAME = "harvest"
TABLE = "time_entries"
REQUIRED = {"Date", "Client", "Project", "Hours", "First Name", "Last Name"}


def detect(columns: list[str]) -> str | None:
    """The header variant, or None when this is not a Harvest detailed time report."""
    if not set(columns) >= REQUIRED:
        return None
    era = "older" if {"Department", "Hourly Rate"} & set(columns) else "current"
    extras = [c for c in ("Hours Rounded", "Approved?") if c in columns]
    return era + "".join(f" +{c}" for c in extras)


def spec(columns) -> TimeSpec:
    """Which columns give each canonical field in this header."""
    columns = set(columns)
    return TimeSpec(
        date="Date",
        client="Client",
        person=("First Name", "Last Name"),
        hours="Hours",
        hours_reader=values.decimal,
        hours_expected="decimal hours such as 1.5",
        billable="Billable?" if "Billable?" in columns else None,
        amount="Billable Amount" if "Billable Amount" in columns else None,
        currency="Currency" if "Currency" in columns else None,
        cost_rate="Cost Rate" if "Cost Rate" in columns else None,
        detail=tuple(c for c in ("Project", "Task", "Notes") if c in columns),
    )


_EXPORT = TimeExport(NAME, spec)
columns_numeric = _EXPORT.columns_numeric
columns_used = _EXPORT.columns_used
convert = _EXPORT.convert
