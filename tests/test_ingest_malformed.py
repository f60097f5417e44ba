"""Malformed exports: a clear message (exit 2 from the CLI) or ledger rows, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.book.settings import Settings
from helpers.cli import main
from helpers.errors import PumpkinError
from helpers.ingest import import_exports

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
TOGGL = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount (USD)"
)
CLOCKIFY = (
    '"Project","Client","Description","Task","User","Group","Email","Tags","Billable",'
    '"Start Date","Start Time","End Date","End Time","Duration (h)",'
    '"Duration (decimal)","Billable Rate (USD)","Billable Amount (USD)",'
    '"Date of creation"'
)


def toggl_row(client="Acme", duration="1:00:00", date="2025-01-06", user="Ann Lee") -> str:
    return f"{user},,{client},P,,Work,Yes,{date},09:00:00,{date},10:00:00,{duration},,100.00"


def clockify_row(date: str, hours: str = "1.00") -> str:
    return (
        f'"P","Acme","Work","","Ann Lee","","","","Yes","{date}","09:00","{date}","10:00",'
        f'"01:00:00","{hours}","100.00","100.00","{date}"'
    )


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def cli(*args) -> int:
    return main(["import", *map(str, args)])


def test_truncated_and_overlong_rows_go_to_the_ledger(tmp_path):
    path = write(
        tmp_path / "t.csv",
        [
            TOGGL,
            toggl_row(),
            "Ann Lee,,Acme,P,,Work,Yes,2025-01-07",
            toggl_row(duration="2:00:00") + ",extra",
        ],
    )
    book = import_exports([path])
    assert book.time_entries["hours"].tolist() == [1.0]
    bad = book.rejects.sort_values("row")
    assert bad["row"].tolist() == [3, 4]
    assert bad["reason"].str.startswith("wrong number of fields: expected 14").all()


def test_file_cut_inside_a_quoted_field_lists_the_cut_row(tmp_path):
    path = write(tmp_path / "t.csv", [TOGGL, toggl_row(), 'Ann Lee,,Acme,P,,"Work that never'])
    assert cli(path, "--out", tmp_path / "out") == 0
    rejects = (tmp_path / "out" / "rejects.csv").read_text().splitlines()
    assert len(rejects) == 2 and rejects[1].startswith("time_entries,t.csv,3,")
    assert "wrong number of fields" in rejects[1]


def test_wrong_delimiter_names_the_separator(tmp_path, capsys):
    path = write(tmp_path / "t.csv", [TOGGL.replace(",", "|"), toggl_row().replace(",", "|")])
    with pytest.raises(PumpkinError, match="separated by pipes"):
        import_exports([path])
    assert cli(path, "--out", tmp_path / "out") == 2
    assert "unknown export format" in capsys.readouterr().err


def test_semicolon_separated_export_is_read(tmp_path):
    path = write(
        tmp_path / "t.csv",
        [TOGGL.replace(",", ";"), toggl_row(duration="0:30:00").replace(",", ";")],
    )
    assert import_exports([path]).time_entries["hours"].tolist() == [0.5]


def test_cp1252_names_are_decoded_and_noted(tmp_path, capsys):
    path = write(
        tmp_path / "t.csv",
        [TOGGL, toggl_row(client="Café Müller", user="José Núñez")],
        encoding="cp1252",
    )
    book = import_exports([path])
    assert book.clients["name"].tolist() == ["Café Müller"]
    assert book.time_entries["person"].tolist() == ["José Núñez"]
    assert cli(path, "--out", tmp_path / "out") == 0
    assert "Windows-1252" in capsys.readouterr().out


def test_unknown_header_lists_known_formats_and_columns_seen(tmp_path, capsys):
    path = write(tmp_path / "mystery.csv", ["When,Who,How long", "2025-01-01,Ann,1"])
    with pytest.raises(PumpkinError) as error:
        import_exports([path])
    message = str(error.value)
    for known in ("Harvest", "Toggl", "Clockify", "Xero", "QuickBooks", "FreshBooks", ".xlsx"):
        assert known in message
    assert "'When', 'Who', 'How long'" in message and "mystery.csv" in message
    assert cli(path, "--out", tmp_path / "out") == 2
    assert "Traceback" not in capsys.readouterr().err


def test_file_name_alone_does_not_decide_the_format(tmp_path):
    path = write(tmp_path / "harvest_export.csv", [TOGGL, toggl_row()])
    assert import_exports([path]).time_entries["person"].tolist() == ["Ann Lee"]


def test_mixed_date_orders_stop_and_ask_for_date_order(tmp_path):
    path = write(
        tmp_path / "c.csv", [CLOCKIFY, clockify_row("13/01/2025"), clockify_row("01/14/2025")]
    )
    with pytest.raises(PumpkinError, match="mixed day/month orders.*--date-order"):
        import_exports([path])
    book = import_exports([path], date_order="dmy")
    assert book.time_entries["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-13"]
    assert book.rejects["value"].tolist() == ["01/14/2025"]
    assert "not a date (expected DD/MM/YYYY)" in book.rejects["reason"].iloc[0]


def test_only_ambiguous_dates_ask_for_date_order(tmp_path, capsys):
    path = write(tmp_path / "c.csv", [CLOCKIFY, clockify_row("03/04/2025")])
    with pytest.raises(PumpkinError, match="ambiguous.*--date-order"):
        import_exports([path])
    assert cli(path, "--out", tmp_path / "out") == 2
    assert cli(path, "--out", tmp_path / "out", "--date-order", "mdy") == 0
    assert (
        (tmp_path / "out" / "time_entries.csv").read_text().splitlines()[1].startswith("2025-03-04")
    )


def test_negative_unreadable_and_too_long_durations_go_to_the_ledger(tmp_path):
    path = write(
        tmp_path / "t.csv",
        [
            TOGGL,
            toggl_row(duration="-0:30:00"),
            toggl_row(duration="soon"),
            toggl_row(duration="26:00:00"),
            toggl_row(duration="0:45:00"),
        ],
    )
    book = import_exports([path])
    assert book.time_entries["hours"].tolist() == [0.75]
    got = dict(zip(book.rejects["row"], book.rejects["reason"], strict=True))
    assert got[2] == "negative duration"
    assert got[3].startswith("not a duration (expected H:MM:SS)")
    assert got[4] == "must be <= 24"


def test_empty_files_are_clear_errors(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(PumpkinError, match="empty file"):
        import_exports([empty])
    assert cli(empty, "--out", tmp_path / "out") == 2
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(PumpkinError, match="empty file"):
        import_exports([bom_only])


def test_header_only_file_imports_nothing(tmp_path):
    book = import_exports([write(tmp_path / "t.csv", [TOGGL])])
    assert book.time_entries.empty and book.rejects.empty


def test_missing_path_and_folder_without_exports(tmp_path, capsys):
    assert cli(tmp_path / "nope.csv", "--out", tmp_path / "out") == 2
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("hello")
    assert cli(tmp_path / "docs", "--out", tmp_path / "out") == 2
    assert "no export files" in capsys.readouterr().err


def test_not_a_workbook_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    assert cli(path, "--out", tmp_path / "out") == 2
    assert "Excel workbook" in capsys.readouterr().err


def test_invoice_currency_without_fx_rate_is_rejected(tmp_path):
    # both lines of invoice 0000101 in GBP (lines in two currencies would be two invoices)
    text = (FIXTURES / "freshbooks_invoices.csv").read_text().replace(",USD", ",GBP", 2)
    path = tmp_path / "fb.csv"
    path.write_text(text)
    # GBP 840 (600 + 240) is the main currency of the file: the USD 600 needs an fx rate
    book = import_exports([path])
    assert book.base_currency == "GBP"
    assert "no fx rate" in book.rejects.set_index("row").loc[4, "reason"]
    # a base currency from the settings decides instead
    book = import_exports([path], settings=Settings(base_currency="USD"))
    ledger = book.rejects.set_index("row")
    assert "no fx rate" in ledger.loc[2, "reason"] and "no fx rate" in ledger.loc[3, "reason"]
    assert book.invoices["invoice_id"].tolist() == ["0000102"]


def test_strict_mode_fails_on_any_rejected_row(tmp_path, capsys):
    assert cli(FIXTURES / "toggl_usd.csv", "--out", tmp_path / "out", "--strict") == 2
    assert "strict mode" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cp1252_byte_far_below_an_ascii_head_is_still_decoded(tmp_path):
    filler = [toggl_row(client=f"Client {i}") for i in range(4000)]  # > 256 KB of ASCII
    path = write(
        tmp_path / "t.csv", [TOGGL, *filler, toggl_row(client="Zoë Ltd")], encoding="cp1252"
    )
    book = import_exports(path)  # a single path is accepted too
    assert "Zoë Ltd" in set(book.clients["name"])
    assert len(book.time_entries) == 4001
