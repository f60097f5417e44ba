"""A quarter's spelling (``2025Q4``), checked without pandas.

The CLI checks every quarter option as it parses its arguments, before it knows whether the
command reads a book at all; checking the spelling here, instead of through a pandas ``Period``,
keeps pandas' import (about 0.9 s) off that path, so ``pumpkin metrics`` can start reading its
book's files while pandas is imported (:mod:`helpers.book.prefetch`).
"""

from __future__ import annotations

import re

from helpers.errors import PumpkinError

# case-insensitive, spaces tolerated: "2025Q4", "2025q4", "2025 Q4", " 2025 q 4 "
QUARTER_PATTERN = re.compile(r"^(\d{4})\s*[Qq]\s*([1-4])$")


def normalise_quarter(text: str) -> str:
    """The canonical spelling of a quarter: case-insensitive, spaces tolerated; a clear error
    for anything else.

    >>> normalise_quarter("2025 q4")
    '2025Q4'
    """
    match = QUARTER_PATTERN.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise PumpkinError(f"quarter must look like 2025Q2 (year, 'Q', 1-4), got {text!r}")
    return f"{match[1]}Q{match[2]}"
