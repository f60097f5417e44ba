"""Reports of books valued by their time: a Toggl export without amounts (no revenue at all) opens
with the message and draws no value chart; a book with invoices and billable amounts shows its
realisation. Both rendered once per module; the no-revenue page is also opened in Chromium."""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest

from helpers.book.load import NO_REVENUE
from helpers.cli import main
from tests.browser import launch_chromium
from tests.test_report import render
from tests.test_revenue_source import TOGGL_NO_AMOUNTS, mixed_book

pytestmark = pytest.mark.notebook
QUARTER = "2025Q4"
VALUE_SECTIONS = (
    "The pumpkin patch",
    "Revenue per hour ranking",
    "Whale curve",
    "Prune list",
    "Fix list",
    "All clients",
    "Realisation",
    "Payment behaviour",
    "Movement between segments",
    "Future potential",
    "Pruning scenario",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    toggl = tmp_path_factory.mktemp("toggl") / "book"
    assert main(["import", str(TOGGL_NO_AMOUNTS), "--out", str(toggl)]) == 0
    mixed = mixed_book(tmp_path_factory.mktemp("mixed") / "book")
    with ThreadPoolExecutor(2) as pool:
        runs = {
            name: pool.submit(render, book, tmp_path_factory.mktemp(f"report-{name}"), QUARTER)
            for name, book in (("toggl", toggl), ("mixed", mixed))
        }
        return {name: run.result().rendered[0].html for name, run in runs.items()}


def main_text(page: str) -> str:
    """The visible words of the page's main part, tags removed, entities read, spaces collapsed."""
    body = page[page.index("<main>") :] if "<main>" in page else page
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))).strip()


def test_no_revenue_report_opens_with_the_message_and_has_no_value_charts(rendered):
    page = rendered["toggl"].read_text(encoding="utf-8")
    words = main_text(page)
    message = NO_REVENUE[0].upper() + NO_REVENUE[1:]
    assert words.startswith("Summary ¶ " + message), words[:300]
    assert "<img" not in page  # every figure of the report is value-based: none drawn empty
    for name in VALUE_SECTIONS:
        assert f'id="{name.replace(" ", "-")}"' not in page, name
    toc = page[page.index("<nav") : page.index("</nav>")]
    listed = re.findall(r'toc-level-2"><a href="#([^"]+)"', toc)
    assert listed[0] == "Summary" and listed[-2:] == ["Data-quality", "Methodology"]
    assert not {name.replace(" ", "-") for name in VALUE_SECTIONS} & set(listed)
    # the hours are still measured and shown: one row per client with hours
    for client in ("Moss Architects", "Lark Events", "Nest Bakery"):
        assert client in words
    assert "Revenue comes from nothing (no invoices, no billable amounts) for 3 clients." in words
    assert "value none (no client scored)" in words


def test_no_revenue_action_list_keeps_everyone(rendered):
    workbook = openpyxl.load_workbook(rendered["toggl"].with_name(f"{QUARTER}-actions.xlsx"))
    sheet = workbook["actions"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert len(rows) == 3
    assert {r["actions"] for r in rows} == {"KEEP"} and not any(r["prune"] for r in rows)
    assert all(r["segment"] in (None, "") for r in rows)
    assert all("export time with billable rates" in r["reasons"] for r in rows)


def test_mixed_book_report_shows_realisation_and_its_sources(rendered):
    page = rendered["mixed"].read_text(encoding="utf-8")
    start = page.index('id="Realisation"')
    section = page[start : page.index('id="Payment-behaviour"')]
    assert section.count("<img") == 1  # the realisation figure
    words = main_text(section)
    assert "Invoiced Ltd" in words and "75%" in words  # 900 invoiced of 1,200 billable
    assert "Timed Ltd" not in words  # no invoices: no realisation
    summary = main_text(page[: page.index('id="The-pumpkin-patch"')])
    assert (
        "Revenue comes from invoices for 1, from the billable value of their time (no invoices "
        "in the book) for 1, from nothing (no invoices, no billable amounts) for 1 clients."
    ) in summary
    assert NO_REVENUE not in page


@pytest.mark.browser
def test_no_revenue_report_in_chromium(rendered):
    from playwright.sync_api import sync_playwright

    html = rendered["toggl"]
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors, requests = [], []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            assert errors == [] and requests == [html.as_uri()]
            first = page.locator("main p").first.inner_text()
            assert first.startswith("No revenue in the book:")
            assert first.endswith("import invoices, or export time with billable rates.")
            # the message is what a reader sees first, above the fold
            box = page.locator("main p").first.bounding_box()
            assert box is not None and box["y"] < 900 * 2
            assert page.locator("img").count() == 0
            assert page.locator("canvas, svg image").count() == 0
            headings = [h.strip(" ¶") for h in page.locator("main h2").all_inner_texts()]
            assert headings[0] == "Summary" and headings[-2:] == ["Data quality", "Methodology"]
            assert not set(VALUE_SECTIONS) & set(headings)
            assert page.locator("table.pumpkin-table").first.is_visible()
        finally:
            browser.close()
