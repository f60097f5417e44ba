"""Pruning the patch (seed 002): what letting clients go would cost and free, and how sure we are.

:func:`simulate` turns a prune set into money and hours: revenue and margin lost, hours freed,
overdue money at risk, the whale curve and segment counts before and after, and the
reinvestment scenario (the freed hours resold to the ``GROW`` clients). :func:`robustness` asks
how often each candidate stays a candidate across a grid of plausible settings, so the report
can separate the robust candidates from the borderline ones. Both only read their inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType

import numpy as np
import pandas as pd

from helpers.audit.rules import PRUNE_REASONS
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.present.format import money_formatter as _money

#: The columns of the metric contract the simulator reads.
SIMULATOR_COLUMNS = (
    "client_id",
    "name",
    "revenue_ttm",
    "hours_ttm",
    "labour_cost_ttm",
    "margin_ttm",
    "effective_rate_ttm",
    "overdue_amount",
    "aging_90_plus",
    "segment",
    "actions",
    "prune",
)
#: The prune percentiles of the robustness grid (seed 003: "5% to 10% behind the list", widened).
ROBUST_PERCENTILES = (5.0, 7.5, 10.0, 12.5, 15.0)
#: Each score weight is tried at these multiples of its setting (the sliders' plausible range).
WEIGHT_FACTORS = (0.5, 1.0, 1.5)
WEIGHT_MAX = 1.0  # the weight sliders' upper end
#: The target margin is tried this far either side of its setting (issue 12).
MARGIN_STEPS = (-0.10, 0.10)
#: The largest price rise is tried at these multiples of its setting.
RISE_FACTORS = (0.5, 1.5)
#: The settings the robustness grid may vary besides the prune percentile.
GRID_KEYS = ("value_weights", "headache_weights", "target_margin", "max_price_rise")


# ----------------------------------------------------------------------------- the scenario


@dataclass(frozen=True)
class PruneScenario:
    """The effect of letting a set of clients go, with the reinvestment scenario.

    ``totals`` holds the figures (money in the base currency over the trailing twelve months
    unless the name says per quarter); ``summary()`` gives them as a readable table.
    """

    prune_ids: tuple[str, ...]
    pruned: pd.DataFrame
    totals: Mapping[str, float]
    segments: pd.DataFrame
    whale_before: pd.DataFrame
    whale_after: pd.DataFrame
    waterfall: pd.DataFrame
    assumptions: str
    currency: str
    grow_ids: tuple[str, ...] = field(default=())
    per_quarter: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """The headline figures as a two-column table (measure, value) in plain words."""
        t, money = self.totals, _money(self.currency)
        rows = [
            ("Clients let go", f"{t['clients_pruned']:.0f}"),
            ("Revenue lost (TTM)", money(t["revenue_lost_ttm"])),
            ("Revenue lost per quarter (average)", money(t["revenue_lost_per_quarter"])),
            ("Margin lost (TTM)", money(t["margin_lost_ttm"])),
            ("Hours freed (TTM)", f"{t['hours_freed_ttm']:,.0f}"),
            ("Hours freed per quarter (average)", f"{t['hours_freed_per_quarter']:,.0f}"),
            ("Overdue money at risk", money(t["overdue_at_risk"])),
            ("of which more than 90 days past due", money(t["overdue_90_plus_at_risk"])),
            ("Utilisation assumed", f"{t['utilisation']:.0%}"),
            ("Hours resold to GROW clients", f"{t['hours_reinvested_ttm']:,.0f}"),
            ("GROW clients' rate per hour (revenue-weighted)", money(t["reinvest_rate"])),
            ("Projected revenue from those hours", money(t["projected_revenue_ttm"])),
            ("Margin change (scenario)", money(t["margin_change_ttm"])),
            ("Margin change if staff costs are fixed", money(t["margin_change_fixed_staff_ttm"])),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"])


def simulate(
    metrics: pd.DataFrame,
    prune_ids: Iterable[str] | None = None,
    *,
    settings: Settings,
    book=None,
) -> PruneScenario:
    """The effect of letting ``prune_ids`` go (default: the clients flagged ``prune``).

    The freed hours times ``settings.utilisation`` are resold to the ``GROW`` clients, shared in
    proportion to their revenue, so they earn the GROW clients' revenue-weighted effective rate;
    they cost what the pruned clients' hours cost per hour. A scenario, not a forecast. With the
    ``book``, ``per_quarter`` gives the hours and revenue of the pruned clients in each quarter
    of the TTM window (else the per-quarter figures are TTM averages).

    >>> m = pd.DataFrame({"client_id": ["a", "b"], "name": ["A", "B"],
    ...     "revenue_ttm": [100.0, 1000.0],
    ...     "hours_ttm": [10.0, 10.0], "labour_cost_ttm": [50.0, 500.0],
    ...     "margin_ttm": [50.0, 500.0], "effective_rate_ttm": [10.0, 100.0],
    ...     "overdue_amount": [0.0, 0.0], "aging_90_plus": [0.0, 0.0],
    ...     "segment": ["weed", "prize"], "actions": ["PRUNE", "GROW"], "prune": [True, False]})
    >>> s = simulate(m, settings=Settings(utilisation=0.5))
    >>> s.totals["hours_reinvested_ttm"], s.totals["projected_revenue_ttm"]
    (5.0, 500.0)
    """
    _require_columns(metrics, SIMULATOR_COLUMNS)
    ids = _prune_ids(metrics, prune_ids)
    is_pruned = metrics["client_id"].isin(ids)
    pruned, kept = metrics[is_pruned], metrics[~is_pruned]
    grow = _grow_clients(kept)
    totals = _totals(metrics, pruned, grow, settings.utilisation)
    currency = settings.base_currency
    return PruneScenario(
        prune_ids=tuple(ids),
        pruned=pruned.reset_index(drop=True),
        totals=MappingProxyType(totals),
        segments=_segment_change(metrics, kept),
        whale_before=whale(metrics),
        whale_after=whale(kept),
        waterfall=margin_waterfall(totals),
        assumptions=assumptions_text(totals, currency=currency),
        currency=currency,
        grow_ids=tuple(grow["client_id"]),
        per_quarter=None if book is None else pruned_by_quarter(book, ids, _quarter(metrics)),
    )


def _quarter(metrics: pd.DataFrame) -> str:
    quarters = metrics["quarter"].dropna().unique() if "quarter" in metrics.columns else []
    if len(quarters) != 1:
        raise PumpkinError("metrics table: expected one quarter in the 'quarter' column")
    return str(quarters[0])


def pruned_by_quarter(book, prune_ids: Sequence[str], quarter: str) -> pd.DataFrame:
    """Hours and invoiced revenue of the pruned clients in each quarter of the TTM window.

    Columns: quarter, hours_freed, revenue_lost (every TTM quarter listed, zeros included).
    """
    from helpers.book.quarters import quarter_of, shift_quarter, ttm_window

    window = ttm_window(quarter)
    quarters = [shift_quarter(quarter, -k) for k in (3, 2, 1, 0)]
    entries = book.time_entries[book.time_entries["client_id"].isin(prune_ids)]
    entries = entries[window.contains(entries["date"])]
    invoices = book.invoices[book.invoices["client_id"].isin(prune_ids)]
    invoices = invoices[window.contains(invoices["issue_date"])]
    hours = entries.groupby(quarter_of(entries["date"]))["hours"].sum()
    revenue = invoices.groupby(quarter_of(invoices["issue_date"]))["amount_base"].sum()
    return pd.DataFrame(
        {
            "quarter": quarters,
            "hours_freed": hours.reindex(quarters, fill_value=0.0).to_numpy(dtype=float),
            "revenue_lost": revenue.reindex(quarters, fill_value=0.0).to_numpy(dtype=float),
        }
    )


def _require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PumpkinError(f"metrics table: missing column(s) {', '.join(missing)}")


def _prune_ids(metrics: pd.DataFrame, prune_ids: Iterable[str] | None) -> list[str]:
    if prune_ids is None:
        return metrics.loc[metrics["prune"].fillna(False).astype(bool), "client_id"].tolist()
    ids = list(dict.fromkeys(str(i) for i in prune_ids))
    unknown = sorted(set(ids) - set(metrics["client_id"].astype(str)))
    if unknown:
        raise PumpkinError(f"prune set: unknown client_id(s) {', '.join(unknown)}")
    return ids


def has_action(actions: pd.Series, code: str) -> pd.Series:
    """Which rows' ``;``-joined action codes include ``code``."""
    return actions.fillna("").astype(str).str.split(";").map(lambda codes: code in codes)


