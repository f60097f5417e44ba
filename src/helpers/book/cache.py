"""A cache of validated books: Arrow copies keyed by the content of the input files.

Reading and validating a book's CSVs is most of what ``pumpkin metrics`` does on a big book, and
every notebook, report and command reads the same files again. :func:`book_key` hashes the bytes
of every table file the loader would read (so a changed file, even one with the same size and
time stamp, gets a new key and is never served from the cache), with the options that change
validation (base currency, date format) and a fingerprint of this package's code (a change in the
rules is a new key too). :func:`read_cached` and :func:`write_cached` then store the validated
tables, the rejects ledger and the rows read as one folder of Arrow files per key (uncompressed
Arrow IPC: written about 7x and read about 6x faster than compressed Parquet, memory-mapped when
read; on disk about the size of the CSVs).

Where: ``$PUMPKIN_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/pumpkin`` (``~/.cache/pumpkin``).
``PUMPKIN_CACHE_DIR=off`` turns the cache off. The newest :data:`KEEP` books are kept. A folder
that cannot be written is no error: the book is then read from its files every time.

Results computed from a cached book alone (the potential's forecast of a quarter:
:mod:`helpers.forecast.stored`) are kept too, as one Arrow file per :func:`result_key` under
``results/<kind>/``: the key is the book's key (so its files' content and the code) with
everything else the result reads, so a changed file, quarter or setting is a new key. The newest
:data:`KEEP_RESULTS` are kept; a damaged file is removed and the result computed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and Arrow are imported where a frame is read or written: the key
    import pandas as pd  # (file digests, helpers.book.prefetch) is computed before pandas is


#: How many cached books to keep (the most recently used).
KEEP = 8
#: Bumped when the layout of a cached book changes (3: Arrow IPC files instead of Parquet).
FORMAT = 3
#: The file of one cached table.
SUFFIX = ".arrow"
#: How many stored results to keep (the most recently used).
KEEP_RESULTS = 64
_OFF = ("off", "0", "no", "false", "none")


def cache_dir() -> Path | None:
    """The cache folder, or None when ``PUMPKIN_CACHE_DIR`` turns the cache off."""
    chosen = os.environ.get("PUMPKIN_CACHE_DIR", "").strip()
    if chosen.lower() in _OFF and chosen:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "pumpkin"


@cache
def code_fingerprint() -> str:
    """A hash of the package's Python sources: a cached result never outlives the code."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1(f"format {FORMAT}".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


#: How much of a file :func:`file_digest` reads and hashes per step.
DIGEST_BLOCK = 16 * 2**20


def file_digest(path: Path) -> str:
    """SHA-1 of a file's bytes, read and hashed :data:`DIGEST_BLOCK` bytes at a time: the read
    and the hash release the GIL, and the thread takes it back once per block. (With
    ``hashlib.file_digest``'s 256 KB blocks, the 2M book's digests in a thread beside a main
    thread that holds the GIL, as an import does, took back the GIL some 500 times and took
    0.49-1.07 s, against 0.41-0.52 s in 16 MB blocks and 0.15-0.2 s alone, under load 4.)"""
    digest = hashlib.sha1()
    block = memoryview(bytearray(DIGEST_BLOCK))
    with open(path, "rb", buffering=0) as handle:
        while size := handle.readinto(block):
            digest.update(block[:size])
    return digest.hexdigest()


def book_key(files: Mapping[str, Path | None], **options: object) -> str:
    """The cache key of a book: each table's file name and content hash (None when absent), the
    loading ``options`` and the code fingerprint."""
    parts = {
        "code": code_fingerprint(),
        "options": {k: options[k] for k in sorted(options)},
        "files": {
            name: None if path is None else [Path(path).name, file_digest(Path(path))]
            for name, path in sorted(files.items())
        },
    }
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def read_cached(key: str) -> tuple[dict[str, pd.DataFrame], dict] | None:
    """(frames by name, metadata) of a cached book, or None when it is not cached (or unreadable:
    a damaged entry is removed and the book read again)."""
    folder = _entry(key)
    if folder is None or not (folder / "meta.json").exists():
        return None
    from pyarrow import feather

    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        stored = meta["frames"]

        def read(name: str) -> pd.DataFrame:
            table = feather.read_table(folder / f"{name}{SUFFIX}", memory_map=True)
            return _with_dtypes(table.to_pandas(), stored[name])

        frames = {name: read(name) for name in stored}
    except Exception:  # a half-deleted or foreign folder: forget it
        shutil.rmtree(folder, ignore_errors=True)
        return None
    _touch(folder)
    return frames, meta


def write_cached(key: str, frames: Mapping[str, pd.DataFrame], meta: Mapping) -> Path | None:
    """Store a validated book under ``key`` (written aside, then renamed into place: a reader
    never sees half an entry). Returns the folder, or None when the cache is off or not
    writable."""
    folder = _entry(key)
    if folder is None:
        return None
    import pyarrow as pa
    from pyarrow import feather

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=folder.parent))
        for name, frame in frames.items():
            table = pa.Table.from_pandas(frame, preserve_index=False)
            feather.write_feather(table, tmp / f"{name}{SUFFIX}", compression="uncompressed")
        dtypes = {name: {c: str(t) for c, t in f.dtypes.items()} for name, f in frames.items()}
        info = dict(meta, frames=dtypes, key=key)
        (tmp / "meta.json").write_text(json.dumps(info, default=str), encoding="utf-8")
        try:
            os.replace(tmp, folder)
        except OSError:  # another process stored the same book first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        _evict(folder.parent, keep=KEEP)
        return folder
    except OSError:
        return None


