"""Every importer fixture, row by row: each data row is in the book or in the ledger, never both
and never neither, and the import's three figures (file = book + ledger) add up to the file's
own total line, or to the file's rows summed here without the importer's help."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import read_import, reconciliation, row_fates

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
NOT_IMPORTERS = {"xero_payments.csv"}  # a payments file gives dates, not rows of the book
IMPORTER_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.csv") if p.name not in NOT_IMPORTERS)


# ----------------------------------------------------------------------------- the file, read here


def money(text: str) -> float:
    """'$9,644,329.08', '-1,099.85', '-$100.00', '225,00' -> float (a plain reading)."""
    text = text.strip().replace("$", "")
    if re.fullmatch(r"-?\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    return float(text.replace(",", "")) if text else 0.0


def hms(text: str) -> float:
    h, m, s = (int(x) for x in text.split(":"))
    return h + m / 60 + s / 3600


def records(path: Path) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """(header row number, header, [(row number, cells)] after it); rows numbered as a
    spreadsheet numbers them (one per record, blank lines included)."""
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    found = list(enumerate(csv.reader(text.splitlines(keepends=True), delimiter=delimiter), 1))
    header_at = next(n for n, cells in found if sum(bool(c.strip()) for c in cells) >= 4)
    header = [c.strip() for c in found[header_at - 1][1]]
    return header_at, header, [(n, c) for n, c in found if n > header_at]


def tool(header: list[str]) -> str:
    lower = {h.lower() for h in header}
    if "open balance" in lower:
        return "quickbooks"
    if "InvoiceNumber" in header:
        return "xero"
    if "Invoice #" in header:
        return "freshbooks"
    if "Duration (decimal)" in header:
        return "clockify"
    if "Duration" in header:
        return "toggl"
    return "harvest"


def data_rows(path: Path) -> pd.DataFrame:
    """Each data row of the file: row, figure (money or hours), open balance, kind, customer."""
    _, header, body = records(path)
    source = tool(header)
    index = {h.lower(): i for i, h in enumerate(header)}
    out = []
    for number, cells in body:
        if not any(c.strip() for c in cells):
            continue
        cell = {h: cells[i].strip() if i < len(cells) else "" for h, i in index.items()}
        if source == "quickbooks":
            # a transaction has a date with digits and every column; the rest are report lines
            if len(cells) != len(header) or not re.search(r"\d", cell["date"]):
                continue
            kind = cell.get("transaction type", "") or "Invoice"
            amount = money(cell["amount"])
            amount = -abs(amount) if kind == "Credit Memo" else amount
            customer = cell.get("customer full name") or cell.get("customer") or cell["name"]
            out.append((number, amount, money(cell["open balance"]), kind, customer))
        elif source in ("xero", "freshbooks"):
            if cells[0].strip().lower() in ("total", "totals") and not cells[1].strip():
                continue
            out.append((number, cells, float("nan"), "line", cells[0]))
        elif source == "harvest":
            out.append((number, money(cell["hours"]), float("nan"), "time", cell["client"]))
        elif source == "toggl":
            out.append((number, hms(cell["duration"]), float("nan"), "time", cell["client"]))
        else:
            out.append(
                (number, float(cell["duration (decimal)"]), float("nan"), "time", cell["client"])
            )
    frame = pd.DataFrame(out, columns=["row", "figure", "open", "kind", "customer"])
    if source == "xero":  # every line repeats the invoice total: counted once, on the first
        key = [
            tuple(
                c[index[h.lower()]]
                for h in (
                    "ContactName",
                    "InvoiceNumber",
                    "InvoiceDate",
                    "DueDate",
                    "Total",
                    "Type",
                    "Status",
                    "Reference",
                    "Currency",
                )
            )
            for c in frame["figure"]
        ]
        first = ~pd.Series(key).duplicated().to_numpy()
        totals = [
            money(c[index["total"]]) * (-1 if "credit" in c[index["type"]].lower() else 1)
            for c in frame["figure"]
        ]
        frame["figure"] = [t if f else 0.0 for t, f in zip(totals, first, strict=True)]
    elif source == "freshbooks":
        frame["figure"] = [money(c[index["line total"]]) for c in frame["figure"]]
    return frame


def total_line(path: Path) -> tuple[float, float] | None:
    """(money, open balance) on the file's own TOTAL line, if it has one."""
    _, header, body = records(path)
    index = {h.lower(): i for i, h in enumerate(header)}
    amount = index.get("amount", index.get("total", index.get("line total")))
    for _, cells in reversed(body):
        if cells and cells[0].strip().lower() in ("total", "totals"):
            opened = index.get("open balance")
            return money(cells[amount]), money(cells[opened]) if opened is not None else None
    return None


