"""``last_activity`` by the latest date per client at each quarter end (issue 19) gives the day
the sorted keys of every row gave: the latest time entry or invoice on that day or before,
floored to its day, with times of day, rows of no client, missing invoice dates and entries out
of date order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.audit import measures
from helpers.book.load import load_book
from helpers.book.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
KEY = 10**7


def _reference(te_code, te_date, inv_code, inv_date, n: int, end: np.datetime64) -> np.ndarray:
    """The former way: one sorted ``code x KEY + day`` key per dated row, a binary search per
    client."""
    parts = []
    for code, dates in ((te_code, te_date), (inv_code, inv_date)):
        ok = (code >= 0) & ~np.isnat(dates)
        parts.append(code[ok].astype(np.int64) * KEY + measures._day_numbers(dates[ok]))
    keys = np.sort(np.concatenate(parts))
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    codes = np.arange(n, dtype=np.int64)
    pos = np.searchsorted(keys, codes * KEY + measures._day_numbers(np.array([end]))[0], "right")
    pos -= 1
    found = (pos >= 0) & (keys[np.clip(pos, 0, None)] // KEY == codes)
    days = keys[np.clip(pos, 0, None)] % KEY - measures._DAY_OFFSET
    out[found] = days[found].astype("datetime64[D]").astype("datetime64[ns]")
    return out


def _prepared(n, te_code, te_date, inv_code, inv_date, *, by_date: bool):
    return measures._Prepared(
        clients=pd.DataFrame({"client_id": [f"c{k}" for k in range(n)]}),
        te={"code": te_code, "date": te_date},
        inv={"code": inv_code, "issue": inv_date},
        ev={},
        asm={},
        te_by_date=by_date,
    )


def test_latest_day_per_client_matches_the_sorted_keys():
    rng = np.random.default_rng(19)
    n = 300
    start = np.datetime64("2023-01-01", "ns").astype(np.int64)
    span = 3 * 365 * measures._NS_PER_DAY
    te_date = np.sort(rng.integers(start, start + span, 20_000)).astype("datetime64[ns]")
    te_date[::7] = te_date[::7].astype("datetime64[D]")  # midnights and times of day
    te_code = rng.integers(-1, n - 20, len(te_date)).astype(np.int32)  # 20 clients never work
    inv_date = rng.integers(start, start + span, 3_000).astype("datetime64[ns]")
    inv_date[::11] = np.datetime64("NaT")
    inv_code = rng.integers(-1, n - 10, len(inv_date)).astype(np.int32)
    shuffle = rng.permutation(len(te_date))
    for end in ("2023-03-31", "2024-06-30", "2025-12-31", "2022-12-31", "2030-01-01"):
        end = np.datetime64(end, "ns")
        expected = _reference(te_code, te_date, inv_code, inv_date, n, end)
        ordered = _prepared(n, te_code, te_date, inv_code, inv_date, by_date=True)
        mixed = _prepared(n, te_code[shuffle], te_date[shuffle], inv_code, inv_date, by_date=False)
        for prep in (ordered, mixed):
            got = measures._last_activity(prep, end)
            assert np.array_equal(got, expected, equal_nan=True), str(end)
        assert np.isnat(expected).sum() >= 10  # clients without any row


def test_the_demo_last_activity_matches_the_sorted_keys():
    book = load_book(SAMPLE, settings=Settings(), cache=False)
    shuffled = book.time_entries.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for variant in (book, dataclasses.replace(book, time_entries=shuffled)):
        prep = measures.prepare(variant, settings=Settings())
        assert prep.te_by_date == (variant is book)
        for quarter in variant.quarters():
            end = np.datetime64(pd.Period(quarter, "Q").end_time.normalize(), "ns")
            expected = _reference(
                prep.te["code"], prep.te["date"], prep.inv["code"], prep.inv["issue"], prep.n, end
            )
            got = measures._last_activity(prep, end)
            assert np.array_equal(got, expected, equal_nan=True), quarter
