"""Rendered reports in a real browser (headless Debian chromium through Playwright).

The report must open offline: no console error, no request other than the file itself, every
figure drawn, a screenshot and a PDF printout. A client named ``<script>alert(1)</script>``
must show as text and never fire a dialog. Chromium missing is a failure, not a skip.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers.book.load import load_book
from tests.browser import launch_chromium
from tests.test_report import DEMO, HAND_QUARTER, SCRIPT_NAME, render, write_hand_book

pytestmark = [pytest.mark.browser, pytest.mark.notebook]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The demo book's last complete quarter and the hand-made book, rendered side by side."""
    hand = write_hand_book(tmp_path_factory.mktemp("browser-hand") / "book")
    demo_quarter = load_book(DEMO).complete_quarters()[-1]
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


@pytest.mark.parametrize("book", ["demo", "hand"])
def test_report_opens_offline_with_every_figure_drawn(browser, pages, book, tmp_path):
    html = pages[book]
    page, seen = open_report(browser, html)
    try:
        assert seen["errors"] == []
        assert seen["requests"] == [html.as_uri()]
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
        assert page.locator("script").count() == 0
        assert page.get_by_text(SCRIPT_NAME, exact=True).count() >= 1
    finally:
        page.close()
