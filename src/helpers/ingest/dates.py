"""Dates as exports write them: ISO, day-first or month-first, with or without a time.

The order of ``03/04/2025`` is inferred from the same column's unambiguous values (a first
part above 12 means day-first, a second part above 12 month-first). When no value decides it,
the import stops and asks for ``--date-order``; it never guesses silently.
"""

from __future__ import annotations

import pandas as pd

from helpers.errors import BookError

ORDERS = ("dmy", "mdy")
_SLASHED = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$"
SLASHED = _SLASHED  # day, month (either order) and year of a slashed date
_ISO = r"^\d{4}-\d{1,2}-\d{1,2}$"
_WORDY = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d %Y")


def date_part(texts: pd.Series) -> pd.Series:
    """The date part of a date or date-time text ('2025-01-03 10:00' -> '2025-01-03')."""
    texts = texts.astype(str).str.strip()
    iso_time = texts.str.match(r"^\d{4}-\d{2}-\d{2}[T ]")
    slashed_time = texts.str.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}[ T]")
    return texts.mask(iso_time, texts.str.slice(0, 10)).mask(
        slashed_time, texts.str.split(r"[ T]", n=1, regex=True).str[0]
    )


def infer_order(
    texts: pd.Series,
    *,
    file: object,
    column: str,
    date_order: str | None = None,
    default: str | None = None,
) -> tuple[str | None, str | None]:
    """(order or None when no numeric dates, note for the summary) for one column's values."""
    if _all_iso(texts):  # the usual export: nothing to infer
        return None, None
    parts = date_part(texts).str.extract(_SLASHED).dropna()
    if parts.empty:
        return None, None
    first, second = parts[0].astype(int), parts[1].astype(int)
    day_first, month_first = texts[first.index[first > 12]], texts[second.index[second > 12]]
    if date_order is not None:
        return date_order, f"{column}: {_label(date_order)} (--date-order)"
    if len(day_first) and len(month_first):
        raise BookError(
            f"mixed day/month orders: '{day_first.iloc[0]}' is day-first but "
            f"'{month_first.iloc[0]}' is month-first; pass --date-order dmy or mdy (rows in "
            "the other order then go to the rejects ledger)",
            file=file,
            column=column,
        )
    if len(day_first) or len(month_first):
        order = "dmy" if len(day_first) else "mdy"
        evidence = len(day_first) + len(month_first)
        return order, (
            f"{column}: {_label(order)} (inferred from {evidence} unambiguous "
            f"value{'s' if evidence > 1 else ''})"
        )
    if default is not None:
        return default, f"{column}: {_label(default)} (the tool's documented format)"
    raise BookError(
        f"every date is ambiguous (e.g. '{texts[parts.index[0]]}' could be day-first or "
        "month-first): pass --date-order dmy or mdy",
        file=file,
        column=column,
    )


def _label(order: str) -> str:
    return "DD/MM/YYYY" if order == "dmy" else "MM/DD/YYYY"


def to_iso(texts: pd.Series, order: str | None) -> pd.Series:
    """ISO 'YYYY-MM-DD' texts (None where the value is blank or not a date in this order)."""
    if _all_iso(texts):  # the usual export: one parse, no other formats to try
        stripped = texts.astype(str).str.strip()
        parsed = pd.to_datetime(stripped, format="%Y-%m-%d", errors="coerce")
        iso = parsed.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        out = pd.Series(iso, index=texts.index, dtype=object)
        return out.where(out.notna(), None)
    texts = date_part(texts)
    out = pd.Series(None, index=texts.index, dtype=object)
    iso = texts.str.match(_ISO)
    out[iso] = pd.to_datetime(texts[iso], format="%Y-%m-%d", errors="coerce").dt.strftime(
        "%Y-%m-%d"
    )
    parts = texts.str.extract(_SLASHED)
    slashed = parts[0].notna()
    if order is not None and slashed.any():
        day, month = (parts[0], parts[1]) if order == "dmy" else (parts[1], parts[0])
        year = parts[2].where(parts[2].str.len() == 4, "20" + parts[2])
        stamp = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
        parsed = pd.to_datetime(stamp[slashed], format="%Y-%m-%d", errors="coerce")
        out[slashed] = parsed.dt.strftime("%Y-%m-%d")
    rest = ~iso & ~slashed & texts.ne("")
    for fmt in _WORDY:
        if not rest.any():
            break
        parsed = pd.to_datetime(texts[rest], format=fmt, errors="coerce")
        hit = parsed.notna()
        out[hit[hit].index] = parsed[hit].dt.strftime("%Y-%m-%d")
        rest = rest & ~rest.index.isin(hit[hit].index)
    return out.where(out.notna(), None)


def _all_iso(texts: pd.Series) -> bool:
    """Whether every value is a plain ISO date ('2025-01-03'), as most exports write them."""
    return bool(texts.astype(str).str.strip().str.match(_ISO).eq(True).all())


def expected(order: str | None) -> str:
    """How a date should look, for a ledger reason."""
    return "YYYY-MM-DD" if order is None else _label(order)
