"""Money, counts and currency symbols written the house way.

A leaf module: it imports nothing from the package, so every stage (the rules' reasons, the
offboarding letters, the text, the tables and the plots' axes) may use it. One value at a time
(``format_money``, ``money_with_code``, ``format_count``, ``format_number``,
``format_percent``) or a whole array at once
(``number_text``, ``grouped_text``, ``percent_text``: what the rules' reasons use for 10,000
clients).

>>> format_money(184_000, "USD")
'$184k'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

CURRENCY_SYMBOLS: Mapping[str, str] = MappingProxyType(
    {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}
)


def currency_symbol(currency: str) -> str:
    """'$' for USD, '€' for EUR, else the code and a space ('CHF ')."""
    code = (currency or "").upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")


def format_money(x: float, currency: str, *, decimals: int | None = None) -> str:
    """Money in a few characters: $950, $184k, $1.2M, -$3.4k (NaN gives an en dash)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    symbol = currency_symbol(currency)
    sign = "-" if x < 0 else ""
    value = abs(float(x))
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size * 0.9995:
            scaled = value / size
            places = decimals if decimals is not None else (1 if scaled < 9.95 else 0)
            text = f"{scaled:,.{places}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return f"{sign}{symbol}{text}{unit}"
    places = decimals if decimals is not None else 0
    return f"{sign}{symbol}{value:,.{places}f}"


def money_formatter(currency: str) -> Callable[[float], str]:
    """:func:`format_money` in ``currency`` as a one-argument function (for tables and text)."""
    return lambda x: format_money(x, currency)


def exact_money(x: float, currency: str) -> str:
    """Money to the unit, as on an invoice: $12,000 (plans and letters quote amounts exactly).

    >>> exact_money(-1234.5, "USD")
    '-$1,234'
    """
    sign = "-" if x < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(x):,.0f}"


def money_with_code(x: float, currency: str, *, missing: str | None = None) -> str:
    """Money to the unit followed by the currency code, as the reasons say it: 12,000 USD.
    ``missing`` is said instead of a value that is not a finite number, when given.

    >>> money_with_code(12000.4, "EUR"), money_with_code(float("nan"), "EUR", missing="no data")
    ('12,000 EUR', 'no data')
    """
    if missing is not None and not math.isfinite(x):
        return missing
    return f"{x:,.0f} {currency}"


def format_count(n: float) -> str:
    """Whole numbers with thousands separators: 2,310."""
    return f"{round(n):,}"


def format_number(x: float, places: int = 0) -> str:
    """A number with thousands separators and ``places`` decimals; an en dash when missing.

    >>> format_number(28170.5, 1), format_number(float("nan"))
    ('28,170.5', '–')
    """
    return "–" if pd.isna(x) else f"{x:,.{places}f}"


def format_ordinal(n: int) -> str:
    """A position in words a partner reads aloud: 1st, 2nd, 3rd, 11th, 22nd, 128th.

    >>> [format_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 128)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th', '128th']
    """
    n = int(n)
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def format_percent(x: float) -> str:
    """A share as a whole percentage (``0.425`` -> ``42%``); an en dash when missing."""
    return "–" if pd.isna(x) else f"{x:.0%}"


# ----------------------------------------------------------------------------- arrays at once

#: "0".."999" and "000".."999": the lookups behind the vectorised formatters.
_WHOLE_TEXT = np.array([str(i) for i in range(1000)], dtype=object)
_PADDED_TEXT = np.array([f"{i:03d}" for i in range(1000)], dtype=object)


def number_text(values) -> np.ndarray:
    """Numbers as text, vectorised: whole numbers 0-999 by table lookup (fast), anything else
    as ``f"{x:g}"``.

    >>> number_text([3.0, 2.5, 1500.0]).tolist()
    ['3', '2.5', '1500']
    """
    v = np.asarray(values, dtype=float)
    whole = (v == np.round(v)) & (v >= 0) & (v < len(_WHOLE_TEXT))
    out = np.empty(len(v), dtype=object)
    out[whole] = _WHOLE_TEXT[v[whole].astype(int)]
    rest = np.flatnonzero(~whole)
    out[rest] = [f"{x:g}" for x in v[rest].tolist()]
    return out


def grouped_text(values) -> np.ndarray:
    """Whole numbers with thousands separators, vectorised by 3-digit lookups: the same text as
    ``f"{x:,.0f}"`` (except that a value rounding to zero reads ``0``, never ``-0``); ``n/a``
    for a value that is not a finite number.

    >>> grouped_text([-12345.4, 0.0, float("nan")]).tolist()
    ['-12,345', '0', 'n/a']
    """
    v = np.rint(np.asarray(values, dtype=float))
    finite = np.isfinite(v)
    rest = np.abs(np.where(finite, v, 0)).astype(np.int64)
    low, rest = rest % 1000, rest // 1000
    text = np.where(rest > 0, _PADDED_TEXT[low], _WHOLE_TEXT[low])
    while (rest > 0).any():
        low, higher = rest % 1000, rest // 1000
        head = np.where(higher > 0, _PADDED_TEXT[low], _WHOLE_TEXT[low])
        text = np.where(rest > 0, head + "," + text, text)
        rest = higher
    text = np.where(v < 0, "-" + text, text)
    return np.where(finite, text, "n/a")


def percent_text(shares) -> np.ndarray:
    """Shares as whole percentages, vectorised (``0.425`` -> ``42%``).

    >>> percent_text([0.425, 1.5]).tolist()
    ['42%', '150%']
    """
    return grouped_text(np.asarray(shares, dtype=float) * 100) + "%"
