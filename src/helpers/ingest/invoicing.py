"""The shared conversion of an invoicing export: line rows -> one invoice per number.

Each tool maps its columns onto ``lines`` (one row per file row); this module groups them,
reads the dates, and decides what is paid. A paid invoice without a paid date (Xero, QuickBooks
report exports have none) keeps ``paid_date`` blank here and ``_paid_unknown`` set: the merge
fills it from a payments file when given, else with the due date and a ledger note that its
lateness cannot be measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.ingest import dates
from helpers.ingest.part import (
    Part,
    Rejects,
    bad_row_ledger,
    concat_ledgers,
    empty_part_ledger,
    ledger_frame,
)
from helpers.ingest.read import RawFile

TABLE = "invoices"
LINE_COLUMNS = (
    "invoice_id",
    "client",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "paid",
    "paid_date",
    "status_reason",
)


def convert_invoices(
    raw: RawFile,
    lines: pd.DataFrame,
    rejects: Rejects,
    *,
    fmt: str,
    variant: str,
    date_order: str | None,
    columns: dict[str, str],
    amount_rule: str = "first",
    default_order: str | None = None,
    skipped: int = 0,
    notes: tuple[str, ...] = (),
) -> Part:
    """Invoices from line rows. ``columns`` names the file column of each canonical field.

    ``amount_rule`` is ``first`` (invoice total repeated on each line) or ``sum`` (line totals).
    ``lines`` has LINE_COLUMNS plus ``_row``; rows failing ``rejects`` are left out per line.
    """
    rejects.fail(
        lines["invoice_id"].eq("").to_numpy(),
        columns["invoice_id"],
        "missing invoice number",
        lines["invoice_id"].to_numpy(),
    )
    rejects.fail(
        lines["client"].eq("").to_numpy(),
        columns["client"],
        "missing client name",
        lines["client"].to_numpy(),
    )
    line_ledger = rejects.ledger(raw, TABLE, amount=lines["amount"].to_numpy())
    kept = lines.loc[rejects.ok]
    grouped = kept.groupby("invoice_id", sort=False)
    invoices = grouped.agg(
        client=("client", "first"),
        issue_date=("issue_date", "first"),
        due_date=("due_date", "first"),
        currency=("currency", "first"),
        paid=("paid", "first"),
        paid_date=("paid_date", "first"),
        status_reason=("status_reason", "first"),
        _row=("_row", "first"),
        _lines=("_row", "size"),
        _last=("_row", "last"),
        amount=("amount", "first" if amount_rule == "first" else "sum"),
    ).reset_index()
    all_dates = pd.concat([invoices["issue_date"], invoices["due_date"], invoices["paid_date"]])
    order, order_note = dates.infer_order(
        all_dates[all_dates.ne("")].drop_duplicates().reset_index(drop=True),
        file=raw.label,
        column=columns["issue_date"],
        date_order=date_order,
        default=default_order,
    )
    iso = {c: dates.to_iso(invoices[c], order) for c in ("issue_date", "due_date", "paid_date")}
    checks = Rejects(len(invoices))
    where = (
        " ("
        + invoices["_lines"].astype(str)
        + " line(s), rows "
        + invoices["_row"].astype(str)
        + "-"
        + invoices["_last"].astype(str)
        + ")"
    )
    checks.fail(
        invoices["status_reason"].notna().to_numpy(),
        columns.get("status", ""),
        (invoices["status_reason"].fillna("") + where).to_numpy(),
        invoices["status_reason"].to_numpy(),
    )
    for name in ("issue_date", "due_date", "paid_date"):
        bad = iso[name].isna() & invoices[name].ne("")
        checks.fail(
            bad.to_numpy(),
            columns.get(name, name),
            f"not a date (expected {dates.expected(order)})",
            invoices[name].to_numpy(),
        )
    checks.fail(
        np.isnan(invoices["amount"].to_numpy(dtype=float)),
        columns["amount"],
        "not an amount",
        invoices["amount"].astype(str).to_numpy(),
    )
    ok = checks.ok
    invoice_ledger = (
        ledger_frame(
            table=TABLE,
            file=raw.label,
            rows=invoices["_row"].to_numpy()[~ok],
            column=checks.column[~ok],
            value=checks.value[~ok],
            reason=checks.reason[~ok],
            amount=invoices["amount"].to_numpy(dtype=float)[~ok],
        )
        if not ok.all()
        else empty_part_ledger()
    )
    out = invoices.assign(**{c: iso[c].fillna("") for c in iso}).loc[ok]
    paid_date = out["paid_date"].where(out["paid_date"].ne(""), "")
    frame = pd.DataFrame(
        {
            "invoice_id": out["invoice_id"],
            "client": out["client"],
            "issue_date": out["issue_date"],
            "due_date": out["due_date"],
            "amount": out["amount"].astype(float).astype(str),
            "currency": out["currency"],
            "paid_date": paid_date,
            "_row": out["_row"].astype("int64"),
            "_amount": out["amount"].astype(float),
            "_lines": out["_lines"],
            "_paid_unknown": out["paid"].astype(bool) & paid_date.eq(""),
        }
    ).reset_index(drop=True)
    ledger = concat_ledgers([bad_row_ledger(raw, TABLE), line_ledger, invoice_ledger])
    currencies = sorted(set(frame["currency"]) - {""})
    return Part(
        file=raw.label,
        format=fmt,
        variant=variant,
        table=TABLE,
        frame=frame,
        ledger=ledger,
        rows_read=len(lines) + len(raw.bad),
        skipped=skipped,
        notes=(
            *raw.notes,
            *notes,
            *([order_note] if order_note else []),
            *(["currency " + ", ".join(currencies)] if currencies else []),
        ),
        extra={"invoices": len(invoices), "currencies": currencies},
    )


def text_columns(raw: RawFile, mapping: dict[str, str]) -> pd.DataFrame:
    """The file columns named in ``mapping`` as plain stripped text, renamed to its keys."""
    return pd.DataFrame(
        {
            key: raw.column(name).astype(object).fillna("").astype(str).str.strip().to_numpy()
            if name
            else np.full(len(raw.frame), "", dtype=object)
            for key, name in mapping.items()
        }
    )
