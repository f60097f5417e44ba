"""Revenue when the book has no invoices: billable amounts from the time trackers, the revenue
source per client, realisation, bill rates, and a book with no revenue at all said plainly."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.audit.rules import classify
from helpers.book.load import NO_REVENUE, load_book, write_book
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.decide.contract import client_metrics, raw_metrics
from helpers.ingest import import_exports
from helpers.present import tables

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
HARVEST = FIXTURES / "harvest_2025_amounts.csv"
CLOCKIFY = FIXTURES / "clockify_2025_amounts.csv"
TOGGL_NO_AMOUNTS = FIXTURES / "toggl_2025_norates.csv"


def amounts(book) -> list[float]:
    return book.time_entries["billable_amount"].round(2).tolist()


def file_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------------------- importers


def test_harvest_2025_header_amounts_are_the_billable_amounts():
    book = import_exports([HARVEST])
    assert book.base_currency == "USD"  # from 'United States Dollar - USD'
    rows = file_rows(HARVEST)
    assert amounts(book) == [float(r["Billable Amount"]) for r in rows]
    # a non-billable entry is worth 0 (what Harvest writes), not blank
    non_billable = book.time_entries.loc[~book.time_entries["billable"].astype(bool)]
    assert non_billable["billable_amount"].tolist() == [0.0, 0.0]


def test_clockify_quoted_amounts_with_zero_for_non_billable():
    book = import_exports([CLOCKIFY])
    rows = file_rows(CLOCKIFY)
    assert amounts(book) == [float(r["Billable Amount (USD)"]) for r in rows]
    assert 0.0 in amounts(book) and not book.time_entries["billable_amount"].isna().any()


def test_toggl_amount_column_and_toggl_without_amounts():
    assert amounts(import_exports([FIXTURES / "toggl_usd.csv"])) == [150.0, 125.0, 275.83]
    # 'Amount ()' without rates and newer exports without the column: no amount, not 0
    for name in ("toggl_norates.csv", "toggl_quoted.csv", "toggl_2025_norates.csv"):
        book = import_exports([FIXTURES / name])
        assert book.time_entries["billable_amount"].isna().all(), name
        assert not book.has_revenue()


def _fx_workbook(path: Path, rate: float) -> Path:
    from helpers.present.export import write_workbook

    write_workbook(
        {
            "clients": pd.DataFrame({"client_id": ["acme-widgets"], "name": ["Acme Widgets"]}),
            "time_entries": pd.DataFrame(
                columns=["date", "client_id", "person", "hours", "billable"]
            ),
            "invoices": pd.DataFrame(
                columns=["invoice_id", "client_id", "issue_date", "due_date", "amount"]
            ),
            "fx": pd.DataFrame({"currency": ["EUR"], "rate_to_base": [rate], "date": [""]}),
        },
        path,
    )
    return path


def test_amounts_in_another_currency_are_converted_like_invoices(tmp_path):
    workbook = _fx_workbook(tmp_path / "rates.xlsx", 1.1)
    settings = Settings(base_currency="USD")
    # Clockify names the currency in its header; Harvest per row ('Euro - EUR')
    clockify = import_exports([FIXTURES / "clockify_dmy.csv", workbook], settings=settings)
    assert amounts(clockify) == [220.0, 0.0]  # 200 EUR x 1.1, and the non-billable 0
    harvest = import_exports([FIXTURES / "harvest_older.csv", workbook], settings=settings)
    assert amounts(harvest) == [247.5, 220.0]  # 225,00 and 200,00 EUR x 1.1


def test_amounts_without_an_fx_rate_are_left_blank_with_a_note(tmp_path, capsys):
    # a USD invoice export makes USD the base; Clockify's EUR amounts have no rate
    out = tmp_path / "book"
    code = main(
        [
            "import",
            str(FIXTURES / "clockify_dmy.csv"),
            str(FIXTURES / "freshbooks_invoices.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 billable amount(s) in EUR left blank: no fx rate for EUR" in printed
    book = load_book(out, settings=Settings())
    assert book.time_entries["billable_amount"].isna().all()
    assert len(book.time_entries) == 2  # the hours are kept


def test_negative_or_non_numeric_amount_is_a_ledger_row(tmp_path):
    rows = file_rows(CLOCKIFY)[:3]
    rows[1]["Billable Amount (USD)"] = "-50.00"
    rows[2]["Billable Amount (USD)"] = "n/a"
    path = tmp_path / "clockify.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    book = import_exports([path])
    ledger = book.rejects.set_index("row")
    assert ledger.loc[3, "column"] == "Billable Amount (USD)"
    assert "negative billable amount" in ledger.loc[3, "reason"]
    assert ledger.loc[4, "reason"] == "not an amount" and ledger.loc[4, "value"] == "n/a"
    assert len(book.time_entries) == 1 and book.reconciliation()["balanced"].all()


def test_canonical_book_validates_billable_amount(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "clients.csv").write_text("client_id,name\nc1,Acme\n")
    (folder / "time_entries.csv").write_text(
        "date,client_id,person,hours,billable,billable_amount\n"
        "2025-01-02,c1,ann,2,yes,300\n"
        "2025-01-03,c1,ann,1,yes,-5\n"
        "2025-01-04,c1,ann,1,yes,lots\n"
        "2025-01-05,c1,ann,1,no,\n"
    )
    (folder / "invoices.csv").write_text(
        "invoice_id,client_id,issue_date,due_date,amount,currency,paid_date\n"
    )
    book = load_book(folder, settings=Settings())
    assert book.time_entries["billable_amount"].tolist()[0] == 300.0
    assert np.isnan(book.time_entries["billable_amount"].tolist()[1])  # blank: no amount
    ledger = book.rejects.set_index("row")
    assert ledger.loc[3, ["column", "reason"]].tolist() == ["billable_amount", "must be >= 0"]
    assert ledger.loc[4, ["column", "reason"]].tolist() == ["billable_amount", "not a number"]
    # written back with the column; a book without any amount writes no such column
    again = load_book(write_book(book, tmp_path / "again"), settings=Settings())
    assert again.time_entries["billable_amount"].iloc[0] == 300.0
    header = (
        write_book(load_book(Path("data/sample"), settings=Settings()), tmp_path / "demo")
        / "time_entries.csv"
    )
    assert "billable_amount" not in header.read_text().splitlines()[0]


def test_bill_rates_value_billable_hours_without_amounts(tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text(
        "client,person,rate\nLark Events,,120\n,Gus Hall,100\nLark Events,Ivy Jones,150\n"
    )
    out = tmp_path / "book"
    code = main(["import", str(TOGGL_NO_AMOUNTS), "--out", str(out), "--bill-rates", str(rates)])
    assert code == 0
    book = load_book(out, settings=Settings())
    te = book.time_entries.assign(amount=book.time_entries["billable_amount"].round(2))
    by = {(r.client_id, r.person, r.hours): r.amount for r in te.itertuples()}
    assert by[("lark-events", "Gus Hall", 1.5)] == 180.0  # client rate beats person rate
    assert by[("lark-events", "Ivy Jones", 6.5)] == 975.0  # client + person is the most specific
    assert np.isnan(by[("lark-events", "Ivy Jones", 0.75)])  # not billable: not valued
    assert by[("moss-architects", "Gus Hall", 3.0)] == 300.0  # the person's rate
    assert np.isnan(by[("moss-architects", "Ivy Jones", 7.5)])  # no rate for Ivy at Moss
    assert book.has_revenue()


def test_bill_rates_file_errors_name_file_row_and_column(tmp_path, capsys):
    rates = tmp_path / "rates.csv"
    rates.write_text("client,rate\nLark Events,120\nMoss,abc\n")
    code = main(
        ["import", str(TOGGL_NO_AMOUNTS), "--out", str(tmp_path / "b"), "--bill-rates", str(rates)]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "rates.csv" in err and "row 3" in err and "rate" in err and "'abc'" in err


# ----------------------------------------------------------------------------- measures

CLIENTS = "client_id,name,size\ninv,Invoiced Ltd,small\ntime,Timed Ltd,small\nnone,Idle Ltd,small\n"


def mixed_book(folder: Path) -> Path:
    """'inv' has invoices and billable amounts, 'time' only billable amounts, 'none' only hours."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clients.csv").write_text(CLIENTS)
    (folder / "time_entries.csv").write_text(
        "date,client_id,person,hours,billable,billable_amount\n"
        "2024-03-10,inv,ann,10,yes,1000\n"  # prior window (2024Q4 as of: 2025Q4 prior = 2024)
        "2025-02-10,inv,ann,8,yes,800\n"
        "2025-11-10,inv,ann,4,yes,400\n"
        "2025-11-11,inv,ann,2,no,0\n"
        "2024-06-01,time,bo,5,yes,500\n"
        "2025-05-01,time,bo,6,yes,660\n"
        "2025-12-01,time,bo,3,yes,330\n"
        "2026-01-05,time,bo,3,yes,999\n"  # after the quarter: not counted
        "2025-07-01,none,bo,7,yes,\n"
    )
    (folder / "invoices.csv").write_text(
        "invoice_id,client_id,issue_date,due_date,amount,currency,paid_date\n"
        "i1,inv,2025-03-01,2025-03-31,600,,2025-03-20\n"
        "i2,inv,2025-12-01,2025-12-31,300,,\n"
    )
    return folder


