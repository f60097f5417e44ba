"""The pumpkin patch: value and headache scores, and the four segments.

Scores (0-100). Each input is turned into a percentile rank within the book,
``rank_k = 100 x (average rank - 1) / (m - 1)`` over the ``m`` active clients that have the input
(0 = lowest, 100 = highest; 50 when only one client has it), so scores compare across books of any
size and currency. Then::

    value_score    = sum_k w_k x rank_k / sum_k w_k     (w = settings.value_weights)
    headache_score = sum_k w_k x rank_k / sum_k w_k     (w = settings.headache_weights)

Value inputs: ``margin`` (margin_ttm), ``effective_rate`` (effective_rate_ttm), ``growth``
(growth_ttm), ``potential`` (expected_revenue_next_4q), ``alignment`` (alignment_score).
Headache inputs: ``hours_per_revenue`` (hours_ttm / revenue_ttm; the worst rank when there are hours
but no revenue), ``non_billable`` (non_billable_share), ``lateness`` (days_late_avg), ``incidents``
(incidents_ttm), ``misalignment`` (5 - alignment_score).
A missing input (no hours for the rate, no prior revenue for growth, no assessment for alignment)
gets the neutral rank 50: it neither helps nor hurts. With all weights 0 a score is 50.

``raw_metrics`` stores the ranks (``pctl_<input>`` columns, see :func:`input_ranks`) so that
re-scoring with other weights is only a weighted sum.

Clients with no activity in the TTM window (no hours, no invoices) are left out of the ranks and get
both scores 0: they sit in ``seedling`` and the actions say "no activity".

Segments: high value = ``value_score > value_threshold``, high headache = ``headache_score >
headache_threshold``; a threshold of None is the median score of the active clients. ``prize`` high
value / low headache, ``tangled`` high / high, ``seedling`` low / low, ``weed`` low value / high
headache.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from helpers.book.settings import Settings

SEGMENTS = ("prize", "tangled", "seedling", "weed")
NEUTRAL_RANK = 50.0


def _hours_per_revenue(raw: pd.DataFrame) -> pd.Series:
    hours, revenue = raw["hours_ttm"], raw["revenue_ttm"]
    ratio = hours / revenue.where(revenue > 0)
    return ratio.mask((hours > 0) & (revenue <= 0), np.inf).mask(hours <= 0, 0.0)


def _column(name: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda raw: raw[name]


#: Score inputs: weight key -> how to read it from the raw metrics (higher = more value/headache).
INPUTS: dict[str, dict[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "value": {
        "margin": _column("margin_ttm"),
        "effective_rate": _column("effective_rate_ttm"),
        "growth": _column("growth_ttm"),
        "potential": _column("expected_revenue_next_4q"),
        "alignment": _column("alignment_score"),
    },
    "headache": {
        "hours_per_revenue": _hours_per_revenue,
        "non_billable": _column("non_billable_share"),
        "lateness": _column("days_late_avg"),
        "incidents": _column("incidents_ttm"),
        "misalignment": lambda raw: 5 - raw["alignment_score"],
    },
}


def percentile_rank(values: pd.Series, among: pd.Series | np.ndarray) -> np.ndarray:
    """0-100 rank of ``values`` among the rows in ``among`` that have a value; 50 for the rest."""
    x = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    known = np.asarray(among, dtype=bool) & ~np.isnan(x)
    out = np.full(len(x), NEUTRAL_RANK)
    m = int(known.sum())
    if m > 1:
        out[known] = 100 * (_average_ranks(x[known]) - 1) / (m - 1)
    return out


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (numpy: faster than pandas for sliders)."""
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x))
    ranks[order] = ((starts + ends + 1) / 2)[np.cumsum(new) - 1]
    return ranks


def input_ranks(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` plus one ``pctl_<input>`` column per score input (its 0-100 rank in the book).

    ``raw_metrics`` calls this once so that ``score`` (on every slider move) only has to weight
    them. The frame remembers how many rows were ranked (``attrs["pctl_rows"]``); ``score``
    re-ranks when the row count differs. Changing measured values of a ranked frame in place is
    not detected: drop the ``pctl_`` columns first.
    """
    active = _active(raw)
    ranks = {
        f"pctl_{k}": percentile_rank(read(raw), active)
        for group in INPUTS.values()
        for k, read in group.items()
    }
    out = raw.assign(**ranks)
    out.attrs["pctl_rows"] = len(out)
    return out


def _has_fresh_ranks(raw: pd.DataFrame, names) -> bool:
    return raw.attrs.get("pctl_rows") == len(raw) and all(f"pctl_{k}" in raw for k in names)


def _composite(raw: pd.DataFrame, inputs: dict[str, Callable], weights, active) -> np.ndarray:
    used = {k: float(weights.get(k, 0.0)) for k in inputs if weights.get(k, 0.0)}
    total = sum(used.values())
    if total <= 0:
        return np.where(active, NEUTRAL_RANK, 0.0)
    if _has_fresh_ranks(raw, used):
        ranks = {k: raw[f"pctl_{k}"].to_numpy(dtype=float) for k in used}
    else:
        ranks = {k: percentile_rank(inputs[k](raw), active) for k in used}
    score = sum(w * ranks[k] for k, w in used.items()) / total
    return np.where(active, np.clip(score, 0.0, 100.0), 0.0)


def _active(raw: pd.DataFrame) -> pd.Series:
    if "active" in raw.columns:
        return raw["active"].astype(bool)
    return raw["hours_ttm"].gt(0) | raw["revenue_ttm"].ne(0)


def score(raw: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """``raw`` plus ``value_score`` and ``headache_score`` (0-100, see the module docstring)."""
    settings = settings or Settings()
    active = _active(raw).to_numpy()
    return raw.assign(
        value_score=_composite(raw, INPUTS["value"], settings.value_weights, active),
        headache_score=_composite(raw, INPUTS["headache"], settings.headache_weights, active),
    )


def thresholds(scored: pd.DataFrame, settings: Settings | None = None) -> tuple[float, float]:
    """(value, headache) thresholds: the settings', or the medians of the active clients."""
    settings = settings or Settings()
    active = _active(scored).to_numpy()

    def pick(setting: float | None, column: str) -> float:
        if setting is not None:
            return float(setting)
        values = scored[column].to_numpy(dtype=float)[active]
        return float(np.median(values)) if len(values) else NEUTRAL_RANK

    return pick(settings.value_threshold, "value_score"), pick(
        settings.headache_threshold, "headache_score"
    )


def segment(scored: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """``scored`` plus ``segment`` (prize / tangled / seedling / weed)."""
    value_cut, headache_cut = thresholds(scored, settings)
    high_value = scored["value_score"].to_numpy() > value_cut
    high_headache = scored["headache_score"].to_numpy() > headache_cut
    # positions in SEGMENTS: prize 0, tangled 1, seedling 2, weed 3
    codes = np.where(high_value, np.where(high_headache, 1, 0), np.where(high_headache, 3, 2))
    return scored.assign(segment=pd.Categorical.from_codes(codes, categories=list(SEGMENTS)))
