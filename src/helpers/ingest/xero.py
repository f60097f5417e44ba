"""Xero sales invoice exports: one row per invoice line, the invoice totals repeated.

One invoice per ``InvoiceNumber``; ``Total`` is its amount; dates are ``dd/MM/yyyy`` (Xero's
documented format, used when no value decides the order). ``Status`` Paid with
``InvoiceAmountDue`` 0 means paid, but the export has no paid date (see ``invoicing``). Drafts,
invoices awaiting approval were never owed, voided and deleted ones are voids: they go to the
ledger. Credit notes (``Type`` with "credit") become negative amounts, as the canonical book has
them. A number used by two invoices (other contact, date or total) gives two invoices; a row
that repeats another in every field is a duplicate. A ``Total`` line (``ContactName`` "Total"
without a number), if someone added one, is checked against the invoices' totals.
"""

from __future__ import annotations

import numpy as np

from helpers.ingest import values
from helpers.ingest.invoicing import convert_by_status, distinct, split_total_line, text_columns
from helpers.ingest.part import Part
from helpers.ingest.read import RawFile

NAME = "xero"
TABLE = "invoices"
REQUIRED = {"ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Total"}
NOT_ISSUED = {"draft", "submitted", "awaiting approval", "voided", "deleted"}
VOID_STATUSES = {"voided", "deleted"}


def detect(columns: list[str]) -> str | None:
    """The header variant, or None when this is not a Xero sales invoice export."""
    if not set(columns) >= REQUIRED:
        return None
    parts = ["sales invoices"]
    parts += ["+Status"] * ("Status" in columns) + ["+Currency"] * ("Currency" in columns)
    return " ".join(parts)


def convert(raw: RawFile, variant: str, *, date_order: str | None = None, **_) -> Part:
    """The export's invoice lines as canonical invoice rows plus the rows left out."""
    text = text_columns(
        raw,
        {
            "invoice_id": "InvoiceNumber",
            "client": "ContactName",
            "issue_date": "InvoiceDate",
            "due_date": "DueDate",
            "total": "Total",
            "due": "InvoiceAmountDue",
            "currency": "Currency" if "Currency" in raw.columns else "",
            "type": "Type",
            "status": "Status",
            "reference": "Reference",
        },
    )
    raw, text, total_line, skipped = split_total_line(raw, text, "total")
    total, due = distinct(text["total"], values.money), distinct(text["due"], values.money)
    status = text["status"].str.lower()
    credit = text["type"].str.lower().str.contains("credit")
    not_issued = status.isin(NOT_ISSUED - VOID_STATUSES)
    status_reason = np.where(not_issued, "not issued (status " + text["status"] + ")", None)
    return convert_by_status(
        raw,
        text,
        void_statuses=VOID_STATUSES,
        line_columns=dict(
            amount=total.abs().where(~credit, -total.abs()),  # a credit note: negative amount
            paid=status.eq("paid") & due.fillna(0).eq(0),
            paid_date="",
            status_reason=status_reason,
        ),
        fmt=NAME,
        variant=variant,
        date_order=date_order,
        default_order="dmy",
        invoice_fields=("type", "reference"),
        skipped=skipped,
        total_line=total_line,
        columns={
            "invoice_id": "InvoiceNumber",
            "client": "ContactName",
            "issue_date": "InvoiceDate",
            "due_date": "DueDate",
            "amount": "Total",
            "status": "Status",
            "void": "Status",
        },
    )
