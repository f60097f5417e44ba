"""The canonical client book: load a folder (CSV or Parquet) or an XLSX workbook, validated.

A file-level problem (missing file or column, unreadable encoding, empty file) raises
:class:`~helpers.errors.BookError` naming the file and column. A row-level problem puts the row in
the rejects ledger and leaves it out, so accepted + rejected = rows read for every table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.book import cache as book_cache
from helpers.book.arrow_csv import (
    ParsedCsv,
    arrow_csv,
    csv_header,
    parse_csv,
    typed_columns,
)
from helpers.book.prefetch import NOTES_FILE, REJECTS_FILE, Prefetch, cache_key, find_table_file
from helpers.book.quarters import check_quarter
from helpers.book.schema import (
    DECISION_ACTIONS,
    LOAD_ORDER,
    OUR_EVENT_KINDS,
    TABLES,
    Table,
)
from helpers.book.settings import Settings
from helpers.book.validate import RowChecks, check_reference, empty_ledger, validate_table
from helpers.errors import BookError

#: Optional columns left out of a written table when no row has a value (older books stay as
#: they were: a time export without amounts writes no ``billable_amount`` column).
BLANK_OPTIONAL = ("billable_amount",)


@dataclass(frozen=True)
class Book:
    """A validated client book: one DataFrame per table plus the rejects ledger.

    ``invoices`` carries ``amount_base``, the amount in the base currency. ``rows_read`` counts
    the data rows read per table, so ``accepted + rejected == rows_read`` can always be checked.
    ``notes`` (the ledger's columns) lists what an import assumed about rows it *used* (a paid
    date taken from the due date, a guessed date order, ...): never rows left out.
    ``import_rejects`` (the ledger's columns) lists the rows the import that wrote this book
    folder left out (its ``rejects.csv``): rows of the tools' exports, not of the book's files,
    so they are not in ``rejects`` nor in the reconciliation of the book's files.
    """

    clients: pd.DataFrame
    time_entries: pd.DataFrame
    invoices: pd.DataFrame
    people: pd.DataFrame
    events: pd.DataFrame
    assessments: pd.DataFrame
    fx: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: Mapping[str, int] = field(default_factory=dict)
    source: str = ""
    base_currency: str = "USD"
    #: The partners' decisions journal (optional table; empty when the book has none).
    decisions: pd.DataFrame = field(default_factory=lambda: _empty_table(TABLES["decisions"]))
    notes: pd.DataFrame = field(default_factory=empty_ledger)
    import_rejects: pd.DataFrame = field(default_factory=empty_ledger)
    #: The key of the files this book was loaded from in :mod:`helpers.book.cache` ("" when it
    #: was not loaded through the cache). Not a field of the book's content: ``load_book`` sets
    #: it on the book it returns, and a book made with ``dataclasses.replace`` (other tables:
    #: other content) has "" again, so nothing computed from the loaded files is served for it.
    cache_key: ClassVar[str] = ""

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def reconciliation(self) -> pd.DataFrame:
        """Rows read, accepted and rejected per table (accepted + rejected = read)."""
        rejected = self.rejects.groupby("table").size()
        return (
            pd.DataFrame({"table": list(LOAD_ORDER)})
            .assign(
                read=lambda d: d["table"].map(self.rows_read).fillna(0).astype(int),
                accepted=lambda d: d["table"].map(lambda t: len(self.table(t))).astype(int),
                rejected=lambda d: d["table"].map(rejected).fillna(0).astype(int),
            )
            .assign(balanced=lambda d: d["read"] == d["accepted"] + d["rejected"])
        )

    def has_revenue(self) -> bool:
        """Whether the book records any money earned: an invoice, or a time entry with a
        billable amount above 0 (the billable value of time stands in for clients without
        invoices)."""
        if len(self.invoices):
            return True
        amounts = self.time_entries.get("billable_amount")
        return amounts is not None and bool((amounts > 0).any())

    def _activity_span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """(first, last) dated time entry or invoice, None when there is none (each column's
        own minimum and maximum: no copy of 2M dates into one column)."""
        ends = [
            (dates.min(), dates.max())
            for dates in (self.time_entries["date"], self.invoices["issue_date"])
            if dates.notna().any()
        ]
        if not ends:
            return None
        return min(first for first, _ in ends), max(last for _, last in ends)

    def first_activity(self) -> pd.Timestamp | None:
        """The first dated time entry or invoice: where the book's history starts."""
        span = self._activity_span()
        return None if span is None else span[0].normalize()

    def quarters(self) -> list[str]:
        """Every quarter with activity (time entries or invoices), in order."""
        span = self._activity_span()
        if span is None:
            return []
        periods = pd.period_range(span[0], span[1], freq="Q")
        return [str(p) for p in periods]

    def last_activity(self) -> pd.Timestamp | None:
        """The last dated time entry or invoice: where the book's history ends."""
        span = self._activity_span()
        return None if span is None else span[1].normalize()

    def check_usable(self) -> None:
        """Refuse, in one message, a book the audit cannot run on: no clients at all, or a
        required table whose every row was rejected (the ledger says why; ``validate`` shows it).
        """
        for name in ("clients", "time_entries", "invoices"):
            read, accepted = self.rows_read.get(name, 0), len(self.table(name))
            if name == "clients" and read == 0:
                raise BookError(
                    "the book has no clients: add one row per client", file=self._where(name)
                )
            if read and not accepted:
                first = self.rejects[self.rejects["table"] == name].iloc[0]
                raise BookError(
                    f"every one of its {read} row(s) was rejected, so there is nothing to audit; "
                    f"the first: row {first['row']}, column '{first['column']}': {first['reason']} "
                    f"(run `pumpkin validate {self.source}` for the ledger)",
                    file=first["source_file"],
                )

    def _where(self, name: str) -> str:
        source = Path(self.source)
        if source.suffix.lower() == ".xlsx":
            return f"sheet '{name}' of {source}"
        found = find_table_file(source, name) if source.is_dir() else None
        return str(found or source / f"{name}.csv")

    def check_quarter(self, quarter: str) -> str:
        """``quarter`` in its canonical spelling if the book has activity in it (the one rule
        for which quarters can be audited); else a message naming the quarters with data.
        A book the audit cannot run on (:meth:`check_usable`) is refused first."""
        self.check_usable()
        return check_quarter(quarter, self.quarters(), where=f"the book {self.source}".rstrip())

    def complete_quarters(self) -> list[str]:
        """Quarters whose last day is on or before the last dated activity in the book."""
        span = self._activity_span()
        if span is None:
            return []
        last = span[1]
        return [q for q in self.quarters() if pd.Period(q, freq="Q").end_time.normalize() <= last]


#: What ``pumpkin import``, ``validate``, ``metrics`` and ``report`` say (one line on stderr, and
#: the report's opening) when :meth:`Book.has_revenue` is False.
NO_REVENUE = (
    "no revenue in the book: no invoices and no billable amounts on the time entries, so hours "
    "are measured but no client is valued, segmented or pruned: import invoices, or export "
    "time with billable rates"
)


def revenue_warning(book: Book) -> str:
    """:data:`NO_REVENUE` when the book has no revenue at all, else ``""``."""
    return "" if book.has_revenue() else NO_REVENUE


# ----------------------------------------------------------------------------- reading files


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text ('' for blanks) so typed sources validate like CSV."""
    out = {}
    for name, col in frame.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            text = col.dt.strftime("%Y-%m-%d")
        else:
            text = col.map(_cell_text, na_action="ignore")
        out[str(name).strip()] = text.astype("str").fillna("").where(col.notna(), "")
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: What a typed column holds in the frame the loader validates (blank: NaN, NaT, <NA>).
_TYPED_IN_PANDAS = {pa.bool_(): pd.BooleanDtype()}


def _may_have_padding(column: pa.ChunkedArray) -> bool:
    """False when no value can start or end with whitespace: every value's first and last byte
    is printable ASCII (read from the Arrow buffers, no copy of the text). Any other byte (a
    control or space character, or part of a non-ASCII character, which might be Unicode
    whitespace) says True, and the column is trimmed as before."""
    for chunk in column.chunks:
        if not len(chunk):
            continue
        _, offsets, data = chunk.buffers()
        if data is None:
            continue
        offsets = np.frombuffer(offsets, dtype=np.int32)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        text = np.frombuffer(data, dtype=np.uint8)
        for edge in (text[starts[filled]], text[ends[filled] - 1]):
            if ((edge <= 32) | (edge >= 127)).any():
                return True
    return False


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column without leading and trailing whitespace; trimmed only when some value may
    have it (trimming 2M values costs about 0.05 s of CPU per column, the check a tenth). A
    typed column (read by :func:`~helpers.book.arrow_csv.typed_table`) is returned as it is."""
    if column.type != pa.string():
        return column
    return pc.utf8_trim_whitespace(column) if _may_have_padding(column) else column


def _text_pandas(table: pa.Table) -> pd.DataFrame:
    """Trimmed text columns as pandas' ``str`` (typed columns as :data:`_TYPED_IN_PANDAS`)."""
    with ThreadPoolExecutor(2) as pool:  # Arrow releases the GIL: trim two columns at a time
        table = pa.table(list(pool.map(_trimmed, table.columns)), names=table.column_names)
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str"
    return table.to_pandas(types_mapper={pa.string(): text_dtype, **_TYPED_IN_PANDAS}.get)


def read_csv_text(
    path: Path, *, types: Mapping[str, pa.DataType] | None = None
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, list[str]]:
    """A CSV as text columns, its spreadsheet row numbers, the rows with a wrong field count,
    and the columns read typed: ``types`` (see :func:`~helpers.book.arrow_csv.typed_table`) as
    far as the file's values allow (a typed column's blanks are NaN/NaT/<NA>); every other
    column is text."""
    return _csv_frame(parse_csv(path, types=types))


def _csv_frame(parsed: ParsedCsv) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, list[str]]:
    """:func:`read_csv_text`'s answer from the file as Arrow parsed it."""
    frame = _text_pandas(parsed.table)
    invalid = pd.DataFrame(parsed.bad_rows, columns=["number", "text", "expected", "actual"])
    total = len(frame) + len(invalid)
    skipped = set(invalid["number"].dropna().astype(int))  # pyarrow's numbers count the header
    numbers = np.arange(2, total + 2)
    rows = numbers[~np.isin(numbers, list(skipped))][: len(frame)]
    return frame, rows, invalid, list(parsed.typed)


