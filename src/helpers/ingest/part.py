"""What a source module hands to the merge: canonical rows of one file plus its own rejects.

A ``Part`` keeps the client *name* (not yet an id: ids are assigned across all files), each
row's file row number, and the file's own hours and money per row, so the import can show
that the book's totals equal the file's totals minus what the ledger lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.book.schema import LEDGER_COLUMNS
from helpers.ingest.read import RawFile

#: Columns of a time part's frame besides the canonical ones.
TIME_COLUMNS = ("date", "client", "person", "hours", "billable")
INVOICE_COLUMNS = (
    "invoice_id",
    "client",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "paid_date",
)


@dataclass(frozen=True)
class Part:
    """One file's contribution: canonical text columns, its rejects, and what it read."""

    file: str
    format: str
    variant: str
    table: str  # "time_entries" or "invoices"
    frame: pd.DataFrame  # the canonical columns (client = name) + _row, _hours, _amount, _key
    ledger: pd.DataFrame  # LEDGER_COLUMNS + _hours + _amount
    rows_read: int
    notes: tuple[str, ...] = ()
    people: pd.DataFrame | None = None  # person, cost_rate, date
    skipped: int = 0  # report lines that are not entries (preamble, totals, footer)
    extra: dict = field(default_factory=dict)
    #: invoice exports: one row per data row (row, money, open, inv = the invoice group it
    #: went into or -1, adjustment = a payment or adjustment applied to that group)
    lines: pd.DataFrame | None = None
    #: what the conversion assumed about rows it used (LEDGER_COLUMNS + _kind + _inv)
    assumed: pd.DataFrame | None = None


def ledger_frame(
    *, table: str, file: str, rows, column, value, reason, hours=np.nan, amount=np.nan
) -> pd.DataFrame:
    """Ledger rows (with the hours and money they carried) from arrays or scalars."""
    rows = np.asarray(rows, dtype="int64")
    frame = pd.DataFrame(
        {
            "table": table,
            "source_file": file,
            "row": rows,
            "column": column,
            "value": value,
            "reason": reason,
            "_hours": hours,
            "_amount": amount,
        },
        index=range(len(rows)),
    )
    return frame.astype({"value": object, "_hours": "float64", "_amount": "float64"})


def empty_part_ledger() -> pd.DataFrame:
    """A ledger without rows, typed as :func:`ledger_frame` types it (built directly: cheap)."""
    text = pd.Series([], dtype="str")
    numbers = np.zeros(0, dtype="float64")
    return pd.DataFrame(
        {
            "table": text,
            "source_file": text,
            "row": np.zeros(0, dtype="int64"),
            "column": text,
            "value": np.zeros(0, dtype=object),
            "reason": text,
            "_hours": numbers,
            "_amount": numbers,
        }
    )


def bad_row_ledger(raw: RawFile, table: str) -> pd.DataFrame:
    """The rows whose field count was wrong."""
    if not len(raw.bad):
        return empty_part_ledger()
    return ledger_frame(
        table=table,
        file=raw.label,
        rows=raw.bad["row"].to_numpy(),
        column="",
        value=raw.bad["text"].to_numpy(),
        reason=raw.bad["reason"].to_numpy(),
    )


class Rejects:
    """Importer rules applied in order: each row keeps the first reason it fails.

    The per-row arrays are only allocated at the first failure (most files have none).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.failed = np.zeros(n, dtype=bool)
        self.reason = self.column = self.value = None

    def fail(self, mask, column: str, reason, values) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.failed
        if not mask.any():
            return
        if self.reason is None:
            self.reason = np.full(self.n, None, dtype=object)
            self.column = np.full(self.n, "", dtype=object)
            self.value = np.full(self.n, "", dtype=object)
        self.reason[mask] = reason[mask] if isinstance(reason, np.ndarray) else reason
        self.column[mask] = column
        self.value[mask] = np.asarray(values, dtype=object)[mask]
        self.failed |= mask

    @property
    def ok(self) -> np.ndarray:
        return ~self.failed

    def ledger(self, raw: RawFile, table: str, *, hours=None, amount=None) -> pd.DataFrame:
        bad = self.failed
        if not bad.any():
            return empty_part_ledger()

        def pick(values):
            return np.asarray(values, dtype="float64")[bad] if values is not None else np.nan

        return ledger_frame(
            table=table,
            file=raw.label,
            rows=raw.rows[bad],
            column=self.column[bad],
            value=self.value[bad],
            reason=self.reason[bad],
            hours=pick(hours),
            amount=pick(amount),
        )


def note_frame(*, table: str, file: str, rows, column, value, reason, kind, inv) -> pd.DataFrame:
    """Notes on used rows: the ledger's columns, a short ``_kind`` for the summary and the
    invoice group (``_inv``) they describe (dropped with it if the group is left out later)."""
    rows = np.asarray(rows, dtype="int64")
    frame = pd.DataFrame(
        {
            "table": table,
            "source_file": file,
            "row": rows,
            "column": column,
            "value": value,
            "reason": reason,
            "_kind": kind,
            "_inv": inv,
        },
        index=range(len(rows)),
    )
    return frame.astype({"value": object, "_inv": "int64"})


def empty_notes() -> pd.DataFrame:
    return note_frame(
        table="", file="", rows=[], column="", value="", reason="", kind="", inv=np.zeros(0)
    )


def concat_ledgers(ledgers: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in ledgers if len(f)]
    if not frames:
        return empty_part_ledger()
    return pd.concat(frames, ignore_index=True)


def public_ledger(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger with the canonical columns only."""
    return ledger.loc[:, list(LEDGER_COLUMNS)].reset_index(drop=True)
