"""What a module must offer to be an export format of ``pumpkin import``: the protocol, written down.

Each tool's module (:mod:`~helpers.ingest.harvest`, :mod:`~helpers.ingest.toggl`, ...) is itself
the object that satisfies these protocols: its module-level constants and functions are the
members. :mod:`helpers.ingest.detect` tries the formats in order; the import reads a file with
only the columns its format uses when the format says which (:class:`ReadsSomeColumns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from helpers.ingest.part import Part
    from helpers.ingest.read import RawFile


@runtime_checkable
class ExportFormat(Protocol):
    """A file format recognised by its header row."""

    #: Short name of the tool (``"harvest"``), used in notes and the ledger's source column.
    NAME: str
    #: The canonical table its rows become (``"time_entries"``, ``"invoices"``, ``"payments"``).
    TABLE: str

    def detect(self, columns: list[str]) -> str | None:
        """The header variant this format recognises in ``columns`` (a short text the import
        summary shows, such as ``"current +Hours Rounded"``), or None when it is not this
        format. Decided by the header only, never by the file name."""
        ...


@runtime_checkable
class Converter(ExportFormat, Protocol):
    """A format whose rows become a canonical table."""

    def convert(self, raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
        """The file's rows as canonical rows plus the rows left out (with row, column and
        reason), for the ``variant`` :meth:`detect` returned. ``date_order`` (``"dmy"`` or
        ``"mdy"``) settles dates such as 03/04/2025 when the file itself does not. Invoice
        formats also take ``jobs_as_clients`` (QuickBooks' ``Customer:Job``; others ignore it)."""
        ...


@runtime_checkable
class InvoiceConverter(Converter, Protocol):
    """An invoicing tool's format: its rows become invoices (table ``"invoices"``)."""

    def convert(
        self,
        raw: RawFile,
        variant: str,
        *,
        date_order: str | None = None,
        jobs_as_clients: bool = False,
    ) -> Part:
        """As :meth:`Converter.convert`; ``jobs_as_clients``: a ``Customer:Job`` name is a
        client of its own rather than a job of its customer (``pumpkin import
        --jobs-as-clients``)."""
        ...


@runtime_checkable
class ReadsSomeColumns(Protocol):
    """A format that says which of a file's columns it reads (the others are not parsed)."""

    def columns_used(self, columns: Sequence[str], *, detail: bool) -> list[str]:
        """The columns :meth:`Converter.convert` reads for this header; ``detail`` adds the
        descriptive ones (project, task, notes) that only serve to find repeated rows."""
        ...

    def columns_numeric(self, columns: Sequence[str]) -> list[str]:
        """The columns only summed for the import summary: read as numbers when they are
        plain numbers."""
        ...
