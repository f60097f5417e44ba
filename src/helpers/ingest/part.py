"""What a source module hands to the merge: canonical rows of one file plus its own rejects.

A ``Part`` keeps the client *name* (not yet an id: ids are assigned across all files), each
row's file row number, and the file's own hours and money per row, so the import can show
that the book's totals equal the file's totals minus what the ledger lists.

The intermediate schema: besides the canonical columns, the frames an import passes between its
modules carry these named columns (:data:`INTERMEDIATE_COLUMNS`; never an underscore name), which
the merge drops when it builds the book, the ledger and the notes:

- a part's ``frame`` (one row per canonical row, as text; ``client`` is a name): time
  ``date``, ``client``, ``person``, ``hours``, ``billable``, invoices ``invoice_id``, ``client``,
  ``issue_date``, ``due_date``, ``amount``, ``currency``, ``paid_date``; then ``file_row``, ``file_hours``,
  ``file_amount``, ``file_currency``, ``detail <column>`` (time: the export's descriptive
  columns, to find repeated rows); invoices also ``invoice_group``, ``base_id``, ``id_suffix``,
  ``file_number``, ``identity``, ``export_as_of``, ``paid_unknown``;
- a ledger (rows left out): :data:`~helpers.book.schema.LEDGER_COLUMNS` + ``file_hours``,
  ``file_amount``; in the merge also ``part_index`` and ``duplicate``;
- notes on used rows (``assumed``): LEDGER_COLUMNS + ``note_kind`` + ``invoice_group``; in the
  merge also ``part_index``;
- an invoice export's lines grouped into invoices (:mod:`helpers.ingest.invoicing`):
  ``invoice_group``, ``first_row``, ``last_row``, ``line_count``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.book.schema import LEDGER_COLUMNS
from helpers.ingest.read import RawFile

#: The intermediate columns (see the module's docstring), each with what it holds.
INTERMEDIATE_COLUMNS = {
    "file_row": "the row's number in its file, as a spreadsheet shows it",
    "file_hours": "the hours the row carried in the file (for the reconciliation)",
    "file_amount": "the money the row carried in the file (for the reconciliation)",
    "file_currency": "the currency the file gives the row's amount in ('' = the base currency)",
    "invoice_group": "the invoice a file's line belongs to (a number within its file)",
    "base_id": "an invoice's id without the suffix of its paid part",
    "id_suffix": "the suffix of a partly paid invoice's paid part ('' otherwise)",
    "file_number": "the invoice number as the file wrote it",
    "identity": "a hash of number, client, dates, amount and currency (same invoice in two files)",
    "export_as_of": "the date a report's open balances are at ('' when not given)",
    "paid_unknown": "paid according to the file, without a paid date",
    "first_row": "the first file row of an invoice's lines",
    "last_row": "the last file row of an invoice's lines",
    "line_count": "how many lines an invoice has in its file",
    "line_index": "the position of a line in its file's data (a note's line, before grouping)",
    "note_kind": "a note's short kind, counted by the import summary",
    "part_index": "the position of the file's part among the import's parts (-1: no file)",
    "duplicate": "the row was left out as a repeat of another",
}
#: A time part's frame's descriptive columns are named ``DETAIL + export column``.
DETAIL = "detail "


@dataclass(frozen=True)
class Part:
    """One file's contribution: canonical text columns, its rejects, and what it read."""

    file: str
    format: str
    variant: str
    table: str  # "time_entries" or "invoices"
    frame: pd.DataFrame  # the canonical columns (client = name) + intermediate columns
    ledger: pd.DataFrame  # LEDGER_COLUMNS + file_hours + file_amount
    rows_read: int
    notes: tuple[str, ...] = ()
    people: pd.DataFrame | None = None  # person, cost_rate, date
    skipped: int = 0  # report lines that are not entries (preamble, totals, footer)
    extra: dict = field(default_factory=dict)
    #: invoice exports: one row per data row (row, money, open, inv = the invoice group it
    #: went into or -1, adjustment = a payment or adjustment applied to that group)
    lines: pd.DataFrame | None = None
    #: what the conversion assumed about rows it used (LEDGER_COLUMNS + note_kind + invoice_group)
    assumed: pd.DataFrame | None = None


