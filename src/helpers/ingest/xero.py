"""Xero sales invoice exports: one row per invoice line, the invoice totals repeated.

One invoice per ``InvoiceNumber``; ``Total`` is its amount; dates are ``dd/MM/yyyy`` (Xero's
documented format, used when no value decides the order). ``Status`` Paid with
``InvoiceAmountDue`` 0 means paid, but the export has no paid date (see ``invoicing``). Drafts,
invoices awaiting approval, voided and deleted ones were never owed: they go to the ledger.
Credit notes (``Type`` with "credit") become negative amounts, as the canonical book has them.
"""

from __future__ import annotations

import numpy as np

from helpers.ingest import values
from helpers.ingest.invoicing import convert_invoices, text_columns
from helpers.ingest.part import Part, Rejects
from helpers.ingest.read import RawFile

NAME = "xero"
TABLE = "invoices"
REQUIRED = {"ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Total"}
NOT_ISSUED = {"draft", "submitted", "awaiting approval", "voided", "deleted"}


def detect(columns: list[str]) -> str | None:
    if not set(columns) >= REQUIRED:
        return None
    parts = ["sales invoices"]
    parts += ["+Status"] * ("Status" in columns) + ["+Currency"] * ("Currency" in columns)
    return " ".join(parts)


def convert(raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
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
        },
    )
    total, due = values.money(text["total"]), values.money(text["due"])
    status = text["status"].str.lower()
    credit = text["type"].str.lower().str.contains("credit")
    rejects = Rejects(len(text))
    status_reason = np.where(
        status.isin(NOT_ISSUED), "not issued (status " + text["status"] + ")", None
    )
    lines = text.assign(
        amount=total.abs().where(~credit, -total.abs()),  # a credit note: negative amount
        paid=status.eq("paid") & due.fillna(0).eq(0),
        paid_date="",
        status_reason=status_reason,
        currency=text["currency"].str.upper(),
        _row=raw.rows,
    )
    return convert_invoices(
        raw,
        lines,
        rejects,
        fmt=NAME,
        variant=variant,
        date_order=date_order,
        default_order="dmy",
        columns={
            "invoice_id": "InvoiceNumber",
            "client": "ContactName",
            "issue_date": "InvoiceDate",
            "due_date": "DueDate",
            "amount": "Total",
            "status": "Status",
        },
    )