def _grow_clients(kept: pd.DataFrame) -> pd.DataFrame:
    """The clients the freed hours go to: ``GROW`` with revenue, hours and a rate."""
    usable = kept["revenue_ttm"].gt(0) & kept["hours_ttm"].gt(0)
    usable &= kept["effective_rate_ttm"].notna()
    return kept[has_action(kept["actions"], "GROW") & usable]


def revenue_weighted_rate(clients: pd.DataFrame) -> float:
    """Sum of revenue x rate over the sum of revenue (0 when there are no clients).

    >>> revenue_weighted_rate(pd.DataFrame({"revenue_ttm": [100.0, 300.0],
    ...                                     "effective_rate_ttm": [50.0, 150.0]}))
    125.0
    """
    revenue = clients["revenue_ttm"].sum()
    if revenue <= 0:
        return 0.0
    return float((clients["revenue_ttm"] * clients["effective_rate_ttm"]).sum() / revenue)


def _totals(
    metrics: pd.DataFrame, pruned: pd.DataFrame, grow: pd.DataFrame, utilisation: float
) -> dict[str, float]:
    revenue_lost = float(pruned["revenue_ttm"].sum())
    margin_lost = float(pruned["margin_ttm"].sum())
    hours = float(pruned["hours_ttm"].sum())
    cost_per_hour = float(pruned["labour_cost_ttm"].sum() / hours) if hours > 0 else 0.0
    rate = revenue_weighted_rate(grow)
    resold = hours * utilisation
    projected = resold * rate if len(grow) else 0.0
    resold_cost = resold * cost_per_hour if len(grow) else 0.0
    margin_before = float(metrics["margin_ttm"].sum())
    margin_change = -margin_lost + projected - resold_cost
    return {
        "clients_pruned": float(len(pruned)),
        "clients_before": float(len(metrics)),
        "revenue_before_ttm": float(metrics["revenue_ttm"].sum()),
        "revenue_lost_ttm": revenue_lost,
        "revenue_lost_per_quarter": revenue_lost / 4,
        "revenue_lost_share": revenue_lost / float(metrics["revenue_ttm"].sum() or np.nan),
        "margin_before_ttm": margin_before,
        "margin_lost_ttm": margin_lost,
        "labour_cost_saved_ttm": revenue_lost - margin_lost,
        "hours_freed_ttm": hours,
        "hours_freed_per_quarter": hours / 4,
        "hours_freed_share": hours / float(metrics["hours_ttm"].sum() or np.nan),
        "overdue_at_risk": float(pruned["overdue_amount"].fillna(0).sum()),
        "overdue_90_plus_at_risk": float(pruned["aging_90_plus"].fillna(0).sum()),
        "utilisation": float(utilisation),
        "grow_clients": float(len(grow)),
        "hours_reinvested_ttm": resold if len(grow) else 0.0,
        "reinvest_rate": rate,
        "cost_per_hour": cost_per_hour,
        "projected_revenue_ttm": projected,
        "reinvest_labour_cost_ttm": resold_cost,
        "reinvest_margin_ttm": projected - resold_cost,
        "margin_change_ttm": margin_change,
        "margin_change_fixed_staff_ttm": -revenue_lost + projected,
        "margin_after_ttm": margin_before + margin_change,
    }


