"""The pumpkin patch: value and headache scores, and the segments.

Scores (0-100). Each input is turned into a percentile rank within the book,
``rank_k = 100 x (average rank - 1) / (m - 1)`` over the ``m`` active clients that have the input
(0 = lowest, 100 = highest; 50 when only one client has it), so scores compare across books of any
size and currency. Then::

    value_score    = sum_k w_k x rank_k / sum_k w_k     (w = settings.value_weights)
    headache_score = sum_k w_k x rank_k / sum_k w_k     (w = settings.headache_weights)

The two axes are independent: no input, nor its mirror image, feeds both (issue 12).

Value inputs (what the client is worth): ``margin`` (margin_ttm), ``revenue`` (revenue_ttm),
``growth`` (growth_ttm), ``potential`` (expected_revenue_next_4q) and ``values``: the non-money
value of seed 003 section 4, the mean alignment, transparency and fit rating (``fit_rating``);
when the owner rates the client far below the others (the REASSIGN_OWNER rule), the owner's own
ratings are left out (``fit_rating_others``).

Headache inputs (what serving it costs beyond the hours billed): ``hours_per_revenue``
(hours_ttm / revenue_ttm, the seed's indicator; the worst rank when there are hours but no
revenue), ``non_billable`` (non_billable_share), ``lateness`` (days_late_avg ranked **within the
client's size class**: a large client's slow payment is its finance department's policy, seed
003), ``incidents`` (client-caused severity per 100 hours worked, ``incidents_per_100h``) and
``disrespect`` (5 - ``respect_rating``: how the client treats our people).

A missing input (no prior revenue for growth, no assessment for the ratings) gets the neutral rank
50: it neither helps nor hurts. With all weights 0 a score is 50.

``raw_metrics`` stores the ranks (``pctl_<input>`` columns, and ``pctl_rows``: how many rows
they were ranked among; see :func:`input_ranks`) so that re-scoring with other weights is only a
weighted sum (``values`` is re-ranked with the settings in force, as it depends on the owner
rule's thresholds).

Clients with no hours and no invoices in the TTM window are ``gone``: outside the ranks, the
thresholds and the four fields; their scores are empty.

Segments: high value = ``value_score > value_threshold``, high headache = ``headache_score >
headache_threshold``; a threshold of None is the median score of the active clients. ``prize`` high
value / low headache, ``tangled`` high / high, ``seedling`` low / low, ``weed`` low value / high
headache; ``gone`` for the clients without activity (the names and their order come from the
registry in :mod:`helpers.audit.rules`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from helpers.book.settings import Settings

NEUTRAL_RANK = 50.0


def _hours_per_revenue(raw: pd.DataFrame, settings: Settings) -> pd.Series:
    hours, revenue = raw["hours_ttm"], raw["revenue_ttm"]
    ratio = hours / revenue.where(revenue > 0)
    return ratio.mask((hours > 0) & (revenue <= 0), np.inf).mask(hours <= 0, 0.0)


def _column(name: str) -> Callable[[pd.DataFrame, Settings], pd.Series]:
    return lambda raw, settings: raw[name]


def owner_is_the_outlier(raw: pd.DataFrame, *, settings: Settings) -> np.ndarray:
    """The REASSIGN_OWNER condition (seed 001, "is it just me?"): the owner's mean rating at least
    ``reassign_gap`` below the other assessors', who rate it ``reassign_min_others`` or more."""
    owner = raw["owner_rating"].to_numpy(dtype=float, na_value=np.nan)
    others = raw["others_rating"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return (owner <= others - settings.reassign_gap) & (others >= settings.reassign_min_others)


def _values(raw: pd.DataFrame, settings: Settings) -> pd.Series:
    """Alignment, transparency and fit; without the owner's ratings when the owner rule holds."""
    if "fit_rating" not in raw:
        return pd.Series(np.nan, index=raw.index)
    others = raw["fit_rating_others"] if "fit_rating_others" in raw else raw["fit_rating"]
    return raw["fit_rating"].mask(owner_is_the_outlier(raw, settings=settings), others)


def _lateness(raw: pd.DataFrame, settings: Settings) -> pd.Series:
    return raw["days_late_avg"]


def _incidents(raw: pd.DataFrame, settings: Settings) -> pd.Series:
    if "incidents_per_100h" in raw:
        return raw["incidents_per_100h"]
    hours, incidents = raw["hours_ttm"], raw["incidents_ttm"]
    rate = incidents * 100 / hours.where(hours > 0)
    return rate.mask((hours <= 0) & (incidents > 0), np.inf).mask(
        (hours <= 0) & (incidents <= 0), 0
    )


def _disrespect(raw: pd.DataFrame, settings: Settings) -> pd.Series:
    if "respect_rating" not in raw:
        return pd.Series(np.nan, index=raw.index)
    return 5 - raw["respect_rating"]


#: Score inputs: weight key -> how to read it from the raw metrics (higher = more value/headache).
INPUTS: dict[str, dict[str, Callable[[pd.DataFrame, Settings], pd.Series]]] = {
    "value": {
        "margin": _column("margin_ttm"),
        "revenue": _column("revenue_ttm"),
        "growth": _column("growth_ttm"),
        "potential": _column("expected_revenue_next_4q"),
        "values": _values,
    },
    "headache": {
        "hours_per_revenue": _hours_per_revenue,
        "non_billable": _column("non_billable_share"),
        "lateness": _lateness,
        "incidents": _incidents,
        "disrespect": _disrespect,
    },
}
#: The measured column(s) each input reads (what the methodology and the registry test name).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "margin": ("margin_ttm",),
    "revenue": ("revenue_ttm",),
    "growth": ("growth_ttm",),
    "potential": ("expected_revenue_next_4q",),
    "values": ("fit_rating", "fit_rating_others"),
    "hours_per_revenue": ("hours_ttm", "revenue_ttm"),
    "non_billable": ("non_billable_share",),
    "lateness": ("days_late_avg",),
    "incidents": ("incidents_per_100h",),
    "disrespect": ("respect_rating",),
}
#: Inputs ranked within the client's size class rather than the whole book.
WITHIN_SIZE = frozenset({"lateness"})
#: Inputs whose reading depends on the settings: re-ranked on every scoring.
SETTINGS_DEPENDENT = frozenset({"values"})


