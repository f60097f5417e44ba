"""The BG/NBD likelihood evaluated once per distinct client history (issue 19; no test asserts a
time: the benchmarks measure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.forecast import potential
from helpers.forecast.history import book_history, inputs_at

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CDNOW = ROOT.parent / "shared" / "data" / "cdnow"


def _summaries() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    book = load_book(SAMPLE, settings=Settings())
    history = book_history(book)
    found = []
    for quarter in ("2024Q4", "2025Q4"):
        summary = inputs_at(history, quarter).summary
        found.append(tuple(summary[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    if CDNOW.exists():
        cdnow = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
        found.append(tuple(cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    return found


def test_the_likelihood_over_distinct_histories_is_the_per_client_sum_bit_for_bit():
    """The fit sums each client's term spread back from its distinct (x, t_x, T) row: the same
    numbers as evaluating every client (so SLSQP takes the same steps to the same optimum)."""
    rng = np.random.default_rng(7)
    for x, t_x, T in _summaries():
        rows, index = potential._distinct_rows(x, t_x, T)
        assert len(rows[0]) < len(x)  # clients share histories
        assert np.array_equal(np.column_stack(rows)[index], np.column_stack([x, t_x, T]))
        per_client, distinct = potential._by_level(x), potential._by_level(rows[0])
        for log_params in rng.uniform(-6, 6, (50, 4)):
            r, alpha, a, b = np.exp(log_params)
            with np.errstate(all="ignore"):
                every = potential._bgnbd_loglik(r, alpha, a, b, x, t_x, T, levels=per_client)
                spread = potential._bgnbd_loglik(r, alpha, a, b, *rows, levels=distinct)[index]
            assert np.array_equal(every, spread, equal_nan=True)
            assert every.sum() == spread.sum() or np.isnan(every.sum())


@pytest.mark.skipif(not CDNOW.exists(), reason="the CDNOW data in ../shared is absent")
def test_the_fit_over_distinct_histories_keeps_the_published_cdnow_parameters():
    cdnow = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    params = potential.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert params == pytest.approx(published, rel=0.01)
