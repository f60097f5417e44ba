"""FreshBooks "Invoice Details" exports: one row per line item, one invoice per number.

Header: Client Name, Invoice #, Date Issued, Date Due, Invoice Status, Date Paid, Item Name,
Item Description, Rate, Quantity, Discount Percentage, Line Subtotal, Tax 1 Type, Tax 1 Amount,
Tax 2 Type, Tax 2 Amount, Line Total, Currency. The amount is the sum of ``Line Total`` (with
tax, like Xero's ``Total``). Drafts were never owed and go to the ledger.
"""

from __future__ import annotations

import numpy as np

from helpers.ingest import values
from helpers.ingest.invoicing import convert_invoices, text_columns
from helpers.ingest.part import Part, Rejects
from helpers.ingest.read import RawFile

NAME = "freshbooks"
TABLE = "invoices"
REQUIRED = {"Client Name", "Invoice #", "Date Issued", "Line Total"}


def detect(columns: list[str]) -> str | None:
    if not set(columns) >= REQUIRED:
        return None
    return "invoice details" + (" +Date Paid" if "Date Paid" in columns else "")


def convert(raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
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
    status = text["status"].str.lower()
    due = text["due_date"].where(text["due_date"].ne(""), text["issue_date"])
    lines = text.assign(
        amount=values.money(text["line_total"]),
        due_date=due,
        paid=status.eq("paid") | text["paid_date"].ne(""),
        status_reason=np.where(status.eq("draft"), "not issued (status draft)", None),
        currency=text["currency"].str.upper(),
        _row=raw.rows,
    )
    notes = ("blank Date Due read as the issue date",) if text["due_date"].eq("").any() else ()
    return convert_invoices(
        raw,
        lines,
        Rejects(len(text)),
        fmt=NAME,
        variant=variant,
        date_order=date_order,
        amount_rule="sum",
        notes=notes,
        columns={
            "invoice_id": "Invoice #",
            "client": "Client Name",
            "issue_date": "Date Issued",
            "due_date": "Date Due",
            "paid_date": "Date Paid",
            "amount": "Line Total",
            "status": "Invoice Status",
        },
    )