def _ledger_rows(*, table: str, file: str, rows, column, value, reason, **extra) -> pd.DataFrame:
    """Rows in the ledger's columns (:data:`LEDGER_COLUMNS`), then the ``extra`` columns."""
    rows = np.asarray(rows, dtype="int64")
    return pd.DataFrame(
        {
            "table": table,
            "source_file": file,
            "row": rows,
            "column": column,
            "value": value,
            "reason": reason,
            **extra,
        },
        index=range(len(rows)),
    )


def ledger_frame(*, hours=np.nan, amount=np.nan, **where) -> pd.DataFrame:
    """Ledger rows (with the hours and money they carried) from arrays or scalars; ``where`` is
    :func:`_ledger_rows`' table, file, rows, column, value and reason."""
    frame = _ledger_rows(**where, file_hours=hours, file_amount=amount)
    return frame.astype({"value": object, "file_hours": "float64", "file_amount": "float64"})


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
            "file_hours": numbers,
            "file_amount": numbers,
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


def file_part(
    raw: RawFile,
    *,
    fmt: str,
    variant: str,
    table: str,
    frame: pd.DataFrame,
    ledgers: list[pd.DataFrame],
    rows: int,
    notes: tuple[str, ...] = (),
    order_note: str | None = None,
    currencies: list[str] | tuple[str, ...] = (),
    **fields,
) -> Part:
    """One file's :class:`Part`: its rows (``frame``), its ledger (the file's malformed rows,
    then ``ledgers``), the rows read (``rows`` data rows plus the malformed ones) and its notes
    (the reader's, ``notes``, the date order inferred, the currencies the file names). ``fields``
    are the Part's other fields (``people``, ``extra``, ``lines``, ...)."""
    return Part(
        file=raw.label,
        format=fmt,
        variant=variant,
        table=table,
        frame=frame,
        ledger=concat_ledgers([bad_row_ledger(raw, table), *ledgers]),
        rows_read=rows + len(raw.bad),
        notes=(
            *raw.notes,
            *notes,
            *([order_note] if order_note else []),
            *(["currency " + ", ".join(currencies)] if currencies else []),
        ),
        **fields,
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
        """Rows in ``mask`` that have not failed yet fail with this column, reason and value."""
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
        """The rows that passed every rule so far."""
        return ~self.failed

    def ledger(self, raw: RawFile, table: str, *, hours=None, amount=None) -> pd.DataFrame:
        """The failed rows as ledger rows, with the hours and money each carried."""
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


def note_frame(*, kind, inv, **where) -> pd.DataFrame:
    """Notes on used rows: the ledger's columns (``where``: :func:`_ledger_rows`' table, file,
    rows, column, value and reason), a short ``note_kind`` for the summary and the
    ``invoice_group`` they describe (dropped with it if the group is left out later)."""
    frame = _ledger_rows(**where, note_kind=kind, invoice_group=inv)
    return frame.astype({"value": object, "invoice_group": "int64"})


def empty_notes() -> pd.DataFrame:
    """Notes without rows, typed as :func:`note_frame` types them."""
    return note_frame(
        table="", file="", rows=[], column="", value="", reason="", kind="", inv=np.zeros(0)
    )


def concat_ledgers(ledgers: list[pd.DataFrame]) -> pd.DataFrame:
    """One ledger from several (the empty ones skipped)."""
    frames = [f for f in ledgers if len(f)]
    if not frames:
        return empty_part_ledger()
    return pd.concat(frames, ignore_index=True)


def public_ledger(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger with the canonical columns only."""
    return ledger.loc[:, list(LEDGER_COLUMNS)].reset_index(drop=True)
