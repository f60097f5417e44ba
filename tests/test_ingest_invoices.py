"""Invoice exports in today's layouts: re-used numbers, voids, true duplicates, TOTAL lines, the
A/R Aging Detail's row types and group lines, Customer:Job names with ``(deleted)``, and notes
kept apart from the rejects ledger."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.errors import BookError
from helpers.ingest import import_exports, read_import, row_fates, summary
from helpers.ingest.clients import normalise

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
LIST = FIXTURES / "quickbooks_invoice_list_2026.csv"
AGING = FIXTURES / "quickbooks_ar_aging_2026.csv"
XERO = FIXTURES / "xero_reused_numbers.csv"
FRESHBOOKS = FIXTURES / "freshbooks_reused_numbers.csv"


def invoices(book) -> dict[str, tuple]:
    frame = book.invoices.assign(
        **{
            c: book.invoices[c].dt.strftime("%Y-%m-%d").fillna("")
            for c in ("issue_date", "due_date", "paid_date")
        }
    )
    return {
        r.invoice_id: (r.client_id, r.issue_date, r.due_date, round(r.amount, 2), r.paid_date)
        for r in frame.itertuples()
    }


def ledger(book) -> dict[int, str]:
    return dict(zip(book.rejects["row"], book.rejects["reason"], strict=True))


def notes(book, column=None) -> dict[int, str]:
    found = book.notes if column is None else book.notes[book.notes["column"] == column]
    return dict(zip(found["row"], found["value"], strict=True))


# ----------------------------------------------------------------------------- Invoice List


def test_invoice_list_2026_every_invoice_with_its_money():
    book = import_exports([LIST])
    assert invoices(book) == {
        # paid (open 0): no paid date in the export, the due date is used (a note)
        "1001": ("acme-widgets", "2026-01-05", "2026-02-04", 3131.94, "2026-02-04"),
        "1002": ("birch-consulting", "2026-01-09", "2026-02-08", 1200.0, "2026-02-08"),
        # 5,000.00 with 1,500.00 open: the open part keeps the number, the rest is paid
        "1004": ("cedar-labs", "2026-01-15", "2026-02-14", 1500.0, ""),
        "1004 (paid part)": ("cedar-labs", "2026-01-15", "2026-02-14", 3500.0, "2026-02-14"),
        # the same number on another job: a second invoice, its id made unique
        "1004 (2)": ("cedar-labs", "2026-01-20", "2026-02-19", 750.0, ""),
        # due date before the invoice date: read as the invoice date
        "dummy": ("dune-media", "2026-01-25", "2026-01-25", 100.0, "2026-01-25"),
        "J054.1": ("dune-media", "2026-02-02", "2026-03-04", 980.5, ""),
        # no number and no due date: an id naming its row, due on the issue date
        "(no number, row 14)": ("elm-studio", "2026-02-03", "2026-02-03", 450.0, ""),
        "CM-7": ("birch-consulting", "2026-02-10", "2026-02-10", -200.0, ""),
        # the void (amount 0, memo Voided) came first: the real invoice keeps the number
        "1003": ("acme-widgets", "2026-02-20", "2026-03-22", 2400.0, ""),
        "1011": ("birch-consulting", "2026-03-02", "2026-04-01", 1099.85, "2026-04-01"),
    }
    left_out = ledger(book)
    assert left_out.keys() == {8, 9, 15}
    assert left_out[8] == "duplicate: every field repeats row 7"
    assert left_out[9].startswith("voided")
    assert "placeholder" in left_out[15]


def test_invoice_list_2026_notes_are_apart_from_the_ledger():
    book = import_exports([LIST])
    assert notes(book, "Num") == {11: "1004 (2)", 14: ""}
    assert notes(book, "project") == {
        6: "Website",
        10: "Audit",
        11: "Support (deleted)",
        17: "Hosting",
    }
    assert notes(book, "paid_date") == {
        6: "1001",
        7: "1002",
        10: "1004 (paid part)",
        12: "dummy",
        18: "1011",
    }
    reasons = dict(
        zip(book.notes["row"] * 100 + book.notes.index, book.notes["reason"], strict=True)
    )
    assert any("blank due date" in r for r in reasons.values())
    assert any("due date before the invoice date" in r for r in reasons.values())
    assert not set(book.notes["row"]) & set(book.rejects["row"])


def test_invoice_list_summary_checks_the_total_line(tmp_path):
    printed = summary(read_import([LIST]))
    assert "money: file 16,172.29 = book 14,912.29 + ledger 1,260.00 (reconciled)" in printed
    assert printed.count("matches the file's TOTAL line") == 2  # money and open balance
    # a TOTAL line that disagrees with the rows is said with the difference
    text = LIST.read_text(encoding="utf-8").replace('"$16,172.29"', '"$16,272.29"')
    (tmp_path / "list.csv").write_text(text, encoding="utf-8")
    printed = summary(read_import([tmp_path / "list.csv"]))
    assert "the file's TOTAL line says 16,272.29: the rows differ by -100.00" in printed
    assert "DOES NOT RECONCILE" not in printed


def test_overlapping_exports_whose_open_balance_moved_are_one_invoice(tmp_path):
    # a later export of the same period: 1004 has been paid in full since
    later = (
        LIST.read_text(encoding="utf-8")
        .replace('"5,000.00","1,500.00"', '"5,000.00",0.00')
        .replace('"$5,940.50"', '"$4,440.50"')
        .replace("Friday, April 10, 2026", "Friday, May 8, 2026")
    )
    (tmp_path / "a.csv").write_bytes(LIST.read_bytes())
    (tmp_path / "b.csv").write_text(later, encoding="utf-8")
    imported = read_import([tmp_path / "a.csv", tmp_path / "b.csv"])
    book = imported.merged.book
    assert book.invoices["amount"].sum() == pytest.approx(14912.29)
    # the later export's copy is kept: 1004 is paid in full, no open part
    assert invoices(book)["1004"][3:] == (5000.0, "2026-02-14")
    dup = book.rejects[book.rejects["source_file"].eq("a.csv")]
    assert len(dup) == 13  # every row of the earlier export: 11 duplicates, a void, a '.'
    assert dup["reason"].str.startswith("duplicate").sum() == 11
    assert "b.csv row 10" in dup.set_index("row").loc[10, "reason"]
    assert not row_fates(imported).duplicated(["source_file", "row"]).any()
    assert "DOES NOT RECONCILE" not in summary(imported)


def test_aging_saved_as_a_workbook_gives_the_same_book(tmp_path):
    import csv

    from openpyxl import Workbook

    sheet = Workbook()
    for cells in csv.reader(AGING.read_text(encoding="utf-8").splitlines()):
        sheet.active.append(cells or [None])
    sheet.save(tmp_path / "aging.xlsx")
    from_xlsx = import_exports([tmp_path / "aging.xlsx"])
    assert invoices(from_xlsx) == invoices(import_exports([AGING]))
    assert from_xlsx.rejects["row"].tolist() == import_exports([AGING]).rejects["row"].tolist()


# ----------------------------------------------------------------------------- A/R Aging Detail


def aging_rows() -> pd.DataFrame:
    """The aging fixture's transactions, read here: row, type, customer, amount, open."""
    from tests.test_ingest_rows import data_rows

    return data_rows(AGING)