def margin_waterfall(totals: Mapping[str, float]) -> pd.DataFrame:
    """The margin bridge: margin now, each effect of the scenario, margin after.

    Columns: step, amount, kind (``total`` bars start at zero, ``delta`` bars float).
    """
    steps = [
        ("Margin now", totals["margin_before_ttm"], "total"),
        ("Revenue lost", -totals["revenue_lost_ttm"], "delta"),
        ("Labour cost saved", totals["labour_cost_saved_ttm"], "delta"),
        ("Resold hours: revenue", totals["projected_revenue_ttm"], "delta"),
        ("Resold hours: labour cost", -totals["reinvest_labour_cost_ttm"], "delta"),
        ("Margin after", totals["margin_after_ttm"], "total"),
    ]
    return pd.DataFrame(steps, columns=["step", "amount", "kind"])


def _segment_change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Clients, revenue and margin per segment before and after (the rest keep their segments)."""
    from helpers.audit.measures import segment_counts

    columns = ["segment", "clients", "revenue_ttm", "margin_ttm"]
    return (
        segment_counts(before)[columns]
        .merge(segment_counts(after)[columns], on="segment", suffixes=("_before", "_after"))
        .assign(
            segment=lambda d: d["segment"].astype(str),
            change=lambda d: d["clients_after"] - d["clients_before"],
        )
    )


def whale(metrics: pd.DataFrame) -> pd.DataFrame:
    """The whale curve of a set of clients (via :func:`helpers.audit.measures.whale_curve`)."""
    from helpers.audit.measures import whale_curve

    return whale_curve(metrics)


def assumptions_text(totals: Mapping[str, float], *, currency: str) -> str:
    """The scenario's assumptions in plain words (shown next to every figure of it)."""
    t, money = totals, _money(currency)
    if t["grow_clients"]:
        resale = (
            f"{t['utilisation']:.0%} of the freed hours ({t['hours_reinvested_ttm']:,.0f} of "
            f"{t['hours_freed_ttm']:,.0f} a year) are resold to the {t['grow_clients']:.0f} GROW "
            f"clients, shared in proportion to their revenue, so they earn those clients' "
            f"revenue-weighted rate of {money(t['reinvest_rate'])} an hour"
        )
    else:
        resale = "no freed hours are resold: the book has no GROW client to take them"
    return (
        "This is a scenario, not a forecast: it assumes (1) the pruned clients' revenue, hours "
        "and labour cost of the last twelve months stop entirely; "
        f"(2) {resale}; (3) each resold hour costs what the pruned clients' hours cost "
        f"({money(t['cost_per_hour'])} an hour) and the hours not resold cost nothing, as if "
        "labour followed the work; if staff are salaried those hours still cost, and the margin "
        f"change is {money(t['margin_change_fixed_staff_ttm'])} instead of "
        f"{money(t['margin_change_ttm'])}; (4) the remaining clients keep their scores and "
        f"segments; (5) the pruned clients' overdue money ({money(t['overdue_at_risk'])}) is "
        "still owed: collect it before letting them go."
    )