def test_revenue_per_client_from_invoices_billable_time_or_none(tmp_path):
    metrics = client_metrics(
        load_book(mixed_book(tmp_path / "b"), settings=Settings()), "2025Q4", settings=Settings()
    ).set_index("client_id")
    assert metrics["revenue_source"].to_dict() == {
        "inv": "invoices",
        "time": "billable time",
        "none": "none",
    }
    # invoices win for a client that has them, even with billable amounts on its time
    assert metrics.loc["inv", ["revenue_ttm", "revenue_q"]].tolist() == [900.0, 300.0]
    # the billable value of the time of a client without invoices, in each window
    assert metrics.loc["time", "revenue_ttm"] == 660 + 330
    assert metrics.loc["time", "revenue_q"] == 330
    assert metrics.loc["time", "revenue_prior"] == 500
    assert metrics.loc["time", "growth_ttm"] == pytest.approx(990 / 500 - 1)
    assert metrics.loc["none", "revenue_ttm"] == 0
    # the whole contract uses that revenue
    assert metrics.loc["time", "effective_rate_ttm"] == pytest.approx(990 / 9)
    assert metrics.loc["time", "margin_ttm"] == pytest.approx(990 - 9 * 60)
    assert metrics["revenue_share"].sum() == pytest.approx(1.0)
    assert metrics.loc["time", "revenue_share"] == pytest.approx(990 / (900 + 990))
    assert metrics.loc["time", "potential_method"] == "run-rate"
    # the run-rate of its billable value (the one every invoiced client gets too): the TTM's
    # 990, first billed more than a year ago, last billed within its usual interval, fewer
    # than eight quarters of history (no trend)
    assert metrics.loc["time", "expected_revenue_next_4q"] == pytest.approx(990)
    # a client without revenue in a book that has revenue is handled as before
    assert metrics.loc["none", "segment"] in ("prize", "tangled", "seedling", "weed")


