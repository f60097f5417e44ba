"""The metric contract of a quarter: the measures, the forecast, the scores and the rules together.

``raw_metrics`` measures the book (:mod:`helpers.audit.measures`), adds each client's future
potential (:func:`helpers.forecast.estimate.client_potential`: the method its backtest chose, with
an 80% band; kept with the cached book by :func:`helpers.forecast.stored.stored_potential`)
and the percentile ranks the scores weight
(:mod:`helpers.audit.scores`); ``client_metrics`` then classifies (:func:`helpers.audit.rules.classify`:
scores, segment, actions and reasons) and takes the partners' decisions into account
(:func:`helpers.decide.journal.with_journal`). This module sits at the decide stage because it needs every
stage above it; nothing above it imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

from helpers.audit.measures import (
    CONTRACT_COLUMNS,
    measure,
    movement_counts,
    prepare,
    rate_ranks,
    segment_transitions,
    split_history,
)
from helpers.audit.rules import FIX_ACTIONS, SINCE_LOOKBACK, classify, fix_masks, since_column
from helpers.audit.scores import input_ranks
from helpers.book import cache as book_cache
from helpers.book.quarters import parse_quarter
from helpers.book.settings import Settings
from helpers.decide.journal import with_journal
from helpers.errors import PumpkinError
from helpers.forecast.backtest import Backtest
from helpers.forecast.choice import RUN_RATE
from helpers.forecast.estimate import run_rate_potential
from helpers.forecast.history import BookHistory, book_history, time_history
from helpers.forecast.stored import stored_potential


def _with_potential(raw: pd.DataFrame, estimate: pd.DataFrame) -> pd.DataFrame:
    extra = [c for c in estimate.columns if c == "client_id" or c not in raw.columns]
    merged = raw.merge(
        estimate[extra].drop_duplicates("client_id"),
        on="client_id",
        how="left",
        validate="one_to_one",
    )
    return merged.assign(
        expected_revenue_next_4q=merged["expected_revenue_next_4q"].fillna(0.0).astype(float),
        expected_revenue_next_4q_low=merged["expected_revenue_next_4q_low"].astype(float),
        expected_revenue_next_4q_high=merged["expected_revenue_next_4q_high"].astype(float),
        potential_method=merged["potential_method"].fillna("none"),
    )


def _time_valued_potential(
    raw: pd.DataFrame, book, quarter: str, settings: Settings
) -> pd.DataFrame:
    """Clients valued by their billable time (no invoices to fit a purchase model on): the
    run-rate of that value (:func:`helpers.forecast.estimate.run_rate_potential` of the dated
    billable amounts: the forecast an invoiced client gets from the run-rate), and headroom
    against it."""
    if "revenue_source" not in raw.columns:
        return raw
    by_time = raw["revenue_source"].eq("billable time")
    if not by_time.any():
        return raw
    timed = time_history(book, clients=raw.loc[by_time, "client_id"])
    rates = run_rate_potential(timed, quarter, settings=settings)
    point = raw["client_id"].map(rates).fillna(0.0).astype(float)
    changes = {
        "expected_revenue_next_4q": raw["expected_revenue_next_4q"].mask(by_time, point),
        "potential_method": raw["potential_method"].mask(by_time, RUN_RATE),
    }
    for bound in ("expected_revenue_next_4q_low", "expected_revenue_next_4q_high"):
        if bound in raw.columns:
            changes[bound] = raw[bound].mask(by_time, point)
    if {"headroom", "size_wallet"} <= set(raw.columns):
        room = (raw["size_wallet"] - raw["revenue_ttm"].clip(lower=0)).clip(lower=0)
        changes["headroom"] = raw["headroom"].mask(by_time, room)
    return raw.assign(**changes)


def _measured(
    prep, quarter: str, settings: Settings, cache: dict | None, *, fixes_only: bool = False
) -> pd.DataFrame:
    """``measure`` of a quarter, kept in ``cache`` (a full measure serves a fixes-only one)."""
    if cache is None:
        return measure(prep, quarter, settings=settings, fixes_only=fixes_only)
    if (quarter, False) in cache:
        return cache[(quarter, False)]
    if (quarter, fixes_only) not in cache:
        cache[(quarter, fixes_only)] = measure(
            prep, quarter, settings=settings, fixes_only=fixes_only
        )
    return cache[(quarter, fixes_only)]


def fix_since(
    prep, quarter: str, *, settings: Settings, cache: dict | None = None
) -> dict[str, np.ndarray]:
    """Per fix action, ``since_<code>``: the first quarter of the unbroken run of quarters, up to
    ``quarter``, in which the fix's condition held for the client (measured point in time at each
    quarter's end with the same settings), looking back at most :data:`SINCE_LOOKBACK` quarters;
    empty where it does not hold now.

    The quarter itself is measured in full (the contract's own measure, shared through
    ``cache``); the quarters before only in the columns the fix rules read
    (``measure(..., fixes_only=True)``: :data:`helpers.audit.measures.FIX_COLUMNS`, about a
    third of a full measure), then ranked as the contract is (:func:`rate_ranks`: REPRICE reads
    the book's median rate among those columns), so each quarter's masks are the ones its full
    measure would give."""
    now = fix_masks(rate_ranks(_measured(prep, quarter, settings, cache)), settings=settings)
    since = {code: np.where(now[code], quarter, None).astype(object) for code in FIX_ACTIONS}
    running = dict(now)
    for k in range(1, SINCE_LOOKBACK + 1):
        if not any(m.any() for m in running.values()):
            break
        earlier = str(parse_quarter(quarter) - k)
        measured = _measured(prep, earlier, settings, cache, fixes_only=True)
        held = fix_masks(rate_ranks(measured), settings=settings)
        for code in FIX_ACTIONS:
            running[code] = running[code] & held[code]
            since[code] = np.where(running[code], earlier, since[code])
    return {since_column(code): since[code] for code in FIX_ACTIONS}


def _raw(
    prep,
    book,
    quarter: str,
    settings: Settings,
    *,
    history: BookHistory | None = None,
    checked: Backtest | None = None,
    cache: dict | None = None,
    potential: Future | None = None,
) -> pd.DataFrame:
    """The raw metrics of ``quarter`` from the prepared book (see :func:`raw_metrics`).

    The potential (:func:`~helpers.forecast.stored.stored_potential`) reads only the invoices
    and clients, so it is computed in a thread beside the measures (numpy and Arrow release the
    GIL in much of both) unless the caller started it already (``potential``); the frames are
    the same. An error in the potential is raised before one in the measures, as when the
    potential ran first."""
    cache = {} if cache is None else cache
    with ThreadPoolExecutor(1, thread_name_prefix="pumpkin-potential") as pool:
        if potential is None:
            potential = pool.submit(
                stored_potential, book, quarter, settings=settings, history=history, checked=checked
            )
        try:
            measures = _measured(prep, quarter, settings, cache)
            since = fix_since(prep, quarter, settings=settings, cache=cache)
        except Exception:
            potential.result()  # the potential's own error first
            raise
        estimate = potential.result()
    raw = _with_potential(measures, estimate)
    raw = rate_ranks(_time_valued_potential(raw, book, quarter, settings))
    raw = raw.assign(**since)
    measured = [c for c in CONTRACT_COLUMNS if c in raw.columns]
    return input_ranks(
        raw[measured + [c for c in raw.columns if c not in measured]], settings=settings
    )


#: The kind of stored result :func:`raw_metrics` keeps in the book cache, and its format version.
RAW_KIND, RAW_FORMAT = "raw-metrics", 1


def raw_metrics(book, quarter: str, *, settings: Settings) -> pd.DataFrame:
    """The measured contract columns (and the rule signals) for ``quarter``, one row per client.

    Kept in the book cache (:func:`helpers.book.cache.read_result`) when the book was loaded
    through it: the key is the book's (its files' content and the code), the quarter, every
    setting and :data:`RAW_FORMAT`, so the same files, quarter and settings are measured once."""
    return _raw_metrics(book, quarter, settings)[0]


def _raw_metrics(book, quarter: str, settings: Settings) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`raw_metrics`, and the time entries' client rows when the book was prepared here
    (None when the raw metrics came from the cache): what the journal then looks its decided
    clients up by."""
    entry_clients = None
    key = book_cache.book_result_key(
        book,
        kind=RAW_KIND,
        format=RAW_FORMAT,
        quarter=str(parse_quarter(quarter)),
        settings=settings.to_dict(),
    )

    def computed() -> pd.DataFrame:
        nonlocal entry_clients
        with ThreadPoolExecutor(1, thread_name_prefix="pumpkin-potential") as pool:
            # the potential does not need the prepared arrays: it runs while they are made
            # (an error in preparing them is still raised first: the pool waits for the thread)
            potential = pool.submit(stored_potential, book, quarter, settings=settings)
            prep = prepare(book, settings=settings)
            entry_clients = prep.te["code"]
            return _raw(prep, book, quarter, settings, potential=potential)

    return book_cache.stored_result(RAW_KIND, key, computed), entry_clients


