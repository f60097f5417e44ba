"""The CSV loader's typed read (numbers, dates and yes/no flags parsed by Arrow's CSV reader)
gives what the text path gives, value for value, dtype for dtype and reject for reject: a column
with any value Arrow would read differently or not at all is read as text, column by column, and
a rejected row's value in the ledger is the text as written (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import _written_text, load_book, read_csv_text, typed_columns
from helpers.book.schema import TABLES
from helpers.book.settings import Settings
from helpers.book.validate import validate_table

TIME_HEADER = "date,client_id,person,hours,billable\n"


def _read_both(path: Path, name: str, date_format: str | None = None):
    """(text path, typed path): each the clean frame, the ledger, the row numbers and the
    columns read typed."""
    results = []
    for types in (None, typed_columns(TABLES[name], date_format=date_format)):
        frame, rows, invalid, typed = read_csv_text(path, types=types)
        clean, ledger = validate_table(
            frame,
            TABLES[name],
            source=path.name,
            rows=rows,
            date_format=date_format,
            typed=typed,
            text_of=_written_text(path),
        )
        results.append((clean, ledger, rows, typed, invalid))
    return results


def _same(text, typed) -> None:
    pd.testing.assert_frame_equal(text[0], typed[0], check_exact=True)
    assert text[0].dtypes.astype(str).tolist() == typed[0].dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(text[1], typed[1], check_exact=True)
    assert text[2].tolist() == typed[2].tolist()
    pd.testing.assert_frame_equal(text[4], typed[4])


def _time_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "time_entries.csv"
    path.write_text(TIME_HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_clean_file_is_read_typed_with_the_text_paths_frame(tmp_path):
    path = _time_file(
        tmp_path,
        [
            "2025-01-02,c1,ann,1.5,true",
            '2025-01-03,"c2","bo",2,no',
            '"2025-01-04",c1,ann,"0.25",""',
            "2025-01-05,c1,ann,8,1",
        ],
    )
    text, typed = _read_both(path, "time_entries")
    assert text[3] == []
    assert typed[3] == ["date", "hours", "billable"]
    _same(text, typed)
    assert typed[0]["billable"].tolist() == [True, False, True, True]  # blank: the default


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("hours", [" 2", "2 ", "\t3", '" 7"', "+4", ".5", "5.", "1e1", "1E+0", "-0", "24"]),
        ("hours", ["30", "0", "-1", "24.50", "1e2", "inf", "Infinity", ""]),  # rules only
        ("hours", ["1,000", "abc", "nan", "NaN", "  ", "\u00a02", "1_0", "0x1", "2"]),
        ("date", [" 2025-01-02", "2025-01-02 ", '"2025-01-03"', "2024-02-29"]),
        ("date", ["2025-1-5", "2025-02-30", "05/01/2025", "2025-01-02T00:00", "", "  "]),
        ("date", ["20250102", "+2025-01-02", "2025-01-02Z", "\u00a02025-01-02"]),
        ("billable", ["TRUE", "True", "Yes", " true", "false ", "maybe", "y", "n", "t", "f"]),
        ("billable", ["", '""', "0", "1", "yes", "no"]),
        ("billable", ["\u00a0true", "  ", "yes"]),
    ],
)
def test_any_value_gives_the_text_paths_frame_and_ledger(tmp_path, column, values):
    base = {"date": "2025-01-02", "client_id": "c1", "person": "ann", "hours": "1.5"}
    base["billable"] = "true"
    lines = []
    for value in values:
        row = dict(base, **{column: value})
        lines.append(",".join(row.values()))
    lines.append(",".join(base.values()))
    text, typed = _read_both(_time_file(tmp_path, lines), "time_entries")
    _same(text, typed)


def test_a_column_arrow_refuses_is_text_and_the_others_stay_typed(tmp_path):
    path = _time_file(tmp_path, ["2025-01-02,c1,ann,1.5,true", "2025-01-03,c1,ann,1;5,TRUE"])
    text, typed = _read_both(path, "time_entries")
    assert typed[3] == ["date"]  # hours (1;5) and billable (TRUE) read as text
    _same(text, typed)
    assert typed[1]["reason"].tolist() == ["not a number"]


def test_the_ledger_shows_a_typed_columns_value_as_written(tmp_path):
    path = _time_file(
        tmp_path,
        ["2025-01-02,c1,ann,24.50,true", "2025-01-03,c1,ann, 1e2 ,true", "2025-01-04,c1,ann,,no"],
    )
    text, typed = _read_both(path, "time_entries")
    assert "hours" in typed[3]
    _same(text, typed)
    ledger = typed[1]
    assert ledger["value"].tolist() == ["24.50", "1e2", ""]
    assert ledger["reason"].tolist() == [
        "must be <= 24",
        "must be <= 24",
        "missing value (required)",
    ]
    assert ledger["row"].tolist() == [2, 3, 4]


def test_wrong_field_counts_keep_their_row_numbers_with_typed_columns(tmp_path):
    path = _time_file(
        tmp_path,
        [
            "2025-01-02,c1,ann,1.5,true",
            "2025-01-03,c1,ann,1.5",
            "2025-01-04,c1,ann,99,true,extra",
            "2025-01-05,c1,ann,99,true",
        ],
    )
    text, typed = _read_both(path, "time_entries")
    assert typed[3] == ["date", "hours", "billable"]
    _same(text, typed)
    assert typed[2].tolist() == [2, 5]
    assert typed[1]["value"].tolist() == ["99"]


def test_defaults_and_whole_numbers_of_a_typed_optional_column(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "date,client_id,kind,severity,note\n"
        "2025-01-02,c1,rush,,a\n2025-01-03,c1,rush,2,b\n2025-01-04,c1,rush,1.5,c\n"
        '2025-01-05,c1,rush,4,d\n2025-01-06,c1,abuse,"",e\n',
        encoding="utf-8",
    )
    text, typed = _read_both(path, "events")
    assert typed[3] == ["date", "severity"]
    _same(text, typed)
    assert typed[0]["severity"].tolist() == [1.0, 2.0, 1.0]
    assert typed[1]["value"].tolist() == ["1.5", "4"]


def test_other_date_formats_are_read_as_text(tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text(
        "invoice_id,client_id,issue_date,due_date,amount,currency,paid_date\n"
        "i1,c1,02/01/2025,01/02/2025,10.5,EUR,\ni2,c1,2025-01-02,01/02/2025,1,,03/02/2025\n",
        encoding="utf-8",
    )
    text, typed = _read_both(path, "invoices", date_format="%d/%m/%Y")
    assert typed[3] == ["amount"]
    _same(text, typed)


def test_the_demo_book_loads_typed_like_text(monkeypatch):
    """The whole loader on the demo book, its typed read against every column as text."""
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    typed = load_book(sample, settings=Settings(), cache=False)
    monkeypatch.setattr("helpers.book.load.typed_columns", lambda table, *, date_format: {})
    text = load_book(sample, settings=Settings(), cache=False)
    for name in ("clients", "time_entries", "invoices", "events", "assessments", "rejects"):
        pd.testing.assert_frame_equal(typed.table(name), text.table(name), check_exact=True)
    assert dict(typed.rows_read) == dict(text.rows_read)


DATE_COLUMNS = {"date", "since", "until", "issue_date", "due_date", "paid_date"}


@pytest.mark.parametrize("date_format", [None, "%d/%m/%Y"])
def test_a_date_pandas_cannot_hold_is_a_reject_not_a_crash(book_dir, date_format):
    """A typo such as 2300 or year 0 is a real calendar day outside pandas' nanosecond range:
    the row goes to the ledger with a reason that says the range, and the rest loads."""
    import csv

    from helpers.book.load import load_book
    from helpers.book.settings import Settings

    def spell(day: str) -> str:
        return day if date_format is None else "/".join(reversed(day.split("-")))

    bad = {("time_entries.csv", "date"): {3: "2300-01-01", 5: "0000-01-01"}}
    bad[("invoices.csv", "paid_date")] = {2: "3025-02-01"}
    for path in book_dir.glob("*.csv"):  # every date of the book in the format asked for
        table = list(csv.reader(path.open(newline="")))
        for column, at in ((h, i) for i, h in enumerate(table[0]) if h in DATE_COLUMNS):
            for line, row in enumerate(table[1:], start=1):
                day = bad.get((path.name, column), {}).get(line, row[at])
                row[at] = spell(day) if day else ""
        with path.open("w", newline="") as out:
            csv.writer(out).writerows(table)
    book = load_book(book_dir, settings=Settings(), date_format=date_format, cache=False)
    ledger = book.rejects
    out_of_range = ledger[ledger["reason"].str.startswith("date out of range (a day from 1677")]
    assert sorted(zip(out_of_range["table"], out_of_range["row"], strict=True)) == [
        ("invoices", 3),  # the ledger's row is the file's line (its header is line 1)
        ("time_entries", 4),
        ("time_entries", 6),
    ]
    assert len(ledger) == 3  # nothing else was refused
    assert book.time_entries["date"].dt.year.between(2000, 2100).all()