def percentile_rank(values: pd.Series, among: pd.Series | np.ndarray) -> np.ndarray:
    """0-100 rank of ``values`` among the rows in ``among`` that have a value; 50 for the rest."""
    x = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    known = np.asarray(among, dtype=bool) & ~np.isnan(x)
    out = np.full(len(x), NEUTRAL_RANK)
    m = int(known.sum())
    if m > 1:
        out[known] = 100 * (_average_ranks(x[known]) - 1) / (m - 1)
    return out


def grouped_percentile_rank(
    values: pd.Series, among: pd.Series | np.ndarray, groups: pd.Series
) -> np.ndarray:
    """:func:`percentile_rank` within each group (missing group = its own group)."""
    keys = pd.Series(groups).astype(object).where(pd.Series(groups).notna(), "unknown")
    codes = pd.factorize(keys.to_numpy(dtype=object))[0]
    x = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    among = np.asarray(among, dtype=bool)
    out = np.full(len(x), NEUTRAL_RANK)
    for code in np.unique(codes):
        rows = codes == code
        out[rows] = percentile_rank(x[rows], among[rows])
    return out


def _rank_input(raw: pd.DataFrame, key: str, read, active, settings: Settings) -> np.ndarray:
    values = read(raw, settings)
    if key in WITHIN_SIZE and "size" in raw:
        return grouped_percentile_rank(values, active, raw["size"])
    return percentile_rank(values, active)


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


