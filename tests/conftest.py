"""Shared fixtures: a small synthetic metrics frame with the contract columns (no book needed), and
for the cache tests an empty cache folder and a copy of the demo book."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

SEGMENTS = ("prize", "tangled", "seedling", "weed")


def synthetic_metrics(n: int = 40, *, quarter: str = "2025Q4", seed: int = 3) -> pd.DataFrame:
    """One quarter of client metrics with every contract column, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    revenue = np.round(rng.lognormal(11, 1.0, n), 2)
    hours = np.round(revenue / rng.uniform(40, 220, n), 1)
    value = np.round(rng.uniform(0, 100, n), 1)
    headache = np.round(rng.uniform(0, 100, n), 1)
    high_value, high_headache = value >= 50, headache >= 50
    segment = np.select(
        [high_value & ~high_headache, high_value & high_headache, ~high_value & ~high_headache],
        ["prize", "tangled", "seedling"],
        "weed",
    )
    rate = revenue / hours
    rate_rank = pd.Series(rate).rank(ascending=False, method="first").astype(int).to_numpy()
    rate_pct = pd.Series(rate).rank(pct=True).to_numpy() * 100
    prune = rate_pct <= 10
    actions = np.where(prune, "PRUNE;COLLECT", np.where(segment == "prize", "GROW", "KEEP"))
    aging = rng.uniform(0, 1, (n, 5)) * revenue[:, None] * 0.05
    return pd.DataFrame(
        {
            "quarter": quarter,
            "client_id": [f"C{i:03d}" for i in range(n)],
            "name": [f"Client {i:03d} Ltd" for i in range(n)],
            "size": rng.choice(["small", "medium", "large"], n),
            "industry": rng.choice(["retail", "health", "tech"], n),
            "owner": rng.choice(["ann", "bo"], n),
            "revenue_q": revenue / 4,
            "revenue_ttm": revenue,
            "revenue_prior": revenue * rng.uniform(0.6, 1.3, n),
            "hours_ttm": hours,
            "non_billable_share": rng.uniform(0, 0.4, n),
            "labour_cost_ttm": hours * 60.0,
            "margin_ttm": revenue - hours * 60.0 - rng.uniform(0, 1, n) * revenue * 0.6,
            "effective_rate_ttm": rate,
            "days_late_avg": np.round(rng.uniform(0, 40, n), 1),
            "late_share": rng.uniform(0, 1, n),
            "overdue_amount": aging[:, 1:].sum(axis=1),
            "incidents_ttm": rng.integers(0, 8, n).astype(float),
            "growth_ttm": rng.uniform(-0.5, 0.8, n),
            "alignment_score": rng.uniform(1, 5, n),
            "expected_revenue_next_4q": revenue * rng.uniform(0.5, 1.5, n),
            "potential_method": "bgnbd",
            "aging_current": aging[:, 0],
            "aging_1_30": aging[:, 1],
            "aging_31_60": aging[:, 2],
            "aging_61_90": aging[:, 3],
            "aging_90_plus": aging[:, 4],
            "revenue_share": revenue / revenue.sum(),
            "rate_rank": rate_rank,
            "rate_percentile": rate_pct,
            "value_score": value,
            "headache_score": headache,
            "segment": segment,
            "actions": actions,
            "prune": prune,
            "reasons": np.where(prune, "Earns little per hour | Pays late", "Fine"),
        }
    )


@pytest.fixture
def metrics() -> pd.DataFrame:
    """40 clients of one quarter (synthetic, contract columns)."""
    return synthetic_metrics()


@pytest.fixture
def metrics_quarters() -> pd.DataFrame:
    """The same 40 clients over four quarters (segments move between quarters)."""
    quarters = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    return pd.concat(
        [synthetic_metrics(quarter=q, seed=3 + i) for i, q in enumerate(quarters)],
        ignore_index=True,
    )


@pytest.fixture(autouse=True, scope="session")
def _book_cache_in_tmp(tmp_path_factory):
    """The validated-book cache of the whole run lives in a temporary folder (kernels started by
    the notebook tests inherit it), never in the user's ~/.cache."""
    import os

    before = os.environ.get("PUMPKIN_CACHE_DIR")
    os.environ["PUMPKIN_CACHE_DIR"] = str(tmp_path_factory.mktemp("pumpkin-cache"))
    yield
    if before is None:
        os.environ.pop("PUMPKIN_CACHE_DIR", None)
    else:
        os.environ["PUMPKIN_CACHE_DIR"] = before


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """An empty book cache for this test (``PUMPKIN_CACHE_DIR``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PUMPKIN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def book_dir(tmp_path) -> Path:
    """A copy of the demo book that a test may change."""
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    return Path(shutil.copytree(sample, tmp_path / "book"))


@pytest.fixture(scope="module")
def demo_raw_metrics() -> pd.DataFrame:
    """The demo book's raw metrics at its last complete quarter (default settings), made once
    per test module (the slider and classify tests)."""
    from helpers.book.load import load_book
    from helpers.book.settings import Settings
    from helpers.decide.contract import raw_metrics

    book = load_book(Path(__file__).resolve().parents[1] / "data" / "sample", settings=Settings())
    return raw_metrics(book, book.complete_quarters()[-1], settings=Settings())
