"""Rendered reports in a real browser (headless Debian chromium through Playwright).

The report must open offline: no console error, no request other than the file itself, every
figure drawn, a screenshot and a PDF printout. Its prune list, fix list and client table sort by a
click on a column's order control (numbers by value) and filter as a name is typed; printed, every
row of every table is on paper. A client named ``<script>alert(1)</script>``
must show as text and never fire a dialog. Chromium missing is a failure, not a skip.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.decide.contract import client_metrics
from tests.browser import launch_chromium
from tests.test_report import DEMO, HAND_QUARTER, SCRIPT_NAME, render, write_hand_book

pytestmark = [pytest.mark.browser, pytest.mark.notebook]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The demo book's last complete quarter and the hand-made book, rendered side by side."""
    hand = write_hand_book(tmp_path_factory.mktemp("browser-hand") / "book")
    demo_quarter = load_book(DEMO, settings=Settings()).complete_quarters()[-1]
    jobs = {"demo": (DEMO, demo_quarter), "hand": (hand, HAND_QUARTER)}
    with ThreadPoolExecutor(2) as pool:
        runs = {
            name: pool.submit(render, book, tmp_path_factory.mktemp(f"browser-{name}"), q)
            for name, (book, q) in jobs.items()
        }
        return {name: run.result().rendered[0].html for name, run in runs.items()}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def open_report(browser, html: Path):
    """Open ``html``; return the page with the console errors, requests and dialogs seen."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    seen = {"errors": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))

    def dismiss(dialog) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # let anything deferred (it should not exist) run
    return page, seen


def outside_the_file(requests: list[str], html: Path) -> list[str]:
    """Requests for anything but the page itself; ``blob:`` URLs are the page's own bytes (the
    embedded DataTables bundle, decoded in the page and imported as a module)."""
    return [r for r in requests if r != html.as_uri() and not r.startswith("blob:null/")]


@pytest.mark.parametrize("book", ["demo", "hand"])
def test_report_opens_offline_with_every_figure_drawn(browser, pages, book, tmp_path):
    html = pages[book]
    page, seen = open_report(browser, html)
    try:
        assert seen["errors"] == []
        assert outside_the_file(seen["requests"], html) == []
        images = page.eval_on_selector_all(
            "img",
            "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight,"
            " e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
        )
        assert len(images) >= 6
        assert all(
            done and w > 0 and h > 0 and bw > 0 and bh > 0 for done, w, h, bw, bh in images
        ), images
        assert page.title() == html.stem
        page.screenshot(path=str(tmp_path / f"{book}.png"), full_page=True)
        page.pdf(path=str(tmp_path / f"{book}.pdf"), format="A4", print_background=True)
    finally:
        page.close()
    assert (tmp_path / f"{book}.png").stat().st_size > 10_000
    pdf = (tmp_path / f"{book}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


def test_script_named_client_shows_as_text_and_fires_nothing(browser, pages):
    page, seen = open_report(browser, pages["hand"])
    try:
        assert seen["dialogs"] == []
        assert page.locator("script:not([data-pumpkin])").count() == 0  # only the tables' own
        assert page.get_by_text(SCRIPT_NAME, exact=True).count() >= 1
    finally:
        page.close()


def table_with(page, header: str):
    """The DataTable whose header has a column called ``header``."""
    return page.locator("table.dataTable", has=page.locator("th", has_text=header))


def column_orders(table, index: int) -> list[float]:
    """The raw values (``data-order``) of column ``index`` in the rows shown, top to bottom."""
    return table.locator(f"tbody tr td:nth-child({index + 1})").evaluate_all(
        "tds => tds.map(td => td.dataset.order === '' ? null : Number(td.dataset.order))"
    )


def sort_by(table, index: int, direction: str) -> list[float]:
    """Click column ``index``'s order control and wait until DataTables says it sorted that way
    (``aria-sort``), then return the column's raw values: a click read back before the redraw
    would see the previous order."""
    header = table.locator("thead th").nth(index)
    header.locator(".dt-column-order").click()
    header.page.wait_for_function(
        "([th, want]) => th.getAttribute('aria-sort') === want",
        arg=[header.element_handle(), direction],
        timeout=10_000,
    )
    return column_orders(table, index)


def test_tables_sort_by_value_and_search_by_name_offline(browser, pages):
    html = pages["demo"]
    metrics = client_metrics(
        load_book(DEMO, settings=Settings()),
        load_book(DEMO, settings=Settings()).complete_quarters()[-1],
        settings=Settings(),
    )
    page, seen = open_report(browser, html)
    try:
        page.wait_for_function("() => document.querySelectorAll('table.dataTable').length >= 3")
        headers = ("reasons", "actions", "days late (mean)")  # prune list, fix list, all clients
        assert all(table_with(page, h).count() >= 1 for h in headers)
        clients = table_with(page, "days late (mean)")
        assert clients.count() == 1
        active = metrics[metrics["active"]]
        assert clients.locator("tbody tr").count() == len(active)

        titles = clients.locator("thead th").all_inner_texts()
        revenue = next(i for i, t in enumerate(titles) if "revenue (TTM)" in t)
        shown = sort_by(clients, revenue, "ascending")
        assert shown == sorted(shown) and shown[0] == pytest.approx(active["revenue_ttm"].min())
        # descending: $1.2M above $950k, as numbers, not as text
        shown = sort_by(clients, revenue, "descending")
        assert shown == sorted(shown, reverse=True)
        top = active.sort_values("revenue_ttm").iloc[-1]
        assert clients.locator("tbody tr").first.locator("td").first.inner_text() == top["name"]

        late = next(i for i, t in enumerate(titles) if "invoices paid late" in t)
        shares = sort_by(clients, late, "ascending")
        assert shares == sorted(shares) and shares[-1] <= 1.0  # a percentage, by its fraction

        name = str(active.sort_values("revenue_ttm").iloc[len(active) // 2]["name"])
        search = clients.locator("xpath=ancestor::div[contains(@class,'dt-container')]").locator(
            "input[type=search]"
        )
        search.fill(name)
        page.wait_for_timeout(200)
        found = clients.locator("tbody tr td:first-child").all_inner_texts()
        assert name in found and len(found) < len(active)
        assert all(name.lower() in row.lower() for row in found)

        assert seen["errors"] == []
        assert outside_the_file(seen["requests"], html) == []
    finally:
        page.close()


def test_report_size_stays_small(pages):
    assert pages["demo"].stat().st_size <= 2_500_000  # bytes, with the DataTables bundle


def pdf_text(pdf: Path) -> str:
    """The PDF's text with every run of white space made one space (cells wrap names) and
    ligatures undone (Chromium sets "ff" in "Saffron" as one glyph, U+FB00)."""
    import unicodedata

    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_printed_report_has_every_client_of_every_list(pages, tmp_path):
    """``pumpkin report --pdf`` prints with this function: headless Debian chromium."""
    from helpers.report.pdf import print_pdf

    html = shutil.copy(pages["demo"], tmp_path / "2025Q4.html")
    printed = print_pdf(html)
    assert printed == tmp_path / "2025Q4.pdf" and printed.read_bytes().startswith(b"%PDF-")
    words = pdf_text(printed)
    metrics = client_metrics(
        load_book(DEMO, settings=Settings()),
        load_book(DEMO, settings=Settings()).complete_quarters()[-1],
        settings=Settings(),
    )
    prune = metrics.loc[metrics["prune"], "name"]
    assert len(prune) >= 5
    missing = [n for n in prune if " ".join(str(n).split()) not in words]
    assert missing == []
    # the client table is printed whole too: every active client, not a first page of them
    active = metrics.loc[metrics["active"], "name"]
    assert [n for n in active if " ".join(str(n).split()) not in words] == []
    assert "Search:" not in words and "rows (of" not in words  # the controls stay on screen
