"""Telling the user about rejected rows: one line on stderr and the ledger written beside the output.

Every command that reads a book says :func:`rejects_notice` (``helpers.cli.report_rejects`` prints it
and :func:`keep_ledger` writes the ledger) once the book is loaded, so no row is
left out in silence::

    3 rows rejected (invoices 2, time_entries 1): see metrics-rejects.csv

The exit code does not change (0 with a ledger); ``--strict`` is what turns a reject into a stop.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.book.prefetch import REJECTS_FILE
from helpers.book.schema import LOAD_ORDER


def rejects_counts(rejects: pd.DataFrame) -> dict[str, int]:
    """Rejected rows per table, the most rejected first (ties in the loader's table order).

    Only the book's tables count: the importer's notes on rows it kept (table ``"time_entries
    (kept)"``) are not rows left out.
    """
    if rejects is None or rejects.empty:
        return {}
    counts = rejects.groupby("table", sort=False).size()
    order = [t for t in LOAD_ORDER if t in counts.index]
    order.sort(key=lambda t: -counts[t])  # stable: ties keep the load order
    return {str(t): int(counts[t]) for t in order}


def rejects_summary(rejects: pd.DataFrame) -> str:
    """``"3 rows rejected (invoices 2, time_entries 1)"``; empty when nothing was rejected.

    >>> rejects_summary(pd.DataFrame({"table": ["time_entries", "invoices", "invoices"]}))
    '3 rows rejected (invoices 2, time_entries 1)'
    >>> rejects_summary(pd.DataFrame({"table": ["clients"]}))
    '1 row rejected (clients 1)'
    """
    total, parts = _tally(rejects)
    return f"{total} row{'s' if total != 1 else ''} rejected ({parts})" if total else ""


def _tally(rejects: pd.DataFrame) -> tuple[int, str]:
    """The count of rows left out and the per-table counts in words (0 and "" for none)."""
    counts = rejects_counts(rejects)
    return sum(counts.values()), ", ".join(f"{table} {n}" for table, n in counts.items())


def import_rejects_line(import_rejects: pd.DataFrame, *, see: str) -> str:
    """The line that says how many rows the import that wrote the book left out (its
    ``rejects.csv``, :attr:`helpers.book.load.Book.import_rejects`); empty when none was.

    >>> import_rejects_line(pd.DataFrame({"table": ["time_entries"] * 2}), see="book/rejects.csv")
    '2 rows of the exports were left out when this book was imported (time_entries 2): see book/rejects.csv'
    """
    total, parts = _tally(import_rejects)
    if not total:
        return ""
    rows, were = ("rows", "were") if total != 1 else ("row", "was")
    return (
        f"{total} {rows} of the exports {were} left out when this book was imported ({parts}): "
        f"see {see}"
    )


def book_rejects_lines(book, *, see: str, import_see: str | None = None) -> list[str]:
    """What a notebook says at the top about rows left out of ``book`` (a loaded
    :class:`~helpers.book.load.Book`): the loader's rejects (pointing at ``see``), then the
    rows its import left out (pointing at ``import_see``, else the book folder's
    ``rejects.csv``); empty when neither left a row out."""
    where = import_see or str(Path(book.source) / REJECTS_FILE)
    lines = [
        rejects_line(book.rejects, see=see),
        import_rejects_line(book.import_rejects, see=where),
    ]
    return [line for line in lines if line]


def rejects_line(rejects: pd.DataFrame, *, see: str) -> str:
    """The one line a command prints: the summary and where to look (empty without rejects).

    >>> rejects_line(pd.DataFrame({"table": ["invoices"]}), see="metrics-rejects.csv")
    '1 row rejected (invoices 1): see metrics-rejects.csv'
    """
    summary = rejects_summary(rejects)
    return f"{summary}: see {see}" if summary else ""


def ledger_beside(out: str | Path) -> Path:
    """Where ``metrics --out FILE`` puts the ledger: ``<stem>-rejects.csv`` in FILE's folder.

    >>> ledger_beside("out/metrics.xlsx").as_posix()
    'out/metrics-rejects.csv'
    """
    out = Path(out)
    return out.with_name(f"{out.stem}-rejects.csv")


def write_rejects(rejects: pd.DataFrame, path: str | Path) -> Path:
    """Write the ledger (table, source_file, row, column, value, reason) as CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects.to_csv(path, index=False)
    return path


def validate_hint(data: str | Path | None) -> str:
    """Where to look when no ledger file was written: the ``validate`` command for the book."""
    target = f" {data}" if data is not None else ""
    return f"run `pumpkin validate{target}` for the ledger"


def keep_ledger(rejects: pd.DataFrame, ledger: str | Path | None) -> Path | None:
    """Write the ledger to ``ledger`` when rows were rejected; when none was, remove a ledger an
    earlier run left there (so the file never describes another run). Returns the path written."""
    if ledger is None:
        return None
    if not rejects_counts(rejects):
        Path(ledger).unlink(missing_ok=True)
        return None
    return write_rejects(rejects, ledger)


def rejects_notice(
    rejects: pd.DataFrame,
    *,
    written: Path | None = None,
    see: str | None = None,
    data: str | Path | None = None,
) -> str | None:
    """The one line every book-reading command says when rows were rejected (None when none
    was). It points at the ledger file ``written``, else at ``see`` (e.g. "the ledger above"),
    else at ``pumpkin validate DATA``."""
    if not rejects_counts(rejects):
        return None
    where = str(written) if written is not None else see or validate_hint(data)
    return rejects_line(rejects, see=where)