def test_realisation_by_hand(tmp_path):
    metrics = client_metrics(
        load_book(mixed_book(tmp_path / "b"), settings=Settings()), "2025Q4", settings=Settings()
    ).set_index("client_id")
    # 'inv' over 2025: invoiced 600 + 300, its hours bill 800 + 400 + 0 = 1200
    assert metrics.loc["inv", "billable_value_ttm"] == 1200.0
    assert metrics.loc["inv", "realisation_ttm"] == pytest.approx(900 / 1200)
    # no invoices to compare with, or no amounts at all: no realisation
    assert metrics.loc["time", "billable_value_ttm"] == 990.0
    assert np.isnan(metrics.loc["time", "realisation_ttm"])
    assert np.isnan(metrics.loc["none", "billable_value_ttm"])
    table = tables.realisation_table(metrics.reset_index()).frame
    assert table["client"].tolist() == ["Invoiced Ltd"]
    assert table["not invoiced"].tolist() == [300.0]


def test_book_with_invoices_only_is_unchanged_by_the_revenue_source():
    book = load_book(Path("data/sample"), settings=Settings())
    metrics = client_metrics(book, "2025Q4", settings=Settings())
    invoiced = (
        book.invoices.loc[book.invoices["issue_date"].between("2025-01-01", "2025-12-31")]
        .groupby("client_id")["amount_base"]
        .sum()
    )
    by_client = metrics.set_index("client_id")["revenue_ttm"]
    assert by_client.reindex(invoiced.index).to_numpy() == pytest.approx(invoiced.to_numpy())
    assert set(metrics["revenue_source"]) <= {"invoices", "none"}
    assert metrics["realisation_ttm"].isna().all()


# ----------------------------------------------------------------------------- no revenue


@pytest.fixture(scope="module")
def no_revenue_book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("toggl") / "book"
    assert main(["import", str(TOGGL_NO_AMOUNTS), "--out", str(out)]) == 0
    return out


