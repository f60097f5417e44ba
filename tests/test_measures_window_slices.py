"""Time entries in date order are summed over a slice of each window, others over a mask: the
same rows in the same order, so the same figures to the last bit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from helpers.audit import measures
from helpers.book.load import load_book
from helpers.book.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def book():
    return load_book(SAMPLE, cache=False, settings=Settings())


def test_entries_in_date_order_are_sliced_with_the_same_figures(book):
    ordered = dataclasses.replace(
        book,
        time_entries=book.time_entries.sort_values("date", kind="stable").reset_index(drop=True),
    )
    settings = Settings()
    prep = measures.prepare(ordered, settings=settings)
    assert prep.te_by_date
    masked = dataclasses.replace(prep, te_by_date=False)
    for quarter in ordered.quarters()[-6:]:
        pd.testing.assert_frame_equal(
            measures.measure(prep, quarter, settings=settings),
            measures.measure(masked, quarter, settings=settings),
            check_exact=True,
        )


def test_entries_out_of_date_order_are_not_sliced(book):
    shuffled = dataclasses.replace(
        book, time_entries=book.time_entries.sample(frac=1.0, random_state=7)
    )
    assert not measures.prepare(shuffled, settings=Settings()).te_by_date
    assert not measures._in_order(
        pd.to_datetime(["2025-01-02", None, "2025-01-03"]).to_numpy("datetime64[ns]")
    )
