"""The canonical book loader: every validation rule, the ledger accounting, file-level errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import Book, load_book, write_book
from helpers.book.settings import Settings
from helpers.errors import BookError

CLIENTS = "client_id,name,industry,size,owner,since\nc1,Acme,retail,small,ann,2020-01-01\nc2,Bigco,finance,large,bob,\n"
TIME = "date,client_id,person,hours,billable\n2025-01-02,c1,ann,2,yes\n2025-01-03,c2,bob,1.5,no\n"
INVOICES = (
    "invoice_id,client_id,issue_date,due_date,amount,currency,paid_date\n"
    "i1,c1,2025-01-01,2025-01-31,1000,,2025-02-10\n"
    "i2,c2,2025-02-01,2025-03-03,-200,,\n"
)


def write_tables(folder: Path, **tables: str) -> Path:
    """Write CSV text per table name; the three required tables default to a small valid book."""
    folder.mkdir(parents=True, exist_ok=True)
    defaults = {"clients": CLIENTS, "time_entries": TIME, "invoices": INVOICES}
    for name, text in {**defaults, **tables}.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def assert_balanced(book: Book) -> None:
    recon = book.reconciliation()
    assert recon["balanced"].all(), recon
    assert (recon["read"] == recon["accepted"] + recon["rejected"]).all()


def test_good_book_loads_with_types_and_no_rejects(tmp_path):
    book = load_book(write_tables(tmp_path / "b"), settings=Settings())
    assert len(book.clients) == 2 and len(book.time_entries) == 2 and len(book.invoices) == 2
    assert book.rejects.empty
    assert book.time_entries["hours"].tolist() == [2.0, 1.5]
    assert book.time_entries["billable"].tolist() == [True, False]
    assert pd.api.types.is_datetime64_any_dtype(book.invoices["paid_date"])
    assert book.invoices["paid_date"].isna().tolist() == [False, True]
    assert book.invoices["amount_base"].tolist() == [1000.0, -200.0]  # credit note kept
    assert book.invoices["currency"].tolist() == ["USD", "USD"]
    assert book.people.empty and list(book.people.columns) == ["person", "cost_rate"]
    assert_balanced(book)


@pytest.mark.parametrize(
    ("table", "line", "column", "reason"),
    [
        ("time_entries", "2025-01-05,c1,ann,0,yes", "hours", "must be > 0"),
        ("time_entries", "2025-01-05,c1,ann,25,yes", "hours", "must be <= 24"),
        ("time_entries", "2025-01-05,c1,ann,two,yes", "hours", "not a number"),
        ("time_entries", "2025-01-05,c1,ann,1,maybe", "billable", "not a yes/no value"),
        ("time_entries", "05/01/2025,c1,ann,1,yes", "date", "not a date"),
        ("time_entries", "2025-01-05,zz,ann,1,yes", "client_id", "unknown client_id"),
        ("time_entries", "2025-01-05,c1,,1,yes", "person", "missing value"),
        ("invoices", "i9,c1,2025-02-01,2025-01-01,10,,", "due_date", "before issue_date"),
        ("invoices", "i1,c1,2025-02-01,2025-03-01,10,,", "invoice_id", "duplicate invoice_id"),
        ("invoices", "i9,c1,2025-02-01,2025-03-01,10,JPY,", "currency", "no fx rate"),
        ("invoices", "i9,c1,2025-02-01,2025-03-01,,,", "amount", "missing value"),
        ("clients", "c1,Again,retail,small,ann,", "client_id", "duplicate client_id"),
        ("clients", "c3,Tiny,retail,tiny,ann,", "size", "must be one of small, medium, large"),
    ],
)
def test_each_row_rule_sends_the_row_to_the_ledger(tmp_path, table, line, column, reason):
    base = {"clients": CLIENTS, "time_entries": TIME, "invoices": INVOICES}[table]
    book = load_book(
        write_tables(tmp_path / "b", **{table: base + line + "\n"}), settings=Settings()
    )
    rejected = book.rejects
    assert len(rejected) == 1, rejected
    row = rejected.iloc[0]
    assert row["table"] == table and row["column"] == column and reason in row["reason"]
    assert row["source_file"] == f"{table}.csv"
    assert row["row"] == base.count("\n") + 1  # header is row 1
    assert_balanced(book)


def test_optional_tables_rules(tmp_path):
    events = "date,client_id,kind,severity,note\n2025-01-01,c1,abuse,3,shouted\n2025-01-02,c1,party,1,\n2025-01-03,c1,rework,4,\n2025-01-04,c2,rush,,\n"
    assessments = "date,client_id,assessor,alignment,transparency,respect,fit\n2025-01-01,c1,ann,5,4,4,3\n2025-01-01,c1,bob,6,4,4,3\n"
    people = "person,cost_rate\nann,50\nbob,-1\nann,60\n"
    book = load_book(
        write_tables(tmp_path / "b", events=events, assessments=assessments, people=people),
        settings=Settings(),
    )
    reasons = book.rejects.set_index(["table", "row"])["reason"]
    assert "must be one of" in reasons[("events", 3)]
    assert "must be <= 3" in reasons[("events", 4)]
    assert "must be <= 5" in reasons[("assessments", 3)]
    assert "must be >= 0" in reasons[("people", 3)]
    assert "duplicate person" in reasons[("people", 4)]
    assert book.events["severity"].tolist() == [3.0, 1.0]  # blank severity defaults to 1
    assert book.events["caused_by"].tolist() == ["client", "client"]
    assert_balanced(book)


def test_fx_converts_to_base_currency_with_dated_rates(tmp_path):
    invoices = (
        INVOICES
        + "i3,c1,2025-03-01,2025-03-31,100,eur,\ni4,c1,2024-06-01,2024-07-01,100,EUR,\ni5,c1,2025-03-01,2025-03-31,100,GBP,\n"
    )
    fx = "currency,rate_to_base,date\nEUR,1.10,2024-01-01\nEUR,1.20,2025-01-01\nGBP,1.30,\n"
    book = load_book(write_tables(tmp_path / "b", invoices=invoices, fx=fx), settings=Settings())
    by_id = book.invoices.set_index("invoice_id")["amount_base"]
    assert by_id["i3"] == pytest.approx(120.0)  # latest rate on or before the issue date
    assert by_id["i4"] == pytest.approx(110.0)
    assert by_id["i5"] == pytest.approx(130.0)  # undated rate
    assert by_id["i1"] == 1000.0


def test_truncated_row_is_ledgered_with_its_row_number(tmp_path):
    book = load_book(
        write_tables(
            tmp_path / "b", time_entries=TIME + "2025-01-04,c1\n2025-01-05,c1,ann,1,yes\n"
        ),
        settings=Settings(),
    )
    assert len(book.time_entries) == 3
    row = book.rejects.iloc[0]
    assert row["row"] == 4 and "wrong number of fields" in row["reason"]
    assert_balanced(book)


def test_strict_turns_a_reject_into_an_error(tmp_path):
    folder = write_tables(tmp_path / "b", time_entries=TIME + "2025-01-05,c1,ann,99,yes\n")
    with pytest.raises(BookError, match=r"time_entries.csv, row 4, column 'hours'"):
        load_book(folder, strict=True, settings=Settings())


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"invoices": None}, r"invoices.csv: required table 'invoices' is missing"),
        ({"invoices": "invoice_id,client_id,issue_date,amount\n"}, r"column 'due_date'"),
        ({"clients": ""}, r"clients.csv: empty file"),
    ],
)
def test_file_level_problems_raise_one_clear_error(tmp_path, tables, message):
    folder = write_tables(tmp_path / "b", **tables)
    with pytest.raises(BookError, match=message):
        load_book(folder, settings=Settings())


def test_non_utf8_file_is_a_clear_error(tmp_path):
    folder = write_tables(tmp_path / "b")
    (folder / "clients.csv").write_bytes("client_id,name\nc1,Caf\xe9 Lumi\xe8re\n".encode("cp1252"))
    with pytest.raises(BookError, match="clients.csv: not UTF-8"):
        load_book(folder, settings=Settings())


def test_date_format_option_reads_other_orders_and_never_guesses(tmp_path):
    clients = "client_id,name\nc1,Acme\n"
    time = "date,client_id,person,hours\n02/01/2025,c1,ann,2\n"
    invoices = "invoice_id,client_id,issue_date,due_date,amount\ni1,c1,03/01/2025,02/02/2025,5\n"
    folder = write_tables(tmp_path / "b", clients=clients, time_entries=time, invoices=invoices)
    assert load_book(folder, settings=Settings()).rejects["reason"].str.contains("not a date").all()
    book = load_book(folder, date_format="%d/%m/%Y", settings=Settings())
    assert book.rejects.empty
    assert book.time_entries["date"].iloc[0] == pd.Timestamp("2025-01-02")
    assert book.invoices["due_date"].iloc[0] == pd.Timestamp("2025-02-02")


def test_xlsx_workbook_and_parquet_folder_load_like_csv(tmp_path):
    book = load_book(write_tables(tmp_path / "csv"), settings=Settings())
    workbook = tmp_path / "book.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for name in ("clients", "time_entries", "invoices"):
            pd.read_csv(tmp_path / "csv" / f"{name}.csv").to_excel(
                writer, sheet_name=name, index=False
            )
    from_xlsx = load_book(workbook, settings=Settings())
    parquet = tmp_path / "pq"
    parquet.mkdir()
    for name in ("clients", "time_entries", "invoices"):
        frame = pd.read_csv(tmp_path / "csv" / f"{name}.csv")
        for col in ("date", "issue_date", "due_date", "paid_date", "since"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
        frame.to_parquet(parquet / f"{name}.parquet")
    from_parquet = load_book(parquet, settings=Settings())
    for other in (from_xlsx, from_parquet):
        assert other.rejects.empty, other.rejects
        pd.testing.assert_frame_equal(other.invoices, book.invoices, check_dtype=False)
        assert other.time_entries["hours"].sum() == book.time_entries["hours"].sum()


def test_xlsx_row_errors_name_the_sheet(tmp_path):
    workbook = tmp_path / "book.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.DataFrame({"client_id": ["c1"], "name": ["A"]}).to_excel(
            writer, sheet_name="clients", index=False
        )
        pd.DataFrame(
            {"date": ["2025-01-01"], "client_id": ["c1"], "person": ["p"], "hours": [30]}
        ).to_excel(writer, sheet_name="time_entries", index=False)
        pd.DataFrame(
            columns=["invoice_id", "client_id", "issue_date", "due_date", "amount"]
        ).to_excel(writer, sheet_name="invoices", index=False)
    book = load_book(workbook, settings=Settings())
    assert book.rejects.iloc[0]["source_file"] == "book.xlsx[time_entries]"
    assert book.rejects.iloc[0]["row"] == 2


def test_write_book_round_trips(tmp_path):
    book = load_book(
        write_tables(tmp_path / "b", time_entries=TIME + "bad,c1,ann,1,yes\n"), settings=Settings()
    )
    out = write_book(book, tmp_path / "out")
    again = load_book(out, settings=Settings())
    assert again.rejects.empty
    assert (out / "rejects.csv").exists()
    assert len(pd.read_csv(out / "rejects.csv")) == 1
    assert again.invoices["amount_base"].sum() == book.invoices["amount_base"].sum()


def test_settings_base_currency_changes_what_needs_a_rate(tmp_path):
    invoices = "invoice_id,client_id,issue_date,due_date,amount,currency,paid_date\ni1,c1,2025-01-01,2025-01-31,10,EUR,\n"
    folder = write_tables(tmp_path / "b", invoices=invoices)
    assert len(load_book(folder, settings=Settings()).rejects) == 1
    assert load_book(folder, settings=Settings(base_currency="EUR")).rejects.empty


def test_complete_quarters(tmp_path):
    book = load_book(write_tables(tmp_path / "b"), settings=Settings())
    assert book.quarters() == ["2025Q1"]
    assert book.complete_quarters() == []  # the last activity is 2025-02-01
