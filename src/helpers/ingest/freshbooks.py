"""FreshBooks "Invoice Details" exports: one row per line item, one invoice per number.

Header: Client Name, Invoice #, Date Issued, Date Due, Invoice Status, Date Paid, Item Name,
Item Description, Rate, Quantity, Discount Percentage, Line Subtotal, Tax 1 Type, Tax 1 Amount,
Tax 2 Type, Tax 2 Amount, Line Total, Currency. The amount is the sum of ``Line Total`` (with
tax, like Xero's ``Total``). Drafts were never owed and go to the ledger, voids too. A blank
``Date Due`` is read as the issue date (a note). Lines of one invoice repeat its number, client,
dates and status; the same number with other fields is another invoice (a re-used number). A
``Total`` line (``Client Name`` "Total" without a number) is checked against the lines.
"""

from __future__ import annotations

import numpy as np

from helpers.ingest import values
from helpers.ingest.invoicing import convert_by_status, distinct, split_total_line, text_columns
from helpers.ingest.part import Part
from helpers.ingest.read import RawFile

NAME = "freshbooks"
TABLE = "invoices"
REQUIRED = {"Client Name", "Invoice #", "Date Issued", "Line Total"}
VOID_STATUSES = {"void", "voided", "deleted"}


def detect(columns: list[str]) -> str | None:
    """The header variant, or None when this is not a FreshBooks Invoice Details export."""
    if not set(columns) >= REQUIRED:
        return None
    return "invoice details" + (" +Date Paid" if "Date Paid" in columns else "")


def convert(raw: RawFile, variant: str, *, date_order: str | None = None, **_) -> Part:
    """The export's line items as canonical invoice rows plus the rows left out."""
    text = text_columns(
        raw,
        {
            "invoice_id": "Invoice #",
            "client": "Client Name",
            "issue_date": "Date Issued",
            "due_date": "Date Due",
            "line_total": "Line Total",
            "currency": "Currency",
            "status": "Invoice Status",
            "paid_date": "Date Paid",
        },
    )
    raw, text, total_line, skipped = split_total_line(raw, text, "line_total")
    status = text["status"].str.lower()
    return convert_by_status(
        raw,
        text,
        void_statuses=VOID_STATUSES,
        line_columns=dict(
            amount=distinct(text["line_total"], values.money),
            paid=status.eq("paid") | text["paid_date"].ne(""),
            status_reason=np.where(status.eq("draft"), "not issued (status draft)", None),
        ),
        fmt=NAME,
        variant=variant,
        date_order=date_order,
        amount_rule="sum",
        invoice_fields=("status",),
        skipped=skipped,
        total_line=total_line,
        columns={
            "invoice_id": "Invoice #",
            "client": "Client Name",
            "issue_date": "Date Issued",
            "due_date": "Date Due",
            "paid_date": "Date Paid",
            "amount": "Line Total",
            "status": "Invoice Status",
            "void": "Invoice Status",
        },
    )
