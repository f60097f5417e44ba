"""Results kept with the cached book (the potential, the raw metrics): a fresh computation's frame, and
never a changed input's."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.forecast import stored
from helpers.forecast.estimate import client_potential

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
QUARTER = "2025Q4"


@pytest.fixture
def computed(monkeypatch) -> list[tuple]:
    """The quarters client_potential was called for (so a test sees a hit from a miss)."""
    calls: list[tuple] = []

    def counted(book, quarter, *, settings, **options):
        calls.append((quarter, settings.discount_rate))
        return client_potential(book, quarter, settings=settings, **options)

    monkeypatch.setattr(stored, "client_potential", counted)
    return calls


def _load(folder: Path):
    book = load_book(folder, settings=Settings())
    for thread in threading.enumerate():  # the book cache's background writer
        if thread.name == "pumpkin-book-cache":
            thread.join()
    return book


def _stored_files(cache: Path) -> list[Path]:
    folder = cache / "results" / stored.KIND
    return sorted(folder.glob("*.arrow")) if folder.exists() else []


def test_the_stored_potential_is_the_fresh_fit(cache_dir, book_dir, computed):
    settings = Settings()
    first = stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    again = stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    assert len(computed) == 1, "the second run should read the stored result"
    assert len(_stored_files(cache_dir)) == 1
    fresh = client_potential(
        load_book(book_dir, settings=Settings(), cache=False), QUARTER, settings=settings
    )
    for result in (first, again):
        pd.testing.assert_frame_equal(result, fresh, check_exact=True)
        assert list(result.dtypes) == list(fresh.dtypes)
    assert (again["potential_method"] != "no-history").any()


def test_a_changed_file_quarter_or_forecast_setting_is_computed_again(
    cache_dir, book_dir, computed
):
    settings = Settings()
    stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    stored.stored_potential(_load(book_dir), "2024Q2", settings=settings)
    discounted = settings.replace(discount_rate=0.1)
    stored.stored_potential(_load(book_dir), QUARTER, settings=discounted)
    wallet = settings.replace(size_wallet={k: v * 2 for k, v in settings.size_wallet.items()})
    stored.stored_potential(_load(book_dir), QUARTER, settings=wallet)
    assert len(computed) == 4

    invoices = book_dir / "invoices.csv"
    stat = invoices.stat()
    text = invoices.read_text()
    head, first, rest = text.split("\n", 2)
    changed = first.replace("1187.12", "9187.12")
    assert changed != first
    invoices.write_text("\n".join([head, changed, rest]))
    os.utime(invoices, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same time stamp
    result = stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    assert len(computed) == 5
    fresh = client_potential(
        load_book(book_dir, settings=Settings(), cache=False), QUARTER, settings=settings
    )
    pd.testing.assert_frame_equal(result, fresh, check_exact=True)


def test_a_book_changed_in_memory_is_never_served_the_stored_result(cache_dir, book_dir, computed):
    book = _load(book_dir)
    assert book.cache_key
    stored.stored_potential(book, QUARTER, settings=Settings())
    fewer = dataclasses.replace(book, invoices=book.invoices.iloc[::2])
    assert fewer.cache_key == ""
    result = stored.stored_potential(fewer, QUARTER, settings=Settings())
    assert len(computed) == 2
    pd.testing.assert_frame_equal(result, client_potential(fewer, QUARTER, settings=Settings()))


def test_a_damaged_entry_is_ignored_and_computed_again(cache_dir, book_dir, computed):
    settings = Settings()
    first = stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    (entry,) = _stored_files(cache_dir)
    entry.write_bytes(entry.read_bytes()[:200])
    again = stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    assert len(computed) == 2
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    entry.write_bytes(b"not an arrow file")
    stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    assert len(computed) == 3
    stored.stored_potential(_load(book_dir), QUARTER, settings=settings)
    assert len(computed) == 3, "the entry computed again is stored again"


def test_a_caller_backtest_is_used_as_given_and_not_stored(cache_dir, book_dir, computed):
    from helpers.forecast.backtest import backtest

    book = _load(book_dir)
    stored.stored_potential(book, QUARTER, settings=Settings(), checked=backtest(book, QUARTER))
    assert len(computed) == 1 and _stored_files(cache_dir) == []


def test_a_warm_metrics_run_neither_imports_scipy_nor_fits(cache_dir, book_dir):
    script = (
        "import sys\n"
        "from helpers.book.load import load_book\n"
        "from helpers.decide.contract import client_metrics\n"
        "from helpers.book.settings import Settings\n"
        f"client_metrics(load_book({str(book_dir)!r}, settings=Settings()), {QUARTER!r}, "
        "settings=Settings())\n"
        "print(any(m == 'scipy' or m.startswith('scipy.') for m in sys.modules))\n"
    )
    env = dict(os.environ, PUMPKIN_CACHE_DIR=str(cache_dir))

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert run() == "True"  # cold: the backtest and the fit ran
    assert run() == "False"  # warm: the stored potential, no scipy


def test_the_stored_raw_metrics_are_the_measured_ones_and_any_setting_misses(
    cache_dir, book_dir, monkeypatch
):
    from helpers.decide import contract

    measured: list[str] = []
    real = contract._raw

    def counted(prep, book, quarter, settings, **options):
        measured.append(quarter)
        return real(prep, book, quarter, settings, **options)

    monkeypatch.setattr(contract, "_raw", counted)
    settings = Settings()
    first = contract.raw_metrics(_load(book_dir), QUARTER, settings=settings)
    again = contract.raw_metrics(_load(book_dir), QUARTER, settings=settings)
    assert measured == [QUARTER]
    fresh = contract.raw_metrics(
        load_book(book_dir, settings=settings, cache=False), QUARTER, settings=settings
    )
    assert measured == [QUARTER, QUARTER]
    for result in (first, again):
        pd.testing.assert_frame_equal(result, fresh, check_exact=True)
        assert list(result.dtypes) == list(fresh.dtypes)

    contract.raw_metrics(_load(book_dir), "2024Q2", settings=settings)
    contract.raw_metrics(
        _load(book_dir), QUARTER, settings=settings.replace(default_cost_rate=61.0)
    )
    book = _load(book_dir)
    contract.raw_metrics(
        dataclasses.replace(book, people=book.people.iloc[1:]), QUARTER, settings=settings
    )
    assert len(measured) == 5

    for stored_file in (cache_dir / "results" / contract.RAW_KIND).glob("*.arrow"):
        stored_file.write_bytes(b"damaged")
    damaged = contract.raw_metrics(_load(book_dir), QUARTER, settings=settings)
    assert len(measured) == 6
    pd.testing.assert_frame_equal(damaged, fresh, check_exact=True)
    contract.raw_metrics(_load(book_dir), QUARTER, settings=settings)
    assert len(measured) == 6, "the entry computed again is stored again"
