"""The validated-book cache: the same book as from the files, and never a changed file's old copy."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from helpers.book import cache as book_cache
from helpers.book import load as loader
from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.errors import BookError
from tests.book_checks import assert_same_book

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _written() -> None:
    """Wait for the background cache writers of this process."""
    for thread in threading.enumerate():
        if thread.name == "pumpkin-book-cache":
            thread.join()


def _entries(folder: Path) -> list[Path]:
    books = folder / "books"
    return [p for p in books.iterdir() if not p.name.startswith(".")] if books.exists() else []


def test_a_cached_book_is_the_book_read_from_its_files(cache_dir, book_dir, monkeypatch):
    fresh = load_book(book_dir, cache=False, settings=Settings())
    assert _entries(cache_dir) == []
    load_book(book_dir, settings=Settings())
    _written()
    assert len(_entries(cache_dir)) == 1

    def no_validation(*args, **kwargs):
        raise AssertionError("validated again although the files did not change")

    monkeypatch.setattr(loader, "validate_table", no_validation)
    cached = load_book(book_dir, settings=Settings())
    assert_same_book(fresh, cached)
    # the same files somewhere else: the same entry, the new place as the source
    moved = Path(shutil.copytree(book_dir, book_dir.parent / "moved"))
    assert load_book(moved, settings=Settings()).source == str(moved)


def test_a_changed_file_is_read_again_even_with_the_same_size_and_time(cache_dir, book_dir):
    load_book(book_dir, settings=Settings())
    _written()
    invoices = book_dir / "invoices.csv"
    stat = invoices.stat()
    text = invoices.read_text(encoding="utf-8")
    header, first, rest = text.split("\n", 2)
    amount_at = header.split(",").index("amount")
    cells = first.split(",")
    old = cells[amount_at]
    new = str(int(old[0]) % 9 + 1) + old[1:]  # same length, another amount
    assert new != old and len(new) == len(old)
    cells[amount_at] = new
    invoices.write_text("\n".join([header, ",".join(cells), rest]), encoding="utf-8")
    os.utime(invoices, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert invoices.stat().st_size == stat.st_size

    book = load_book(book_dir, settings=Settings())
    first_id = cells[header.split(",").index("invoice_id")].strip('"')
    amount = book.invoices.loc[book.invoices["invoice_id"] == first_id, "amount"].iloc[0]
    assert amount == pytest.approx(float(new))
    assert_same_book(book, load_book(book_dir, cache=False, settings=Settings()))


def test_options_that_change_validation_are_part_of_the_key(cache_dir, book_dir):
    from helpers.book.settings import Settings

    usd = load_book(book_dir, settings=Settings())
    _written()
    eur = load_book(book_dir, settings=Settings(base_currency="EUR"))
    assert eur.base_currency == "EUR" and usd.base_currency == "USD"
    _written()
    assert len(_entries(cache_dir)) == 2


def test_strict_mode_refuses_a_cached_book_with_rejects(cache_dir, book_dir):
    path = book_dir / "time_entries.csv"
    path.write_text(path.read_text(encoding="utf-8") + "2025-13-45,C001,ann,2,true\n")
    assert len(load_book(book_dir, settings=Settings()).rejects) > 0
    _written()
    with pytest.raises(BookError, match="strict mode"):
        load_book(book_dir, strict=True, settings=Settings())


def test_off_writes_nothing_and_an_unwritable_folder_is_no_error(tmp_path, book_dir, monkeypatch):
    monkeypatch.setenv("PUMPKIN_CACHE_DIR", "off")
    assert book_cache.cache_dir() is None
    load_book(book_dir, settings=Settings())
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PUMPKIN_CACHE_DIR", str(blocker / "cache"))
    load_book(book_dir, settings=Settings())
    _written()
    assert not (blocker / "cache").exists()


def test_only_the_newest_books_are_kept(cache_dir, monkeypatch):
    monkeypatch.setattr(book_cache, "KEEP", 2)
    frame = pd.DataFrame({"a": [1.0]})
    for n in range(4):
        assert book_cache.write_cached(f"key{n}", {"t": frame}, {"rows_read": {}})
        os.utime(cache_dir / "books" / f"key{n}", (n + 1, n + 1))
    assert sorted(p.name for p in _entries(cache_dir)) == ["key2", "key3"]
    frames, meta = book_cache.read_cached("key3")
    pd.testing.assert_frame_equal(frames["t"], frame)
    assert book_cache.read_cached("key0") is None


def test_a_damaged_entry_is_dropped_and_the_files_read(cache_dir, book_dir):
    fresh = load_book(book_dir, settings=Settings())
    _written()
    (entry,) = _entries(cache_dir)
    (entry / "meta.json").write_text("{not json", encoding="utf-8")
    assert book_cache.read_cached(entry.name) is None
    assert_same_book(fresh, load_book(book_dir, settings=Settings()))


def test_every_dtype_comes_back_as_stored(cache_dir):
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype="object"),
            "str": pd.Series(["a", None, "c"], dtype="str"),
            "flag": pd.Series([True, None, False], dtype="object"),
            "bool": [True, False, True],
            "when": pd.to_datetime(["2025-01-01", None, "2025-03-01"]),
            "amount": [1.5, float("nan"), 3.0],
            "row": pd.Series([2, 3, 4], dtype="int64"),
        }
    )
    empty = pd.DataFrame({c: pd.Series(dtype=frame[c].dtype) for c in frame.columns})
    assert book_cache.write_cached("k", {"full": frame, "empty": empty}, {"rows_read": {}})
    frames, _ = book_cache.read_cached("k")
    for name, original in (("full", frame), ("empty", empty)):
        pd.testing.assert_frame_equal(frames[name], original, check_exact=True)
        assert list(frames[name].dtypes) == list(original.dtypes)
    assert frames["full"]["text"].iloc[1] is None and frames["full"]["flag"].iloc[1] is None


def test_a_damaged_table_file_is_dropped_and_the_files_read(cache_dir, book_dir):
    fresh = load_book(book_dir, settings=Settings())
    _written()
    (entry,) = _entries(cache_dir)
    (entry / f"invoices{book_cache.SUFFIX}").write_bytes(b"not an Arrow file")
    assert book_cache.read_cached(entry.name) is None
    assert not entry.exists()
    assert_same_book(fresh, load_book(book_dir, settings=Settings()))
