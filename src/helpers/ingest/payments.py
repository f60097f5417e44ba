"""A payments file: the paid date of invoices whose export has none (Xero, QuickBooks).

Any CSV with an invoice number column (``InvoiceNumber``, ``Invoice Number``, ``Invoice #``,
``Num``, ``invoice_id``) and a payment date column (``PaymentDate``, ``Payment Date``,
``Date Paid``, ``Paid Date``, ``paid_date``, ``Date``). An invoice's paid date is its latest
payment.
"""

from __future__ import annotations

import pandas as pd

from helpers.ingest import dates
from helpers.ingest.read import RawFile

NAME = "payments"
TABLE = "payments"
NUMBER = ("InvoiceNumber", "Invoice Number", "Invoice #", "Invoice No", "invoice_id", "Num")
DATE = ("PaymentDate", "Payment Date", "Date Paid", "Paid Date", "paid_date", "Date")
_OTHER_FORMATS = {"ContactName", "Client Name", "Line Total", "Open balance", "Open Balance"}


def _pick(columns, names) -> str | None:
    return next((n for n in names if n in columns), None)


def detect(columns: list[str]) -> str | None:
    """The invoice number and payment date columns found, or None when this is not a payments
    file (an invoice export also has both: its own columns rule it out)."""
    if _OTHER_FORMATS & set(columns):
        return None
    number, date = _pick(columns, NUMBER), _pick(columns, DATE)
    return f"{number} + {date}" if number and date else None


def paid_dates(raw: RawFile, *, date_order: str | None = None) -> pd.DataFrame:
    """invoice_id, paid_date (ISO), row: the latest payment per invoice."""
    number, date = _pick(raw.columns, NUMBER), _pick(raw.columns, DATE)
    ids = raw.column(number).astype(object).fillna("").astype(str).str.strip()
    texts = raw.column(date).astype(object).fillna("").astype(str).str.strip()
    order, _ = dates.infer_order(
        texts[texts.ne("")].drop_duplicates().reset_index(drop=True),
        file=raw.label,
        column=date,
        date_order=date_order,
    )
    found = pd.DataFrame(
        {
            "invoice_id": ids.to_numpy(),
            "paid_date": dates.to_iso(texts, order).to_numpy(),
            "row": raw.rows,
        }
    )
    return (
        found.dropna(subset=["paid_date"])
        .loc[lambda d: d["invoice_id"].ne("")]
        .sort_values("paid_date")
        .drop_duplicates("invoice_id", keep="last")
    )
