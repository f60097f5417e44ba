"""prepare's cheaper steps give the arrays the plain ones gave (issue 19): day numbers by
integer division of the nanoseconds, and no NaN pass over entries without any amount."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.audit import measures
from helpers.book.load import load_book
from helpers.book.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_day_numbers_floor_like_the_day_cast():
    rng = np.random.default_rng(19)
    low, high = pd.Timestamp.min.value + 1, pd.Timestamp.max.value
    dates = rng.integers(low, high, 200_000).astype("datetime64[ns]")
    edges = ["1969-12-31T23:59:59.999", "1970-01-01", "1899-12-31T12:00", "2025-03-31T23:59"]
    dates = np.concatenate([dates, np.array(edges, dtype="datetime64[ns]")])
    cast = dates.astype("datetime64[D]").astype(np.int64) + measures._DAY_OFFSET
    assert np.array_equal(measures._day_numbers(dates), cast)
    assert measures._day_numbers(np.array(edges[:2], dtype="datetime64[ns]")).tolist() == [
        measures._DAY_OFFSET - 1,
        measures._DAY_OFFSET,
    ]


def test_entries_without_amounts_prepare_zero_amounts():
    sample = load_book(SAMPLE, settings=Settings(), cache=False)
    assert sample.time_entries["billable_amount"].isna().all()
    prep = measures.prepare(sample, settings=Settings())
    assert np.array_equal(prep.te["amount"], np.zeros(len(sample.time_entries)))
    assert not prep.te["has_amount"].any()
    amounts = sample.time_entries["hours"].where(sample.time_entries.index % 3 == 0) * 100
    priced = sample.time_entries.assign(billable_amount=amounts)
    prep = measures.prepare(dataclasses.replace(sample, time_entries=priced), settings=Settings())
    assert np.array_equal(prep.te["amount"], np.nan_to_num(amounts.to_numpy()))
    assert np.array_equal(prep.te["has_amount"], amounts.notna().to_numpy())
