"""Excel workbooks: an export of any known tool saved as ``.xlsx``, or a canonical workbook.

A workbook whose sheets are named after the canonical tables (``clients`` plus
``time_entries`` or ``invoices``) is loaded with :func:`helpers.book.load.load_book` and merged as
it is. Otherwise every sheet whose header (searched like a CSV's, below any preamble) matches
a known export is converted; the other sheets are named in the summary.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.book.load import Book, load_book
from helpers.book.settings import Settings
from helpers.ingest import detect
from helpers.ingest.part import Part, empty_part_ledger
from helpers.ingest.read import RawFile, cell_text, clean_header, read_sheets, sheet_export

NAME = "excel"
HEAD_ROWS = 40


def is_canonical(sheet_names) -> bool:
    """A workbook in the book's own layout: a ``clients`` sheet and a time or invoice sheet."""
    names = set(sheet_names)
    return "clients" in names and bool({"time_entries", "invoices"} & names)


def read_workbook(
    path: Path, *, settings=None
) -> tuple[list[tuple[RawFile, object, str]], Book | None, list[str]]:
    """(exports found in its sheets, canonical book or None, notes on sheets left aside)."""
    sheets = read_sheets(path)
    if is_canonical(sheets):
        return [], load_book(path, settings=settings or Settings()), []
    found, ignored, first_header = [], [], None
    for sheet, cells in sheets.items():
        hit = _find_header(cells)
        if hit is None:
            if not cells.dropna(how="all").empty:
                ignored.append(f"sheet '{sheet}' matches no known export and was not read")
                first_header = first_header or clean_header(
                    [str(c) for c in cells.dropna(how="all").iloc[0].dropna()]
                )
            continue
        index, names, (source, variant) = hit
        raw = sheet_export(path, sheet, cells, index, names)
        above = cells.iloc[:index].map(cell_text)  # a report's title, company, "As of" date
        preamble = tuple(" ".join(v for v in row if v) for row in above.itertuples(index=False))
        found.append((replace(raw, preamble=preamble), source, variant))
    if not found:
        raise detect.unknown_header(path, first_header or [])
    return found, None, ignored


def _find_header(cells):
    for index in range(min(HEAD_ROWS, len(cells))):
        row = cells.iloc[index]
        values = ["" if v is None or v != v else str(v) for v in row.tolist()]
        while values and not values[-1].strip():
            values.pop()
        if not any(v.strip() for v in values):
            continue
        names = clean_header(values)
        hit = detect.match(names)
        if hit is not None:
            return index, names, hit
    return None


def book_parts(name: str, book: Book) -> list[Part]:
    """A canonical workbook's time entries and invoices as parts (client = the client's name)."""
    names = book.clients.set_index("client_id")["name"]

    def iso(dates: pd.Series) -> pd.Series:
        return dates.dt.strftime("%Y-%m-%d").fillna("")

    time = book.time_entries
    time_frame = pd.DataFrame(
        {
            "date": iso(time["date"]),
            "client": time["client_id"].map(names).fillna(""),
            "person": time["person"],
            "hours": time["hours"].astype(str),
            "billable": time["billable"].map({True: "true", False: "false"}).fillna(""),
            "file_row": np.arange(len(time)) + 2,
            "file_hours": time["hours"].to_numpy(dtype=float),
            "file_amount": time["billable_amount"].to_numpy(dtype=float)
            if "billable_amount" in time
            else np.nan,
            "file_currency": "",  # a canonical book's amounts are in its base currency
        }
    )
    inv = book.invoices
    inv_frame = pd.DataFrame(
        {
            "invoice_id": inv["invoice_id"],
            "client": inv["client_id"].map(names).fillna(""),
            "issue_date": iso(inv["issue_date"]),
            "due_date": iso(inv["due_date"]),
            "amount": inv["amount"].astype(str),
            "currency": inv["currency"].fillna(""),
            "paid_date": iso(inv["paid_date"]),
            "file_row": np.arange(len(inv)) + 2,
            "file_amount": inv["amount"].to_numpy(dtype=float),
            "line_count": 1,
            "paid_unknown": False,
        }
    )
    common = dict(format="canonical", variant="workbook", notes=(), ledger=empty_part_ledger())
    return [
        Part(
            file=f"{name}[time_entries]",
            table="time_entries",
            frame=time_frame,
            rows_read=len(time_frame),
            **common,
        ),
        Part(
            file=f"{name}[invoices]",
            table="invoices",
            frame=inv_frame,
            rows_read=len(inv_frame),
            extra={"invoices": len(inv_frame)},
            **common,
        ),
    ]