def _written_text(path: Path) -> Callable[[list[str]], pd.DataFrame]:
    """The ledger's source of a typed column's values as written: those columns of the file
    read again as text (the same rows, trimmed as the text path trims), only when a rejected
    row names one."""

    def text_of(columns: list[str]) -> pd.DataFrame:
        header = csv_header(path)
        table, _ = arrow_csv(path, header, threads=True, include=list(columns))
        return _text_pandas(table)

    return text_of


def _field_count_ledger(invalid: pd.DataFrame, table: str, source: str) -> pd.DataFrame:
    if invalid.empty:
        return empty_ledger()
    return pd.DataFrame(
        {
            "table": table,
            "source_file": source,
            "row": invalid["number"].fillna(-1).astype(int).to_numpy(),
            "column": "",
            "value": invalid["text"].str.slice(0, 80).to_numpy(),
            "reason": (
                "wrong number of fields: expected "
                + invalid["expected"].astype(str)
                + ", found "
                + invalid["actual"].astype(str)
            ).to_numpy(),
        }
    )


class _Read(NamedTuple):
    """One table as read: its columns (text, or typed where the CSV reader could), their
    spreadsheet row numbers, the field-count ledger, the source label, the columns read typed
    and where the ledger finds their values as written (None: every column is text)."""

    frame: pd.DataFrame
    rows: np.ndarray
    field_ledger: pd.DataFrame
    source: str
    typed: list[str]
    text_of: Callable[[list[str]], pd.DataFrame] | None