def test_no_revenue_book_keeps_hours_and_values_nobody(no_revenue_book):
    book = load_book(no_revenue_book, settings=Settings())
    metrics = client_metrics(book, "2025Q4", settings=Settings())
    assert len(metrics) == 3 and (metrics["revenue_source"] == "none").all()
    hours = book.time_entries.groupby("client_id")["hours"].sum()
    assert metrics.set_index("client_id")["hours_ttm"].to_dict() == pytest.approx(hours.to_dict())
    assert (metrics["labour_cost_ttm"] > 0).all() and metrics["non_billable_share"].notna().all()
    assert metrics["value_score"].isna().all() and metrics["segment"].isna().all()
    assert metrics["margin_ttm"].isna().all() and metrics["rate_rank"].isna().all()
    assert (metrics["actions"] == "KEEP").all() and not metrics["prune"].any()
    prune_flags = [c for c in metrics.columns if c.startswith("prune_")]
    assert prune_flags and not metrics[prune_flags].any().any()
    moss = metrics.set_index("client_id").loc["moss-architects", "reasons"]
    assert moss.startswith("no revenue in the book to weigh its 14.7 hours")
    assert "import invoices, or export time with billable rates" in moss and ";" not in moss
    # what the explorer's sliders call gives the same
    again = classify(
        raw_metrics(book, "2025Q4", settings=Settings()), settings=Settings(value_threshold=10.0)
    )
    assert (again["actions"] == "KEEP").all() and again["segment"].isna().all()


@pytest.mark.parametrize("command", ["validate", "metrics"])
def test_commands_say_no_revenue_in_one_line(no_revenue_book, command, capsys):
    args = [command, str(no_revenue_book)] if command == "validate" else []
    if command == "metrics":
        args = ["metrics", "--data", str(no_revenue_book), "--quarter", "2025Q3"]
    assert main(args) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"pumpkin {command}: {NO_REVENUE}"]


def test_import_says_no_revenue_and_a_book_with_revenue_says_nothing(tmp_path, capsys):
    assert main(["import", str(TOGGL_NO_AMOUNTS), "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err.strip().splitlines() == [f"pumpkin import: {NO_REVENUE}"]
    assert main(["import", str(HARVEST), "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""
    assert main(["validate", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- end to end


def billable_in_window(path: Path, amount: str, when: str, parse, start: date, end: date):
    """Per client, the sum of the file's billable amounts dated in [start, end] (read here with
    the csv module, independently of the importers)."""
    totals: dict[str, float] = {}
    for row in file_rows(path):
        day = parse(row[when])
        if start <= day <= end:
            totals[row["Client"]] = totals.get(row["Client"], 0.0) + float(row[amount])
    return totals


def test_harvest_and_clockify_exports_give_revenue_equal_to_their_billable_amounts(tmp_path):
    out = tmp_path / "book"
    assert main(["import", str(HARVEST), str(CLOCKIFY), "--out", str(out)]) == 0
    book = load_book(out, settings=Settings())
    names = book.clients.set_index("name")["client_id"]
    for quarter, start in (("2025Q4", date(2025, 1, 1)), ("2025Q2", date(2024, 7, 1))):
        end = {"2025Q4": date(2025, 12, 31), "2025Q2": date(2025, 6, 30)}[quarter]
        expected = billable_in_window(
            HARVEST, "Billable Amount", "Date", date.fromisoformat, start, end
        )
        expected |= billable_in_window(
            CLOCKIFY,
            "Billable Amount (USD)",
            "Start Date",
            lambda d: datetime.strptime(d, "%m/%d/%Y").date(),
            start,
            end,
        )
        metrics = client_metrics(book, quarter, settings=Settings()).set_index("client_id")
        got = {name: metrics.loc[names[name], "revenue_ttm"] for name in expected}
        assert got == pytest.approx(expected), quarter
        assert (metrics["revenue_source"] == "billable time").all()
    assert len(expected) == 5 and min(expected.values()) > 0


def test_explorer_on_a_book_without_revenue_says_so(no_revenue_book):
    from helpers.widgets.explorer import PatchExplorer

    explorer = PatchExplorer(
        load_book(no_revenue_book, settings=Settings()), quarter="2025Q3", settings=Settings()
    )
    assert NO_REVENUE[1:] in explorer.summary.value and explorer.image.value == b""
    explorer.value_slider.value = 20  # a slider move re-classifies: still nobody valued
    assert (explorer.metrics["actions"] == "KEEP").all()
    explorer.show_client("lark-events")
    assert "no segment" in explorer.client_reasons.value
