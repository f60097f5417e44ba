"""Importers: each tool's hand-written fixture in its exact format -> expected canonical rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import import_exports
from helpers.ingest.clients import normalise, slug

FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def imp(*names: str, **options):
    return import_exports([FIXTURES / n for n in names], **options)


def entries(book) -> list[tuple]:
    frame = book.time_entries.assign(date=book.time_entries["date"].dt.strftime("%Y-%m-%d"))
    return [
        (d, c, p, round(h, 6), b)
        for d, c, p, h, b in frame[["date", "client_id", "person", "hours", "billable"]].itertuples(
            index=False
        )
    ]


def reasons(book, table=None) -> list[str]:
    rejects = book.rejects if table is None else book.rejects[book.rejects["table"] == table]
    return rejects["reason"].tolist()


# ----------------------------------------------------------------------------- time sources


def test_harvest_current_header_multiline_note_crlf_and_rates():
    book = imp("harvest_current.csv")
    assert entries(book) == [
        ("2025-01-06", "acme-widgets", "Ann Lee", 2.5, True),
        ("2025-01-06", "acme-widgets", "Bo Chen", 1.25, False),
        ("2025-01-07", "birch-consulting", "Ann Lee", 3.0, True),
        ("2025-01-08", "birch-consulting", "Bo Chen", 0.75, True),
    ]
    # the row without a client is in the ledger with its file row (row 1 is the header)
    row = book.rejects.iloc[0]
    assert (row["source_file"], row["row"], row["column"]) == ("harvest_current.csv", 6, "Client")
    assert "no client" in row["reason"]
    # latest cost rate per person: Ann 60 (Jan 6) then 62 (Jan 7); Bo always 70
    rates = dict(zip(book.people["person"], book.people["cost_rate"], strict=True))
    assert rates == {"Ann Lee": 62.0, "Bo Chen": 70.0}
    assert book.clients.set_index("client_id").loc["acme-widgets", "name"] == "Acme Widgets Ltd"


def test_harvest_older_header_semicolons_day_first_decimal_commas():
    book = imp("harvest_older.csv")
    assert entries(book) == [
        ("2025-01-13", "acme-widgets", "Ann Lee", 1.5, True),
        ("2025-02-03", "cedar-labs", "Cy Diaz", 2.0, True),  # 03/02 read day-first
    ]
    assert book.rejects.empty


def test_toggl_bom_amount_usd_padded_durations_midnight_and_no_client():
    book = imp("toggl_usd.csv")
    assert entries(book) == [
        ("2025-01-06", "acme-widgets", "Ann Lee", 1.5, True),
        # 23:30 -> 00:45 the next day: the full 1:15 counts on the start date
        ("2025-01-07", "birch-consulting", "Bo Chen", 1.25, True),
        ("2025-01-09", "acme-widgets", "Ann Lee", round(2 + 45 / 60 + 30 / 3600, 6), True),
    ]
    assert book.rejects[["row", "column"]].values.tolist() == [[4, "Client"]]


def test_toggl_quoted_without_amount_and_unpadded_durations():
    book = imp("toggl_quoted.csv")
    assert entries(book) == [
        ("2025-02-03", "cedar-labs", "Cy Diaz", round(1 + 5 / 60, 6), True),
        ("2025-02-04", "cedar-labs", "Cy Diaz", 0.5, False),
    ]


def test_toggl_amount_without_currency():
    book = imp("toggl_norates.csv")
    assert entries(book) == [("2025-02-10", "dune-media", "Dee Eng", 2.0, False)]


def test_clockify_day_first_24h_kiosk_and_cost_rates():
    book = imp("clockify_dmy.csv")
    assert entries(book) == [
        ("2025-01-14", "acme-widgets", "Ann Lee", 2.0, True),
        ("2025-03-02", "cedar-labs", "Cy Diaz", 1.75, False),  # crosses midnight: start date
    ]
    rates = dict(zip(book.people["person"], book.people["cost_rate"], strict=True))
    assert rates == {"Ann Lee": 55.0, "Cy Diaz": 50.0}


def test_clockify_month_first_12h():
    book = imp("clockify_mdy.csv")
    assert entries(book) == [
        ("2025-01-15", "birch-consulting", "Bo Chen", 1.5, True),
        ("2025-02-03", "birch-consulting", "Bo Chen", 2.0, True),  # 02/03 read month-first
    ]
    assert book.people.empty


# ----------------------------------------------------------------------------- invoice sources


def invoices(book) -> dict[str, tuple]:
    frame = book.invoices.assign(
        **{
            c: book.invoices[c].dt.strftime("%Y-%m-%d").fillna("")
            for c in ("issue_date", "due_date", "paid_date")
        }
    )
    return {
        r.invoice_id: (r.client_id, r.issue_date, r.due_date, r.amount, r.paid_date)
        for r in frame.itertuples()
    }


def test_xero_one_invoice_per_number_paid_without_date_and_draft():
    book = imp("xero_invoices.csv")
    assert invoices(book) == {
        # two lines, Total repeated: one invoice of 1200; paid, date unknown -> due date
        "INV-0001": ("acme-widgets", "2025-01-06", "2025-02-05", 1200.0, "2025-02-05"),
        "INV-0002": ("birch-consulting", "2025-01-15", "2025-02-14", 480.0, ""),
        "INV-0003": ("acme-widgets", "2025-02-03", "2025-03-05", 300.0, "2025-03-05"),
    }
    # a used row's assumption is a note, not a reject
    kept = book.notes[book.notes["column"] == "paid_date"]
    assert kept["value"].tolist() == ["INV-0001", "INV-0003"]
    assert kept["reason"].str.contains("lateness cannot be measured").all()
    assert not book.rejects["reason"].str.contains("paid date").any()
    draft = book.rejects[book.rejects["table"] == "invoices"]
    assert draft[["row", "column"]].values.tolist() == [[6, "Status"]]
    assert "not issued" in draft["reason"].iloc[0]
    assert book.reconciliation().set_index("table").loc["invoices", "balanced"]


def test_xero_with_payments_file_gives_paid_date():
    book = imp("xero_invoices.csv", payments=FIXTURES / "xero_payments.csv")
    assert invoices(book)["INV-0003"][-1] == "2025-03-14"
    kept = book.notes[book.notes["column"] == "paid_date"]
    assert kept["value"].tolist() == ["INV-0001"]


def test_quickbooks_invoice_list_skips_preamble_totals_footer_and_payments():
    book = imp("quickbooks_invoice_list.csv")
    assert invoices(book) == {
        "1001": ("acme-widgets", "2025-01-06", "2025-02-05", 1200.0, "2025-02-05"),
        "1002": ("birch-consulting", "2025-01-20", "2025-02-19", 480.0, ""),
    }
    main = book.rejects[book.rejects["table"] == "invoices"]
    assert main[["row", "value"]].values.tolist() == [[8, "Payment"]]


def test_quickbooks_older_header_and_money_with_commas():
    book = imp("quickbooks_invoice_list_older.csv")
    assert invoices(book) == {
        "2001": ("cedar-labs", "2025-02-13", "2025-03-15", 2500.0, ""),
    }


def test_quickbooks_ar_aging_detail_open_invoices():
    book = imp("quickbooks_ar_aging.csv")
    assert invoices(book) == {
        "1005": ("acme-widgets", "2025-03-15", "2025-04-14", 1000.0, ""),
        "1002": ("birch-consulting", "2025-01-20", "2025-02-19", 480.0, ""),
    }
    assert book.rejects.empty


def test_quickbooks_overlapping_reports_drop_the_repeated_invoice():
    book = imp("quickbooks_ar_aging.csv", "quickbooks_invoice_list.csv")
    assert sorted(book.invoices["invoice_id"]) == ["1001", "1002", "1005"]
    dup = book.rejects[book.rejects["reason"].str.startswith("duplicate")]
    assert dup[["source_file", "row"]].values.tolist() == [["quickbooks_invoice_list.csv", 7]]
    assert "quickbooks_ar_aging.csv row 10" in dup["reason"].iloc[0]


def test_freshbooks_line_items_sum_to_one_invoice():
    book = imp("freshbooks_invoices.csv")
    assert invoices(book) == {
        "0000101": ("acme-widgets", "2025-01-10", "2025-02-09", 600.0 + 240.0, "2025-02-01"),
        "0000102": ("dune-media", "2025-02-12", "2025-03-14", 600.0, ""),
    }
    assert reasons(book, "invoices")[0].startswith("not issued (status draft)")


# ----------------------------------------------------------------------------- Excel


def _as_workbook(csv_path: Path, out: Path, **read) -> Path:
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, **read)
    with pd.ExcelWriter(out) as writer:
        pd.DataFrame({"notes": ["exported from Toggl"]}).to_excel(
            writer, sheet_name="About", index=False
        )
        frame.to_excel(writer, sheet_name="Detailed report", index=False)
    return out


def test_toggl_export_saved_as_xlsx_gives_the_same_entries(tmp_path):
    path = _as_workbook(FIXTURES / "toggl_usd.csv", tmp_path / "toggl.xlsx", encoding="utf-8-sig")
    from_xlsx, from_csv = import_exports([path]), imp("toggl_usd.csv")
    assert entries(from_xlsx) == entries(from_csv)
    assert from_xlsx.rejects["source_file"].tolist() == ["toggl.xlsx[Detailed report]"]


def test_xlsx_with_real_date_cells(tmp_path):
    frame = pd.DataFrame(
        {
            "Date": pd.to_datetime(["2025-03-04"]),
            "Client": ["Elm Ltd"],
            "Project": ["P"],
            "Task": ["T"],
            "Notes": [""],
            "Hours": [1.5],
            "Billable?": ["Yes"],
            "First Name": ["Ann"],
            "Last Name": ["Lee"],
        }
    )
    frame.to_excel(tmp_path / "harvest.xlsx", index=False)
    book = import_exports([tmp_path / "harvest.xlsx"])
    assert entries(book) == [("2025-03-04", "elm", "Ann Lee", 1.5, True)]


def test_canonical_workbook_merges_with_exports(tmp_path):
    from helpers.present.export import write_workbook

    clients = pd.DataFrame(
        {
            "client_id": ["acme"],
            "name": ["Acme Widgets Limited"],
            "industry": ["retail"],
            "size": ["large"],
            "owner": ["Kim"],
            "since": ["2020-01-01"],
        }
    )
    time = pd.DataFrame(
        {
            "date": ["2024-12-30"],
            "client_id": ["acme"],
            "person": ["Kim"],
            "hours": ["4"],
            "billable": ["yes"],
        }
    )
    inv = pd.DataFrame(
        {
            "invoice_id": ["K-1"],
            "client_id": ["acme"],
            "issue_date": ["2024-12-31"],
            "due_date": ["2025-01-30"],
            "amount": ["100"],
            "currency": [""],
            "paid_date": [""],
        }
    )
    write_workbook(
        {"clients": clients, "time_entries": time, "invoices": inv}, tmp_path / "book.xlsx"
    )
    from helpers.ingest import read_import, summary

    imported = read_import([tmp_path / "book.xlsx", FIXTURES / "toggl_usd.csv"])
    book = imported.merged.book
    assert "money: file 100.00 = book 100.00 + ledger 0.00 (reconciled)" in summary(imported)
    # the workbook's id and fields win; Toggl's 'Acme Widgets, Ltd.' joins it by name
    acme = book.clients.set_index("client_id").loc["acme"]
    assert (acme["name"], acme["size"], acme["owner"]) == ("Acme Widgets Limited", "large", "Kim")
    hours = book.time_entries.groupby("client_id")["hours"].sum()
    assert hours["acme"] == pytest.approx(4 + 1.5 + 2 + 45 / 60 + 30 / 3600)
    assert set(book.invoices["invoice_id"]) == {"K-1"}


# ----------------------------------------------------------------------------- clients


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme Widgets Ltd", "acme widgets"),
        ("ACME WIDGETS", "acme widgets"),
        ("Acme Widgets, Ltd.", "acme widgets"),
        ("Birch Consulting L.L.C.", "birch consulting"),
        ("Cedar Labs GmbH", "cedar labs"),
        ("Crème & Co, Inc.", "creme and"),
        ("Inc", "inc"),
    ],
)
def test_normalised_names(name, key):
    assert normalise(pd.Series([name])).iloc[0] == key
    assert slug(pd.Series([key])).iloc[0] == key.replace(" ", "-")


def test_client_mapping_overrides_ids_and_supplies_fields(tmp_path):
    mapping = tmp_path / "clients.csv"
    mapping.write_text(
        "name,client_id,size,owner,industry\n"
        "Acme Widgets,C-001,large,Kim,retail\n"
        "Birch Consulting,C-001,,,\n"  # explicitly the same client
        "Nobody Ltd,C-999,small,,\n",
        encoding="utf-8",
    )
    book = imp("toggl_usd.csv", "xero_invoices.csv", clients=mapping)
    assert set(book.clients["client_id"]) == {"C-001"}
    row = book.clients.iloc[0]
    assert (row["size"], row["owner"], row["industry"]) == ("large", "Kim", "retail")
    assert set(book.invoices["client_id"]) == {"C-001"}


def test_names_in_one_kind_of_export_only_are_listed(tmp_path, capsys):
    from helpers.cli import main

    files = [FIXTURES / "toggl_quoted.csv", FIXTURES / "xero_invoices.csv"]
    assert main(["import", *map(str, files), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "time exports only" in printed and "'Cedar Labs'" in printed
    assert "invoice exports only" in printed and "'ACME WIDGETS'" in printed


# ----------------------------------------------------------------------------- merging


def test_overlapping_toggl_exports_are_deduplicated(tmp_path):
    text = (FIXTURES / "toggl_usd.csv").read_text(encoding="utf-8-sig").splitlines()
    (tmp_path / "jan_a.csv").write_text("\n".join(text[:3]) + "\n", encoding="utf-8")
    (tmp_path / "jan_b.csv").write_text("\n".join([text[0], *text[2:]]) + "\n", encoding="utf-8")
    book = import_exports([tmp_path])
    assert entries(book) == entries(imp("toggl_usd.csv"))
    dup = book.rejects[book.rejects["reason"].str.startswith("duplicate")]
    assert dup[["source_file", "row"]].values.tolist() == [["jan_b.csv", 2]]
    assert "jan_a.csv row 3" in dup["reason"].iloc[0]


def test_equal_entries_within_one_file_are_kept(tmp_path):
    header, row = (FIXTURES / "toggl_quoted.csv").read_text().splitlines()[:2]
    (tmp_path / "t.csv").write_text("\n".join([header, row, row]) + "\n", encoding="utf-8")
    assert len(import_exports([tmp_path / "t.csv"]).time_entries) == 2


def test_summary_reconciles_book_file_and_ledger(tmp_path, capsys):
    from helpers.cli import main

    assert main(["import", str(FIXTURES), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "DOES NOT RECONCILE" not in printed
    files = len(list(FIXTURES.glob("*.csv"))) - 1  # not the payments file
    quickbooks = len(list(FIXTURES.glob("quickbooks*.csv")))  # money and open balance
    assert printed.count("(reconciled)") == files + quickbooks
    assert "harvest_current.csv: harvest (current +Hours Rounded +Approved?)" in printed
    assert "rows read 5, used 4, rejected 1, duplicates dropped 0" in printed


def test_xero_credit_note_is_a_negative_amount(tmp_path):
    lines = (FIXTURES / "xero_invoices.csv").read_text().splitlines()
    credit = lines[3].replace("INV-0002", "CN-0001").replace("Sales invoice", "Sales credit note")
    (tmp_path / "x.csv").write_text("\n".join([lines[0], lines[3], credit]) + "\n")
    book = import_exports([tmp_path / "x.csv"])
    amounts = dict(zip(book.invoices["invoice_id"], book.invoices["amount"], strict=True))
    assert amounts == {"INV-0002": 480.0, "CN-0001": -480.0}


@pytest.mark.parametrize(
    ("name", "source", "variant"),
    [
        ("harvest_current.csv", "harvest", "current +Hours Rounded +Approved?"),
        ("harvest_older.csv", "harvest", "older"),
        ("toggl_usd.csv", "toggl", "Amount (USD)"),
        ("toggl_norates.csv", "toggl", "Amount () (no rates)"),
        ("toggl_quoted.csv", "toggl", "no amount column"),
        ("clockify_dmy.csv", "clockify", "currency EUR, +Kiosk, +cost columns"),
        ("clockify_mdy.csv", "clockify", "currency USD"),
        ("xero_invoices.csv", "xero", "sales invoices +Status +Currency"),
        ("quickbooks_invoice_list.csv", "quickbooks", "Invoice List"),
        ("quickbooks_invoice_list_older.csv", "quickbooks", "Invoice List (older header)"),
        ("quickbooks_ar_aging.csv", "quickbooks", "A/R Aging Detail"),
        ("quickbooks_ar_aging_2026.csv", "quickbooks", "A/R Aging Detail"),
        (
            "quickbooks_invoice_list_2026.csv",
            "quickbooks",
            "Invoice List +Location full name",
        ),
        ("freshbooks_invoices.csv", "freshbooks", "invoice details +Date Paid"),
        ("freshbooks_reused_numbers.csv", "freshbooks", "invoice details +Date Paid"),
        ("xero_reused_numbers.csv", "xero", "sales invoices +Status +Currency"),
        ("xero_payments.csv", "payments", "InvoiceNumber + PaymentDate"),
    ],
)
def test_each_fixture_is_recognised_by_its_header(name, source, variant):
    from helpers.ingest import sniff_csv

    found = sniff_csv(FIXTURES / name)
    assert (found.source.NAME, found.variant) == (source, variant)


def test_clockify_clock_style_is_part_of_the_variant():
    from helpers.ingest import read_csv_file, sniff_csv

    for name, clock in (("clockify_dmy.csv", "24-hour"), ("clockify_mdy.csv", "12-hour")):
        raw, source, variant = read_csv_file(sniff_csv(FIXTURES / name))
        assert source.convert(raw, variant).variant.endswith(f"{clock} times")
