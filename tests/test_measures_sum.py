"""The per-client sum of the measures: the no-copy path (every row kept) gives the same figures
as summing the kept rows (issue 19)."""

import numpy as np

from helpers.audit.measures import _sum


def test_every_row_kept_sums_like_a_full_mask():
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 5, 1000)
    weights = rng.random(1000)
    full = np.ones(1000, dtype=bool)
    assert np.array_equal(_sum(codes, weights, None, 6), _sum(codes, weights, full, 6))
    assert np.array_equal(_sum(codes, None, full, 6), np.bincount(codes, minlength=6))
    assert _sum(codes, weights, None, 6)[5] == 0.0


def test_unknown_clients_and_masked_rows_are_left_out():
    codes = np.array([0, -1, 1, 1, 2])
    weights = np.array([1.0, 100.0, 2.0, 3.0, 4.0])
    assert _sum(codes, weights, None, 3).tolist() == [1.0, 5.0, 4.0]
    mask = np.array([True, True, False, True, True])
    assert _sum(codes, weights, mask, 3).tolist() == [1.0, 3.0, 4.0]
    assert _sum(codes, None, mask, 4).tolist() == [1.0, 1.0, 1.0, 0.0]
