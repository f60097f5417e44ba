"""Checks on whole books shared by the test modules (not a test module itself)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from helpers.book.load import Book


def assert_same_book(a: Book, b: Book) -> None:
    """Every field of two books equal: frames exactly, with the same dtypes."""
    for f in dataclasses.fields(Book):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
            assert list(x.dtypes) == list(y.dtypes), f.name
        elif f.name == "rows_read":
            assert dict(x) == dict(y)
        else:
            assert x == y, f.name
