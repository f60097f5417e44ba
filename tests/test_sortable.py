"""Sortable report tables and PDF printing, without a kernel or a browser.

The browser side (sorting by a click, searching, printing every row) is in
``tests/test_report_browser.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.cli import build_parser, main
from helpers.errors import PumpkinError
from helpers.present import tables
from helpers.present.html import table_html
from helpers.report import pdf as pdf_module
from helpers.report.sortable import (
    DATATABLE_OPTIONS,
    SCRIPT_MARK,
    SORTABLE_CLASS,
    has_sortable_table,
    sortable_tables_html,
)
from tests.conftest import synthetic_metrics

DEMO = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_sortable_table_orders_money_and_percentages_by_raw_value():
    frame = pd.DataFrame(
        {
            "client": ["<b>A</b>", "B", "C"],
            "revenue": [1_200_000.0, 950_000.0, np.nan],
            "late": [0.25, 1.0, 0.0],
        }
    )
    html = table_html(
        frame, formats={"revenue": "money", "late": "pct"}, sortable=True, currency="USD"
    )
    assert f'class="pumpkin-table {SORTABLE_CLASS}"' in html
    # shown rounded ($1.2M, $950k, 25%), ordered by the exact number; a blank orders below all
    assert re.findall(r'data-order="([^"]*)">\$?[^<]*</td>', html) == [
        "1200000.0", "0.25", "950000.0", "1.0", "", "0.0",
    ]  # fmt: skip
    assert ">$1.2M<" in html and ">$950k<" in html and ">25%<" in html
    assert "&lt;b&gt;A&lt;/b&gt;" in html and "<b>" not in html
    plain = table_html(frame, formats={"revenue": "money"}, currency="USD")
    assert SORTABLE_CLASS not in plain and "data-order" not in plain


def test_sortable_table_takes_any_frame_the_lists_produce():
    metrics = synthetic_metrics(30)
    metrics.loc[~metrics["prune"], "actions"] = "REPRICE;COLLECT"
    for table in (
        tables.prune_list(metrics),
        tables.fix_list(metrics),
        tables.client_table(metrics),
    ):
        frame = table.frame
        html = table_html(frame, sortable=True, currency="USD")
        assert len(frame) > 0 and html.count("<tr>") == len(frame) + 1
        numeric = frame.select_dtypes("number").shape[1]
        assert html.count("data-order=") == numeric * len(frame)


def test_client_table_lists_every_active_client_largest_revenue_first():
    metrics = synthetic_metrics(40)
    metrics["active"] = np.arange(len(metrics)) >= 3
    shown = tables.client_table(metrics)
    table = shown.frame
    assert len(table) == int(metrics["active"].sum()) == 37
    assert list(table.columns) == [
        "client", "segment", "actions", "revenue (TTM)", "margin (TTM)", "revenue / hour",
        "days late (mean)", "invoices paid late",
    ]  # fmt: skip
    assert table["revenue (TTM)"].is_monotonic_decreasing
    assert not set(metrics["name"].iloc[:3]) & set(table["client"])
    assert set(shown.formats) <= set(table.columns)
    assert "PRUNE" not in " ".join(table["actions"])  # codes in words


def test_the_embedded_bundle_fetches_nothing_and_marks_its_scripts():
    page = sortable_tables_html()
    assert "http://" not in page and "https://" not in page
    tags = re.findall(r"<script\b[^>]*>", page)
    assert len(tags) == 3 and all(SCRIPT_MARK in t for t in tags)
    assert f"table.{SORTABLE_CLASS}:not(.dataTable)" in page
    assert '"paging": false' in page and '"order": []' in page
    assert 900_000 < len(page) < 1_100_000  # the DataTables bundle, once
    assert DATATABLE_OPTIONS["columnDefs"] == [{"targets": "num", "type": "num"}]


def test_has_sortable_table_reads_the_outputs():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x")]
    assert not has_sortable_table(nb)
    html = table_html(pd.DataFrame({"a": [1]}), sortable=True, currency="USD")
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "t"})
    ]
    assert has_sortable_table(nb)


def test_report_pdf_without_chromium_says_so_before_rendering(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    with pytest.raises(PumpkinError, match="needs|Chromium, which is not installed"):
        pdf_module.print_pdf(tmp_path / "2025Q4.html")
    code = main(
        ["report", "--data", str(DEMO), "--quarter", "2025Q4", "--out", str(tmp_path), "--pdf"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "chromium" in err and "apt-get install chromium" in err
    assert not list(tmp_path.iterdir())  # nothing rendered


def test_report_and_app_options_parse():
    args = build_parser().parse_args(["report", "--data", "d", "--all", "--pdf"])
    assert args.pdf is True
    args = build_parser().parse_args(["app", "--data", "d"])
    assert (args.host, args.port, args.notebook, args.quarter) == (
        "127.0.0.1", 8866, "explorer", None,
    )  # fmt: skip
