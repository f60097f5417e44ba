"""Row-level validation of a canonical table: typed columns out, rejected rows into the ledger.

Written with vectorised pandas masks rather than pandera: the ledger needs one plain-words reason
per rejected row with its file row number, and the cross-table rules (unknown client, currency
without a rate) are outside a per-frame schema. Every row read ends up either in the clean frame
or in the ledger, never both and never neither.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.book.schema import BOOLEAN_WORDS, LEDGER_COLUMNS, Column, Table


class RowChecks:
    """Accumulates the first failing check of each row (column and reason), vectorised.

    Kept in NumPy arrays (a failed flag, column and reason per row): asking pandas for the
    rows not yet rejected on every check cost more than the checks on a 2M-row table.
    """

    def __init__(self, raw: pd.DataFrame) -> None:
        self.raw = raw
        self._failed = np.zeros(len(raw), dtype=bool)
        # The column and reason arrays are made at the first failure: most tables have none,
        # and filling two object arrays of 2M rows cost more than the checks of a column.
        self._column_array: np.ndarray | None = None
        self._reason_array: np.ndarray | None = None

    @property
    def _column(self) -> np.ndarray:
        if self._column_array is None:
            self._column_array = np.full(len(self.raw), pd.NA, dtype=object)
        return self._column_array

    @property
    def _reason(self) -> np.ndarray:
        if self._reason_array is None:
            self._reason_array = np.full(len(self.raw), pd.NA, dtype=object)
        return self._reason_array

    def fail(self, mask: pd.Series, column: str, reason: str | pd.Series) -> None:
        """Mark rows in ``mask`` (not already rejected) as failing ``column`` for ``reason``."""
        new = _flags(mask, self.raw.index) & ~self._failed
        if not new.any():
            return
        self._failed |= new
        self._column[new] = column
        if isinstance(reason, pd.Series):
            reason = reason.reindex(self.raw.index).to_numpy(dtype=object)[new]
        self._reason[new] = reason

    @property
    def column(self) -> pd.Series:
        return pd.Series(self._column, index=self.raw.index, dtype="object", copy=True)

    @property
    def reason(self) -> pd.Series:
        return pd.Series(self._reason, index=self.raw.index, dtype="object", copy=True)

    @property
    def ok(self) -> pd.Series:
        return pd.Series(~self._failed, index=self.raw.index)

    @property
    def ok_array(self) -> np.ndarray:
        """:attr:`ok` as a NumPy array (no pandas on the hot path)."""
        return ~self._failed

    def ledger(
        self,
        table: str,
        source: str,
        rows: np.ndarray,
        *,
        typed: Collection[str] = (),
        text_of: Callable[[list[str]], pd.DataFrame] | None = None,
    ) -> pd.DataFrame:
        """The rejected rows: file row, first failing column, its value as written, reason.
        A column in ``typed`` holds parsed values, so its text comes from ``text_of`` (asked
        only for the typed columns a rejected row names)."""
        bad = self._failed
        nothing = np.array([], dtype=object)
        columns = nothing if self._column_array is None else self._column_array[bad]
        reasons = nothing if self._reason_array is None else self._reason_array[bad]
        labels = self.raw.index[bad]
        raw = self.raw
        named = sorted({c for c in columns if c in typed})
        if named and text_of is not None:
            written = text_of(named).set_axis(self.raw.index)
            raw = raw.assign(**{c: written[c] for c in named})
        values = [
            raw.at[i, c] if c in raw.columns else "" for i, c in zip(labels, columns, strict=True)
        ]
        return pd.DataFrame(
            {
                "table": table,
                "source_file": source,
                "row": rows[bad],
                "column": columns,
                "value": values,
                "reason": reasons,
            },
            columns=list(LEDGER_COLUMNS),
        )


def _flags(mask: pd.Series | np.ndarray, index: pd.Index) -> np.ndarray:
    """A row mask as a NumPy bool array aligned to ``index`` (missing = False)."""
    if isinstance(mask, pd.Series):
        if not mask.index.equals(index):
            mask = mask.reindex(index)
        if mask.dtype != bool:
            mask = mask.fillna(False).astype(bool)
        return mask.to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def empty_ledger() -> pd.DataFrame:
    """A ledger with no rows and the canonical columns."""
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "row" else "object") for c in LEDGER_COLUMNS}
    )


def coerce_column(
    text: pd.Series,
    column: Column,
    checks: RowChecks,
    date_format: str | None,
    *,
    typed: bool = False,
) -> pd.Series:
    """Parse one text column into its kind, failing rows whose value does not fit.

    ``typed``: the CSV reader parsed the column already (numbers as float64, dates as
    datetime64[ns], yes/no flags as pandas' ``boolean``; a blank as NaN, NaT or <NA>), only
    where every value converted as the text path would convert it; the same rules then run on
    those values, in the same order, with the same reasons."""
    blank = text.isna() if typed else text.eq("")
    if column.required:
        checks.fail(blank, column.name, "missing value (required)")
    if column.kind == "bool" and column.default is not None:
        if typed:
            return _typed_bool_with_default(text, column, checks, blank)
        return _parse_bool_with_default(text, column, checks, blank)
    parse = _TYPED[column.kind] if typed else _PARSERS[column.kind]
    values = parse(text, column, checks, blank, date_format)
    if column.default is not None:
        values = values.mask(blank, column.default)
        if column.kind == "bool":
            values = values.where(checks.ok, column.default).astype(bool)
    return values


_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _arrow(text: pd.Series) -> pa.ChunkedArray:
    """The text column as an Arrow string array (parsing in Arrow compute is ~10x pandas')."""
    array = text.astype(pd.StringDtype("pyarrow")).array.__arrow_array__()
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _series(values: pa.ChunkedArray | np.ndarray, index: pd.Index, dtype: str) -> pd.Series:
    if isinstance(values, pa.ChunkedArray):
        values = values.to_numpy(zero_copy_only=False)
    return pd.Series(values, index=index).astype(dtype)


def _parse_str(text, column, checks, blank, date_format):
    return text.mask(blank, None) if not column.required else text


def _strptime(array: pa.ChunkedArray, fmt: str) -> pa.ChunkedArray:
    """Timestamps, null where blank or not a date in ``fmt``.

    Parsed once per distinct text and broadcast back (a book has few distinct dates: ~10x
    faster than parsing every row).
    """
    chunks = []
    for chunk in pc.dictionary_encode(array).chunks:
        words = chunk.dictionary
        parsed = pc.strptime(
            pc.if_else(pc.equal(words, ""), None, words), format=fmt, unit="s", error_is_null=True
        )
        chunks.append(pc.take(parsed, chunk.indices))
    return pa.chunked_array(chunks, type=pa.timestamp("s"))


def _iso_dates(array: pa.ChunkedArray) -> np.ndarray | None:
    """``datetime64[ns]`` of a column of plain ``YYYY-MM-DD`` dates (blanks NaT) by Arrow's
    date cast, or None when any value is something else. The cast accepts only that exact
    spelling of real days (``%Y-%m-%d`` also takes ``2025-1-5`` and rolls ``2025-02-30`` over),
    so whatever it refuses goes through :func:`_strptime` as before, value for value."""
    try:
        if pc.any(pc.equal(array, "")).as_py():
            array = pc.if_else(pc.equal(array, ""), None, array)
        stamps = pc.cast(pc.cast(array, pa.date32()), pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pc.fill_null(pc.cast(stamps, pa.int64()), np.iinfo(np.int64).min).to_numpy()


def _parse_date(text, column, checks, blank, date_format):
    fmt = date_format or "%Y-%m-%d"
    array = _arrow(text)
    iso = _iso_dates(array) if fmt == "%Y-%m-%d" else None
    if iso is not None:
        dates = pd.Series(iso.view("datetime64[ns]"), index=text.index)
    else:
        stamps = _strptime(array, fmt)
        outside = _outside_range(stamps)
        if outside is not None:  # a real date pandas cannot hold (a typo such as 2300 or 0202)
            checks.fail(pd.Series(outside, index=text.index), column.name, _OUT_OF_RANGE)
            stamps = pc.if_else(pa.chunked_array([outside]), None, stamps)
        dates = _series(stamps, text.index, "datetime64[ns]")
    expected = "YYYY-MM-DD" if date_format is None else date_format
    checks.fail(dates.isna() & ~blank, column.name, f"not a date (expected {expected})")
    return dates


#: The days a date column can hold (pandas' nanosecond timestamps), and the reason for others.
_FIRST_DAY, _LAST_DAY = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")
_OUT_OF_RANGE = f"date out of range (a day from {_FIRST_DAY:%Y-%m-%d} to {_LAST_DAY:%Y-%m-%d})"


def _outside_range(stamps: pa.ChunkedArray) -> np.ndarray | None:
    """Where a parsed timestamp lies outside :data:`_FIRST_DAY`..:data:`_LAST_DAY` (None when
    none does): such a date is a typo to reject, not a value to crash on."""
    first = pa.scalar(_FIRST_DAY.to_pydatetime(), type=pa.timestamp("s"))
    last = pa.scalar(_LAST_DAY.to_pydatetime(), type=pa.timestamp("s"))
    outside = pc.fill_null(pc.or_(pc.less(stamps, first), pc.greater(stamps, last)), False)
    if not pc.any(outside).as_py():
        return None
    return outside.to_numpy(zero_copy_only=False)


def _cast_numbers(array: pa.ChunkedArray) -> pa.ChunkedArray:
    """Floats, null where blank or not a plain number (no thousands separators: never guess)."""
    try:  # fastest path: every value is a plain number (no blank, no padding to trim)
        return pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        pass
    array = pc.utf8_trim_whitespace(array)
    try:  # fast path: every value is a number or blank
        return pc.cast(pc.if_else(pc.equal(array, ""), None, array), pa.float64())
    except pa.ArrowInvalid:
        valid = pc.match_substring_regex(array, _NUMBER)
        return pc.cast(pc.if_else(valid, array, None), pa.float64())


def _parse_number(text, column, checks, blank, date_format):
    numbers = _series(_cast_numbers(_arrow(text)), text.index, "float64")
    return _number_rules(numbers, column, checks, blank)


def _number_rules(numbers: pd.Series, column: Column, checks: RowChecks, blank) -> pd.Series:
    """A parsed number column's rules (not a number where not blank, range, whole)."""
    checks.fail(numbers.isna() & ~blank, column.name, "not a number")
    if column.min is not None:
        low = numbers.le(column.min) if column.min_exclusive else numbers.lt(column.min)
        sign = ">" if column.min_exclusive else ">="
        checks.fail(low, column.name, f"must be {sign} {column.min:g}")
    if column.max is not None:
        checks.fail(numbers.gt(column.max), column.name, f"must be <= {column.max:g}")
    if column.integer:
        checks.fail(
            numbers.notna() & numbers.ne(numbers.round()), column.name, "must be a whole number"
        )
    return numbers


def _bool_words(text: pd.Series) -> tuple[pa.ChunkedArray, np.ndarray]:
    """(the flag of each known yes/no word, null elsewhere; whether the word is known).

    Looked up as written first: the words are usually already lower case and trimmed, and
    trimming and lowering 2M values cost more than the lookup.
    """
    keys, words = pa.array(list(BOOLEAN_WORDS)), _arrow(text)
    position = pc.index_in(words, value_set=keys)
    if position.null_count:
        position = pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(words)), value_set=keys)
    flags = pc.take(pa.array(list(BOOLEAN_WORDS.values())), position)
    return flags, pc.is_valid(position).to_numpy(zero_copy_only=False)


_NOT_BOOL = "not a yes/no value (true/false, yes/no, 1/0)"


def _parse_bool(text, column, checks, blank, date_format):
    flags, known = _bool_words(text)
    checks.fail(~known & _flags(~blank, text.index), column.name, _NOT_BOOL)
    return _series(flags, text.index, "object").where(known, None)


def _parse_bool_with_default(text, column, checks, blank) -> pd.Series:
    """:func:`_parse_bool`, then the default for blank and rejected rows, in NumPy: the value
    where the row is still valid and not blank (it is then a known word), else the default."""
    flags, known = _bool_words(text)
    given = _flags(~blank, text.index)
    checks.fail(~known & given, column.name, _NOT_BOOL)
    default = bool(column.default)
    values = pc.fill_null(flags, default).to_numpy(zero_copy_only=False)
    return pd.Series(np.where(checks.ok_array & given, values, default), index=text.index)


def _parse_choice(text, column, checks, blank, date_format):
    words = text.str.strip().str.lower()
    checks.fail(
        ~words.isin(column.choices) & ~blank,
        column.name,
        f"must be one of {', '.join(column.choices)}",
    )
    return words.mask(blank, None)


def _typed_number(values, column, checks, blank, date_format):
    return _number_rules(values, column, checks, blank)


def _typed_date(values, column, checks, blank, date_format):
    return values  # every value is an ISO date or blank (NaT): nothing is "not a date"


def _typed_bool(values, column, checks, blank, date_format):
    return values.astype(object).where(~blank, None)


def _typed_bool_with_default(values, column, checks, blank) -> pd.Series:
    """:func:`_parse_bool_with_default` on flags the reader parsed: the flag where the row is
    still valid and not blank, else the default."""
    given = _flags(~blank, values.index)
    default = bool(column.default)
    flags = values.to_numpy(dtype=bool, na_value=default)
    return pd.Series(np.where(checks.ok_array & given, flags, default), index=values.index)


#: The parsers of the columns the CSV reader typed (only kinds it types).
_TYPED: dict[str, Callable] = {
    "date": _typed_date,
    "number": _typed_number,
    "bool": _typed_bool,
}

_PARSERS: dict[str, Callable] = {
    "str": _parse_str,
    "date": _parse_date,
    "number": _parse_number,
    "bool": _parse_bool,
    "choice": _parse_choice,
}


def check_unique(frame: pd.DataFrame, column: str, checks: RowChecks, rows: np.ndarray) -> None:
    """Reject later rows that repeat a key already used by an earlier valid row."""
    if pd.Index(frame[column]).is_unique:  # every key once (the usual case): nothing to look for
        return
    candidates = frame[column].where(checks.ok)
    dup = candidates.duplicated(keep="first") & candidates.notna()
    if dup.any():
        first_row = pd.Series(rows, index=frame.index).groupby(candidates).transform("min")
        checks.fail(
            dup,
            column,
            "duplicate "
            + column
            + " (first at row "
            + first_row.astype("Int64").astype("string")
            + ")",
        )


def check_reference(
    frame: pd.DataFrame, column: str, known: Iterable, what: str, checks: RowChecks
) -> None:
    """Reject rows whose ``column`` names nothing in ``known``."""
    values = _arrow(frame[column].fillna(""))
    known_values = pa.array(pd.Series(known, dtype="object").dropna().astype(str).unique())
    found = pc.is_in(values, value_set=known_values)
    checks.fail(~_series(found, frame.index, "bool"), column, f"unknown {what}")


def _absent_is_blank(column: Column) -> bool:
    """An optional number column without a default: a file without it reads as all blank."""
    return column.kind == "number" and not column.required and column.default is None


def _blank(column: Column, index: pd.Index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype="float64")


def validate_table(
    raw: pd.DataFrame,
    table: Table,
    *,
    source: str,
    rows: np.ndarray,
    date_format: str | None = None,
    extra: Callable[[pd.DataFrame, RowChecks], None] | None = None,
    typed: Collection[str] = (),
    text_of: Callable[[list[str]], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame of the rows that pass every rule, and the ledger of those that do not.

    ``typed`` names the columns of ``raw`` the CSV reader parsed already (see
    :func:`coerce_column`); ``text_of`` gives those columns as written, for the ledger."""
    checks = RowChecks(raw)
    parsed = pd.DataFrame(index=raw.index)
    for column in table.columns:
        if column.name not in raw.columns and _absent_is_blank(column):
            parsed[column.name] = _blank(column, raw.index)  # nothing to parse or check
            continue
        text = (
            raw[column.name]
            if column.name in raw.columns
            else pd.Series("", index=raw.index, dtype="str")
        )
        parsed[column.name] = coerce_column(
            text, column, checks, date_format, typed=column.name in typed
        )
    if extra is not None:
        extra(parsed, checks)
    for column in table.columns:
        if column.unique:
            check_unique(parsed, column.name, checks, rows)
    ok = checks.ok_array
    clean = (parsed if ok.all() else parsed[ok]).reset_index(drop=True)  # no copy when all pass
    return clean, checks.ledger(table.name, source, rows, typed=typed, text_of=text_of)
