"""Each client's expected revenue over the next four quarters, by the method the backtest chose.

:func:`client_potential` is what the metric contract merges (one row per client): it runs (or
takes) the book's :func:`~helpers.forecast.backtest.backtest` at the quarter, forecasts with the
chosen method on the book cut at the quarter's end, and gives the 80% band from the backtest's
errors. ``potential_method`` names the method per client (the chosen one, or the fallback a
client needed: ``run-rate`` for a client whose purchase summary a model cannot take,
``bgnbd+own-mean`` for one Gamma-Gamma cannot value, ``no-history`` without any purchase).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.book.load import Book
from helpers.book.quarters import parse_quarter
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.forecast.backtest import Backtest, backtest
from helpers.forecast.forecasters import FORECASTERS, NEEDS_FIT
from helpers.forecast.history import BookHistory, book_history, inputs_at
from helpers.forecast.potential import (
    BGNBD,
    MIN_CLIENTS,
    MIN_REPEATERS,
    NO_HISTORY,
    RUN_RATE,
    _discount_factors,
    fit_potential,
)

#: The band's columns (issue 13's names; the NURTURE rule reads the low end).
LOW, HIGH = "expected_revenue_next_4q_low", "expected_revenue_next_4q_high"
POTENTIAL_COLUMNS = (
    "client_id",
    "expected_revenue_next_4q",
    LOW,
    HIGH,
    "potential_method",
    "p_alive",
    "expected_purchases_4q",
    "frequency",
    "recency",
    "T",
    "monetary",
    "headroom",
    "size_wallet",
)


def present_value(revenue: np.ndarray, *, settings: Settings) -> np.ndarray:
    """Per client, the four coming quarters' revenue (rows x 4, floored at 0) summed, each
    quarter discounted at mid-quarter by ``settings.discount_rate`` (annual)."""
    return np.clip(revenue, 0, None) @ _discount_factors(settings.discount_rate)


def run_rate_potential(history: BookHistory, quarter: str, *, settings: Settings) -> pd.Series:
    """Next year's revenue by the run-rate (the ``run-rate`` method of
    :data:`~helpers.forecast.forecasters.FORECASTERS`:
    :func:`~helpers.forecast.forecasters.run_rate_revenue`) of each client of ``history`` cut at
    ``quarter``'s end, discounted as :func:`client_potential` discounts; indexed by client_id
    (clients without a purchase by then are absent).

    What the contract gives a client valued by its billable time
    (:func:`~helpers.forecast.history.time_history`): the same forecast an invoiced client gets
    from the same dated amounts when the run-rate is the book's method."""
    inputs = inputs_at(history, quarter)
    revenue = FORECASTERS[RUN_RATE](inputs, fit=None).revenue
    return pd.Series(
        present_value(revenue, settings=settings), index=inputs.summary["client_id"].to_numpy()
    )


def client_potential(
    book: Book,
    quarter: str,
    *,
    settings: Settings,
    checked: Backtest | None = None,
    method: str | None = None,
    history: BookHistory | None = None,
    min_clients: int = MIN_CLIENTS,
    min_repeaters: int = MIN_REPEATERS,
) -> pd.DataFrame:
    """Next year's expected business per client at the end of ``quarter`` (one row per client).

    Point in time: only invoices issued on or before the quarter's last day count.
    ``expected_revenue_next_4q`` is the chosen method's forecast of the next four quarters, each
    quarter discounted at mid-quarter by ``settings.discount_rate`` (annual, default 0);
    ``expected_revenue_next_4q_low``/``_high`` = the point x the backtest's band (NaN when the
    book has too little history for a backtest). ``checked``: the book's backtest at
    ``quarter`` when the caller has it (else it is run here); ``history``: the book's
    :func:`~helpers.forecast.history.book_history` likewise. ``method``: a method of
    :data:`~helpers.forecast.forecasters.METHODS` to use instead of the backtest's choice (its
    band is still its own backtest's; a method that cannot run on the book falls back to the
    run-rate).

    ``size_wallet`` and ``headroom`` are an **assumption**, not a measurement: the yearly spend
    a client of that size could give us (``settings.size_wallet``), and
    ``headroom = max(0, size_wallet - max(revenue_ttm, 0))``; NaN when the size is unknown.
    """
    quarter = str(parse_quarter(quarter))
    history = history if history is not None else book_history(book)
    if checked is None:
        checked = backtest(
            book, quarter, history=history, min_clients=min_clients, min_repeaters=min_repeaters
        )
    inputs = inputs_at(history, quarter)
    summary = inputs.summary
    if method is not None and method not in FORECASTERS:
        raise PumpkinError(f"unknown forecast method {method!r}; known: {list(FORECASTERS)}")
    method = method or checked.chosen
    fit = None
    if method in NEEDS_FIT:
        fit = fit_potential(
            summary,
            min_clients=min_clients,
            min_repeaters=min_repeaters,
            gamma_gamma=method == BGNBD,
        )
    result = FORECASTERS[method](inputs, fit=fit)
    if result.skipped:  # chosen on the past, cannot run now (e.g. BG/NBD no longer reliable)
        result = FORECASTERS[RUN_RATE](inputs, fit=None)
    point = present_value(result.revenue, settings=settings)
    low, high = checked.band_for(result.name)
    per_client = summary[["client_id", "frequency", "recency", "T", "monetary"]].assign(
        expected_revenue_next_4q=point,
        **{LOW: point * low, HIGH: point * high},
        expected_purchases_4q=result.purchases,
        p_alive=result.p_alive,
        potential_method=result.labels,
    )
    wallet = {k: float(v) for k, v in settings.size_wallet.items()}
    revenue_ttm = summary.set_index("client_id")["revenue_ttm"]
    no_purchase = {"expected_revenue_next_4q": 0.0, "expected_purchases_4q": 0.0}
    no_purchase |= {"potential_method": NO_HISTORY, "frequency": 0.0, "recency": 0.0, "T": 0.0}
    out = book.clients[["client_id", "size"]].merge(per_client, on="client_id", how="left")
    bought = out["expected_revenue_next_4q"].notna()
    out = out.fillna(no_purchase)
    out.loc[~bought, [LOW, HIGH]] = 0.0 if checked.ran else np.nan
    return out.assign(
        size_wallet=lambda d: d["size"].map(wallet).astype("float64"),
        headroom=lambda d: (
            d["size_wallet"] - d["client_id"].map(revenue_ttm).fillna(0.0).clip(lower=0)
        ).clip(lower=0),
    )[list(POTENTIAL_COLUMNS)]