# ----------------------------------------------------------------------------- every fixture


@pytest.mark.parametrize("name", IMPORTER_FIXTURES)
def test_every_data_row_is_in_the_book_or_the_ledger_never_both(name):
    imported = read_import([FIXTURES / name])
    fates = row_fates(imported)
    assert (fates["source_file"] == name).all()
    # never both: no row has two fates (nor the same fate twice)
    twice = fates.loc[fates.duplicated("row", keep=False)]
    assert twice.empty, f"rows with two fates: {twice.to_dict('records')}"
    # never neither, and nothing that is not a data row (report lines, totals, footers)
    assert sorted(fates["row"]) == sorted(data_rows(FIXTURES / name)["row"])
    # the notes speak only of rows in the book; the ledger only of rows left out
    book = imported.merged.book
    used = set(fates.loc[fates["fate"].eq("book"), "row"])
    assert set(book.notes["row"]) <= used
    assert not (set(book.rejects["row"]) & used)


@pytest.mark.parametrize("name", IMPORTER_FIXTURES)
def test_the_three_figures_add_up_to_the_files_total(name):
    path = FIXTURES / name
    imported = read_import([path])
    rows = data_rows(path)
    fates = row_fates(imported).set_index("row")["fate"]
    rows = rows.assign(fate=rows["row"].map(fates))
    checks = reconciliation(imported).set_index("measure")
    figure = checks.loc["hours" if rows["kind"].eq("time").all() else "money"]
    book = imported.merged.book
    total = total_line(path)
    expected = total[0] if total else rows["figure"].sum()
    # the file's figure is every data row's, before anything is dropped
    assert figure["in_file"] == pytest.approx(expected, abs=0.005)
    assert figure["in_book"] + figure["in_ledger"] == pytest.approx(expected, abs=0.005)
    assert figure["reconciled"]
    # book: the book's own table (plus payments applied); ledger: the rows left out
    if figure.name == "hours":
        assert figure["in_book"] == pytest.approx(book.time_entries["hours"].sum())
    else:
        applied = rows.loc[rows["kind"].isin(["Payment", "Journal Entry", "Check"])]
        applied = applied.loc[applied["fate"].eq("book"), "figure"].sum()
        assert figure["in_book"] == pytest.approx(book.invoices["amount"].sum() + applied)
    left = rows.loc[rows["fate"].eq("ledger"), "figure"].sum()
    assert figure["in_ledger"] == pytest.approx(left, abs=0.005)
    if total:
        assert abs(figure["total_difference"]) < 0.005
    if total and total[1] is not None:  # the open balance too (QuickBooks)
        opened = checks.loc["open balance"]
        assert opened["in_file"] == pytest.approx(total[1], abs=0.005)
        assert opened["in_book"] + opened["in_ledger"] == pytest.approx(total[1], abs=0.005)


def test_the_whole_folder_row_by_row_with_overlapping_exports():
    imported = read_import([FIXTURES])
    fates = row_fates(imported)
    assert not fates.duplicated(["source_file", "row"]).any()
    for name in IMPORTER_FIXTURES:
        mine = fates.loc[fates["source_file"].eq(name), "row"]
        assert sorted(mine) == sorted(data_rows(FIXTURES / name)["row"]), name
    assert reconciliation(imported)["reconciled"].all()
