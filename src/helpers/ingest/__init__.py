"""Importers of the exports consultants really have (``pumpkin import``).

Harvest, Toggl Track and Clockify time reports; Xero, QuickBooks Online and FreshBooks invoice
exports; any of them saved as ``.xlsx``; canonical workbooks. Each file's tool is detected by
its header, converted by its module, and the parts are merged into one validated
:class:`helpers.book.load.Book` whose rejects ledger names the original file and row of every row
left out.

Every data row of a file ends in the book or in the ledger (``rejects.csv``: the rows left
out, each with its file, row and reason), never both and never neither. What the import
assumed about a row it used (a paid invoice without a paid date gets its due date unless
``--payments`` gives one; a blank due date is the issue date; a date order inferred; a job kept
as a project) is a note in ``notes.csv`` (same columns), not a reject. Money reconciles per file:
the file (every data row's money before anything is dropped) = book + ledger, and an export's
own TOTAL line is checked against the rows. Rows without a client go to the ledger (no
placeholder client); files that are not UTF-8 are read as Windows-1252, what Excel writes for
"CSV", and the summary says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.book.load import (
    NOTES_FILE,
    Book,
    refuse_rejects,
    write_book,
)
from helpers.book.settings import SETTINGS_FILE, Settings, save_settings
from helpers.errors import BookError
from helpers.ingest import detect, excel
from helpers.ingest import payments as payments_export
from helpers.ingest.clients import read_mapping
from helpers.ingest.merge import Merged, invoice_part, merge_parts
from helpers.ingest.part import Part
from helpers.ingest.rates import read_bill_rates, with_bill_rates
from helpers.ingest.read import (
    HEAD_BYTES,
    NotUtf8,
    RawFile,
    as_utf8,
    decode_head,
    head_records,
    locate_header,
    read_csv_export,
)
from helpers.ingest.source import ExportFormat, ReadsSomeColumns

__all__ = [
    "import_exports",
    "read_import",
    "reconciliation",
    "row_fates",
    "summary",
    "write_import",
]

SUFFIXES = (".csv", ".tsv", ".xlsx")  # in folders; a file named explicitly may be any


@dataclass(frozen=True)
class Imported:
    """An import's parts and merged result, kept for the summary."""

    parts: list[Part]
    merged: Merged
    notes: tuple[str, ...]


# ----------------------------------------------------------------------------- files