# ----------------------------------------------------------------------------- robustness


def weight_variations(
    settings: Settings, *, factors: Sequence[float] = WEIGHT_FACTORS
) -> list[dict[str, dict[str, float]]]:
    """The score weights to try: the settings' own, then each weight alone times each factor.

    One weight at a time keeps the grid small and deterministic (1 + 2 x 10 = 21 sets for the
    default factors) while covering every slider's plausible range.

    >>> len(weight_variations(Settings()))
    21
    """
    base = {
        "value_weights": dict(settings.value_weights),
        "headache_weights": dict(settings.headache_weights),
    }
    grid = [base]
    for group in ("value_weights", "headache_weights"):
        for key, weight in base[group].items():
            for factor in factors:
                if factor != 1.0:
                    changed = min(weight * factor, WEIGHT_MAX)
                    grid.append({**base, group: {**base[group], key: changed}})
    return grid


def setting_variations(settings: Settings) -> list[dict[str, object]]:
    """The grid's settings besides the prune percentile: :func:`weight_variations`, then the
    target margin 10 points either side of its setting and the largest price rise at half and one
    and a half times its setting, one at a time (25 sets for the defaults).

    >>> len(setting_variations(Settings()))
    25
    """
    grid: list[dict[str, object]] = list(weight_variations(settings))
    base = grid[0]
    for step in MARGIN_STEPS:
        margin = min(max(settings.target_margin + step, 0.0), 0.9)
        if margin != settings.target_margin:
            grid.append({**base, "target_margin": round(margin, 6)})
    for factor in RISE_FACTORS:
        grid.append({**base, "max_price_rise": settings.max_price_rise * factor})
    return grid