def _with_dtypes(frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """The columns' dtypes as they were stored: Arrow reads text back as pandas' ``str``
    dtype (NaN for missing), where the book may hold an ``object`` column (None for missing)."""
    if list(frame.columns) != list(dtypes):
        raise ValueError("cached columns differ")
    changed = {}
    for column, dtype in dtypes.items():
        if str(frame[column].dtype) == dtype:
            continue
        values = frame[column]
        if dtype == "object":
            changed[column] = values.astype(object).where(values.notna(), None)
        else:
            changed[column] = values.astype(dtype)
    return frame.assign(**changed) if changed else frame


def write_in_background(key: str, frames: Mapping[str, pd.DataFrame], meta: Mapping):
    """:func:`write_cached` in a thread, so the caller goes on computing while Arrow writes
    (it releases the GIL); the interpreter waits for it at exit. Returns the thread."""

    def write() -> None:
        with contextlib.suppress(Exception):  # a cache that cannot be written is no error
            write_cached(key, frames, meta)

    thread = threading.Thread(target=write, name="pumpkin-book-cache", daemon=False)
    thread.start()
    return thread


def has_book(key: str | None) -> bool:
    """Whether a validated book is cached under ``key`` (False for None or when the cache is
    off); nothing is read."""
    folder = None if key is None else _entry(key)
    return folder is not None and (folder / "meta.json").is_file()


def _entry(key: str) -> Path | None:
    base = cache_dir()
    return None if base is None else base / "books" / key


def _touch(folder: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(folder)


def _evict(books: Path, *, keep: int) -> None:
    entries = [p for p in books.iterdir() if p.is_dir() and not p.name.startswith(".")]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


def result_key(book_key: str, **inputs: object) -> str:
    """The key of a result computed from the book cached under ``book_key`` and ``inputs`` (the
    quarter, the settings it reads, a format version: anything that changes the result)."""
    parts = {"book": book_key, "inputs": {k: inputs[k] for k in sorted(inputs)}}
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def book_result_key(book, **inputs: object) -> str | None:
    """:func:`result_key` of a result computed from ``book`` and ``inputs``; None when the book
    has no cache key (not loaded through the cache, or changed in memory since) or the cache is
    off: then nothing is read or stored."""
    book_key = getattr(book, "cache_key", "")
    if not book_key or cache_dir() is None:
        return None
    return result_key(book_key, **inputs)


def stored_result(
    kind: str,
    key: str | None,
    compute: Callable[[], pd.DataFrame],
    *,
    usable: Callable[[pd.DataFrame], bool] = lambda frame: True,
) -> pd.DataFrame:
    """The frame stored under ``kind``/``key`` when there is one that is ``usable``, else
    ``compute()``, stored under the key for next time. A None key computes and stores nothing."""
    if key is not None:
        stored = read_result(kind, key)
        if stored is not None and usable(stored):
            return stored
    result = compute()
    if key is not None:
        write_result(kind, key, result)
    return result


def _result_file(kind: str, key: str) -> Path | None:
    base = cache_dir()
    return None if base is None else base / "results" / kind / f"{key}{SUFFIX}"


def read_result(kind: str, key: str) -> pd.DataFrame | None:
    """The frame stored by :func:`write_result` under ``kind``/``key``, with its columns' dtypes
    as they were; None when there is none or it cannot be read (a damaged file is removed)."""
    file = _result_file(kind, key)
    if file is None or not file.is_file():
        return None
    from pyarrow import feather

    try:
        table = feather.read_table(file, memory_map=False)
        stored = json.loads(table.schema.metadata[b"pumpkin_dtypes"])
        if stored.pop("__key__") != key:
            raise ValueError("a result stored under another key")
        frame = _with_dtypes(table.to_pandas(), stored)
    except Exception:  # damaged or foreign: forget it
        with contextlib.suppress(OSError):
            file.unlink()
        return None
    _touch(file)
    return frame


def write_result(kind: str, key: str, frame: pd.DataFrame) -> Path | None:
    """Store ``frame`` (its columns and dtypes; the index is not kept) under ``kind``/``key``
    (written aside, then renamed into place). Returns the file, or None when the cache is off
    or not writable."""
    file = _result_file(kind, key)
    if file is None:
        return None
    import pyarrow as pa
    from pyarrow import feather

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        dtypes = {c: str(t) for c, t in frame.dtypes.items()} | {"__key__": key}
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata(
            (table.schema.metadata or {}) | {b"pumpkin_dtypes": json.dumps(dtypes).encode()}
        )
        handle, tmp = tempfile.mkstemp(prefix=f".{key[:12]}.", dir=file.parent)
        os.close(handle)
        try:
            feather.write_feather(table, tmp, compression="uncompressed")
            os.replace(tmp, file)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        _evict_files(file.parent, keep=KEEP_RESULTS)
        return file
    except (OSError, pa.ArrowException):
        return None


def _evict_files(folder: Path, *, keep: int) -> None:
    entries = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        with contextlib.suppress(OSError):
            stale.unlink()
