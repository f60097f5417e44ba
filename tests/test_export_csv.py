"""pumpkin metrics' CSV writer: a table formatted in two halves at once is written with the same
bytes as in one piece."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from helpers.present import export


def _frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    values = rng.normal(1e4, 5e3, rows)
    values[::7] = np.nan
    return pd.DataFrame(
        {
            "client_id": [f"c-{i:05d}" for i in range(rows)],
            "name": [f'Client "{i}", Ltd' if i % 3 else f"Client {i}\nline" for i in range(rows)],
            "revenue_ttm": values,
            "share": values / np.nansum(values),
            "active": rng.random(rows) > 0.5,
            "rank": pd.array(np.where(rng.random(rows) > 0.2, np.arange(rows), -1)).astype("Int64"),
            "kept_until": pd.to_datetime("2025-01-01") + pd.to_timedelta(np.arange(rows), "D"),
            "segment": pd.Categorical(rng.choice(["prize", "weed", "gone"], rows)),
        }
    )


def _one_piece(frame: pd.DataFrame, monkeypatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.setattr(export, "SPLIT_ROWS", len(frame) + 1)
        whole = io.BytesIO()
        export.write_csv(frame, whole)
    return whole.getvalue()


def test_two_halves_are_the_bytes_of_one_piece(tmp_path, monkeypatch):
    for rows in (export.SPLIT_ROWS - 1, export.SPLIT_ROWS, export.SPLIT_ROWS + 1, 5001):
        frame = _frame(rows)
        expected = _one_piece(frame, monkeypatch)
        assert expected.count(b"\n") >= rows + 1 and expected.startswith(b'"client_id"')
        stream = io.BytesIO()
        export.write_csv(frame, stream)
        assert stream.getvalue() == expected, rows
        path = export.write_table(frame, tmp_path / f"m{rows}.csv")
        assert path.read_bytes() == expected, rows
