"""A book's CSV files read by Arrow, without pandas.

What the loader (:mod:`helpers.book.load`) reads from a CSV before pandas sees it: the header,
the Arrow table (numbers, yes/no flags and ISO dates typed where every value converts, other
columns as text) and the rows with a wrong field count. Nothing here imports pandas, so
:mod:`helpers.book.prefetch` can parse a book's largest files while the interpreter is still
importing pandas; the loader then validates the tables it is handed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from helpers.book.schema import BOOLEAN_WORDS, Table
from helpers.errors import BookError


def csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise BookError("not UTF-8 text: save the file as UTF-8 (CSV UTF-8)", file=path) from None
    if not header or not any(h.strip() for h in header):
        raise BookError("empty file (no header row)", file=path)
    return [h.strip() for h in header]


def read_text_csv(
    source,
    *,
    names: list[str],
    skip_rows: int,
    threads: bool,
    delimiter: str = ",",
    newlines: bool = True,
    include: list[str] | None = None,
    block_size: int | None = None,
    types: Mapping[str, pa.DataType] | None = None,
) -> tuple[pa.Table, list[tuple[int | None, str, int, int]]]:
    """A CSV (a path or a file object) read by Arrow with every column as text (blanks as "",
    never null), and the rows with a wrong field count (number, text, expected, actual fields),
    which are skipped. Arrow numbers rows only when read single-threaded (``threads=False``).
    The canonical loader and the export reader both read CSV with it; ``pa.ArrowInvalid`` is
    left to the caller to say in its own words.

    ``types`` reads those columns typed instead (a blank, quoted or not, is null there; yes/no
    words as :data:`~helpers.book.schema.BOOLEAN_WORDS` spells them): Arrow raises
    ``pa.ArrowInvalid`` naming the first column with a value that does not convert."""
    bad_rows: list[tuple[int | None, str, int, int]] = []

    def skip(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.text, row.expected_columns, row.actual_columns))
        return "skip"

    read = {"column_names": names, "skip_rows": skip_rows, "use_threads": threads}
    convert = {
        "column_types": dict.fromkeys(names, pa.string()),
        "strings_can_be_null": False,
        "quoted_strings_can_be_null": False,
    }
    if types:
        convert["column_types"].update(types)
        convert["null_values"] = [""]  # a typed column's blank (strings stay "")
        convert["quoted_strings_can_be_null"] = True  # "" as blank as an empty field
        convert["true_values"] = [w for w, flag in BOOLEAN_WORDS.items() if flag]
        convert["false_values"] = [w for w, flag in BOOLEAN_WORDS.items() if not flag]
    if block_size:
        read["block_size"] = block_size
    if include is not None:
        convert["include_columns"] = include
    table = pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(**read),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=newlines, invalid_row_handler=skip
        ),
        convert_options=pacsv.ConvertOptions(**convert),
    )
    return table, bad_rows


def arrow_csv(
    path: Path,
    header: list[str],
    *,
    threads: bool,
    types: Mapping[str, pa.DataType] | None = None,
    include: list[str] | None = None,
):
    try:
        return read_text_csv(
            path, names=header, skip_rows=1, threads=threads, types=types, include=include
        )
    except pa.ArrowInvalid as exc:
        if types and _CONVERSION.match(str(exc)):
            raise  # a typed value that does not convert: the typed read says which column
        if "utf8" in str(exc).lower():
            raise BookError(
                "not UTF-8 text: save the file as UTF-8 (CSV UTF-8)", file=path
            ) from None
        raise BookError(f"cannot be read as CSV ({exc})", file=path) from None


#: Arrow's words for a value of a typed column that does not convert (a text column's problem,
#: such as bytes that are not UTF-8, is the text read's to say).
_CONVERSION = re.compile(r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to (?!string)")
_NS = pa.timestamp("ns")


def typed_table(
    path: Path, header: list[str], types: Mapping[str, pa.DataType], *, threads: bool
) -> tuple[pa.Table, list, dict[str, pa.DataType]]:
    """(table, rows with a wrong field count, the columns read typed): the file read with
    ``types`` for the columns whose every value converts, and as text for the others, column
    by column (each column Arrow refuses is read as text and the file read again).

    A typed column is kept only when the text path would read the same values from it: Arrow
    takes a number or an ISO date with spaces or tabs around it (the text path trims them), but
    a number spelt ``nan`` (the text path rejects it as not a number, with its text in the
    ledger) or a date outside pandas' nanosecond range (the text path's own way with it) sends
    the column to the text path too. Dates come back as ``timestamp[ns]``.
    """
    types = dict(types)
    while types:
        try:
            table, bad_rows = arrow_csv(path, header, threads=threads, types=types)
        except pa.ArrowInvalid as exc:
            found = _CONVERSION.match(str(exc))
            position = int(found.group(1)) if found else len(header)
            name = header[position] if position < len(header) else None
            if name not in types:
                break
            del types[name]
            continue
        refused, columns = [], {}
        for name in types:
            column = table[name]
            if column.type == pa.date32():
                try:
                    columns[name] = pc.cast(column, _NS)
                except pa.ArrowInvalid:
                    refused.append(name)
            elif column.type == pa.float64() and pc.any(pc.is_nan(column)).as_py():
                refused.append(name)
        if refused:
            types = {k: v for k, v in types.items() if k not in refused}
            continue
        for name, column in columns.items():
            table = table.set_column(header.index(name), name, column)
        return table, bad_rows, types
    table, bad_rows = arrow_csv(path, header, threads=threads)
    return table, bad_rows, {}


def typed_columns(table: Table, *, date_format: str | None) -> dict[str, pa.DataType]:
    """The columns of ``table`` the CSV reader parses itself (numbers, yes/no flags and, with
    plain ISO dates, dates); the validation's rules then run on their values."""
    kinds = {"number": pa.float64(), "bool": pa.bool_()}
    if (date_format or "%Y-%m-%d") == "%Y-%m-%d":
        kinds["date"] = pa.date32()
    return {c.name: kinds[c.kind] for c in table.columns if c.kind in kinds}


class ParsedCsv(NamedTuple):
    """A CSV as Arrow read it: the table, the rows with a wrong field count (number, text,
    expected and actual fields; numbered), and the columns read typed."""

    table: pa.Table
    bad_rows: list[tuple[int | None, str, int, int]]
    typed: list[str]


def parse_csv(path: Path, *, types: Mapping[str, pa.DataType] | None = None) -> ParsedCsv:
    """``path`` read with ``types`` as far as the file's values allow (see :func:`typed_table`),
    every other column as text; read again single-threaded when a row has a wrong field count,
    so that its row number is known."""
    header = csv_header(path)
    types = {k: v for k, v in (types or {}).items() if k in header}
    if len(set(header)) < len(header):  # a repeated header name: every column as text
        types = {}
    table, bad_rows, typed = typed_table(path, header, types, threads=True)
    if bad_rows:  # row numbers are only known single-threaded: read again to name them
        table, bad_rows, typed = typed_table(path, header, typed, threads=False)
    return ParsedCsv(table, bad_rows, list(typed))