def test_aging_2026_layout_every_row_type_and_group_line():
    imported = read_import([AGING])
    part = imported.parts[0]
    assert part.variant == "A/R Aging Detail"
    rows = aging_rows()
    assert set(rows["kind"]) == {"Invoice", "Credit Memo", "Payment", "Journal Entry", "Check"}
    # 5 group headings + 5 "Total for" + TOTAL + the export timestamp: 12 report lines
    assert part.skipped == 12
    fates = row_fates(imported).set_index("row")["fate"]
    kinds = rows.assign(fate=rows["row"].map(fates)).set_index("row")
    # applied: the payment to 1150, the journal entry to J054.1, the refund check to CM-12
    assert (kinds.loc[[9, 13, 18], "fate"] == "book").all()
    left_out = ledger(imported.merged.book)
    assert left_out.keys() == {15, 20, 23, 26, 28}
    assert "nothing left to apply" in left_out[15]  # a payment already applied in QuickBooks
    assert "not applied" in left_out[20]  # a journal entry with no open credit to take it
    assert "not applied" in left_out[23]  # a payment with no open invoice to take it
    assert "placeholder" in left_out[26]
    assert left_out[28].startswith("amount 0.00")  # a void under the number of 1040


def test_aging_payments_give_paid_dates_and_parts():
    book = import_exports([AGING])
    found = invoices(book)
    assert found["1150"] == ("birch-consulting", "2026-03-01", "2026-03-31", 600.0, "")
    assert found["1150 (paid part)"][3:] == (400.0, "2026-03-20")  # the payment's date
    assert found["CM-12"][3:] == (-150.0, "")  # the refund check used half the credit
    assert found["1040"] == ("dune-media", "2025-11-15", "2025-11-15", 2500.0, "")


