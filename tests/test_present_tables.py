"""The display tables carry their own formats, and the movement tables display the one pairing of
quarters (``helpers.decide.contract.segment_movement``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.book.settings import Settings
from helpers.decide.contract import segment_movement
from helpers.present import tables
from helpers.present.html import render
from tests.conftest import synthetic_metrics


def cells(html: str, column: int) -> list[str]:
    """The text of one column's cells (0-based) in a rendered table."""
    rows = re.findall(r"<tr>(.*?)</tr>", html)[1:]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)[column] for row in rows]


@pytest.mark.parametrize(
    "build",
    [
        tables.prune_list,
        tables.fix_list,
        tables.client_table,
        tables.potential_table,
        tables.payment_table,
        tables.hours_table,
        tables.segment_table,
        tables.realisation_table,
    ],
)
def test_every_format_names_a_column_of_its_table(build):
    metrics = synthetic_metrics(30).assign(
        actions=lambda d: np.where(d["prune"], "PRUNE", "REPRICE;COLLECT"),
        billable_value_ttm=lambda d: d["revenue_ttm"] * 1.2,
        realisation_ttm=1 / 1.2,
    )
    table = build(metrics)
    assert len(table.frame) > 0
    assert set(table.formats) <= set(table.frame.columns)


def test_a_table_renders_with_its_own_formats_in_the_currency_given():
    metrics = synthetic_metrics(30)
    table = tables.prune_list(metrics)
    html = render(table, currency="EUR")
    columns = list(table.frame.columns)
    revenue = cells(html, columns.index("revenue (TTM)"))
    assert revenue and all(c.startswith("€") for c in revenue)
    assert all(re.fullmatch(r"\d+", c) for c in cells(html, columns.index("rate percentile")))
    assert 'class="pumpkin-table pumpkin-sortable"' in html  # the list says it is sortable
    none = render(tables.prune_list(metrics.assign(prune=False)), currency="USD")
    assert none == '<p class="note">No prune candidate this quarter.</p>'


def long_metrics() -> pd.DataFrame:
    """Three quarters of four clients' segments; ``d`` arrives in the last quarter."""
    rows = [
        ("2025Q2", "a", "weed"), ("2025Q3", "a", "prize"), ("2025Q4", "a", "tangled"),
        ("2025Q2", "b", "prize"), ("2025Q3", "b", "prize"), ("2025Q4", "b", "prize"),
        ("2025Q3", "c", "seedling"), ("2025Q4", "c", "gone"),
        ("2025Q4", "d", "seedling"),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["quarter", "client_id", "segment"])
    revenue = {"a": 500.0, "b": 900.0, "c": 0.0, "d": 50.0}
    return frame.assign(
        name=frame["client_id"].str.upper() + " Ltd",
        revenue_ttm=frame["client_id"].map(revenue),
    )


def test_segment_movement_reads_the_wanted_quarters_of_metrics_given():
    moves = segment_movement(
        None, ["2025Q3", "2025Q4"], per_client=True, metrics=long_metrics(), settings=Settings()
    )
    assert moves["client_id"].tolist() == ["a", "b", "c"]  # d has no quarter before
    assert set(moves["from_quarter"]) == {"2025Q3"}
    assert moves["to_segment"].tolist() == ["tangled", "prize", "gone"]


def test_movement_tables_display_segment_movement():
    long = long_metrics()
    moves = segment_movement(
        None, ["2025Q3", "2025Q4"], per_client=True, metrics=long, settings=Settings()
    )
    crossed = tables.movement_table(moves).frame.set_index("last quarter \\ now")
    assert crossed.loc["prize", "tangled"] == 1 and crossed.loc["seedling", "gone"] == 1
    assert crossed.loc["prize", "prize"] == 1 and crossed["total"].sum() == 3
    current = long[long["quarter"] == "2025Q4"]
    moved = tables.moved_clients(moves, current)
    assert moved.frame.to_dict("list") == {
        "client": ["A Ltd", "C Ltd"],
        "last quarter": ["prize", "seedling"],
        "now": ["tangled", "gone"],
        "revenue (TTM)": [500.0, 0.0],
    }
    assert moved.formats == {"revenue (TTM)": "money"}
    still = moves.assign(to_segment=moves["from_segment"])
    assert render(tables.moved_clients(still, current), currency="USD") == (
        '<p class="note">No client changed segment.</p>'
    )


def test_reconciliation_shows_money_as_money_and_hours_as_hours():
    from types import SimpleNamespace

    invoices = pd.DataFrame(
        {"issue_date": pd.to_datetime(["2025-11-03", "2025-02-03"]), "amount_base": [1500.0, 500.0]}
    )
    entries = pd.DataFrame(
        {"date": pd.to_datetime(["2025-10-06", "2025-03-03"]), "hours": [20.5, 9.0]}
    )
    book = SimpleNamespace(invoices=invoices, time_entries=entries)
    metrics = pd.DataFrame({"revenue_q": [1500.0], "revenue_ttm": [2000.0], "hours_ttm": [29.5]})
    table = tables.reconciliation_totals(book, metrics, quarter="2025Q4")
    html = render(table, currency="USD")
    assert cells(html, 0) == [
        "revenue in the quarter", "revenue, trailing twelve months", "hours, trailing twelve months"
    ]  # fmt: skip
    assert cells(html, 1) == ["$1.5k", "$2k", "29.5"]  # hours as hours, not "$30"
    assert cells(html, 3) == ["$0", "$0", "0"]


def test_formatted_gives_the_widgets_the_same_text_as_the_page():
    from helpers.present.html import formatted

    frame = pd.DataFrame({"name": ["<b>A</b>"], "rate": [95.4], "hours": [2310.4], "v": [0.5]})
    table = tables.Table(
        frame, {"rate": "rate", "hours": "count", "v": "pct"}, labels={"name": "Client"}
    )
    text = formatted(table, currency="GBP")
    assert text.columns.tolist() == ["Client", "rate", "hours", "v"]
    assert text.iloc[0].tolist() == ["<b>A</b>", "£95/h", "2,310", "50%"]  # escaped by to_html
    assert cells(render(table, currency="GBP"), 1) == ["£95/h"]


def test_the_action_list_carries_the_forecast_band_nurture_reads():
    """A partner defending NURTURE on potential from the Excel list sees the low end it read."""
    from pathlib import Path

    from helpers.book.load import load_book
    from helpers.decide.contract import client_metrics
    from helpers.present.export import action_list

    settings = Settings()
    book = load_book(Path(__file__).parents[1] / "data" / "sample", settings=settings)
    listed = action_list(client_metrics(book, "2025Q4", settings=settings))
    low, point, high = (listed[f"expected_revenue_next_4q{end}"] for end in ("_low", "", "_high"))
    assert low.notna().any() and (low <= point + 1e-9).all() and (point <= high + 1e-9).all()
    assert set(listed["revenue_source"]) <= {"invoices", "billable time", "none"}
