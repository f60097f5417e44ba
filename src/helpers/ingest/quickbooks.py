"""QuickBooks Online report exports: Invoice List (by Date) and A/R Aging Detail.

What real exports look like (2026): a preamble (report title, company, period or ``As of``
date) and a blank line above the header; ``MM/DD/YYYY`` dates; amounts ``"3,131.94"`` and
``-1,099.85``; group lines (``91 or more days past due``, ``Total for ...``) between the rows;
a final ``TOTAL`` line (``"$9,644,329.08"``); blank lines and an export timestamp at the end;
no currency (the company's home currency). The A/R Aging Detail's header starts with an empty
column. Report lines are skipped and counted; the ``TOTAL`` line is kept to check the import
against (see :mod:`helpers.ingest.invoicing`).

Rows are transactions: every row is its own invoice (a number can be re-used, blank, ``dummy``
or ``J054.1``). ``Invoice`` rows are invoices and ``Credit Memo`` rows credit notes (negative).
``Open balance`` is what is still owed at the report's date (its ``As of`` date, else the export
date): the rest was paid by then. In the A/R Aging Detail, ``Payment``, ``Journal Entry`` and
``Check`` (refund) rows still open are applied to the same customer's open items or ledgered;
in an Invoice List they are left out (its open balances already count them).

Customers are written ``Parent:Job``: the parent is the client and the job a ``project`` note,
unless ``jobs_as_clients``. Header names are matched without regard to case (older exports
capitalise ``Due Date``/``Open Balance``).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.ingest import dates, values
from helpers.ingest.invoicing import convert_invoices, distinct, text_columns
from helpers.ingest.part import Part
from helpers.ingest.read import RawFile

NAME = "quickbooks"
TABLE = "invoices"
CUSTOMER_COLUMNS = ("customer full name", "customer", "name")
INVOICE_TYPES = {"", "invoice"}  # the older Invoice List has no type column
CREDIT_TYPES = {"credit memo"}
ADJUSTMENT_TYPES = {"payment", "journal entry", "check", "refund receipt", "receive payment"}
NOTE_JOB = "Customer:Job: the parent customer is the client, the job kept as a project note"
_VOID = re.compile(r"\bvoid(?:ed)?\b", re.IGNORECASE)
_MONTHS = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_WORDY_DATE = re.compile(_MONTHS + r"\s+(\d{1,2}),\s+(\d{4})", re.IGNORECASE)
_SLASHED_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _by_lower(columns) -> dict[str, str]:
    return {c.lower(): c for c in columns}


def detect(columns: list[str]) -> str | None:
    """The report (Invoice List or A/R Aging Detail) and its variant, or None when this
    is not a QuickBooks Online report."""
    lower = _by_lower(columns)
    if not {"date", "num", "due date", "amount", "open balance"} <= set(lower):
        return None
    if not (set(CUSTOMER_COLUMNS) & set(lower)):
        return None
    extra = " +Location full name" if "location full name" in lower else ""
    if "past due" in lower or columns[0].startswith("column "):  # today's: an empty first cell
        return "A/R Aging Detail" + extra
    return "Invoice List" + (" (older header)" if "transaction type" not in lower else "") + extra


def convert(
    raw: RawFile,
    variant: str,
    *,
    date_order: str | None = None,
    jobs_as_clients: bool = False,
) -> Part:
    """The report's rows as canonical invoice rows plus the rows left out;
    ``jobs_as_clients``: each ``Customer:Job`` is a client of its own."""
    lower = _by_lower(raw.columns)
    customer = next(lower[c] for c in CUSTOMER_COLUMNS if c in lower)
    memo = lower.get("memo") or lower.get("memo/description") or ""
    text = text_columns(
        raw,
        {
            "invoice_id": lower["num"],
            "customer": customer,
            "issue_date": lower["date"],
            "due_date": lower["due date"],
            "amount_text": lower["amount"],
            "open_text": lower["open balance"],
            "type": lower.get("transaction type", ""),
            "memo": memo,
            "first": raw.columns[0],
        },
    )
    # group headings, "Total for ..." rows, the TOTAL line and blank rows are not entries
    first = text["first"].str.lower()
    total = first.eq("total")
    rest = text_columns(raw, {c: c for c in raw.columns[1:]})
    alone = rest.eq("").all(axis=1)  # a heading, or the timestamp of a workbook's footer
    blank = (
        text[["issue_date", "amount_text", "invoice_id", "customer", "open_text"]]
        .eq("")
        .all(axis=1)
    )
    report_line = (total | first.str.startswith("total for ") | blank | alone).to_numpy()
    footer = raw.bad["fields"].le(1).to_numpy()  # a one-cell line: the export timestamp
    total_line = _total_line(text.loc[total])
    ends = [*raw.bad.loc[footer, "text"], *text.loc[alone, "first"]]
    as_of = _as_of(raw.preamble, ends, date_order)
    raw = replace(raw, bad=raw.bad.loc[~footer].reset_index(drop=True))
    raw_kept = replace(
        raw,
        frame=raw.frame.loc[~report_line].reset_index(drop=True),
        rows=raw.rows[~report_line],
    )
    text = text.loc[~report_line].reset_index(drop=True)

    kind = text["type"].str.lower()
    aging = variant.startswith("A/R Aging")
    credit = kind.isin(CREDIT_TYPES).to_numpy()
    adjustment = kind.isin(ADJUSTMENT_TYPES).to_numpy() & aging
    invoice = kind.isin(INVOICE_TYPES).to_numpy() | credit
    amount = distinct(text["amount_text"], values.money).to_numpy()
    open_balance = distinct(text["open_text"], values.money).to_numpy()
    amount = np.where(credit, -np.abs(amount), amount)
    open_balance = np.where(credit, -np.abs(open_balance), open_balance)
    status_reason = np.where(
        invoice | adjustment,
        None,
        "not an invoice ("
        + text["type"]
        + ")"
        + (
            ": an Invoice List's open balances already count its payments"
            if not aging
            else ": not an invoice, credit, payment, journal entry or refund check"
        ),
    )
    client, project = _customer_and_job(text["customer"], jobs_as_clients=jobs_as_clients)
    lines = pd.DataFrame(
        {
            "invoice_id": text["invoice_id"],
            "client": client,
            "customer": text["customer"],
            "project": project,
            "issue_date": text["issue_date"],
            "due_date": text["due_date"],
            "amount": amount,
            "open": open_balance,
            "currency": "",
            "paid": False,
            "paid_date": "",
            "status_reason": status_reason,
            "status_value": text["type"],
            "void": text["memo"].str.contains(_VOID).to_numpy() & invoice,
            "void_text": text["memo"],
            "kind": np.where(adjustment, "adjustment", "invoice"),
            "type": text["type"],
            "file_row": raw_kept.rows,
        }
    )
    has_job = project.ne("")
    assumed = pd.DataFrame(
        {
            "table": TABLE,
            "source_file": raw.label,
            "column": "project",
            "value": project[has_job].to_numpy(),
            "reason": NOTE_JOB + " (--jobs-as-clients keeps each job as a client)",
            "note_kind": NOTE_JOB,
            "line_index": np.flatnonzero(has_job.to_numpy()),
        }
    )
    return convert_invoices(
        raw_kept,
        lines,
        fmt=NAME,
        variant=variant,
        date_order=date_order,
        per_row=True,
        amount_rule="sum",
        skipped=int(report_line.sum() + footer.sum()),
        total_line=total_line,
        as_of=as_of,
        assumed=assumed,
        notes=(f"open balances as of {as_of}",) if as_of else (),
        columns={
            "invoice_id": lower["num"],
            "client": customer,
            "issue_date": lower["date"],
            "due_date": lower["due date"],
            "amount": lower["amount"],
            "open": lower["open balance"],
            "status": lower.get("transaction type", ""),
            "void": memo,
        },
    )


def _customer_and_job(names: pd.Series, *, jobs_as_clients: bool) -> tuple[pd.Series, pd.Series]:
    """(client, job) of each ``Parent:Job`` name ('' job when there is none)."""
    if jobs_as_clients:
        return names, pd.Series("", index=names.index, dtype=object)

    def split(unique: pd.Series) -> pd.DataFrame:
        parts = unique.str.split(":", n=1)
        parent = parts.str[0].str.strip()
        job = parts.str[1].astype(object)  # all missing (float) when no name has a job
        return pd.DataFrame(
            {
                "client": parent.where(parent.ne(""), unique),
                "job": job.where(job.notna(), "").astype(str).str.strip(),
            }
        )

    found = distinct(names, split)
    return found["client"], found["job"]


def _total_line(rows: pd.DataFrame) -> dict[str, float]:
    """The figures of the report's own TOTAL line (the last one), if it has one."""
    if rows.empty:
        return {}
    last = rows.iloc[[-1]]
    money = values.money(last["amount_text"]).iloc[0]
    open_ = values.money(last["open_text"]).iloc[0]
    found = {"money": money, "open balance": open_}
    return {k: float(v) for k, v in found.items() if pd.notna(v)}


def _as_of(preamble, footer: list[str], date_order: str | None) -> str | None:
    """The date open balances are at: the preamble's ``As of`` date, else the export date."""
    for line in preamble:
        if "as of" in line.lower():
            found = _date_in(line.lower().split("as of", 1)[1], date_order)
            if found:
                return found
    for line in footer:
        found = _date_in(line, date_order)
        if found:
            return found
    return None


def _date_in(text: str, date_order: str | None) -> str | None:
    wordy = _WORDY_DATE.search(text)
    if wordy:
        found = dates.to_iso(pd.Series([" ".join(wordy.groups()[:2]) + ", " + wordy[3]]), None)
        return found.iloc[0]
    slashed = _SLASHED_DATE.search(text)
    if slashed:
        return dates.to_iso(pd.Series([slashed[0]]), date_order or "mdy").iloc[0]
    return None
