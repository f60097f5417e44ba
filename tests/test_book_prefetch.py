"""The book's files hashed and parsed before pandas is imported (helpers.book.prefetch): the same
book, ledger and messages as the loader alone, no parse when the cache holds the book, and never
a changed file's cached copy."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers.book import cache as book_cache
from helpers.book import load as loader
from helpers.book.load import Book, load_book
from helpers.book.prefetch import start_prefetch
from helpers.book.settings import Settings
from helpers.errors import BookError
from tests.book_checks import assert_same_book

SRC = Path(__file__).resolve().parents[1] / "src"


def _written() -> None:
    """Wait for the background cache writers of this process."""
    for thread in threading.enumerate():
        if thread.name == "pumpkin-book-cache":
            thread.join()


def _prefetched(path: Path, **options) -> Book:
    with start_prefetch(path, base_currency="USD", date_format=None) as prefetch:
        book = load_book(path, settings=Settings(), prefetch=prefetch, **options)
        assert prefetch.parsed == {}, "the loader took every prefetched table"
    return book


def _untidy(book_dir: Path) -> None:
    """Rows the ledger has to name: a wrong field count, a bad number, an unknown client, a
    value as written in a typed column."""
    with (book_dir / "time_entries.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-01-02,c-0001,Jade Horvat,1.5\n")  # a field short
        handle.write("2025-01-03,c-0001,Jade Horvat, 1e2 ,true\n")  # too many hours, as written
        handle.write("2025-01-04,nope,Jade Horvat,2,true\n")  # an unknown client
    with (book_dir / "invoices.csv").open("a", encoding="utf-8") as handle:
        handle.write("X1,c-0001,2025-01-02,2025-02-01,lots,USD,\n")  # not a number


def test_the_prefetch_imports_neither_pandas_nor_arrow_and_nor_does_the_cli_parse():
    """What the CLI runs before it starts the prefetch (parsing its arguments, a quarter option
    included) and the prefetch module itself import no pandas, numpy or Arrow."""
    code = (
        "import sys\n"
        "from helpers.cli import build_parser\n"
        "import helpers.book.prefetch\n"
        "args = build_parser().parse_args(['metrics', '--data', 'x', '--quarter', '2025 q4'])\n"
        "assert args.quarter == '2025Q4', args.quarter\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("cache", [True, False])
def test_a_prefetched_book_is_the_book_the_loader_reads_alone(cache_dir, book_dir, cache):
    _untidy(book_dir)
    alone = load_book(book_dir, settings=Settings(), cache=False)
    assert len(alone.rejects) >= 4  # the rows above, each named in the ledger
    book = _prefetched(book_dir, cache=cache)
    assert_same_book(alone, book)
    assert book.cache_key == (loader._cache_key(book_dir, Settings(), None) if cache else "")


def test_a_cached_book_is_not_parsed_and_a_changed_file_is_read_again(
    cache_dir, book_dir, monkeypatch
):
    first = load_book(book_dir, settings=Settings())
    _written()
    parsed = []
    monkeypatch.setattr("helpers.book.arrow_csv.parse_csv", lambda *a, **k: parsed.append(a))
    with start_prefetch(book_dir, base_currency="USD", date_format=None) as prefetch:
        assert not prefetch.reads_files()
        assert all(f.result() is None for f in prefetch.parsed.values())
        warm = load_book(book_dir, settings=Settings(), prefetch=prefetch)
    assert parsed == []
    assert_same_book(first, warm)
    monkeypatch.undo()

    # one hour changed (the same file size): a new key, the files parsed and validated again
    path = book_dir / "time_entries.csv"
    head, row, rest = path.read_text(encoding="utf-8").split("\n", 2)
    fields = row.split(",")
    fields[3] = "4.25" if fields[3] != "4.25" else "4.50"
    path.write_text(f"{head}\n{','.join(fields)}\n{rest}", encoding="utf-8")
    with start_prefetch(book_dir, base_currency="USD", date_format=None) as prefetch:
        assert prefetch.reads_files()
        book = load_book(book_dir, settings=Settings(), prefetch=prefetch)
    assert book.cache_key != first.cache_key
    assert_same_book(load_book(book_dir, settings=Settings(), cache=False), book)
    assert float(book.time_entries["hours"].iloc[0]) == float(fields[3])


def test_a_prefetch_for_other_options_or_another_folder_is_not_used(
    cache_dir, book_dir, tmp_path, monkeypatch
):
    other = tmp_path / "other"
    other.mkdir()
    for file in book_dir.iterdir():
        (other / file.name).write_bytes(file.read_bytes())
    with (other / "clients.csv").open("a", encoding="utf-8") as handle:
        handle.write('"c-9999","Someone Else","Retail","small","Jade Horvat",2020-01-01,\n')
    alone = load_book(book_dir, settings=Settings(), cache=False)
    euros = Settings().replace(base_currency="EUR")
    for prefetch_path, settings in ((other, Settings()), (book_dir, euros)):
        with start_prefetch(
            prefetch_path, base_currency=settings.base_currency, date_format=None
        ) as prefetch:
            book = load_book(book_dir, settings=Settings(), prefetch=prefetch)
            assert prefetch.parsed, "nothing was taken from a prefetch that does not match"
        assert_same_book(alone, book)


def test_errors_and_strict_mode_say_the_same_with_a_prefetch(cache_dir, book_dir):
    _untidy(book_dir)
    messages = []
    for use in (False, True):
        with pytest.raises(BookError) as raised:
            _prefetched(book_dir, strict=True) if use else load_book(
                book_dir, settings=Settings(), strict=True, cache=False
            )
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "strict mode" in messages[0]

    (book_dir / "invoices.csv").write_bytes(b"invoice_id,client_id\n\xff\xfe,C001\n")
    messages = []
    for use in (False, True):
        with pytest.raises(BookError) as raised:
            _prefetched(book_dir) if use else load_book(book_dir, settings=Settings())
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "UTF-8" in messages[0]


def test_a_path_that_is_no_book_starts_nothing_and_the_loader_says_why(tmp_path):
    file = tmp_path / "book.txt"
    file.write_text("no", encoding="utf-8")
    for path in (tmp_path / "missing", file):
        with start_prefetch(path, base_currency="USD", date_format=None) as prefetch:
            assert not prefetch.readable and prefetch.parsed == {}
            assert not prefetch.reads_files()
            with pytest.raises(BookError) as raised:
                load_book(path, settings=Settings(), prefetch=prefetch)
        with pytest.raises(BookError) as alone:
            load_book(path, settings=Settings())
        assert str(raised.value) == str(alone.value)


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 4096, 5000])
def test_a_files_digest_is_its_sha1_whatever_the_block_edges(tmp_path, monkeypatch, size):
    monkeypatch.setattr(book_cache, "DIGEST_BLOCK", 1024)
    file = tmp_path / "table.csv"
    file.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    assert book_cache.file_digest(file) == hashlib.sha1(file.read_bytes()).hexdigest()