def _read_source(
    path: Path,
    name: str,
    sheets: Mapping[str, pd.DataFrame] | None,
    date_format: str | None,
    parsed: Future | None = None,
) -> _Read:
    """One table read from its sheet, Parquet file or CSV (typed where it can, see
    :func:`~helpers.book.arrow_csv.typed_table`; ``parsed``: the CSV's parse, already started
    by a prefetch, which resolves to None when it parsed nothing)."""
    if sheets is not None:
        frame = _text_frame(sheets[name].dropna(how="all"))
        rows = frame.index.to_numpy() + 2
        source = f"{path.name}[{name}]"
        return _Read(frame.reset_index(drop=True), rows, empty_ledger(), source, [], None)
    if path.suffix == ".parquet":
        try:
            frame = _text_frame(pd.read_parquet(path))
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise BookError(f"cannot be read as Parquet ({exc})", file=path) from None
        return _Read(frame, np.arange(len(frame)) + 2, empty_ledger(), path.name, [], None)
    types = typed_columns(TABLES[name], date_format=date_format)
    done = None if parsed is None else parsed.result()
    if done is None:
        frame, rows, invalid, typed = read_csv_text(path, types=types)
    else:
        frame, rows, invalid, typed = _csv_frame(done)
    field_ledger = _field_count_ledger(invalid, name, path.name)
    return _Read(frame, rows, field_ledger, path.name, typed, _written_text(path))


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for a bad file
        raise BookError(f"cannot be read as an Excel workbook ({exc})", file=path) from None