def robustness(
    raw: pd.DataFrame,
    *,
    settings: Settings,
    percentiles: Sequence[float] = ROBUST_PERCENTILES,
    weight_grid: Sequence[Mapping[str, object]] | None = None,
    classify: Callable[..., pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """For each client that is a prune candidate anywhere on the grid, how often it is one.

    The grid is every prune percentile times every set of the other settings that decide
    (default :func:`setting_variations`: the score weights, ``target_margin`` and
    ``max_price_rise``; a set may change any of :data:`GRID_KEYS`). Returns client_id, name (when known), candidate (a candidate
    under ``settings`` itself), settings_tried, times_candidate, share_of_settings and robust
    (share at least ``settings.robust_share``), most robust first.
    """
    grid = weight_grid if weight_grid is not None else setting_variations(settings)
    if not percentiles or not grid:
        raise PumpkinError("robustness: the grid of settings is empty")
    count = _prune_counts if classify is None else partial(_prune_counts_by, classify)
    counts, here, tried = count(raw, settings, percentiles, grid)
    candidate = here["prune"].fillna(False).astype(bool)
    out = (
        pd.DataFrame({"times_candidate": counts, "candidate": candidate.reindex(counts.index)})
        .rename_axis("client_id")
        .reset_index()
        .assign(
            settings_tried=tried,
            share_of_settings=lambda d: d["times_candidate"] / tried,
            robust=lambda d: d["share_of_settings"] >= settings.robust_share,
        )
        .query("times_candidate > 0 or candidate")
    )
    if "name" in here.columns:
        out = out.assign(name=out["client_id"].map(here["name"]))
    columns = ["client_id", "name", "candidate", "settings_tried", "times_candidate"]
    columns += ["share_of_settings", "robust"]
    return (
        out[[c for c in columns if c in out.columns]]
        .sort_values(["share_of_settings", "client_id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def _prune_counts(
    raw: pd.DataFrame,
    settings: Settings,
    percentiles: Sequence[float],
    grid: Sequence[Mapping[str, Mapping[str, float]]],
) -> tuple[pd.Series, pd.DataFrame, int]:
    """(times a candidate per client, ``prune`` and ``name`` under ``settings`` by client_id,
    settings tried), fast: the same rules as :func:`helpers.audit.rules.classify` without the reasons.

    The input ranks are computed once and each weight set only re-weights them; the prune
    percentile only moves the rate condition, so the rules run once per weight set (21 runs
    instead of 105 full classifications: about 15x faster on the demo book).
    """
    from helpers.audit.rules import prune_flags
    from helpers.audit.scores import INPUTS, has_fresh_ranks, input_ranks, score, segment

    # checked like a setting (an out-of-range percentile raises as in the slow path)
    cuts = [settings.replace(prune_percentile=float(p)).prune_percentile for p in percentiles]
    names = [k for group in INPUTS.values() for k in group]
    ranked = raw if has_fresh_ranks(raw, names) else input_ranks(raw, settings=settings)

    def flags(changed: Settings, cuts: Sequence[float] | None = None) -> np.ndarray:
        return prune_flags(
            segment(score(ranked, settings=changed), settings=changed),
            settings=changed,
            percentiles=cuts,
        )

    runs = [flags(settings.replace(**_changes(w)), cuts) for w in grid]
    index = pd.Index(raw["client_id"], name="client_id")
    counts = pd.Series(np.hstack(runs).sum(axis=1), index=index)
    here = raw[[c for c in ("client_id", "name") if c in raw.columns]].assign(prune=flags(settings))
    return counts, here.set_index("client_id"), len(cuts) * len(grid)


def _prune_counts_by(
    classify: Callable[..., pd.DataFrame],
    raw: pd.DataFrame,
    settings: Settings,
    percentiles: Sequence[float],
    grid: Sequence[Mapping[str, Mapping[str, float]]],
) -> tuple[pd.Series, pd.DataFrame, int]:
    """As :func:`_prune_counts`, with a caller's ``classify`` run on every setting of the grid."""
    runs = [
        classify(raw, settings=settings.replace(prune_percentile=float(p), **_changes(w)))
        .set_index("client_id")["prune"]
        .fillna(False)
        .astype(bool)
        for p in percentiles
        for w in grid
    ]
    counts = pd.concat(runs, axis=1).sum(axis=1)
    return counts, classify(raw, settings=settings).set_index("client_id"), len(runs)


def _changes(changes: Mapping[str, object]) -> dict[str, object]:
    unknown = set(changes) - set(GRID_KEYS)
    if unknown:
        raise PumpkinError(f"weight_grid: unknown key(s) {', '.join(sorted(unknown))}")
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in changes.items()}


# ----------------------------------------------------------------------------- the candidates


def prune_reason_labels(metrics: pd.DataFrame) -> pd.Series:
    """Per client, the prune reasons that hold, in words (``won't pay, reprice or exit``); empty
    when none does or the frame has no prune reason columns."""
    texts = _reason_texts(metrics, np.arange(len(metrics)))
    return pd.Series(texts, index=metrics.index, dtype=object)


def _reason_texts(metrics: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """:func:`prune_reason_labels` of the rows at positions ``rows``, read column by column
    as NumPy (missing counts as false)."""
    present = [c for c in PRUNE_REASONS if c in metrics.columns]
    short = [PRUNE_REASONS[c].split(":")[0] for c in present]
    flags = [metrics[c].to_numpy(dtype=bool, na_value=False)[rows] for c in present]
    return [
        ", ".join(s for s, f in zip(short, row, strict=True) if f)
        for row in (zip(*flags, strict=True) if flags else [()] * len(rows))
    ]


def candidate_rows(
    metrics: pd.DataFrame, *, order: str = "revenue", limit: int | None = None, flag: str = "prune"
) -> np.ndarray:
    """The positions of the prune candidates (``flag`` true; missing counts as false) in
    ``metrics``: biggest ``revenue_ttm`` first, ties by ``client_id`` (``order="revenue"``), or
    in the frame's own order (``order="book"``); the first ``limit`` when given."""
    if order not in ("revenue", "book"):
        raise PumpkinError(f"prune candidates: order is 'revenue' or 'book', not {order!r}")
    rows = np.flatnonzero(metrics[flag].fillna(False).astype(bool).to_numpy())
    if order == "revenue" and len(rows):
        rows = rows[_by_revenue(metrics, rows)]
    return rows if limit is None else rows[:limit]


def _by_revenue(metrics: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The order of ``rows`` by ``revenue_ttm`` descending (missing last), ties by ``client_id``:
    ``sort_values(["revenue_ttm", "client_id"], ascending=[False, True])`` as one stable NumPy
    lexsort over the candidates only (a pandas sort of a small frame cost a few ms per move)."""
    revenue = metrics["revenue_ttm"].to_numpy(dtype=float, na_value=np.nan)[rows]
    ids = metrics["client_id"].iloc[rows].to_numpy(dtype=object)
    try:
        _, codes = np.unique(ids, return_inverse=True)
    except TypeError:  # a missing or non-text client id: pandas' own ordering of those
        keys = pd.DataFrame({"revenue_ttm": revenue, "client_id": ids})
        return keys.sort_values(["revenue_ttm", "client_id"], ascending=[False, True]).index
    return np.lexsort((codes, -revenue))  # NaN sorts last, as na_position="last"


def prune_candidates(
    metrics: pd.DataFrame,
    *,
    order: str = "revenue",
    limit: int | None = None,
    flag: str = "prune",
    columns: Sequence[str] | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """The one list of prune candidates: the rows of ``metrics`` whose ``flag`` column is true
    (:func:`candidate_rows`: biggest revenue first, or the frame's order), with every column
    (or only ``columns``) plus ``why`` (:func:`prune_reason_labels`). The report's list, the
    explorer's table, the robust candidates and the pruning notebook show it with their own
    columns. ``rows``: the positions :func:`candidate_rows` gave for the same arguments, when
    the caller has them already (a slider move words those rows first)."""
    if rows is None:
        rows = candidate_rows(metrics, order=order, limit=limit, flag=flag)
    why = np.asarray(_reason_texts(metrics, rows), dtype=object)
    if columns is None:
        return metrics.iloc[rows].assign(why=why)
    return _taken(metrics, rows, list(columns), why=why)


def _taken(
    metrics: pd.DataFrame, rows: np.ndarray, columns: list[str], *, why: np.ndarray
) -> pd.DataFrame:
    """``metrics[columns].iloc[rows].assign(why=why)`` built from each column's array taken at
    ``rows`` (pandas' indexing of a frame cost milliseconds per slider move for a few rows);
    the same dtypes, index and errors (a missing column: pandas' own KeyError)."""
    if (
        not metrics.columns.is_unique
        or "why" in columns
        or any(c not in metrics.columns for c in columns)
    ):
        return metrics[columns].iloc[rows].assign(why=why)
    data = {c: metrics[c].array.take(rows) for c in columns}
    return pd.DataFrame({**data, "why": why}, index=metrics.index.take(rows), copy=False)


# ----------------------------------------------------------------------------- report helper


def robust_candidates(metrics: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """The prune candidates under ``settings``, robust ones first, in plain-words columns.

    ``metrics`` may be the classified table: its measured columns are re-classified on the grid.
    """
    grid = robustness(metrics, settings=settings)
    rows = metrics.set_index("client_id")
    return (
        prune_candidates(grid, order="book", flag="candidate")
        .assign(
            robustness=lambda d: np.where(d["robust"], "robust", "borderline"),
            revenue_ttm=lambda d: d["client_id"].map(rows["revenue_ttm"]),
            rate=lambda d: d["client_id"].map(rows["effective_rate_ttm"]),
        )
        .rename(
            columns={
                "client_id": "client",
                "share_of_settings": "share of settings",
                "revenue_ttm": "revenue (TTM)",
                "rate": "revenue / hour",
            }
        )[["client", "name", "robustness", "share of settings", "revenue (TTM)", "revenue / hour"]]
        .reset_index(drop=True)
    )


def robustness_sentence(candidates: pd.DataFrame, *, settings: Settings) -> str:
    """'9 of 14 candidates are robust (...); 5 are borderline.' for a robust_candidates table."""
    if candidates.empty:
        return "No prune candidate under the current settings."
    robust = int(candidates["robustness"].eq("robust").sum())
    borderline = len(candidates) - robust
    tried = len(ROBUST_PERCENTILES) * len(setting_variations(settings))
    low = max(settings.target_margin + MARGIN_STEPS[0], 0.0)
    high = min(settings.target_margin + MARGIN_STEPS[1], 0.9)
    return (
        f"{robust} of {len(candidates)} prune candidates are robust: they stay candidates in at "
        f"least {settings.robust_share:.0%} of {tried} plausible settings (prune percentile "
        f"{ROBUST_PERCENTILES[0]:g}-{ROBUST_PERCENTILES[-1]:g}%, each score weight at half, "
        f"the same or one and a half times its setting, a target margin of {low:.0%}-{high:.0%} "
        f"and a largest price rise of {settings.max_price_rise * RISE_FACTORS[0]:.0%}-"
        f"{settings.max_price_rise * RISE_FACTORS[1]:.0%}); {borderline} "
        f"{'is' if borderline == 1 else 'are'} borderline: look again before acting."
    )
