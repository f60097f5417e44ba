"""End to end: JupyterLab + Debian's Chromium (headless, Playwright) drive the pumpkin patch.

Opens 03_pumpkin_patch.ipynb (a copy, in tmp_path), runs all cells, moves the prune slider with
the keyboard and checks that the summary line and the figure changed. Never downloads a browser:
Chromium missing is a failure (``make test`` installs it), not a skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

from tests.browser import free_port, launch_chromium, nudge_prune_slider, server

ROOT = Path(__file__).resolve().parents[1]
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab on a free localhost port with a token, serving a copy of the notebooks."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    # jupytext's contents manager refuses a notebook whose paired .py looks older than the .ipynb
    # (clone and copy order decide the times): make the py:percent sources the newest.
    for script in (tmp_path / "notebooks").glob("*.py"):
        script.touch()
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--allow-root",
        f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path / 'notebooks'}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    probe = f"http://127.0.0.1:{port}/api/status?token={token}"
    log = tmp_path / "lab.log"
    with server(command, probe=probe, name="JupyterLab", log=log, timeout=90, env=env):
        yield f"http://127.0.0.1:{port}", token


@pytest.mark.browser
def test_prune_slider_redraws_the_patch_in_a_real_browser(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(f"{base}/lab/tree/03_pumpkin_patch.ipynb?token={token}")
            page.wait_for_function(KERNEL_IDLE, timeout=120_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            summary = page.locator(".pumpkin-summary")
            image = page.locator("img.pumpkin-patch")
            summary.wait_for(timeout=180_000)
            image.wait_for(timeout=60_000)
            page.wait_for_function(
                "() => document.querySelector('img.pumpkin-patch').src.length > 0", timeout=60_000
            )
            assert "prune candidates" in summary.inner_text()
            before_text, before_src = nudge_prune_slider(page)
            after_text = summary.inner_text()
            assert "bottom 11% by revenue per hour" in after_text
            assert "bottom 10% by revenue per hour" in before_text
            assert image.get_attribute("src") != before_src
            image.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "pumpkin_patch.png"))
            assert (tmp_path / "pumpkin_patch.png").stat().st_size > 10_000
        finally:
            browser.close()