def _empty_table(table: Table) -> pd.DataFrame:
    kinds = {"date": "datetime64[ns]", "number": "float64", "bool": "object"}
    return pd.DataFrame(
        {c.name: pd.Series(dtype=kinds.get(c.kind, "object")) for c in table.columns}
    )


# ----------------------------------------------------------------------------- cross-table rules


def reference_rules(name: str, loaded: dict[str, pd.DataFrame], base_currency: str):
    """The checks of ``name`` that look at tables loaded before it."""

    def rules(frame: pd.DataFrame, checks: RowChecks) -> None:
        if "client_id" in frame.columns and name != "clients":
            check_reference(
                frame,
                "client_id",
                loaded["clients"]["client_id"],
                "client_id (not in clients)",
                checks,
            )
        if name == "invoices":
            checks.fail(
                frame["due_date"] < frame["issue_date"], "due_date", "due_date is before issue_date"
            )
            known = set(loaded["fx"]["currency"]) | {base_currency}
            currency = frame["currency"].fillna(base_currency).str.upper()
            checks.fail(
                ~currency.isin(known),
                "currency",
                "no fx rate for this currency (add it to the fx table)",
            )
        if name == "decisions":
            decision_rules(frame, checks)

    return rules


def decision_rules(frame: pd.DataFrame, checks: RowChecks) -> None:
    """A decision names a known action code (any case) and a ``until`` on or after its date."""
    code = frame["action"].fillna("").str.strip().str.upper()
    checks.fail(
        ~code.isin(DECISION_ACTIONS),
        "action",
        f"unknown action code (one of {', '.join(DECISION_ACTIONS)})",
    )
    checks.fail(frame["until"] < frame["date"], "until", "until is before the decision's date")


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``keys.map(table)``, looked up once per distinct key (few currencies, many invoices)."""
    codes, uniques = pd.factorize(keys)
    found = np.append(pd.Series(uniques).map(table).to_numpy(dtype=float), np.nan)
    return pd.Series(found[codes], index=keys.index)


def with_base_amounts(invoices: pd.DataFrame, fx: pd.DataFrame, base: str) -> pd.DataFrame:
    """Invoices with ``currency`` filled and ``amount_base`` in the base currency.

    Dated rates: the latest rate on or before the issue date (else the earliest one).
    """
    invoices = invoices.assign(currency=invoices["currency"].fillna(base).str.upper())
    if fx.empty:
        return invoices.assign(amount_base=invoices["amount"])
    fx = fx.assign(currency=fx["currency"].str.upper())
    dated = fx[fx["date"].notna()].sort_values("date")
    flat = fx[fx["date"].isna()].drop_duplicates("currency", keep="last").set_index("currency")
    rate = _lookup(invoices["currency"], flat["rate_to_base"])
    if not dated.empty:
        order = invoices.sort_values("issue_date").reset_index()
        back, fwd = (
            pd.merge_asof(
                order,
                dated[["date", "currency", "rate_to_base"]],
                left_on="issue_date",
                right_on="date",
                by="currency",
                direction=direction,
                suffixes=("", "_fx"),
            )
            for direction in ("backward", "forward")
        )
        dated_rate = back["rate_to_base"].fillna(fwd["rate_to_base"])
        dated_rate.index = order["index"]
        rate = dated_rate.reindex(invoices.index).fillna(rate)
    rate = rate.where(invoices["currency"] != base, 1.0)
    return invoices.assign(amount_base=invoices["amount"] * rate)


# ----------------------------------------------------------------------------- public


def _load_tables(path: Path, sheets, reads: Mapping, date_format, settings: Settings):
    """(validated tables, ledgers, rows read per table) in load order from the pending reads."""
    loaded: dict[str, pd.DataFrame] = {}
    ledgers, rows_read = [], {}
    for name in LOAD_ORDER:
        table = TABLES[name]
        if name not in reads:
            if table.required:
                where = f"sheet '{name}' of {path}" if sheets is not None else path / f"{name}.csv"
                raise BookError(f"required table '{name}' is missing", file=where)
            loaded[name], rows_read[name] = _empty_table(table), 0
            continue
        raw, rows, field_ledger, source, typed, text_of = reads[name].result()
        missing = [c for c in table.required_columns if c not in raw.columns]
        if missing:
            raise BookError(
                f"required column missing (found: {', '.join(raw.columns) or 'none'})",
                file=source if sheets is not None else find_table_file(path, name),
                column=missing[0],
            )
        clean, ledger = validate_table(
            raw,
            table,
            source=source,
            rows=rows,
            date_format=date_format,
            extra=reference_rules(name, loaded, settings.base_currency),
            typed=typed,
            text_of=text_of,
        )
        loaded[name] = clean
        rows_read[name] = len(raw) + len(field_ledger)
        ledgers += [field_ledger, ledger]
    return loaded, ledgers, rows_read


def refuse_rejects(rejects: pd.DataFrame) -> None:
    """Strict mode: any rejected row is an error naming the first one's file, row and column."""
    if rejects.empty:
        return
    first = rejects.iloc[0]
    raise BookError(
        f"{len(rejects)} row(s) rejected in strict mode; first: {first['reason']}"
        f" (value {first['value']!r})",
        file=first["source_file"],
        row=int(first["row"]),
        column=first["column"] or None,
    )


