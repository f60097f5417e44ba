"""QuickBooks Online report exports: Invoice List and A/R Aging Detail.

Reports start with a preamble (company, title, date range, blank line) before the header and
carry group headings, ``Total for ...`` rows and a footer: those lines are not entries and are
counted as skipped. Money looks like ``"1,200.00"``. ``Open balance`` is what is still owed:
0 means paid (the report has no paid date, see ``invoicing``). Header names are matched
without regard to case (older exports capitalise ``Due Date``/``Open Balance``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from helpers.ingest import values
from helpers.ingest.invoicing import convert_invoices, text_columns
from helpers.ingest.part import Part, Rejects
from helpers.ingest.read import RawFile

NAME = "quickbooks"
TABLE = "invoices"


def _by_lower(columns) -> dict[str, str]:
    return {c.lower(): c for c in columns}


def detect(columns: list[str]) -> str | None:
    lower = _by_lower(columns)
    if not {"date", "num", "due date", "amount", "open balance"} <= set(lower):
        return None
    if not ({"name", "customer"} & set(lower)):
        return None
    if "past due" in lower:
        return "A/R Aging Detail"
    return "Invoice List" + (" (older header)" if "transaction type" not in lower else "")


def convert(raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
    lower = _by_lower(raw.columns)
    name = lower.get("customer") or lower["name"]
    text = text_columns(
        raw,
        {
            "invoice_id": lower["num"],
            "client": name,
            "issue_date": lower["date"],
            "due_date": lower["due date"],
            "amount_text": lower["amount"],
            "open": lower["open balance"],
            "type": lower.get("transaction type", ""),
        },
    )
    first = text_columns(raw, {"first": raw.columns[0]})["first"]
    # group headings, "Total for ..." rows, blank rows and the footer are not entries
    report_line = (
        text["invoice_id"].eq("") & text["amount_text"].eq("")
    ) | first.str.lower().str.startswith("total")
    footer = raw.bad["fields"].le(1).to_numpy()  # a one-cell line: report footer or heading
    raw = replace(raw, bad=raw.bad.loc[~footer].reset_index(drop=True))
    raw_kept = replace(
        raw,
        frame=raw.frame.loc[~report_line.to_numpy()].reset_index(drop=True),
        rows=raw.rows[~report_line.to_numpy()],
    )
    text = text.loc[~report_line].reset_index(drop=True)
    amount, open_balance = values.money(text["amount_text"]), values.money(text["open"])
    rejects = Rejects(len(text))
    kind = text["type"].str.lower()
    rejects.fail(
        (kind.ne("") & kind.ne("invoice")).to_numpy(),
        lower.get("transaction type", ""),
        ("not an invoice (" + text["type"] + ")").to_numpy(),
        text["type"].to_numpy(),
    )
    lines = text.assign(
        amount=amount,
        paid=open_balance.fillna(np.inf).eq(0),
        paid_date="",
        status_reason=None,
        currency="",
        _row=raw_kept.rows,
    )
    return convert_invoices(
        raw_kept,
        lines,
        rejects,
        fmt=NAME,
        variant=variant,
        date_order=date_order,
        skipped=int(report_line.sum() + footer.sum()),
        columns={
            "invoice_id": lower["num"],
            "client": name,
            "issue_date": lower["date"],
            "due_date": lower["due date"],
            "amount": lower["amount"],
        },
    )
