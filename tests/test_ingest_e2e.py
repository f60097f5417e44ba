"""End to end: import the fixture folder, write the book, read it back with the same totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.ingest import import_exports

FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def test_import_folder_then_load_book_has_the_same_totals(tmp_path):
    out = tmp_path / "book"
    assert main(["import", str(FIXTURES), "--out", str(out)]) == 0
    imported = import_exports([FIXTURES])
    loaded = load_book(out, settings=Settings())
    assert loaded.rejects.empty  # what the import wrote is valid canonical data
    assert len(loaded.time_entries) == len(imported.time_entries)
    assert loaded.time_entries["hours"].sum() == pytest.approx(imported.time_entries["hours"].sum())
    per_client = loaded.time_entries.groupby("client_id")["hours"].sum()
    assert per_client.to_dict() == pytest.approx(
        imported.time_entries.groupby("client_id")["hours"].sum().to_dict()
    )
    assert loaded.invoices["amount"].sum() == pytest.approx(imported.invoices["amount"].sum())
    assert set(loaded.clients["client_id"]) == set(imported.clients["client_id"])
    pd.testing.assert_frame_equal(
        loaded.invoices.sort_values("invoice_id").reset_index(drop=True)[
            ["invoice_id", "client_id", "issue_date", "due_date", "amount", "paid_date"]
        ],
        imported.invoices.sort_values("invoice_id").reset_index(drop=True)[
            ["invoice_id", "client_id", "issue_date", "due_date", "amount", "paid_date"]
        ],
        check_dtype=False,
    )
    ledger = pd.read_csv(out / "rejects.csv")
    assert list(ledger.columns) == ["table", "source_file", "row", "column", "value", "reason"]
    assert len(ledger) == len(imported.rejects)


def test_every_file_row_is_in_the_book_or_the_ledger():
    book = import_exports([FIXTURES])
    recon = book.reconciliation().set_index("table")
    assert recon["balanced"].all()
    # the fixture time rows: 5 + 2 + 4 + 2 + 1 + 2 + 2 (harvest x2, toggl x3, clockify x2)
    # + 12 + 8 + 10 (harvest_2025_amounts, clockify_2025_amounts, toggl_2025_norates)
    time_rows = 5 + 2 + 4 + 2 + 1 + 2 + 2 + 12 + 8 + 10
    ledger = book.rejects[book.rejects["table"] == "time_entries"]
    assert len(book.time_entries) + len(ledger) == time_rows


def test_non_default_base_currency_is_written_to_settings(tmp_path):
    text = (FIXTURES / "freshbooks_invoices.csv").read_text().replace(",USD", ",EUR")
    (tmp_path / "fb.csv").write_text(text)
    out = tmp_path / "book"
    assert main(["import", str(tmp_path / "fb.csv"), "--out", str(out)]) == 0
    assert 'base_currency = "EUR"' in (out / "settings.toml").read_text()
