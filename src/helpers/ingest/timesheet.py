"""The shared conversion of a time-tracking export: each tool only declares its columns.

Rows without a client (personal tracking, internal time) go to the ledger: the book is about
clients, and a placeholder client would distort every per-client metric. Durations that are
negative or unreadable go to the ledger too; hours above 24 are left to the canonical rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest import dates, values
from helpers.ingest.part import DETAIL, Part, Rejects, file_part
from helpers.ingest.read import RawFile
from helpers.ingest.values import decimal

NO_CLIENT = (
    "no client: time tracked without a client (personal or internal tracking) cannot "
    "be attributed to a client"
)


@dataclass(frozen=True)
class TimeSpec:
    """Which columns of a time export give each canonical field, and how to read hours."""

    date: str
    client: str
    person: tuple[str, ...]
    hours: str
    hours_reader: Callable[[pd.Series], pd.Series]
    hours_expected: str
    billable: str | None = None
    amount: str | None = None
    currency: str | None = None  # a column of currency values, or None
    currency_code: str | None = None  # the currency named in a header
    cost_rate: str | None = None
    detail: tuple[str, ...] = ()  # what else identifies an entry (for de-duplication)


def currency_in_header(columns, prefix: str) -> tuple[str | None, str | None]:
    """(column, currency code) for headers like 'Amount (USD)'; code None for 'Amount ()'."""
    for name in columns:
        found = re.fullmatch(re.escape(prefix) + r"\s*\(([A-Za-z]*)\)", name)
        if found:
            return name, found.group(1).upper() or None
    return None, None


def currency_code(texts: pd.Series) -> pd.Series:
    """'United States Dollar - USD' -> 'USD'; 'EUR' -> 'EUR'; blank -> None."""
    code = texts.astype(str).str.extract(r"([A-Za-z]{3})\s*$")[0].str.upper()
    return code.where(texts.astype(str).str.strip().ne(""), None)


def duration_hours(texts: pd.Series) -> pd.Series:
    """Hours from 'H:MM:SS' or 'H:MM' (padded or not, hours may exceed 24) or decimal hours.

    Minutes and seconds must be below 60; anything else that has a colon is not a duration.
    Parsed with Arrow's text kernels (the distinct durations can be many); text with
    non-ASCII characters goes through NumPy's, which know Unicode digits as Python does.
    """
    stripped = texts.astype("str").str.strip()
    if not len(stripped):
        return pd.Series(np.empty(0), index=texts.index)
    arrow = pa.array(stripped, type=pa.string(), from_pandas=True)  # Arrow strings: no copy
    ascii_only = pc.all(pc.string_is_ascii(arrow)).as_py() is not False
    fields = _clock_fields_arrow(arrow) if ascii_only else _clock_fields_numpy(stripped)
    negative, has_colon, ok, (h, m, sec) = fields
    ok &= (m < 60) & (sec < 60)
    clock = np.where(ok, (h + m / 60 + sec / 3600) * np.where(negative, -1, 1), np.nan)
    hours = pd.Series(clock, index=texts.index)
    plain = ~has_colon
    if plain.any():
        hours[plain] = decimal(texts[plain]).to_numpy()
    return hours


#: 'H:MM:SS' split as str.partition does: hours before the first colon, minutes up to the
#: next, seconds the rest (a further colon there makes it invalid).
_CLOCK = r"(?s)^(?P<h>[^:]*):(?P<m>[^:]*)(?::(?P<s>.*))?$"


def _clock_fields_arrow(text: pa.Array):
    """(negative, has colon, well-formed, (hours, minutes, seconds)) of ASCII texts."""
    text = text.fill_null("nan")  # what NumPy's str() of a missing value gives
    found = pc.extract_regex(pc.utf8_ltrim(text, characters="-"), _CLOCK)
    h, m, s = (pc.fill_null(found.field(i), "") for i in range(3))

    def digits(part: pa.Array, most: int | None = None):
        ok = pc.ascii_is_decimal(part)
        return ok if most is None else pc.and_(ok, pc.less_equal(pc.utf8_length(part), most))

    seconds_ok = pc.or_(pc.equal(s, ""), digits(s, 2))
    ok = pc.and_(pc.and_(found.is_valid(), pc.and_(digits(h), digits(m, 2))), seconds_ok)

    def number(part: pa.Array) -> np.ndarray:  # only ASCII digits reach the cast
        read = pc.if_else(pc.and_(ok, pc.not_equal(part, "")), part, "0")
        return pc.cast(read, pa.float64()).to_numpy(zero_copy_only=False)

    numbers = (number(h), number(m), number(s))
    negative = pc.starts_with(text, "-").to_numpy(zero_copy_only=False)
    has_colon = found.is_valid().to_numpy(zero_copy_only=False)
    return negative, has_colon, ok.to_numpy(zero_copy_only=False), numbers


def _clock_fields_numpy(stripped: pd.Series):
    """The same fields with NumPy's text functions (Unicode digits as Python reads them)."""
    text = np.asarray(stripped.to_numpy(dtype=object), dtype=str)
    negative = np.char.startswith(text, "-")
    hours_part, _, rest = np.moveaxis(np.char.partition(np.char.lstrip(text, "-"), ":"), -1, 0)
    minutes, _, seconds = np.moveaxis(np.char.partition(rest, ":"), -1, 0)
    has_colon = np.char.find(text, ":") >= 0
    seconds_ok = (seconds == "") | (np.char.isdigit(seconds) & (np.char.str_len(seconds) <= 2))
    ok = (
        has_colon
        & np.char.isdigit(hours_part)
        & np.char.isdigit(minutes)
        & (np.char.str_len(minutes) <= 2)
        & seconds_ok
    )
    numbers = tuple(
        _floats(np.where(ok & (p != ""), p, "0")) for p in (hours_part, minutes, seconds)
    )
    return negative, has_colon, ok, numbers