@pytest.mark.parametrize("jobs_as_clients", [False, True])
def test_aging_unpaid_per_customer_equals_the_reports_open_balance(jobs_as_clients):
    imported = read_import([AGING], jobs_as_clients=jobs_as_clients)
    book = imported.merged.book
    as_of = pd.Timestamp("2026-04-10")  # the report's "As of April 10, 2026"
    unpaid = book.invoices.loc[
        book.invoices["paid_date"].isna() | (book.invoices["paid_date"] > as_of)
    ]
    names = book.clients.set_index("client_id")["name"]
    in_book = unpaid.groupby(unpaid["client_id"].map(names).pipe(_key))["amount"].sum()
    rows = aging_rows()
    customer = rows["customer"] if jobs_as_clients else rows["customer"].str.split(":").str[0]
    report = rows.groupby(_key(customer))["open"].sum()
    fates = row_fates(imported).set_index("row")["fate"]
    left = rows.loc[rows["row"].map(fates).eq("ledger")]
    left_customer = left["customer"] if jobs_as_clients else left["customer"].str.split(":").str[0]
    in_ledger = left.groupby(_key(left_customer))["open"].sum()
    together = in_book.add(in_ledger, fill_value=0).reindex(report.index, fill_value=0)
    pd.testing.assert_series_equal(together, report, check_names=False, atol=0.005)
    # where nothing of a customer was left out, the book alone equals the report
    clean = report.index.difference(in_ledger.index[in_ledger.abs() > 0.005])
    assert len(clean) >= 3
    pd.testing.assert_series_equal(
        in_book.reindex(clean), report.reindex(clean), check_names=False, atol=0.005
    )


def _key(names: pd.Series) -> pd.Series:
    return normalise(names.astype(str).reset_index(drop=True)).set_axis(names.index)


# ----------------------------------------------------------------------------- Customer:Job


def test_jobs_as_clients_keeps_each_job_and_the_deleted_mark_in_the_name():
    book = import_exports([LIST], jobs_as_clients=True)
    names = set(book.clients["name"])
    assert {"Acme Widgets:Website", "Acme Widgets:Hosting", "Cedar Labs:Audit"} <= names
    assert "Cedar Labs:Support (deleted)" in names
    assert book.notes[book.notes["column"] == "project"].empty


def test_deleted_customers_match_the_clients_file_and_other_exports(tmp_path):
    mapping = tmp_path / "clients.csv"
    mapping.write_text("name,client_id,size\nDune Media,D-1,small\n", encoding="utf-8")
    book = import_exports([LIST, FIXTURES / "toggl_norates.csv"], clients=mapping)
    dune = book.invoices.loc[book.invoices["invoice_id"].isin(["dummy", "J054.1"])]
    assert set(dune["client_id"]) == {"D-1"}  # 'Dune Media' and 'Dune Media (deleted)'
    assert set(book.time_entries["client_id"]) == {"D-1"}  # Toggl's 'Dune Media'
    assert normalise(
        pd.Series(["Dune Media (deleted)", "Cedar Labs (deleted):Audit"])
    ).tolist() == [
        "dune media",
        "cedar labs audit",
    ]


def test_a_client_known_only_as_deleted_keeps_the_mark_in_its_name(tmp_path):
    text = LIST.read_text(encoding="utf-8").replace(
        "02/02/2026,Invoice,J054.1,Dune Media (deleted)",
        "02/02/2026,Invoice,J054.1,Fig Tree (deleted)",
    )
    (tmp_path / "list.csv").write_text(text, encoding="utf-8")
    book = import_exports([tmp_path / "list.csv"])
    assert book.clients.set_index("client_id").loc["fig-tree", "name"] == "Fig Tree (deleted)"


# ----------------------------------------------------------------------------- Xero, FreshBooks


def test_xero_reused_numbers_voids_duplicates_and_total_line():
    imported = read_import([XERO])
    book = imported.merged.book
    assert invoices(book) == {
        "INV-0100": ("acme-widgets", "2026-01-12", "2026-02-11", 1000.0, "2026-02-11"),
        "INV-0101": ("birch-consulting", "2026-01-15", "2026-02-14", 500.0, ""),
        "INV-0101 (2)": ("cedar-labs", "2026-01-20", "2026-02-19", 700.0, ""),
        "INV-0102": ("dune-media", "2026-02-03", "2026-03-05", 250.0, ""),
        "CN-0001": ("birch-consulting", "2026-02-20", "2026-03-22", -120.0, ""),
    }
    left_out = ledger(book)
    assert left_out.keys() == {2, 8}
    assert left_out[2].startswith("voided") and left_out[8].startswith("duplicate")
    assert notes(book, "InvoiceNumber") == {6: "INV-0101 (2)"}
    assert "matches the file's TOTAL line" in summary(imported)


