"""``make app``: the explorer served by Voilà, in a real browser (headless Debian chromium).

Starts the command ``make app`` runs (``pumpkin app``) on a free port against a copy of the demo
book, opens the page, finds no code, moves the prune slider and sees the summary and the patch
change, counts the requests that leave the machine (none), then stops the server. Chromium missing
is a failure, not a skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from helpers.report.app import is_loopback, voila_command
from tests.browser import free_port, launch_chromium, nudge_prune_slider, server

ROOT = Path(__file__).resolve().parents[1]
PUMPKIN = Path(sys.executable).parent / "pumpkin"
#: Text that only code cells would put on the page.
CODE_MARKERS = ("import ", "load_book(", "PatchExplorer(", "check_parameters(", "data_dir:")
#: Elements that hold a code cell's source in nbconvert's and Voilà's pages.
CODE_ELEMENTS = ".jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .cm-editor, .highlight"


def make_app_command(port: int, data: str = "data/sample") -> list[str]:
    """The command ``make app PORT=port DATA=data`` runs (read from ``make -n``), as arguments."""
    out = subprocess.run(
        ["make", "-n", "-o", ".venv/.runtime", "app", f"PORT={port}", f"DATA={data}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if "pumpkin app" in ln)
    return line.split()


def test_make_app_runs_pumpkin_app_on_localhost_by_default():
    command = make_app_command(8877, "data/processed")
    assert command[0].endswith("pumpkin") and command[1] == "app"
    assert command[command.index("--port") + 1] == "8877"
    assert command[command.index("--data") + 1] == "data/processed"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    default = subprocess.run(
        ["make", "-n", "-o", ".venv/.runtime", "app"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "--port 8866" in default and "--data data/sample" in default


def test_voila_command_binds_where_asked_and_uses_the_offline_template(tmp_path):
    command = voila_command(tmp_path / "explorer.ipynb", host="127.0.0.1", port=8866)
    assert "--Voila.ip=127.0.0.1" in command and "--port=8866" in command
    assert "--template=pumpkin" in command and "--no-browser" in command
    assert not [a for a in command if "token" in a]
    shared = voila_command(tmp_path / "explorer.ipynb", host="0.0.0.0", port=8877, token="t0k")
    assert "--Voila.ip=0.0.0.0" in shared and "--Voila.token=t0k" in shared
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")


def test_the_app_template_links_nothing_outside():
    template = ROOT / "src/helpers/report/templates/jupyter/voila/templates/pumpkin/index.html.j2"
    text = template.read_text(encoding="utf-8")
    body = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)  # Jinja comments are not emitted
    assert "cdn" not in body.lower() and "https://" not in body


@pytest.fixture
def app(tmp_path):
    """``pumpkin app`` (what ``make app`` runs) on a free port, on a copy of the demo book."""
    data = tmp_path / "book"
    shutil.copytree(ROOT / "data" / "sample", data)
    port = free_port()
    command = make_app_command(port, str(data))
    command[0] = str(PUMPKIN)  # the venv's pumpkin, wherever the tests run from
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "app.log"
    probe = url + "voila/static/voila.js"
    with server(command, probe=probe, name="pumpkin app", log=log, timeout=120, cwd=ROOT):
        yield url, log


@pytest.mark.browser
def test_app_shows_no_code_moves_the_patch_and_fetches_nothing_outside(app, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = app
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.goto(url)
            summary = page.locator(".pumpkin-summary")
            summary.wait_for(timeout=180_000)
            page.wait_for_function(
                "() => (document.querySelector('img.pumpkin-patch') || {src: ''}).src.length > 0",
                timeout=60_000,
            )
            text = page.locator("body").inner_text()
            assert "The pumpkin patch, interactive" in text  # the markdown is there
            assert not [m for m in CODE_MARKERS if m in text], text[:2000]
            assert page.locator(CODE_ELEMENTS).count() == 0
            assert page.get_by_role("button", name="Save settings").count() == 1
            assert page.locator(".widget-dropdown select").count() >= 1  # the quarter dropdown

            before_text, _ = nudge_prune_slider(page)
            assert "bottom 10% by revenue per hour" in before_text
            assert "bottom 11% by revenue per hour" in summary.inner_text()
            page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
        finally:
            browser.close()
    outside = [
        r for r in requests if urlsplit(r).scheme not in ("data", "blob") and not is_loopback(
            urlsplit(r).hostname or ""
        )
    ]  # fmt: skip
    assert requests and outside == [], outside
    assert errors == [], errors
    assert (tmp_path / "app.png").stat().st_size > 20_000
    assert "pumpkin app: the explorer" in log.read_text()