def input_ranks(raw: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """``raw`` plus one ``pctl_<input>`` column per score input (its 0-100 rank in the book).

    ``raw_metrics`` calls this once so that ``score`` (on every slider move) only has to weight
    them. The ``pctl_rows`` column says how many rows were ranked together; ``score`` re-ranks
    when the frame's row count differs (a subset of the clients is ranked among itself).
    Changing measured values of a ranked frame in place is not detected: drop the ``pctl_``
    columns first.
    """
    active = _active(raw)
    ranks = {
        f"pctl_{k}": _rank_input(raw, k, read, active, settings)
        for group in INPUTS.values()
        for k, read in group.items()
    }
    return raw.assign(**ranks, pctl_rows=np.full(len(raw), len(raw), dtype=np.int64))


def has_fresh_ranks(raw: pd.DataFrame, names) -> bool:
    """Whether ``raw`` carries the ``pctl_<name>`` ranks of each of ``names``, made among
    exactly its rows (``pctl_rows``, see :func:`input_ranks`)."""
    if "pctl_rows" not in raw or not all(f"pctl_{k}" in raw for k in names):
        return False
    ranked = raw["pctl_rows"].to_numpy()
    return bool(len(raw)) and bool((ranked == len(raw)).all())


def _composite(
    raw: pd.DataFrame,
    inputs: dict[str, Callable],
    weights,
    active,
    settings: Settings,
    arrays: Callable[[str], np.ndarray] | None = None,
    ranked: dict | None = None,
) -> np.ndarray:
    used = {k: float(weights.get(k, 0.0)) for k in inputs if weights.get(k, 0.0)}
    total = sum(used.values())
    if total <= 0:
        return np.where(active, NEUTRAL_RANK, np.nan)
    fresh = has_fresh_ranks(raw, used)
    ranks = {
        k: (arrays(f"pctl_{k}") if arrays is not None else raw[f"pctl_{k}"].to_numpy(dtype=float))
        if fresh and k not in SETTINGS_DEPENDENT
        else _kept_rank(raw, k, inputs[k], active, settings, ranked)
        for k in used
    }
    score = sum(w * ranks[k] for k, w in used.items()) / total
    return np.where(active, np.clip(score, 0.0, 100.0), np.nan)


#: The settings that weigh the inputs or cut the scores: no input's reading depends on them.
_SCORING_SETTINGS = frozenset(
    {"value_weights", "headache_weights", "value_threshold", "headache_threshold"}
)


#: How many settings-dependent rankings :func:`_kept_rank` keeps.
KEPT_RANKS = 64


def _kept_rank(raw, key, read, active, settings: Settings, ranked: dict | None) -> np.ndarray:
    """:func:`_rank_input`, kept in ``ranked`` (by input and every setting an input's reading
    may depend on) by a caller that scores the same raw frame again and again."""
    if ranked is None:
        return _rank_input(raw, key, read, active, settings)
    kept = (key, *_setting_values(settings, leave_out=_SCORING_SETTINGS))
    if kept not in ranked:
        if len(ranked) >= KEPT_RANKS:  # the oldest go first
            ranked.pop(next(iter(ranked)))
        rank = np.asarray(_rank_input(raw, key, read, active, settings), dtype=float).view()
        rank.flags.writeable = False
        ranked[kept] = rank
    return ranked[kept]


def _setting_values(settings: Settings, *, leave_out: frozenset) -> tuple:
    """The settings' values in field order (mappings as sorted pairs), but those left out."""
    values = []
    for field in dataclasses.fields(settings):
        if field.name not in leave_out:
            value = getattr(settings, field.name)
            values.append(tuple(sorted(value.items())) if isinstance(value, Mapping) else value)
    return tuple(values)


def _active(raw: pd.DataFrame) -> pd.Series:
    if "active" in raw.columns:
        return raw["active"].astype(bool)
    return raw["hours_ttm"].gt(0) | raw["revenue_ttm"].ne(0)


def score(raw: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """``raw`` plus ``value_score`` and ``headache_score`` (0-100, see the module docstring;
    empty for the clients without activity)."""
    active = _active(raw).to_numpy()
    value, headache = _scores(raw, active, settings)
    return raw.assign(value_score=value, headache_score=headache)


def _scores(raw: pd.DataFrame, active: np.ndarray, settings: Settings, arrays=None, ranked=None):
    """(value score, headache score) of every row, as arrays (``arrays``: the ``pctl_`` ranks
    by column name, as float arrays, and ``ranked`` the inputs ranked on the settings, when
    the caller keeps them)."""
    weights = {"value": settings.value_weights, "headache": settings.headache_weights}
    return tuple(
        _composite(raw, INPUTS[kind], weights[kind], active, settings, arrays, ranked)
        for kind in ("value", "headache")
    )


def score_and_segment(raw: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """``segment(score(raw))`` in one step (the frame widened once, not twice: what a slider
    move does): the same columns, values and dtypes."""
    return raw.assign(**scored_columns(raw, settings=settings))


def scored_columns(
    raw: pd.DataFrame,
    *,
    settings: Settings,
    arrays: Callable[[str], np.ndarray] | None = None,
    active: np.ndarray | None = None,
    ranked: dict | None = None,
) -> dict[str, object]:
    """The columns :func:`score_and_segment` adds (``value_score``, ``headache_score``,
    ``segment``), in that order, as arrays: for a caller that widens the frame once with more
    columns (the slider's classify). ``arrays`` (a column's float values by name) and
    ``active`` (``_active(raw)`` as an array) and ``ranked`` (a dict for the inputs ranked on
    the settings): what a caller keeps of ``raw`` between calls."""
    active = _active(raw).to_numpy() if active is None else active
    value, headache = _scores(raw, active, settings, arrays, ranked)
    return {
        "value_score": value,
        "headache_score": headache,
        "segment": _segments(value, headache, active, settings),
    }


def thresholds(scored: pd.DataFrame, *, settings: Settings) -> tuple[float, float]:
    """(value, headache) thresholds: the settings', or the medians of the active clients."""
    active = _active(scored).to_numpy()
    return _thresholds(
        scored["value_score"].to_numpy(dtype=float),
        scored["headache_score"].to_numpy(dtype=float),
        active,
        settings,
    )


def _thresholds(
    value: np.ndarray, headache: np.ndarray, active: np.ndarray, settings: Settings
) -> tuple[float, float]:
    def pick(setting: float | None, scores: np.ndarray) -> float:
        if setting is not None:
            return float(setting)
        values = scores[active]
        if not len(values):
            return NEUTRAL_RANK
        known = values[~np.isnan(values)]
        # active clients none of which is scored (a book without revenue): no threshold
        return float(np.median(known)) if len(known) else float("nan")

    return pick(settings.value_threshold, value), pick(settings.headache_threshold, headache)


def segment(scored: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """``scored`` plus ``segment`` (prize / tangled / seedling / weed, or gone)."""
    active = _active(scored).to_numpy()
    value = scored["value_score"].to_numpy(dtype=float)
    headache = scored["headache_score"].to_numpy(dtype=float)
    return scored.assign(segment=_segments(value, headache, active, settings))


def _segments(
    value: np.ndarray, headache: np.ndarray, active: np.ndarray, settings: Settings
) -> pd.Categorical:
    from helpers.audit.rules import SEGMENT_NAMES  # the registry (rules imports this module)

    value_cut, headache_cut = _thresholds(value, headache, active, settings)
    with np.errstate(invalid="ignore"):
        high_value = value > value_cut
        high_headache = headache > headache_cut
    position = {name: k for k, name in enumerate(SEGMENT_NAMES)}
    codes = np.where(
        high_value,
        np.where(high_headache, position["tangled"], position["prize"]),
        np.where(high_headache, position["weed"], position["seedling"]),
    )
    codes = np.where(active, codes, position["gone"])
    return pd.Categorical.from_codes(codes, categories=list(SEGMENT_NAMES))