def test_freshbooks_reused_numbers_voids_duplicates_and_total_line():
    imported = read_import([FRESHBOOKS])
    book = imported.merged.book
    assert invoices(book) == {
        "0000201": ("acme-widgets", "2026-01-10", "2026-02-09", 700.0, "2026-02-01"),
        "0000201 (2)": ("birch-consulting", "2026-01-12", "2026-02-11", 360.0, ""),
        "0000202": ("cedar-labs", "2026-01-15", "2026-01-15", 180.0, ""),
        "0000203": ("dune-media", "2026-02-01", "2026-03-03", 600.0, ""),
    }
    left_out = ledger(book)
    assert left_out.keys() == {6, 7, 9}
    assert left_out[6] == "duplicate: every field repeats row 5"
    assert left_out[7].startswith("voided") and left_out[9].startswith("amount 0.00")
    assert notes(book, "Date Due") == {5: ""}
    assert "matches the file's TOTAL line" in summary(imported)


# ----------------------------------------------------------------------------- notes.csv


def test_import_writes_notes_beside_rejects_and_load_book_reads_them(tmp_path, capsys):
    out = tmp_path / "book"
    assert main(["import", str(LIST), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    [line] = [x for x in printed.splitlines() if x.startswith("notes.csv:")]
    assert "20 assumption(s) about rows used" in line and "5 paid, no paid date" in line
    rejects = pd.read_csv(out / "rejects.csv")
    written = pd.read_csv(out / "notes.csv", keep_default_na=False)
    assert list(written.columns) == list(rejects.columns)
    assert len(rejects) == 3 and len(written) == 20
    assert not set(written["row"]) & set(rejects["row"])
    loaded = load_book(out, settings=Settings())
    assert loaded.rejects.empty  # what the import wrote is valid canonical data
    assert len(loaded.notes) == 20 and set(loaded.notes["row"]) == set(written["row"])
    # the rows the import left out stay with the book: read back apart from the load's ledger
    assert len(loaded.import_rejects) == 3
    assert list(loaded.import_rejects["row"]) == list(rejects["row"])
    assert list(loaded.import_rejects["reason"]) == list(rejects["reason"])
    # the notes are part of the book: a changed notes.csv is read again, not taken from a cache
    written.head(1).to_csv(out / "notes.csv", index=False)
    assert len(load_book(out, settings=Settings()).notes) == 1
    # and so is a changed rejects.csv
    rejects.head(2).to_csv(out / "rejects.csv", index=False)
    assert len(load_book(out, settings=Settings()).import_rejects) == 2
    # a later import into the same folder with nothing to note leaves no stale notes behind
    assert main(["import", str(FIXTURES / "toggl_quoted.csv"), "--out", str(out)]) == 0
    assert load_book(out, settings=Settings()).notes.empty


def test_a_payments_file_dates_the_paid_part_of_a_partly_paid_invoice(tmp_path):
    (tmp_path / "paid.csv").write_text("InvoiceNumber,PaymentDate\n1004,03/21/2026\n")
    book = import_exports([LIST], payments=tmp_path / "paid.csv")
    assert invoices(book)["1004 (paid part)"][3:] == (3500.0, "2026-03-21")
    assert "1004 (paid part)" not in set(book.notes["value"])  # no longer an assumption


def test_every_command_on_an_imported_book_says_what_its_import_left_out(tmp_path, capsys):
    out = tmp_path / "book"
    assert main(["import", str(LIST), "--out", str(out)]) == 0
    capsys.readouterr()
    quarter = load_book(out, settings=Settings()).quarters()[-1]
    assert (
        main(
            ["metrics", "--data", str(out), "--quarter", quarter, "--out", str(tmp_path / "m.csv")]
        )
        == 0
    )
    said = capsys.readouterr().err
    assert (
        "3 rows of the exports were left out when this book was imported (invoices 3): "
        f"see {out / 'rejects.csv'}" in said
    )
    # a book folder without an import's ledger says nothing of the kind
    (out / "rejects.csv").unlink()
    assert (
        main(
            ["metrics", "--data", str(out), "--quarter", quarter, "--out", str(tmp_path / "m.csv")]
        )
        == 0
    )
    assert "left out" not in capsys.readouterr().err


def test_an_unreadable_import_ledger_is_named(tmp_path):
    out = tmp_path / "book"
    assert main(["import", str(LIST), "--out", str(out)]) == 0
    (out / "rejects.csv").write_text("table,row\ninvoices,3\n")
    with pytest.raises(BookError, match="rejects.csv.*must have the column"):
        load_book(out, settings=Settings())
