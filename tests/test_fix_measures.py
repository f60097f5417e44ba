"""The quarters before, measured for "since when" (issue 19): ``measure(fixes_only=True)``
computes only the columns the fix rules read, and gives them as the full measure does, so the
``since_<code>`` columns are the same."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.audit import measures
from helpers.audit.rules import FIX_ACTIONS, fix_masks
from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.decide.contract import fix_since

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _priced(book):
    """The demo with billable amounts on a third of the entries and a tenth of the clients'
    invoices removed, so some clients are valued by their time (the other revenue path)."""
    te = book.time_entries
    amounts = te["hours"].where(te.index % 3 == 0) * 95.0
    dropped = set(book.clients["client_id"].iloc[::10])
    invoices = book.invoices[~book.invoices["client_id"].isin(dropped)].reset_index(drop=True)
    return dataclasses.replace(
        book, time_entries=te.assign(billable_amount=amounts), invoices=invoices
    )


@pytest.fixture(scope="module", params=["demo", "priced"])
def prepared(request):
    settings = Settings()
    book = load_book(SAMPLE, settings=settings, cache=False)
    if request.param == "priced":
        book = _priced(book)
        assert measures.prepare(book, settings=settings).source.tolist().count(1) > 0
    return book, measures.prepare(book, settings=settings), settings


def test_fixes_only_gives_the_full_measures_columns(prepared):
    book, prep, settings = prepared
    for quarter in book.quarters():
        full = measures.measure(prep, quarter, settings=settings)
        narrow = measures.measure(prep, quarter, settings=settings, fixes_only=True)
        assert list(narrow.columns) == list(measures.FIX_COLUMNS)
        pd.testing.assert_frame_equal(narrow, full[list(measures.FIX_COLUMNS)], check_exact=True)
        wide = fix_masks(measures.rate_ranks(full), settings=settings)
        few = fix_masks(measures.rate_ranks(narrow), settings=settings)
        assert set(few) == set(FIX_ACTIONS)
        for code in FIX_ACTIONS:
            assert np.array_equal(few[code], wide[code]), (quarter, code)


def test_the_fix_rules_read_nothing_but_the_fix_columns(prepared):
    """Any other column taken away (the rules then read it as empty) changes no fix mask: a rule
    that starts reading another column fails here until FIX_COLUMNS names it."""
    book, prep, settings = prepared
    held = 0
    for quarter in book.quarters():
        full = measures.rate_ranks(measures.measure(prep, quarter, settings=settings))
        kept = [*measures.FIX_COLUMNS, "rate_rank", "rate_percentile", "book_median_rate"]
        wide = fix_masks(full, settings=settings)
        few = fix_masks(full[kept], settings=settings)
        for code in FIX_ACTIONS:
            assert np.array_equal(few[code], wide[code]), (quarter, code)
            held += int(wide[code].sum())
    assert held > 0  # the demo has clients the fixes hold for


def test_since_when_is_the_same_from_full_measures(prepared):
    """fix_since over the narrow quarters before against the same with every quarter measured
    in full (a cache already holding the full measures, which it prefers)."""
    book, prep, settings = prepared
    for quarter in book.quarters()[-4:]:
        narrow = fix_since(prep, quarter, settings=settings)
        full = {
            (str(pd.Period(quarter, "Q") - k), False): measures.measure(
                prep, str(pd.Period(quarter, "Q") - k), settings=settings
            )
            for k in range(5)
        }
        wide = fix_since(prep, quarter, settings=settings, cache=full)
        assert narrow.keys() == wide.keys()
        for column in narrow:
            assert narrow[column].tolist() == wide[column].tolist(), (quarter, column)
