"""A book's files hashed and parsed while the interpreter imports pandas.

``pumpkin metrics`` spends its first second importing pandas, on one core (the import holds the
GIL). Two parts of loading a book need no pandas: the digests of its files (the cache key, see
:mod:`helpers.book.cache`; hashlib releases the GIL on large buffers) and, when the cache does not
hold the book, Arrow's parse of its CSVs (:func:`helpers.book.arrow_csv.parse_csv`, run outside
the GIL). :func:`start_prefetch` starts both in a worker thread, in that order, and returns a
:class:`Prefetch` of their futures; the command hands it to
:func:`helpers.book.load.load_book` (``prefetch=``), which takes the key and the parsed tables
from it instead of computing them again and validates the tables as always. Nothing in this module
imports pandas (tested).

A warm run pays no speculative parse: each parse first waits for the key and is skipped when the
cache holds the book. A changed file is never served from the cache: the key is the digest of
the files as they are when the command starts, as :func:`~helpers.book.load.load_book` would
compute it. A prefetch made for another folder or other loading options (base currency, date
format) is ignored by the loader, which then reads the book as it does without one.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from helpers.book import cache as book_cache
from helpers.book.schema import LOAD_ORDER, TABLES

#: Assumptions an import made about rows it used (same columns as the rejects ledger), beside
#: the book's tables: part of the book, so part of its key.
NOTES_FILE = "notes.csv"
#: The rows an import left out (the rejects ledger's columns), beside the book's tables: part of
#: what the book says about its sources, so part of its key too.
REJECTS_FILE = "rejects.csv"


def find_table_file(folder: Path, name: str) -> Path | None:
    """The file table ``name`` is read from in a book folder: ``NAME.csv``, else
    ``NAME.parquet``; None when neither exists."""
    for suffix in (".csv", ".parquet"):
        candidate = folder / f"{name}{suffix}"
        if candidate.exists():
            return candidate
    return None


def table_files(path: Path) -> dict[str, Path | None]:
    """The file each table of the book at ``path`` is read from (a folder: ``NAME.csv``, else
    ``NAME.parquet``, None when neither exists; a workbook: the workbook for every table)."""
    if path.suffix.lower() == ".xlsx":
        return dict.fromkeys(LOAD_ORDER, path)
    return {name: find_table_file(path, name) for name in LOAD_ORDER}


def cache_key(path: Path, *, base_currency: str, date_format: str | None) -> str | None:
    """The book's cache key (its files' content and the loading options), None when the cache
    is off: what :func:`helpers.book.load.load_book` looks the book up with."""
    if book_cache.cache_dir() is None:
        return None
    if path.suffix.lower() == ".xlsx":
        files = {"workbook": path}
    else:
        files = table_files(path)
        notes = path / NOTES_FILE  # an import's notes are part of the book too
        files["notes"] = notes if notes.is_file() else None
        rejects = path / REJECTS_FILE  # and the rows it left out
        files["rejects"] = rejects if rejects.is_file() else None
    return book_cache.book_key(files, base_currency=base_currency, date_format=date_format)


@dataclass(frozen=True)
class Prefetch:
    """The key and the parsed CSVs of the book at ``path``, started for these loading options.

    ``readable``: the path is a folder or a workbook (else nothing was started). ``key``
    resolves to the cache key (None when the cache is off). ``parsed`` maps each CSV table to
    the future of its :class:`~helpers.book.arrow_csv.ParsedCsv`, which resolves to None when
    the cache holds the book (nothing was parsed); an error reading the file is raised by
    ``result()``, where the loader takes the table. ``finished`` resolves once the worker has
    nothing left to do. Use it as a context manager (or call :meth:`close`): work not started
    by then is cancelled."""

    path: Path
    base_currency: str
    date_format: str | None
    readable: bool
    key: Future
    parsed: dict[str, Future] = field(repr=False)
    finished: Future = field(repr=False, compare=False)
    pool: ThreadPoolExecutor = field(repr=False, compare=False)

    def matches(self, path: Path, *, base_currency: str, date_format: str | None) -> bool:
        """Whether this prefetch was started for ``path`` loaded with these options."""
        return (
            Path(path).absolute() == self.path
            and base_currency == self.base_currency
            and date_format == self.date_format
        )

    def take(self, name: str) -> Future | None:
        """The parse of table ``name``, handed over once (the loader takes it, so the Arrow
        table is freed with the loader's own); None when it was not prefetched."""
        return self.parsed.pop(name, None)

    def reads_files(self) -> bool:
        """Whether the loader will read and validate the book's files: the path is a folder or
        a workbook that the cache does not hold (waits for the key)."""
        if not self.readable:
            return False
        key = self.key.result()
        return key is None or not book_cache.has_book(key)

    def wait(self) -> None:
        """Wait until the worker has done everything it was given (or it was cancelled)."""
        wait([self.finished])

    def close(self) -> None:
        """Cancel what has not started; a parse under way finishes in its thread."""
        self.parsed.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_prefetch(path: str | Path, *, base_currency: str, date_format: str | None) -> Prefetch:
    """Start hashing the book at ``path`` and then (when the cache does not hold it) parsing
    its CSV tables in load order, in one worker thread. ``date_format`` is the one the
    loader will use (the option, else the settings'). A path that is not a folder or workbook
    starts nothing: the loader says what is wrong with it."""
    path = Path(path).absolute()
    pool = ThreadPoolExecutor(1, thread_name_prefix="pumpkin-prefetch")
    readable = path.is_dir() or (path.suffix.lower() == ".xlsx" and path.is_file())
    key = (
        pool.submit(cache_key, path, base_currency=base_currency, date_format=date_format)
        if readable
        else _done(None)
    )
    parsed: dict[str, Future] = {}
    if readable and path.is_dir():
        files = table_files(path)
        for name in LOAD_ORDER:
            file = files[name]
            if file is not None and file.suffix == ".csv":
                parsed[name] = pool.submit(_parse, file, name, key, date_format)
    finished = pool.submit(lambda: None)  # runs after the rest: one worker, in order
    return Prefetch(path, base_currency, date_format, readable, key, parsed, finished, pool)


def _parse(file: Path, name: str, key: Future, date_format: str | None):
    """The table parsed as the loader parses it, or None when the cache holds the book."""
    cached = key.result()
    if cached is not None and book_cache.has_book(cached):
        return None
    # imported here, in the worker: Arrow's import (about 0.25 s) waits until the digests are done
    from helpers.book.arrow_csv import parse_csv, typed_columns

    return parse_csv(file, types=typed_columns(TABLES[name], date_format=date_format))


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future