def load_book(
    path: str | Path,
    *,
    settings: Settings,
    strict: bool = False,
    date_format: str | None = None,
    cache: bool = True,
    prefetch: Prefetch | None = None,
) -> Book:
    """Load and validate a canonical book from a folder of CSV/Parquet files or an XLSX workbook.

    ``strict`` turns any rejected row into an error. ``date_format`` (a strftime format) is
    needed for non-ISO dates: the loader never guesses. With ``cache`` (the default) a book whose
    files have the same content as one validated before is read from its cached Arrow copy
    (:mod:`helpers.book.cache`); ``cache=False`` always reads and validates the files.
    ``prefetch`` (:func:`helpers.book.prefetch.start_prefetch`, started for this path and these
    options; else ignored) supplies the cache key and the CSVs as Arrow parsed them, computed
    while the caller was still importing; the book is the same as without it.
    """
    date_format = date_format or settings.date_format
    path = Path(path)
    if not path.exists():
        raise BookError("not found", file=path)
    if path.suffix.lower() != ".xlsx" and not path.is_dir():
        raise BookError("expected a folder of tables or an .xlsx workbook", file=path)
    base = settings.base_currency
    if prefetch is not None and not prefetch.matches(
        path, base_currency=base, date_format=date_format
    ):
        prefetch = None
    if not cache:
        key = None
    elif prefetch is not None:
        key = prefetch.key.result()
    else:
        key = _cache_key(path, settings, date_format)
    if key is not None and (book := _cached_book(key, path)) is not None:
        if strict:
            refuse_rejects(book.rejects)
        object.__setattr__(book, "cache_key", key)
        return book
    sheets = _read_workbook(path) if path.suffix.lower() == ".xlsx" else None

    files = {
        name: path if sheets is not None else find_table_file(path, name) for name in LOAD_ORDER
    }
    present = {
        name: name in sheets if sheets is not None else files[name] is not None
        for name in LOAD_ORDER
    }
    # One reader thread reads the next tables (Arrow parses outside the GIL) while this one is
    # validated; results are taken in load order, so errors surface in the same order.
    reader = ThreadPoolExecutor(1)
    try:
        reads = {
            name: reader.submit(_read_source, files[name], name, sheets, date_format, parsed)
            for name in LOAD_ORDER
            if present[name]
            for parsed in [None if prefetch is None else prefetch.take(name)]
        }
        loaded, ledgers, rows_read = _load_tables(path, sheets, reads, date_format, settings)
    finally:
        reader.shutdown(wait=False, cancel_futures=True)

    rejects = pd.concat([empty_ledger(), *ledgers], ignore_index=True)
    if strict:
        refuse_rejects(rejects)
    loaded["invoices"] = with_base_amounts(loaded["invoices"], loaded["fx"], settings.base_currency)
    loaded["decisions"] = loaded["decisions"].assign(
        action=loaded["decisions"]["action"].str.strip().str.upper()
    )
    loaded["events"] = loaded["events"].assign(
        severity=loaded["events"]["severity"].astype("float64"),
        caused_by=np.where(loaded["events"]["kind"].isin(OUR_EVENT_KINDS), "us", "client"),
    )
    book = Book(
        **loaded,
        rejects=rejects,
        rows_read=MappingProxyType(rows_read),
        source=str(path),
        base_currency=settings.base_currency,
        notes=read_notes(path),
        import_rejects=read_import_rejects(path),
    )
    if key is not None:
        _store_book(key, book)
        object.__setattr__(book, "cache_key", key)
    return book


