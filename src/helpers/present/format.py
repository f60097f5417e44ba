"""Money, counts and currency symbols written the house way.

A leaf module: it imports nothing from the package, so every stage (the rules' reasons, the
offboarding letters, the text, the tables and the plots' axes) may use it.

>>> format_money(184_000, "USD")
'$184k'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

CURRENCY_SYMBOLS: Mapping[str, str] = MappingProxyType(
    {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}
)


def currency_symbol(currency: str) -> str:
    """'$' for USD, '€' for EUR, else the code and a space ('CHF ')."""
    code = (currency or "").upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")


def format_money(x: float, currency: str = "USD", *, decimals: int | None = None) -> str:
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


def exact_money(x: float, currency: str = "USD") -> str:
    """Money to the unit, as on an invoice: $12,000 (plans and letters quote amounts exactly).

    >>> exact_money(-1234.5)
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
