"""Debian's Chromium for the browser tests, driven by Playwright; never a downloaded browser."""

from __future__ import annotations

import shutil

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
