"""Which tool wrote a file, decided by its header row (never by the file name alone).

Each source module is an :class:`~helpers.ingest.source.ExportFormat` (``NAME``, ``TABLE``,
``detect(columns) -> variant | None``); the header is searched among
the first records of the file (QuickBooks reports put a preamble above it) for ``,``, ``;``
and tab delimiters. An unknown header stops the import with the formats the kit knows and
the columns it saw.
"""

from __future__ import annotations

from pathlib import Path

from helpers.errors import BookError
from helpers.ingest import clockify, freshbooks, harvest, payments, quickbooks, toggl, xero
from helpers.ingest.source import ExportFormat

#: Known export formats, most specific first.
SOURCES: tuple[ExportFormat, ...] = (
    harvest,
    toggl,
    clockify,
    xero,
    quickbooks,
    freshbooks,
    payments,
)

KNOWN = (
    "Harvest detailed time report, Toggl Track detailed report, Clockify detailed report, "
    "Xero sales invoices, QuickBooks Online Invoice List / A/R Aging Detail, FreshBooks "
    "Invoice Details, a payments file (invoice number + payment date), any of these as "
    ".xlsx, or a canonical workbook (sheets clients, time_entries, invoices, ...)"
)


def match(columns: list[str]) -> tuple[ExportFormat, str] | None:
    """(source module, variant) for a header row, or None."""
    for source in SOURCES:
        variant = source.detect(columns)
        if variant is not None:
            return source, variant
    return None


def unknown_header(path: Path | str, columns: list[str]) -> BookError:
    """The error for a file whose header matches no known format."""
    seen = ", ".join(repr(c) for c in columns[:30]) or "none"
    hint = ""
    if len(columns) == 1:
        for name, sep in (("semicolons", ";"), ("tabs", "\t"), ("pipes", "|")):
            if sep in columns[0]:
                hint = f" (the header looks separated by {name}: save it as comma-separated CSV)"
    return BookError(
        f"unknown export format: the header matches none of the formats the kit "
        f"knows ({KNOWN}); columns seen: {seen}{hint}",
        file=path,
    )
