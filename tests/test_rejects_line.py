"""No command drops a row in silence: every book-reading command prints the rejects line on stderr.

A small demo book gets one bad row appended to each table; each command must say how many rows
were left out (per table) and where the ledger is, keep its exit code, and give every client the
same figures as the clean book (a rejected row contributes nothing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.book.rejects import ledger_beside, rejects_line, rejects_summary
from helpers.book.sample import write_sample
from helpers.cli import main

QUARTER = "2024Q4"  # the demo book below runs 2023Q1-2024Q4
#: One bad row per table (what a new user gets wrong), appended to the clean demo book.
BAD_ROWS = {
    "clients": "c-0999,,Retail,small,Ada Dubois,2020-01-01",  # blank name
    "people": "Nobody Known,-5",  # negative cost rate
    "time_entries": "2024-11-04,c-0001,Ada Dubois,-3,true",  # negative hours
    "invoices": "INV-BAD,c-0001,2025-13-45,2025-12-31,500,USD,",  # impossible issue date
    "events": "2024-11-05,c-0001,tantrum,1,unknown kind",  # unknown event kind
    "assessments": "2024-11-06,c-0001,Ada Dubois,7,3,3,3",  # a score of 7
    "fx": "JPY,abc,",  # not a number
}
#: Ties are in the loader's table order (fx before invoices, which need its rates).
LINE = (
    "7 rows rejected (clients 1, people 1, fx 1, time_entries 1, invoices 1, events 1, "
    "assessments 1)"
)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path]:
    """(clean book, the same book with one bad row per table)."""
    root = tmp_path_factory.mktemp("books")
    clean = write_sample(root / "clean", clients=24, years=2, seed=11)
    bad = root / "bad"
    shutil.copytree(clean, bad)
    for table, row in BAD_ROWS.items():
        with (bad / f"{table}.csv").open("a", encoding="utf-8") as handle:
            handle.write(row + "\n")
    return clean, bad


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def stderr_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "rejected" in line]


def test_rejects_line_counts_the_most_rejected_table_first():
    rejects = pd.DataFrame({"table": ["time_entries", "invoices", "invoices", "clients"]})
    assert rejects_summary(rejects) == "4 rows rejected (invoices 2, clients 1, time_entries 1)"
    assert rejects_line(rejects.iloc[:0], see="x") == ""
    assert ledger_beside(Path("a/b/metrics.csv")) == Path("a/b/metrics-rejects.csv")


def test_metrics_out_writes_the_ledger_beside_and_figures_are_unchanged(books, tmp_path, capsys):
    clean, bad = books
    code, out, err = run(
        capsys,
        "metrics",
        "--data",
        str(clean),
        "--quarter",
        QUARTER,
        "--out",
        str(tmp_path / "c.csv"),
    )
    assert code == 0 and err == ""  # nothing rejected: no line, no ledger
    assert not (tmp_path / "c-rejects.csv").exists()

    target = tmp_path / "metrics.csv"
    code, out, err = run(
        capsys, "metrics", "--data", str(bad), "--quarter", "2024 q4", "--out", str(target)
    )
    assert code == 0
    assert "wrote 24 clients" in out
    ledger = tmp_path / "metrics-rejects.csv"
    assert stderr_lines(err) == [f"{LINE}: see {ledger}"]
    written = pd.read_csv(ledger)
    assert sorted(written["table"]) == sorted(BAD_ROWS)
    assert list(written.columns) == ["table", "source_file", "row", "column", "value", "reason"]
    assert set(written["source_file"]) == {f"{t}.csv" for t in BAD_ROWS}
    pd.testing.assert_frame_equal(pd.read_csv(target), pd.read_csv(tmp_path / "c.csv"))

    # the same output again from the clean book: the stale ledger goes, so it never misleads
    code, _, err = run(
        capsys, "metrics", "--data", str(clean), "--quarter", QUARTER, "--out", str(target)
    )
    assert code == 0 and err == "" and not ledger.exists()


def test_metrics_to_stdout_points_at_validate(books, capsys):
    clean, bad = books
    _, clean_csv, _ = run(capsys, "metrics", "--data", str(clean), "--quarter", QUARTER)
    code, out, err = run(capsys, "metrics", "--data", str(bad), "--quarter", QUARTER)
    assert code == 0
    assert stderr_lines(err) == [f"{LINE}: see run `pumpkin validate {bad}` for the ledger"]
    assert out == clean_csv  # CSV on stdout, the same figures for every client


def test_metrics_strict_stops_with_exit_2(books, tmp_path, capsys):
    _, bad = books
    code, _, err = run(
        capsys, "metrics", "--data", str(bad), "--quarter", QUARTER, "--strict", "--out",
        str(tmp_path / "m.csv"),
    )  # fmt: skip
    assert code == 2
    assert "7 row(s) rejected in strict mode" in err and "clients.csv" in err
    assert not (tmp_path / "m.csv").exists()


def test_validate_prints_the_ledger_and_the_line(books, capsys):
    _, bad = books
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 0
    assert "rejects ledger (7 rows)" in out and "tantrum" in out and "2025-13-45" in out
    assert stderr_lines(err) == [f"{LINE}: see the ledger above"]


def test_screen_prospect_says_so_and_screens_the_same(books, capsys):
    clean, bad = books
    argv = ["--quarter", QUARTER, "--industry", "Retail", "--size", "small"]
    code, clean_out, clean_err = run(capsys, "screen-prospect", "--data", str(clean), *argv)
    assert code == 0 and clean_err == ""
    code, out, err = run(capsys, "screen-prospect", "--data", str(bad), *argv)
    assert code == 0
    assert stderr_lines(err) == [f"{LINE}: see run `pumpkin validate {bad}` for the ledger"]
    assert out == clean_out


def test_import_says_how_many_rows_and_where(tmp_path, capsys):
    exports = Path(__file__).parent / "fixtures" / "exports"
    out_dir = tmp_path / "book"
    code, out, err = run(
        capsys, "import", str(exports / "harvest_current.csv"), "--out", str(out_dir)
    )
    assert code == 0
    ledger = out_dir / "rejects.csv"
    assert stderr_lines(err) == [f"1 row rejected (time_entries 1): see {ledger}"]
    assert pd.read_csv(ledger)["reason"].str.contains("no client").any()
    # the four good entries are in the book, the bad one only in the ledger
    assert len(pd.read_csv(out_dir / "time_entries.csv")) == 4


@pytest.mark.notebook
def test_report_says_so_writes_the_ledger_and_reports_the_same(books, tmp_path, capsys):
    clean, bad = books
    common = ["--quarter", "2024q4", "--jobs", "1", "--timeout", "300"]
    code, _, err = run(
        capsys, "report", "--data", str(clean), "--out", str(tmp_path / "c"), *common
    )
    assert code == 0 and stderr_lines(err) == []
    code, out, err = run(
        capsys, "report", "--data", str(bad), "--out", str(tmp_path / "b"), *common
    )
    assert code == 0, err
    ledger = tmp_path / "b" / "rejects.csv"
    assert stderr_lines(err) == [f"{LINE}: see {ledger}"]
    assert len(pd.read_csv(ledger)) == 7
    assert "2024Q4: wrote" in out
    clean_actions = pd.read_excel(tmp_path / "c" / f"{QUARTER}-actions.xlsx", sheet_name="actions")
    bad_actions = pd.read_excel(tmp_path / "b" / f"{QUARTER}-actions.xlsx", sheet_name="actions")
    pd.testing.assert_frame_equal(bad_actions, clean_actions)
    quality = pd.read_excel(tmp_path / "b" / f"{QUARTER}-actions.xlsx", sheet_name="data quality")
    assert len(quality) == 7


@pytest.mark.parametrize("command", ["metrics", "screen-prospect"])
def test_a_quarter_with_no_activity_is_one_line_and_exit_2(books, capsys, command):
    clean, _ = books
    extra = ["--industry", "Retail", "--size", "small"] if command == "screen-prospect" else []
    code, _, err = run(capsys, command, "--data", str(clean), "--quarter", "2027q1", *extra)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "no activity in the book" in err and "2027Q1" in err and "2023Q1 to 2024Q4" in err


def test_a_malformed_quarter_is_refused_by_the_parser(books, capsys):
    clean, _ = books
    with pytest.raises(SystemExit) as info:
        main(["metrics", "--data", str(clean), "--quarter", "2024-Q4"])
    assert info.value.code == 2
    assert "quarter must look like 2025Q2" in capsys.readouterr().err


def test_book_rejects_lines_say_the_loaders_and_the_imports_rows_left_out(tmp_path):
    from types import SimpleNamespace

    from helpers.book.rejects import book_rejects_lines

    ledger = pd.DataFrame({"table": ["invoices"]})
    left_out = pd.DataFrame({"table": ["time_entries"] * 3})
    none = ledger.iloc[:0]
    book = SimpleNamespace(rejects=ledger, import_rejects=left_out, source=str(tmp_path))
    assert book_rejects_lines(book, see="below") == [
        "1 row rejected (invoices 1): see below",
        "3 rows of the exports were left out when this book was imported (time_entries 3): "
        f"see {tmp_path / 'rejects.csv'}",
    ]
    assert book_rejects_lines(book, see="below", import_see="the end")[1].endswith("see the end")
    clean = SimpleNamespace(rejects=none, import_rejects=none.iloc[:0], source=str(tmp_path))
    assert book_rejects_lines(clean, see="below") == []
