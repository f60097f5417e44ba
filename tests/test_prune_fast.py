"""The robustness grid's fast path (prune flag only) agrees with full classifications."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.audit.rules import classify, prune_flags
from helpers.audit.scores import segment
from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.decide.contract import metrics_for_quarters
from helpers.decide.prune import robustness

DEMO = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def demo_metrics() -> pd.DataFrame:
    book = load_book(DEMO, settings=Settings())
    return metrics_for_quarters(book, book.complete_quarters()[-1:], settings=Settings())


@pytest.mark.parametrize(
    "settings",
    [Settings(), Settings(prune_percentile=30.0, value_threshold=45.0, headache_threshold=55.0)],
)
def test_fast_grid_equals_the_grid_of_full_classifications(demo_metrics, settings):
    fast = robustness(demo_metrics, settings=settings)
    full = robustness(demo_metrics, settings=settings, classify=classify)
    assert len(full) > 0 and full["times_candidate"].nunique() > 1
    pd.testing.assert_frame_equal(fast, full, check_exact=True)


def test_fast_grid_without_stored_ranks(demo_metrics):
    unranked = demo_metrics.drop(columns=[c for c in demo_metrics if c.startswith("pctl_")])
    fast = robustness(unranked, settings=Settings(), percentiles=[5.0, 20.0])
    full = robustness(unranked, settings=Settings(), percentiles=[5.0, 20.0], classify=classify)
    pd.testing.assert_frame_equal(fast, full, check_exact=True)


def test_prune_flags_per_percentile_match_assign_actions(demo_metrics):
    percentiles = [0.0, 10.0, 50.0, 100.0]
    columns = prune_flags(
        segment(demo_metrics, settings=Settings()), settings=Settings(), percentiles=percentiles
    )
    for k, p in enumerate(percentiles):
        changed = Settings(prune_percentile=p)
        expected = classify(demo_metrics, settings=changed)["prune"].to_numpy(dtype=bool)
        np.testing.assert_array_equal(columns[:, k], expected)
    assert columns[:, -1].sum() > columns[:, 0].sum()  # a higher percentile adds candidates


def test_a_percentile_out_of_range_is_refused(demo_metrics):
    with pytest.raises(Exception, match="prune_percentile"):
        robustness(demo_metrics, settings=Settings(), percentiles=[150.0])


def test_candidate_order_is_pandas_sort_of_revenue_then_client():
    """The NumPy lexsort of the candidates orders as sort_values(["revenue_ttm", "client_id"],
    ascending=[False, True]): ties by client, missing revenue last, duplicate keys stable."""
    from helpers.decide.prune import candidate_rows, prune_candidates, prune_reason_labels

    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        frame = pd.DataFrame(
            {
                "client_id": pd.array([f"C{i}" for i in rng.integers(0, 12, n)], dtype="str"),
                "revenue_ttm": rng.choice([0.0, 1.5, 2.0, np.nan, 7.0], n),
                "prune": rng.random(n) < 0.6,
                "prune_cut": rng.random(n) < 0.5,
                "prune_abuse": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
            }
        )
        chosen = frame[frame["prune"]].reset_index(drop=True)
        expected = chosen.sort_values(["revenue_ttm", "client_id"], ascending=[False, True])
        rows = candidate_rows(frame)
        assert list(frame["client_id"].iloc[rows]) == list(expected["client_id"])
        assert np.array_equal(
            frame["revenue_ttm"].to_numpy()[rows], expected["revenue_ttm"], equal_nan=True
        )
        # the same frame with the rows given as without them, with the old way's columns
        given = prune_candidates(frame, columns=["client_id", "revenue_ttm"], rows=rows)
        pd.testing.assert_frame_equal(
            given, prune_candidates(frame, columns=["client_id", "revenue_ttm"])
        )
        old = frame[["client_id", "revenue_ttm"]].iloc[rows]
        old = old.assign(why=prune_reason_labels(frame.iloc[rows]).to_numpy())
        pd.testing.assert_frame_equal(given, old)


def test_no_revenue_book_reads_every_source_when_the_first_is_none():
    from helpers.audit.rules import no_revenue_book

    def book(*sources):
        return pd.DataFrame({"revenue_source": pd.array(sources, dtype="str")})

    assert no_revenue_book(book("none", "none"))
    assert not no_revenue_book(book("none", "invoices"))
    assert not no_revenue_book(book("billable time", "none"))
    assert not no_revenue_book(book(None, "none"))
    assert not no_revenue_book(book())