def export_files(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """The files to import: each file given, and the export files inside each folder."""
    if isinstance(paths, str | Path):
        paths = [paths]
    files = []
    for path in map(Path, paths):
        if not path.exists():
            raise BookError("not found", file=path)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
            if not inside:
                raise BookError(
                    f"no export files ({', '.join(SUFFIXES)}) in this folder", file=path
                )
            files += inside
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Sniffed:
    """A CSV file's header found: where it is, its delimiter, and which tool wrote it."""

    path: Path
    encoding: str
    delimiter: str
    index: int
    lines: int
    names: list[str]
    source: ExportFormat
    variant: str
    preamble: tuple[str, ...] = ()


def sniff_csv(path: Path) -> Sniffed:
    """Locate a CSV export's header and recognise its tool (reads only the file's head)."""
    with path.open("rb") as handle:
        head_bytes = handle.read(HEAD_BYTES + 1)
    if not head_bytes.replace(b"\xef\xbb\xbf", b"").strip(b" \r\n\t,;"):
        raise BookError("empty file", file=path)
    head, encoding = decode_head(path, head_bytes)
    delimiter, index, lines, names, hit = locate_header(path, head, detect.match)
    if hit is None:
        raise detect.unknown_header(path, names)
    above = head_records(head)[delimiter][:index]
    preamble = tuple(" ".join(c.strip() for c in cells if c.strip()) for _, cells in above)
    return Sniffed(path, encoding, delimiter, index, lines, names, *hit, preamble=preamble)


def read_csv_file(sniffed: Sniffed, *, detail: bool = True) -> tuple[RawFile, object, str]:
    """The body of a sniffed CSV export: (raw file, source module, variant).

    A file that is not UTF-8 is read as Windows-1252 (what Excel writes for "CSV" on Windows;
    it decodes any byte but five) and the summary says so.
    """
    try:
        return _read_csv_body(sniffed, sniffed.encoding, detail=detail)
    except NotUtf8:  # the head was plain ASCII, a later byte is not UTF-8
        return _read_csv_body(sniffed, "cp1252", detail=detail)


def _read_csv_body(sniffed: Sniffed, encoding: str, *, detail: bool):
    path, notes, data = sniffed.path, [], None
    if encoding != "utf-8":
        notes.append(f"not UTF-8: decoded as Windows-1252 ({encoding}), as Excel saves CSV")
        data = as_utf8(path, path.read_bytes(), encoding)
    if sniffed.delimiter != ",":
        notes.append("separated by " + ("semicolons" if sniffed.delimiter == ";" else "tabs"))
    if sniffed.index:
        notes.append(f"{sniffed.index} line(s) above the header skipped (report preamble)")
    selective = isinstance(sniffed.source, ReadsSomeColumns)
    raw = read_csv_export(
        path,
        data,
        delimiter=sniffed.delimiter,
        lines_before_data=sniffed.lines,
        header_row=sniffed.index + 1,
        names=sniffed.names,
        notes=notes,
        include=sniffed.source.columns_used(sniffed.names, detail=detail) if selective else None,
        numeric=sniffed.source.columns_numeric(sniffed.names) if selective else (),
    )
    return replace(raw, preamble=sniffed.preamble), sniffed.source, sniffed.variant


def read_exports(files: list[Path], *, settings: Settings | None):
    """(raw files with their source and variant, canonical books, notes) of the files."""
    sniffed = {p: sniff_csv(p) for p in files if p.suffix.lower() != ".xlsx"}
    per_tool = Counter(s.source for s in sniffed.values())
    workbooks = len(sniffed) < len(files)  # their sheets may repeat a CSV's entries
    found, books, notes = [], [], []
    for path in files:
        if path.suffix.lower() == ".xlsx":
            sheets, book, ignored = excel.read_workbook(path, settings=settings)
            found += sheets
            notes += [f"{path.name}: {n}" for n in ignored]
            if book is not None:
                books.append((path.name, book))
        else:
            found.append(
                read_csv_file(sniffed[path], detail=per_tool[sniffed[path].source] > 1 or workbooks)
            )
    return found, books, notes


def _paid_dates(raws, payments_path, date_order) -> pd.DataFrame | None:
    frames = [payments_export.paid_dates(raw, date_order=date_order) for raw in raws]
    if payments_path is not None:
        raw, source, _ = read_csv_file(sniff_csv(Path(payments_path)))
        if source is not payments_export:
            raise BookError(
                f"--payments needs an invoice number column ({', '.join(payments_export.NUMBER)}) "
                f"and a payment date column ({', '.join(payments_export.DATE)})",
                file=payments_path,
            )
        frames.append(payments_export.paid_dates(raw, date_order=date_order))
    if not frames:
        return None
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values("paid_date")
        .drop_duplicates("invoice_id", keep="last")
    )


def _base_currency(parts: list[Part], settings: Settings | None) -> tuple[str, str | None]:
    """The settings' base currency, else the exports' main currency (with a note)."""
    if settings is not None:
        return settings.base_currency, None
    invoiced = [p.frame[["currency", "file_amount"]] for p in parts if p.table == "invoices"]
    money = pd.concat(invoiced, ignore_index=True) if invoiced else pd.DataFrame()
    money = money.loc[money["currency"].ne("")] if len(money) else money
    if len(money):  # the currency with the most invoiced money
        totals = (
            money.assign(file_amount=money["file_amount"].abs())
            .groupby("currency")["file_amount"]
            .sum()
        )
    else:  # time exports only: the currency most files name
        named = [c for p in parts for c in p.extra.get("currencies", [])]
        totals = pd.Series(named, dtype=object).value_counts()
    if totals.empty:
        return Settings().base_currency, None
    main = totals.sort_values(ascending=False, kind="stable").index[0]
    return main, f"base currency {main} (the exports' main currency)"


