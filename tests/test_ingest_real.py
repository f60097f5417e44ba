"""The real exports in ../shared/data/real-exports: hours per client equal the file's own sums."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from helpers.cli import main
from helpers.ingest import import_exports

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-exports"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not REAL.is_dir(), reason=f"real exports not present ({REAL} is absent)"),
]


def rows(name: str) -> list[dict[str, str]]:
    with (REAL / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def hours_by_client(book) -> dict[str, float]:
    names = book.clients.set_index("client_id")["name"]
    sums = book.time_entries.groupby("client_id")["hours"].sum()
    return {names[c]: round(h, 6) for c, h in sums.items()}


def test_harvest_hours_per_client_match_the_file():
    expected: dict[str, float] = defaultdict(float)
    for row in rows("harvest_1.csv"):
        expected[row["Client"]] += float(row["Hours"])
    book = import_exports([REAL / "harvest_1.csv"])
    assert hours_by_client(book) == {k: round(v, 6) for k, v in expected.items()}
    assert len(book.time_entries) == len(rows("harvest_1.csv"))
    assert book.rejects.empty


def test_toggl_personal_tracking_goes_to_the_ledger_with_its_hours():
    data = rows("toggl_2.csv")
    expected: dict[str, float] = defaultdict(float)
    for row in data:
        if row["Client"].strip():
            h, m, s = (int(x) for x in row["Duration"].split(":"))
            expected[row["Client"]] += h + m / 60 + s / 3600
    book = import_exports([REAL / "toggl_2.csv"])
    assert hours_by_client(book) == {k: round(v, 6) for k, v in expected.items()}
    without_client = sum(1 for row in data if not row["Client"].strip())
    assert (book.rejects["reason"].str.startswith("no client")).sum() == without_client
    assert len(book.time_entries) + len(book.rejects) == len(data)


def test_the_real_folder_imports_and_reconciles(tmp_path, capsys):
    assert main(["import", str(REAL), "--out", str(tmp_path / "book")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("(reconciled)") == 2 and "DOES NOT RECONCILE" not in printed
