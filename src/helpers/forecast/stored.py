"""The potential of a quarter kept with the cached book, so a warm run neither imports scipy nor fits.

:func:`client_potential` (the backtest, the chosen method's fit and its forecast) reads only the
book's invoices and clients, the quarter, two settings (``discount_rate``, ``size_wallet``) and
its own options. A book loaded through :mod:`helpers.book.cache` carries the key of its files'
content (:attr:`helpers.book.load.Book.cache_key`; "" for a book built or changed in memory), so
:func:`stored_potential` stores the per-client result under that key with the rest of those
inputs and :data:`FORMAT` (:func:`helpers.book.cache.result_key`), and reads it back instead of
computing it when nothing changed. The code's fingerprint is in the book's key: a change in the
models is a new key too. A result that cannot be read is computed again; a cache that cannot be
written is no error.
"""

from __future__ import annotations

import pandas as pd

from helpers.book import cache as book_cache
from helpers.book.quarters import parse_quarter
from helpers.book.settings import Settings
from helpers.forecast.backtest import Backtest
from helpers.forecast.estimate import POTENTIAL_COLUMNS, client_potential
from helpers.forecast.history import BookHistory
from helpers.forecast.potential import MIN_CLIENTS, MIN_REPEATERS

#: The kind of result in the cache's ``results/`` folder.
KIND = "potential"
#: Bumped when what is stored changes.
FORMAT = 1


def potential_key(book, quarter: str, *, settings: Settings, **options: object) -> str | None:
    """The cache key of ``book``'s potential at ``quarter`` with ``settings`` and the
    :func:`client_potential` ``options``; None when the book has no cache key or the cache is
    off."""
    return book_cache.book_result_key(
        book,
        kind=KIND,
        format=FORMAT,
        quarter=str(parse_quarter(quarter)),
        discount_rate=float(settings.discount_rate),
        size_wallet={str(k): float(v) for k, v in settings.size_wallet.items()},
        options=options,
    )


def stored_potential(
    book,
    quarter: str,
    *,
    settings: Settings,
    checked: Backtest | None = None,
    history: BookHistory | None = None,
    method: str | None = None,
    min_clients: int = MIN_CLIENTS,
    min_repeaters: int = MIN_REPEATERS,
) -> pd.DataFrame:
    """:func:`~helpers.forecast.estimate.client_potential`, read from the cache when this book's
    files, quarter, settings and options were computed before (and stored when not).

    A caller's own backtest (``checked``) is used as given and nothing is read or stored: the
    result then depends on a backtest this module cannot key.
    """
    options = {"method": method, "min_clients": min_clients, "min_repeaters": min_repeaters}
    key = (
        None if checked is not None else potential_key(book, quarter, settings=settings, **options)
    )
    return book_cache.stored_result(
        KIND,
        key,
        lambda: client_potential(
            book, quarter, settings=settings, checked=checked, history=history, **options
        ),
        usable=lambda stored: list(stored.columns) == list(POTENTIAL_COLUMNS),
    )