# ----------------------------------------------------------------------------- public


def read_import(
    paths: Iterable[str | Path],
    *,
    clients: str | Path | None = None,
    date_order: str | None = None,
    payments: str | Path | None = None,
    settings: Settings | None = None,
    bill_rates: str | Path | None = None,
    jobs_as_clients: bool = False,
) -> Imported:
    """Read exports (files or folders), detect each by its header, merge into a validated Book,
    keeping each file's part: for :func:`summary`, :func:`reconciliation` and :func:`row_fates`.

    ``clients`` is a CSV mapping (name, client_id, size, owner, industry); ``date_order``
    (``dmy``/``mdy``) settles ambiguous dates; ``payments`` is a CSV of invoice numbers and
    payment dates; ``bill_rates`` a CSV of hourly rates (client and/or person, rate) that values
    billable hours without an amount (:mod:`helpers.ingest.rates`); ``jobs_as_clients`` keeps
    QuickBooks' ``Customer:Job`` as one client per job (default: the parent customer is the
    client, the job a ``project`` note). The book's ledger lists every row left out with its
    original file and row; ``book.notes`` what was assumed about rows used.
    """
    files = export_files(paths)
    found, books, notes = read_exports(files, settings=settings)
    raws = [raw for raw, source, _ in found if source is payments_export]
    parts = [
        source.convert(raw, variant, date_order=date_order, jobs_as_clients=jobs_as_clients)
        if source.TABLE == "invoices"
        else source.convert(raw, variant, date_order=date_order)
        for raw, source, variant in found
        if source is not payments_export
    ]
    parts += [part for name, book in books for part in excel.book_parts(name, book)]
    parts = [invoice_part(p) if p.table == "invoices" else p for p in parts]  # rows -> invoices
    if not parts and not books:
        raise BookError(
            "no time or invoice export among the files (only payments files)",
            file=", ".join(str(f) for f in files),
        )
    base, note = _base_currency(parts, settings)
    merged = merge_parts(
        parts,
        mapping=read_mapping(clients) if clients else None,
        paid=_paid_dates(raws, payments, date_order),
        base_currency=base,
        books=books,
    )
    extra = [note] if note else []
    extra += [f"payments file {raw.label}: {len(raw.frame)} row(s)" for raw in raws]
    if bill_rates is not None:
        valued, rate_notes = with_bill_rates(merged.book, read_bill_rates(bill_rates))
        merged, extra = replace(merged, book=valued), [*extra, *rate_notes]
    return Imported(parts=parts, merged=merged, notes=(*notes, *extra, *merged.notes))


def import_exports(paths: Iterable[str | Path], **options) -> Book:
    """The validated Book of :func:`read_import` (same keyword options)."""
    return read_import(paths, **options).merged.book


def open_book(
    path: str | Path, *, settings: Settings | None = None, strict: bool = False, **options
) -> Book:
    """A canonical book (an .xlsx workbook or a folder with ``clients.csv``) loaded as it is, or
    a folder of tool exports imported with :func:`read_import`'s keyword options (``clients``,
    ``date_order``, ``payments``, ``jobs_as_clients``, ...): what a consultant points the first
    notebook at."""
    from helpers.book.load import load_book

    source = Path(path)
    if source.suffix.lower() == ".xlsx" or (source / "clients.csv").exists():
        return load_book(source, settings=settings or Settings(), strict=strict)
    return import_exports([source], settings=settings, **options)