def _floats(digits: np.ndarray) -> np.ndarray:
    """Digit texts as floats: Arrow's cast (fast), NumPy's for digits Arrow does not read."""
    try:
        return pc.cast(pa.array(digits), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # e.g. non-ASCII digits, which NumPy (Python's float) accepts
        return digits.astype(float)


def convert_time(
    raw: RawFile, spec: TimeSpec, *, fmt: str, variant: str, date_order: str | None
) -> Part:
    """A time export as canonical time entries (client = name) plus the importer's rejects."""
    table, n = "time_entries", len(raw.frame)
    date_text = raw.column(spec.date)
    _, date_uniques = values.coded(date_text)
    order, order_note = dates.infer_order(
        date_uniques, file=raw.label, column=spec.date, date_order=date_order
    )
    iso = pd.Series(values.recode(date_text, lambda u: dates.to_iso(u, order)))
    hours, hours_text = values.numbers_and_text(raw.column(spec.hours), spec.hours_reader)
    client = pd.Series(values.recode(raw.column(spec.client), lambda u: u))
    person = (
        values.joined(raw.column(spec.person[0]), raw.column(spec.person[1]))
        if len(spec.person) == 2
        else values.recode(raw.column(spec.person[0]), lambda u: u)
    )
    billable = (
        values.recode(raw.column(spec.billable), values.flag)
        if spec.billable
        else pd.Categorical.from_codes(np.zeros(n, dtype="int8"), categories=["true"])
    )
    amount = (
        values.take(raw.column(spec.amount), values.money) if spec.amount else np.full(n, np.nan)
    )
    currency = _row_currencies(raw, spec, n)

    rejects = Rejects(n)
    if np.isnan(hours).any() or (hours < 0).any():
        shown = values.text(raw.column(spec.hours))
        rejects.fail(np.isnan(hours) & (shown == ""), spec.hours, "missing duration", shown)
        rejects.fail(
            np.isnan(hours), spec.hours, f"not a duration (expected {spec.hours_expected})", shown
        )
        rejects.fail(hours < 0, spec.hours, "negative duration", shown)
    if iso.isna().any():
        shown = values.text(date_text)
        rejects.fail(
            iso.isna().to_numpy(),
            spec.date,
            f"not a date (expected {dates.expected(order)})",
            shown,
        )
    no_client = client.eq("").to_numpy()
    if no_client.any():
        rejects.fail(no_client, spec.client, NO_CLIENT, np.full(n, "", dtype=object))
    if spec.amount and not (amount >= 0).all():  # the canonical rule of billable_amount
        shown = values.text(raw.column(spec.amount))
        rejects.fail(np.isnan(amount) & (shown != ""), spec.amount, "not an amount", shown)
        rejects.fail(amount < 0, spec.amount, "negative billable amount (must be >= 0)", shown)

    frame = pd.DataFrame(
        {
            "date": iso,
            "client": client,
            "person": pd.Series(person),
            "hours": pd.Series(hours_text),
            "billable": pd.Series(billable),
            "file_row": raw.rows,
            "file_hours": hours,
            "file_amount": amount,
            "file_currency": currency,
        },
        copy=False,  # a million rows: wrap the arrays, do not copy them (none is modified)
    )
    for name in spec.detail:
        if name in raw.frame.columns:  # read only when several files of the tool may overlap
            frame[DETAIL + name] = raw.frame[name].reset_index(drop=True)
    ok = rejects.ok
    if not ok.all():
        frame = frame.loc[ok].reset_index(drop=True)
    currencies = _currencies(raw, spec)
    return file_part(
        raw,
        fmt=fmt,
        variant=variant,
        table=table,
        frame=frame,
        ledgers=[rejects.ledger(raw, table, hours=hours, amount=amount)],
        rows=n,
        order_note=order_note,
        currencies=currencies,
        people=_people(raw, spec, person, iso),
        extra={"currencies": currencies},
    )


def _row_currencies(raw: RawFile, spec: TimeSpec, n: int) -> pd.Categorical:
    """Each row's currency code ('' when the export names none: the base currency is assumed)."""
    if spec.currency and spec.currency in raw.frame.columns:
        return values.recode(raw.column(spec.currency), lambda u: currency_code(u).fillna(""))
    return pd.Categorical.from_codes(
        np.zeros(n, dtype="int8"), categories=pd.Index([spec.currency_code or ""], dtype=object)
    )


def _currencies(raw: RawFile, spec: TimeSpec) -> list[str]:
    if spec.currency_code:
        return [spec.currency_code]
    if spec.currency and spec.currency in raw.frame.columns:
        _, uniques = values.coded(raw.frame[spec.currency])
        return sorted(set(currency_code(uniques).dropna()))
    return []


def _people(raw: RawFile, spec: TimeSpec, person, iso: pd.Series) -> pd.DataFrame | None:
    """Each person's latest cost rate, when the export has one."""
    if not spec.cost_rate or spec.cost_rate not in raw.frame.columns:
        return None
    rate_codes, rates = values.number_codes(raw.frame[spec.cost_rate], values.money)
    has = rate_codes >= 0
    if not has.any():
        return None
    person_codes, people = values.coded(pd.Series(person))
    date_codes, days = values.coded(iso)
    # few distinct (person, day, rate), in order of first row: one integer key per row
    n_days, n_rates = len(days), len(rates)
    key = (person_codes[has].astype(np.int64) * n_days + date_codes[has]) * n_rates
    distinct = pd.unique(key + rate_codes[has])
    p, rest = np.divmod(distinct, n_days * n_rates)
    d, r = np.divmod(rest, n_rates)
    found = pd.DataFrame(
        {
            "person": people.to_numpy(dtype=object)[p],
            "cost_rate": rates[r],
            "date": days.to_numpy(dtype=object)[d],
        }
    )
    return (
        found.sort_values("date", na_position="first", kind="stable")
        .drop_duplicates("person", keep="last")
        .reset_index(drop=True)
    )


def used_columns(spec: TimeSpec, *, detail: bool) -> list[str]:
    """The file columns a conversion reads (the detail ones only to find repeats)."""
    names = [
        spec.date,
        spec.client,
        *spec.person,
        spec.hours,
        spec.billable,
        spec.amount,
        spec.currency,
        spec.cost_rate,
        *(spec.detail if detail else ()),
    ]
    return list(dict.fromkeys(n for n in names if n))


def numeric_columns(spec: TimeSpec) -> list[str]:
    """Columns only summed for the summary: read as numbers when they are plain numbers."""
    return [spec.amount] if spec.amount else []


@dataclass(frozen=True)
class TimeExport:
    """A time tool's :class:`~helpers.ingest.source.Converter` and
    :class:`~helpers.ingest.source.ReadsSomeColumns` functions, made from its ``spec(columns)``:
    each tool module binds them at module level (``convert = TimeExport(NAME, spec).convert``)."""

    name: str
    spec: Callable[[Sequence[str]], TimeSpec]

    def columns_numeric(self, columns: Sequence[str]) -> list[str]:
        """The amount column, only summed for the import summary."""
        return numeric_columns(self.spec(columns))

    def columns_used(self, columns: Sequence[str], *, detail: bool) -> list[str]:
        """The columns the conversion reads (``detail``: also those that find repeated rows)."""
        return used_columns(self.spec(columns), detail=detail)

    def convert(self, raw: RawFile, variant: str, *, date_order: str | None = None) -> Part:
        """The export's rows as canonical time entries plus the rows left out."""
        return convert_time(
            raw, self.spec(raw.columns), fmt=self.name, variant=variant, date_order=date_order
        )
