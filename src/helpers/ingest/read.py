"""Reading an export as it comes: encoding, preamble, delimiter, quoted newlines, bad rows.

The header is located by content (``detect``), never by file name. CSV bodies are read by
pyarrow into dictionary-coded text columns (one copy of each distinct value), which is what
makes a million-row export cheap to convert. Workbooks are read with openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.book.arrow_csv import read_text_csv
from helpers.errors import BookError

HEAD_BYTES = 256 * 1024
HEAD_RECORDS = 40
DELIMITERS = (",", ";", "\t")


class NotUtf8(BookError):
    """The body of a file that looked like UTF-8 in its head is not."""


@dataclass(frozen=True)
class RawFile:
    """One export's table: text columns, the file row of each, and the rows that did not parse."""

    path: Path
    frame: pd.DataFrame
    rows: np.ndarray
    bad: pd.DataFrame  # row, text, reason
    columns: tuple[str, ...]
    notes: tuple[str, ...] = ()
    sheet: str | None = None
    preamble: tuple[str, ...] = ()  # the report lines above the header (title, "As of ...")

    @property
    def label(self) -> str:
        """The name the ledger and the summary give the file (``name.xlsx[sheet]`` for a sheet)."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    def column(self, name: str) -> pd.Series:
        """A column by name, or blanks when the variant does not have it."""
        if name in self.frame.columns:
            return self.frame[name]
        return pd.Series(
            pd.Categorical.from_codes(np.zeros(len(self.frame), dtype="int8"), categories=[""]),
            index=self.frame.index,
        )


def _no_bad_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series(dtype="int64"),
            "fields": pd.Series(dtype="int64"),
            "text": pd.Series(dtype=object),
            "reason": pd.Series(dtype=object),
        }
    )


def clean_header(cells: list[str]) -> list[str]:
    """Header cells stripped (BOM too); blank or repeated names made unique."""
    names, seen = [], {}
    for i, cell in enumerate(cells):
        name = str(cell).replace("\ufeff", "").strip() or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)
    return names


# ----------------------------------------------------------------------------- encoding


def decode_head(path: Path, data: bytes) -> tuple[str, str]:
    """(text of the file's head, encoding): UTF-8 (with or without BOM), else Windows-1252."""
    head = data[:HEAD_BYTES]
    try:
        return head.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(data) > HEAD_BYTES:  # cut inside a character
            return head[: exc.start].decode("utf-8-sig"), "utf-8"
    try:
        return head.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise BookError(
            "not text in UTF-8 or Windows-1252 (cp1252): save it as CSV UTF-8", file=path
        ) from None


def as_utf8(path: Path, data: bytes, encoding: str) -> bytes:
    """The file's bytes as UTF-8 (re-encoded from ``encoding``, e.g. Windows-1252)."""
    if encoding == "utf-8":
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise BookError(f"not valid {encoding} text at byte {exc.start}", file=path) from None


# ----------------------------------------------------------------------------- header


def head_records(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """The first records of the head per delimiter: (lines consumed through it, cells)."""
    out = {}
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = []
        try:
            for cells in reader:
                records.append((reader.line_num, cells))
                if len(records) >= HEAD_RECORDS:
                    break
        except csv.Error:
            pass
        out[delimiter] = records
    return out


def locate_header(path: Path, text: str, match: Callable[[list[str]], object]):
    """(delimiter, header index, lines before the data, header cells, match) or raise."""
    records = head_records(text)
    for delimiter in DELIMITERS:
        for index, (lines, cells) in enumerate(records[delimiter]):
            found = match(clean_header(cells)) if any(c.strip() for c in cells) else None
            if found is not None:
                return delimiter, index, lines, clean_header(cells), found
    first = next((cells for _, cells in records[","] if any(c.strip() for c in cells)), [])
    return None, None, None, clean_header(first), None


# ----------------------------------------------------------------------------- CSV body


def _read_body(
    path: Path,
    data: bytes | None,
    *,
    delimiter: str,
    skip: int,
    names: list[str],
    threads: bool,
    include: list[str] | None,
    newlines: bool,
):
    try:
        return read_text_csv(
            path if data is None else io.BytesIO(data),  # a path is read in parallel
            names=names,
            skip_rows=skip,
            threads=threads,
            delimiter=delimiter,
            newlines=newlines,
            include=include or names,
            block_size=4 << 20,
        )
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "utf8" in message.lower() or "utf-8" in message.lower():
            raise NotUtf8("not valid UTF-8 text", file=path) from None
        raise BookError(
            f"cannot be read as CSV ({message.splitlines()[0]}); is the file cut "
            "short inside a quoted field?",
            file=path,
        ) from None


def _encode(column: pa.ChunkedArray, *, numeric: bool) -> pa.ChunkedArray:
    """A text column dictionary-coded, or as floats when asked and every value is a number."""
    if numeric:
        try:
            return pc.cast(column, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return pc.dictionary_encode(column)


def _frame_of(columns: dict[str, pa.ChunkedArray]) -> pd.DataFrame:
    """The coded columns as a DataFrame (categoricals built from the codes, without copying
    the text); what ``Table.to_pandas`` gives, which is kept for the rare odd column."""
    table = pa.table(columns)
    if not table.num_rows:
        return table.to_pandas()
    out = {}
    for name, column in columns.items():
        if not pa.types.is_dictionary(column.type):
            out[name] = column.to_pandas()
            continue
        whole = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if whole.null_count or whole.dictionary.null_count:
            return table.to_pandas()
        out[name] = pd.Categorical.from_codes(
            whole.indices.to_numpy(), categories=pd.Index(whole.dictionary.to_pandas())
        )
    return pd.DataFrame(out, copy=False)


def read_csv_export(
    path: Path,
    data: bytes | None,
    *,
    delimiter: str,
    lines_before_data: int,
    header_row: int,
    names: list[str],
    notes: list[str],
    include: list[str] | None = None,
    numeric: Iterable[str] = (),
) -> RawFile:
    """The body of a CSV export after its header, as coded text columns.

    ``numeric`` columns (money totals) become floats directly when every value is a plain
    number, which is cheaper than coding them; otherwise they are coded like the others.

    Read first as if no quoted field held a line break (much faster); a file where one does
    shows rows with a wrong field count, and is read again allowing them.
    """
    if include is not None:
        include = [n for n in dict.fromkeys(include) if n in names]
    options = dict(delimiter=delimiter, skip=lines_before_data, names=names, include=include)
    table, bad = _read_body(path, data, threads=True, newlines=False, **options)
    if bad:
        table, bad = _read_body(path, data, threads=True, newlines=True, **options)
    if bad and any(b[0] is None for b in bad):  # numbers only known single-threaded
        table, bad = _read_body(path, data, threads=False, newlines=True, **options)
    numeric = set(numeric)
    with ThreadPoolExecutor() as pool:  # Arrow releases the GIL: encode columns in parallel
        coded = list(
            pool.map(lambda name: _encode(table[name], numeric=name in numeric), table.column_names)
        )
    frame = _frame_of(dict(zip(table.column_names, coded, strict=True)))
    bad_rows = pd.DataFrame(bad, columns=["line", "text", "expected", "actual"])
    # a row's number is its record number, as a spreadsheet shows it (header = header_row)
    offset = lines_before_data - header_row  # physical lines before the header beyond records
    bad_numbers = (bad_rows["line"].fillna(0).astype(int) - offset).to_numpy()
    total = len(frame) + len(bad_rows)
    numbers = np.arange(header_row + 1, header_row + 1 + total)
    rows = numbers[~np.isin(numbers, bad_numbers)][: len(frame)] if len(bad_numbers) else numbers
    ledger = (
        pd.DataFrame(
            {
                "row": bad_numbers.astype("int64"),
                "fields": bad_rows["actual"].astype("int64").to_numpy(),
                "text": bad_rows["text"].astype(str).str.slice(0, 80).to_numpy(),
                "reason": (
                    "wrong number of fields: expected "
                    + bad_rows["expected"].astype(str)
                    + ", found "
                    + bad_rows["actual"].astype(str)
                    + " (truncated row or a stray delimiter)"
                ).to_numpy(),
            }
        )
        if len(bad_rows)
        else _no_bad_rows()
    )
    return RawFile(
        path=path,
        frame=frame.reset_index(drop=True),
        rows=rows,
        bad=ledger,
        columns=tuple(names),
        notes=tuple(notes),
    )


# ----------------------------------------------------------------------------- workbooks


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would have."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta | pd.Timedelta):
        seconds = int(pd.Timedelta(value).total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as text cells, no header; an unreadable file stops with one line."""
    try:
        return pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for a bad file
        raise BookError(f"cannot be read as an Excel workbook ({exc})", file=path) from None


def sheet_export(
    path: Path, sheet: str, cells: pd.DataFrame, header_index: int, names: list[str]
) -> RawFile:
    """The rows of a sheet below its header as text columns (row = the sheet's row number)."""
    body = cells.iloc[header_index + 1 :, : len(names)].map(cell_text)
    body = body.loc[body.ne("").any(axis=1)]
    body.columns = names[: body.shape[1]]
    rows = body.index.to_numpy() + 1
    frame = body.reset_index(drop=True).astype(object)
    return RawFile(
        path=path, frame=frame, rows=rows, bad=_no_bad_rows(), columns=tuple(names), sheet=sheet
    )


def read_side_csv(path: Path, *, missing: str, unreadable: str) -> pd.DataFrame:
    """A small CSV given beside the exports (the client mapping, the bill rates), every cell as
    text (blank = ""); stops with one line naming the file when it is not there (``missing``) or
    cannot be read as a CSV (``unreadable`` and the parser's words)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise BookError(missing, file=path) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BookError(f"{unreadable} ({exc})", file=path) from None