def reconciliation(imported: Imported) -> pd.DataFrame:
    """Per file and measure (hours, money, open balance): the file's figure (every data row's,
    before anything is dropped), the book's and the ledger's, whether file = book + ledger, and
    the file's own total line when it has one."""
    ledger, used, rows = imported.merged.ledger, imported.merged.used, []
    public = ledger.loc[ledger["part_index"] >= 0]
    for i, part in enumerate(imported.parts):
        mine = public.loc[public["part_index"] == i]
        got = used.loc[i]
        base = {"file": part.file, "format": part.format, "variant": part.variant}
        if part.table == "time_entries":
            in_file = part.frame["file_hours"].sum() + part.ledger["file_hours"].sum()
            rows.append(
                {
                    **base,
                    "measure": "hours",
                    "in_file": in_file,
                    "in_book": got["hours"],
                    "in_ledger": mine["file_hours"].sum(),
                }
            )
            continue
        lines = part.lines
        totals = part.extra.get("total_line", {})
        rows.append(
            {
                **base,
                "measure": "money",
                "in_file": lines["money"].sum(),
                "in_book": got["amount"],
                "in_ledger": mine["file_amount"].sum(),
                "total_line": totals.get("money", np.nan),
            }
        )
        if part.extra.get("has_open"):
            used_rows = imported.merged.rows.loc[imported.merged.rows["part"].eq(i), "row"]
            left = ~lines["row"].isin(used_rows)
            rows.append(
                {
                    **base,
                    "measure": "open balance",
                    "in_file": lines["open"].sum(),
                    "in_book": got["unpaid"],
                    "in_ledger": lines.loc[left, "open"].sum(),
                    "total_line": totals.get("open balance", np.nan),
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "file",
            "format",
            "variant",
            "measure",
            "in_file",
            "in_book",
            "in_ledger",
            "total_line",
        ],
    )
    scale = np.maximum(1.0, frame["in_file"].abs())
    return frame.assign(
        reconciled=(frame["in_file"] - frame["in_book"] - frame["in_ledger"]).abs()
        <= 1e-6 * scale + 0.005 * frame["measure"].ne("hours"),
        total_difference=frame["in_file"] - frame["total_line"],
    )


def row_fates(imported: Imported) -> pd.DataFrame:
    """Every data row of every file: ``book`` (used) or ``ledger`` (left out), with its file and
    row. A row listed twice, or with both fates, would be a bug: the tests check it."""
    merged = imported.merged
    files = np.array([p.file for p in imported.parts], dtype=object)
    used = merged.rows.loc[merged.rows["part"] >= 0]
    left = merged.ledger.loc[merged.ledger["part_index"] >= 0]
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "source_file": files[used["part"].to_numpy(dtype=int)],
                    "row": used["row"].to_numpy(),
                    "fate": "book",
                }
            ),
            pd.DataFrame(
                {
                    "source_file": files[left["part_index"].to_numpy(dtype=int)],
                    "row": left["row"].to_numpy(),
                    "fate": "ledger",
                }
            ),
        ],
        ignore_index=True,
    )


def summary(imported: Imported) -> str:
    """Per file: format, variant, rows read/used/left out/duplicates, the money (or hours)
    check, the file's own TOTAL line; then the book and one line about the notes."""
    ledger, used, lines = imported.merged.ledger, imported.merged.used, []
    checks = reconciliation(imported)
    for i, part in enumerate(imported.parts):
        mine = ledger.loc[ledger["part_index"] == i]
        dups = mine["duplicate"].to_numpy(dtype=bool)
        unit = "invoice lines" if part.table == "invoices" else "rows"
        lines.append(f"{part.file}: {part.format} ({part.variant})")
        lines.append(
            f"  {unit} read {part.rows_read}, used {int(used.loc[i, 'rows'])}, rejected "
            f"{int((~dups).sum())}, duplicates dropped {int(dups.sum())}"
            + (f", report lines skipped {part.skipped}" if part.skipped else "")
        )
        if part.table == "time_entries":
            if np.isfinite(part.frame["file_amount"]).any():
                money = part.frame["file_amount"].sum() + part.ledger["file_amount"].sum()
                lines.append(
                    f"  billable amount in the file (the book's billable_amount): {money:,.2f}"
                )
        else:
            lines.append(f"  invoices {part.extra.get('invoices', 0)}")
        for check in checks.loc[checks["file"].eq(part.file) & _same(checks, part)].itertuples():
            lines.append(_check(check, applied=used.loc[i, "applied"]))
        lines += [f"  note: {n}" for n in part.notes]
    book = imported.merged.book
    lines.append(
        f"book: {len(book.clients)} clients, {len(book.time_entries)} time entries "
        f"({book.time_entries['hours'].sum():,.2f} h), {len(book.invoices)} invoices "
        f"({book.invoices['amount'].sum():,.2f}), {len(book.people)} people with a "
        f"cost rate; {len(book.rejects)} row(s) in the rejects ledger"
    )
    lines.append(notes_line(imported.merged.assumed))
    lines += [f"note: {n}" for n in imported.notes]
    return "\n".join(lines)