def client_metrics(book, quarter: str, *, settings: Settings) -> pd.DataFrame:
    """The full metric contract: measured columns, scores, segment, actions and reasons."""
    raw, entry_clients = _raw_metrics(book, quarter, settings)
    classified = classify(raw, settings=settings)
    # the partners' decisions
    return with_journal(classified, book, quarter, settings=settings, entry_clients=entry_clients)


def metrics_for_quarters(
    book,
    quarters: Sequence[str],
    *,
    settings: Settings,
    backtests: Mapping[str, Backtest] | None = None,
) -> pd.DataFrame:
    """``client_metrics`` for several quarters, long (one row per client per quarter).

    The book is turned into arrays once and reused for every quarter. ``backtests``: the
    potential's backtest of some of the quarters when the caller already has them
    (:func:`helpers.forecast.backtest.backtest`; the others are run here).
    """
    if not quarters:
        raise PumpkinError("no quarters given")
    prep, history, known = prepare(book, settings=settings), book_history(book), backtests or {}
    cache: dict[tuple[str, bool], pd.DataFrame] = {}
    frames = [
        with_journal(
            classify(
                _raw(prep, book, q, settings, history=history, checked=known.get(q), cache=cache),
                settings=settings,
            ),
            book,
            q,
            settings=settings,
            entry_clients=prep.te["code"],
        )
        for q in quarters
    ]
    return pd.concat(frames, ignore_index=True)


