"""Which forecast to trust on this book: every method tried on the book's own past, and a band.

:func:`backtest` cuts the book four quarters before the audited quarter, lets every forecaster
(:mod:`helpers.forecast.forecasters`) forecast the next four quarters for each client known at the
cut, and compares with what those clients were then invoiced (the four quarters up to the audited
quarter; nothing after it is read). Per method:

* ``error``: revenue-weighted mean absolute error, ``sum |forecast - actual| / sum actual`` (0.2:
  the forecasts were off by a fifth of what was invoiced);
* ``bias``: ``sum (forecast - actual) / sum actual`` (+0.1: 10% too high on balance).

On a book of more than 4,000 clients known at the cut the backtest runs on every k-th client
(:data:`SAMPLE_CLIENTS`; :attr:`Backtest.every` says which k, 1 = every client).

The method with the lowest error is chosen (errors equal to a tenth of a percentage point are a
tie, which goes to the simpler method, in :data:`~helpers.forecast.forecasters.METHODS` order). Too little history for a backtest (fewer than
:data:`MIN_FIT_QUARTERS` quarters before the cut, or fewer than :data:`MIN_BACKTEST_CLIENTS`
clients invoiced after it) means the run-rate, and :attr:`Backtest.reason` says why.

The **band** is the 10th and 90th percentile of ``actual / forecast`` over the backtest's clients
(each weighted by its forecast, as the error is weighted by revenue) for the chosen method: a
client forecast at 100 is expected between ``100 x low`` and ``100 x high`` four times in five if
the coming year misses like the last one did. With no backtest there is no band (NaN), and the
report says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.book.load import Book
from helpers.book.quarters import parse_quarter, shift_quarter
from helpers.forecast.choice import METHOD_COLUMNS, METHODS, Backtest
from helpers.forecast.forecasters import FORECASTERS, NEEDS_FIT, QUARTERS
from helpers.forecast.history import (
    BookHistory,
    Inputs,
    actual_revenue,
    book_history,
    inputs_at,
    quarter_columns,
)
from helpers.forecast.potential import MIN_CLIENTS, MIN_REPEATERS, RUN_RATE, fit_potential

#: The cut needs this many quarters of history (its run-rate reads four quarters).
MIN_FIT_QUARTERS = 4
#: ... and this many clients known at the cut and invoiced in the year after it.
MIN_BACKTEST_CLIENTS = 5
#: A book with more than twice this many clients known at the cut is backtested on every k-th
#: client (this many or a few more, in client-id order): enough to rank the methods and size the
#: band, at a fraction of the cost (BG/NBD's fit and its hypergeometric terms dominate it).
SAMPLE_CLIENTS = 2000
#: The band: these quantiles of actual / forecast (an 80% band).
BAND_QUANTILES = (0.10, 0.90)


def weighted_quantiles(values, weights, quantiles) -> np.ndarray:
    """Quantiles of ``values`` with ``weights`` (midpoint interpolation of the weighted CDF).

    >>> weighted_quantiles([0.0, 1.0, 2.0], [1, 1, 2], [0.5]).round(3).tolist()
    [1.333]
    """
    v, w = np.asarray(values, float), np.asarray(weights, float)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.asarray(quantiles, float), cdf, v)


def _scores(forecast: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    total = actual.sum()
    return float(np.abs(forecast - actual).sum() / total), float((forecast - actual).sum() / total)


def _band(forecast: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    forecast_some = forecast > 0
    if forecast_some.sum() < MIN_BACKTEST_CLIENTS:
        return (np.nan, np.nan)
    ratio = actual[forecast_some] / forecast[forecast_some]
    low, high = weighted_quantiles(ratio, forecast[forecast_some], BAND_QUANTILES)
    return (float(low), float(high))


def _no_backtest(quarter: str, reason: str) -> Backtest:
    methods = pd.DataFrame(
        {
            "method": list(METHODS),
            "error": np.nan,
            "bias": np.nan,
            "clients": 0,
            "band_low": np.nan,
            "band_high": np.nan,
            "skipped": "no backtest: " + reason,
        }
    )
    per_client = pd.DataFrame({"client_id": [], "method": [], "forecast": [], "actual": []}).astype(
        {"forecast": float, "actual": float}
    )
    sentence = f"The run-rate is used without a backtest: {reason}."
    return Backtest(quarter, None, RUN_RATE, sentence, methods, per_client)


def backtest(
    book: Book,
    quarter: str,
    *,
    history: BookHistory | None = None,
    methods: tuple[str, ...] = METHODS,
    min_clients: int = MIN_CLIENTS,
    min_repeaters: int = MIN_REPEATERS,
) -> Backtest:
    """Try every method on the book's past at ``quarter`` (see the module docstring).

    ``history``: :func:`~helpers.forecast.history.book_history` of the book when the caller
    already has it; ``methods``: the methods to try (a subset of ``METHODS``).
    """
    quarter = str(parse_quarter(quarter))
    unknown = [m for m in methods if m not in FORECASTERS]
    if unknown:
        from helpers.errors import PumpkinError

        raise PumpkinError(f"unknown forecast method(s) {unknown}; known: {list(METHODS)}")
    history = history if history is not None else book_history(book)
    cut = shift_quarter(quarter, -QUARTERS)
    have = quarter_columns(history, cut)
    if history.first is None:
        return _no_backtest(quarter, "the book has no invoices")
    if have < MIN_FIT_QUARTERS:
        return _no_backtest(
            quarter,
            f"the book's invoices start in {history.first}, and a backtest needs "
            f"{MIN_FIT_QUARTERS} quarters up to {cut} to fit on and the four quarters after it to "
            f"compare with ({MIN_FIT_QUARTERS + QUARTERS} quarters up to {quarter})",
        )
    inputs = inputs_at(history, cut)
    every = len(inputs.summary) // SAMPLE_CLIENTS if len(inputs.summary) > 2 * SAMPLE_CLIENTS else 1
    if every > 1:
        summary = inputs.summary.iloc[::every].reset_index(drop=True)
        inputs = Inputs(cut, summary, inputs.quarterly[::every])
    actual = np.clip(actual_revenue(history, inputs.summary["client"], cut, QUARTERS), 0, None)
    invoiced = int((actual > 0).sum())
    if invoiced < MIN_BACKTEST_CLIENTS or actual.sum() <= 0:
        return _no_backtest(
            quarter,
            f"only {invoiced} of the clients known at {cut} were invoiced in the four quarters "
            f"after it (need {MIN_BACKTEST_CLIENTS})",
        )
    fit = None
    if NEEDS_FIT & set(methods):
        fit = fit_potential(inputs.summary, min_clients=min_clients, min_repeaters=min_repeaters)
    rows, per_client = [], []
    for name in methods:
        result = FORECASTERS[name](inputs, fit=fit, split=False)
        if result.skipped:
            rows.append((name, np.nan, np.nan, 0, np.nan, np.nan, result.skipped))
            continue
        total = np.clip(result.total, 0, None)
        error, bias = _scores(total, actual)
        rows.append((name, error, bias, len(total), *_band(total, actual), ""))
        per_client.append(
            pd.DataFrame(
                {
                    "client_id": inputs.summary["client_id"].to_numpy(),
                    "method": name,
                    "forecast": total,
                    "actual": actual,
                }
            )
        )
    table = pd.DataFrame(rows, columns=list(METHOD_COLUMNS))
    ran = table[table["skipped"] == ""]
    # errors equal to 0.1 point are a tie, and idxmin takes the first: the simpler method
    best = ran.loc[ran["error"].round(3).idxmin()]
    chosen = str(best["method"])
    sampled = f" (one in {every} of the clients known at {cut})" if every > 1 else ""
    reason = (
        f"{chosen} had the lowest error when fitted on the book up to {cut} and compared with "
        f"the next four quarters: off by {best['error']:.0%} of the revenue of "
        f"{int(best['clients']):,} clients{sampled}, {abs(best['bias']):.0%} too "
        f"{'high' if best['bias'] >= 0 else 'low'} on balance."
    )
    return Backtest(
        quarter,
        cut,
        chosen,
        reason,
        table,
        pd.concat(per_client, ignore_index=True),
        every,
    )