def _same(checks: pd.DataFrame, part: Part) -> pd.Series:
    return checks["format"].eq(part.format) & checks["variant"].eq(part.variant)


def notes_line(assumed: pd.DataFrame) -> str:
    """One line: how many notes on used rows, by kind (most first)."""
    if assumed.empty:
        return "notes.csv: no assumptions made about the rows used"
    kinds = assumed["note_kind"].value_counts(sort=True)
    listing = "; ".join(f"{n} {k}" for k, n in kinds.items())
    return f"notes.csv: {len(assumed)} assumption(s) about rows used (not rejects): {listing}"


def _check(check, *, applied: float) -> str:
    what = check.measure
    if what == "hours":
        label = f"  hours: file {check.in_file:,.2f} = book {check.in_book:,.2f}"
    elif what == "money" and abs(applied) >= 0.005:
        label = (
            f"  money: file {check.in_file:,.2f} = book {check.in_book:,.2f} (invoices "
            f"{check.in_book - applied:,.2f}, payments and adjustments applied {applied:,.2f})"
        )
    elif what == "open balance":
        label = (
            f"  open balance: file {check.in_file:,.2f} = book unpaid at the report's date "
            f"{check.in_book:,.2f}"
        )
    else:
        label = f"  {what}: file {check.in_file:,.2f} = book {check.in_book:,.2f}"
    text = (
        label
        + f" + ledger {check.in_ledger:,.2f}"
        + (" (reconciled)" if check.reconciled else " (DOES NOT RECONCILE)")
    )
    if pd.notna(check.total_line):
        if abs(check.total_difference) < 0.005:
            text += "; matches the file's TOTAL line"
        else:
            text += (
                f"; the file's TOTAL line says {check.total_line:,.2f}: the rows differ by "
                f"{check.total_difference:,.2f}"
            )
    return text


@dataclass(frozen=True)
class WrittenImport:
    """What :func:`write_import` did: the import (for :func:`summary`) and the book's folder."""

    imported: Imported
    folder: Path

    @property
    def book(self) -> Book:
        """The imported book (validated, as written)."""
        return self.imported.merged.book


def write_import(paths, *, out, strict: bool = False, **options) -> WrittenImport:
    """Import the exports (:func:`read_import`'s keyword options) and write the book,
    rejects.csv and notes.csv to ``out`` (and a settings.toml naming the base currency when it is
    not the default); prints nothing (``pumpkin import`` prints :func:`summary` of it).
    ``strict``: any rejected row is an error.
    """
    imported = read_import(paths, **options)
    book = imported.merged.book
    if strict:
        refuse_rejects(book.rejects)
    written = write_book(book, out)
    if book.notes.empty:  # an empty notes.csv says "nothing assumed", not "not written"
        book.notes.to_csv(written / NOTES_FILE, index=False)
    if book.base_currency != Settings().base_currency and not (written / SETTINGS_FILE).exists():
        save_settings(Settings(base_currency=book.base_currency), written / SETTINGS_FILE)
    return WrittenImport(imported, written)