def recent_quarters(book, quarter: str, n: int) -> list[str]:
    """The last ``n`` quarters up to ``quarter`` that the book has activity in, oldest first."""
    wanted = [str(parse_quarter(quarter) - k) for k in range(n - 1, -1, -1)]
    return [q for q in wanted if q in book.quarters()]


def quarter_and_history(
    book,
    quarter: str,
    *,
    settings: Settings,
    n: int = 2,
    backtests: Mapping[str, Backtest] | None = None,
):
    """Metrics of ``quarter`` and of up to ``n - 1`` quarters before it, in one pass over the
    book (``backtests`` as in :func:`metrics_for_quarters`).

    Returns ``(history, current, previous)``: the long frame of every quarter (what the
    movement plot and the scorecard take), the quarter's rows, and the previous quarter's rows
    (empty when the book starts with ``quarter``).
    """
    wanted = recent_quarters(book, quarter, n) or [quarter]
    return split_history(
        metrics_for_quarters(book, wanted, settings=settings, backtests=backtests), quarter
    )


def segment_movement(
    book,
    quarters: Sequence[str],
    *,
    settings: Settings,
    per_client: bool = False,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Quarter-over-quarter movement between segments: from_segment, to_segment, count (per pair
    of consecutive quarters). ``per_client=True`` gives the per-client from/to frame instead.
    ``metrics``, a long frame of those quarters' metrics the caller already has (e.g. the history
    of :func:`quarter_and_history`), is used instead of computing them again."""
    if metrics is None:
        metrics = metrics_for_quarters(book, quarters, settings=settings)
    transitions = segment_transitions(metrics[metrics["quarter"].isin(list(quarters))])
    return transitions if per_client else movement_counts(transitions)