# ----------------------------------------------------------------------------- the cache


def _cache_key(path: Path, settings: Settings, date_format: str | None) -> str | None:
    """The book's cache key (its files' content and the loading options), None when the cache
    is off."""
    return cache_key(path, base_currency=settings.base_currency, date_format=date_format)


def _frame_fields() -> list[str]:
    """The Book fields that hold DataFrames (every table and the rejects ledger)."""
    return [f.name for f in dataclasses.fields(Book) if f.name not in _META_FIELDS]


_META_FIELDS = ("rows_read", "source", "base_currency")


def _store_book(key: str, book: Book) -> None:
    frames = {name: getattr(book, name) for name in _frame_fields()}
    meta = {"rows_read": dict(book.rows_read), "base_currency": book.base_currency}
    book_cache.write_in_background(key, frames, meta)


def _cached_book(key: str, path: Path) -> Book | None:
    hit = book_cache.read_cached(key)
    if hit is None:
        return None
    frames, meta = hit
    if set(frames) != set(_frame_fields()):
        return None
    return Book(
        **frames,
        rows_read=MappingProxyType({k: int(v) for k, v in meta["rows_read"].items()}),
        source=str(path),
        base_currency=str(meta["base_currency"]),
    )


def read_notes(path: Path) -> pd.DataFrame:
    """The import's ``notes.csv`` beside a book folder (empty when there is none)."""
    return _read_ledger(path, NOTES_FILE, what="the import's notes")


def read_import_rejects(path: Path) -> pd.DataFrame:
    """The rows the import that wrote a book folder left out: its ``rejects.csv`` (empty when
    there is none, or for a workbook)."""
    return _read_ledger(path, REJECTS_FILE, what="the import's rejects ledger")


def _read_ledger(path: Path, name: str, *, what: str) -> pd.DataFrame:
    """A ledger file (the rejects ledger's columns) beside a book folder, empty when absent."""
    file = path / name if path.is_dir() else None
    if file is None or not file.is_file():
        return empty_ledger()
    try:
        ledger = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BookError(f"cannot be read as {what} ({exc})", file=file) from None
    missing = [c for c in empty_ledger().columns if c not in ledger.columns]
    if missing:
        raise BookError(f"{what} must have the column(s) {', '.join(missing)}", file=file)
    ledger = ledger[list(empty_ledger().columns)]
    rows = pd.to_numeric(ledger["row"], errors="coerce").fillna(0).astype("int64")
    return ledger.assign(row=rows)


def write_book(book: Book, out: str | Path) -> Path:
    """Write the book as canonical CSVs plus ``rejects.csv`` into ``out`` (created if needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in LOAD_ORDER:
        table = book.table(name)
        columns = [
            c.name
            for c in TABLES[name].columns
            if c.name in table.columns
            and not (c.name in BLANK_OPTIONAL and table[c.name].isna().all())
        ]
        frame = table[columns]
        if name != "clients" and frame.empty and name not in ("time_entries", "invoices"):
            continue
        frame.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    book.rejects.to_csv(out / REJECTS_FILE, index=False)
    if len(book.notes):
        book.notes.to_csv(out / NOTES_FILE, index=False)
    elif (out / NOTES_FILE).is_file():  # a previous import's notes would describe other rows
        (out / NOTES_FILE).unlink()
    return out
