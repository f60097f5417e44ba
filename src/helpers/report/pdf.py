"""``pumpkin report --pdf``: each rendered report printed to ``<quarter>.pdf`` beside its HTML.

The printing is Chromium's own (headless ``--print-to-pdf``), so the PDF is what a partner gets
with *Print > Save as PDF*: the report's print stylesheet applies (every row of every table, the
search boxes hidden, figures never split across pages). Debian's ``chromium`` package is used when
it is on the PATH; nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers.errors import PumpkinError

#: Headless, as root, with the background services off (they would try the network).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",
)
MISSING_CHROMIUM = (
    "--pdf prints the report with Chromium, which is not installed: install Debian's "
    "`chromium` package (apt-get install chromium, or `make chromium`) and run again"
)


def find_chromium() -> str | None:
    """The path of Debian's ``chromium`` (or a ``chromium-browser``) on the PATH, else None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """:func:`find_chromium`, or a one-line :class:`PumpkinError` saying how to get it."""
    found = find_chromium()
    if found is None:
        raise PumpkinError(MISSING_CHROMIUM)
    return found


def print_pdf(
    html: str | Path, pdf: str | Path | None = None, *, chromium: str | None = None, timeout=300
) -> Path:
    """Print ``html`` (a file) to ``pdf`` (default: the same name with ``.pdf``) with headless
    Chromium; the PDF is written to a temporary name and renamed, so a failure leaves the previous
    one as it was."""
    html = Path(html).resolve()
    pdf = Path(pdf) if pdf else html.with_suffix(".pdf")
    chromium = chromium or require_chromium()
    fd, tmp = tempfile.mkstemp(prefix=f".{pdf.stem}.", suffix=".tmp.pdf", dir=pdf.parent)
    os.close(fd)
    try:
        # a profile of its own per print: two prints at once never share (or lock) one
        with tempfile.TemporaryDirectory(prefix="pumpkin-chromium-") as profile:
            command = [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={tmp}",
                html.as_uri(),
            ]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                raise PumpkinError(
                    f"{html.name}: Chromium did not print it within {timeout} s"
                ) from None
        with open(tmp, "rb") as handle:
            printed = handle.read(5) == b"%PDF-"
        if done.returncode != 0 or not printed:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise PumpkinError(
                f"{html.name}: Chromium could not print it (exit {done.returncode}): {last}"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, pdf)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return pdf


def print_pdfs(pages: Iterable[str | Path], *, jobs: int = 1) -> list[Path]:
    """:func:`print_pdf` for each page, ``jobs`` Chromiums at a time, in the order given."""
    pages = list(pages)
    chromium = require_chromium()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda page: print_pdf(page, chromium=chromium), pages))
