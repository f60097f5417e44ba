"""Debian's Chromium for the browser tests, driven by Playwright; never a downloaded browser."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: As root, headless, with the background services off (they try the network, which is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright):
    """A headless Debian Chromium; a missing browser fails the test (``make test`` installs it)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is missing: `make chromium` (or `make test`) installs it")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def free_port() -> int:
    """A localhost port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(
    command: list[str], *, probe: str, name: str, log: Path, timeout: float, **popen
) -> Iterator[subprocess.Popen]:
    """Start ``command`` (output to ``log``), wait until ``probe`` answers 200 (``name`` says who
    did not, or exited), yield the process, and stop it however the test ends."""
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
        try:
            _wait_for(probe, process, name=name, timeout=timeout)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_for(url: str, process: subprocess.Popen, *, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{name} did not answer {url} within {timeout} s")


def nudge_prune_slider(page) -> tuple[str, str]:
    """Press the right arrow on the explorer's prune-cut handle and wait until both the summary
    and the patch image have changed; return the summary and image source from before."""
    summary, image = page.locator(".pumpkin-summary"), page.locator("img.pumpkin-patch")
    before_text, before_src = summary.inner_text(), image.get_attribute("src")
    handle = page.locator(".pumpkin-prune .noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(t) => document.querySelector('.pumpkin-summary').innerText !== t",
        arg=before_text, timeout=60_000,
    )  # fmt: skip
    page.wait_for_function(
        "(s) => document.querySelector('img.pumpkin-patch').src !== s",
        arg=before_src, timeout=60_000,
    )  # fmt: skip
    return before_text, before_src
