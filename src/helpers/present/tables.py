"""The report's display tables: each function returns a :class:`Table`, the rows with their
readable headers plus the format of each number column, so a notebook shows it with
:func:`helpers.present.html.show` and no format dictionary of its own (data, formats and
rendering kept apart, as in great_tables).

Functions are pure (frames in, tables out); the rows are the table's ``frame``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.audit.measures import segment_counts
from helpers.audit.rules import ACTION_LABELS, ACTION_ORDER, RULES, SEGMENT_NAMES
from helpers.book.quarters import quarter_window, ttm_window
from helpers.decide.prune import prune_candidates
from helpers.forecast.choice import METHOD_WORDS, Backtest
from helpers.present.text import action_labels


@dataclass(frozen=True)
class Table:
    """A display table: the rows (``frame``), the format of each number column (``money``,
    ``pct``, ``int``, ``num1``, ``hours``, or one of them per row), header labels for raw column
    names, what to say when there is no row, and whether the report makes it sortable."""

    frame: pd.DataFrame
    formats: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    empty: str = "None."
    sortable: bool = False


#: The headers of the contract's columns in the client lists.
_CLIENT_HEADERS: Mapping[str, str] = {
    "name": "client",
    "revenue_ttm": "revenue (TTM)",
    "margin_ttm": "margin (TTM)",
    "effective_rate_ttm": "revenue / hour",
}
_MONEY = "money"
#: The formats of those headers (money: the client lists' figures).
_CLIENT_FORMATS: Mapping[str, str] = {
    "revenue (TTM)": _MONEY,
    "margin (TTM)": _MONEY,
    "revenue / hour": _MONEY,
}


def first_action_rank(actions: pd.Series) -> pd.Series:
    """Each client's most decisive action's position in the registry's order (for sorting)."""
    order = {code: i for i, code in enumerate(ACTION_ORDER)}
    return actions.fillna("").str.split(";").str[0].map(order).fillna(len(order))


def _client_rows(metrics: pd.DataFrame, columns: Sequence[str], **headers: str) -> pd.DataFrame:
    """``columns`` of ``metrics`` with the client lists' headers (plus ``headers``), largest
    TTM revenue first."""
    return metrics.sort_values(["revenue_ttm", "client_id"], ascending=[False, True])[
        list(columns)
    ].rename(columns={**_CLIENT_HEADERS, **headers})


def _client_list(frame: pd.DataFrame, formats: Mapping[str, str], *, empty: str) -> Table:
    """A sortable client list: the client headers' money formats where they are shown, plus
    ``formats``."""
    shown = {c: f for c, f in _CLIENT_FORMATS.items() if c in frame.columns}
    return Table(frame, {**shown, **formats}, empty=empty, sortable=True)


def hours_table(metrics: pd.DataFrame, *, top: int = 15) -> Table:
    """The clients with the most hours over the last four quarters (what a book without revenue
    can still show): hours, non-billable share, labour cost."""
    frame = (
        metrics[metrics["hours_ttm"] > 0]
        .sort_values(["hours_ttm", "client_id"], ascending=[False, True])
        .head(top)[["name", "hours_ttm", "non_billable_share", "labour_cost_ttm"]]
        .rename(
            columns={
                "name": "client",
                "non_billable_share": "not billable",
                "labour_cost_ttm": "labour cost (TTM)",
            }
        )
    )
    formats = {"hours_ttm": "int", "not billable": "pct", "labour cost (TTM)": _MONEY}
    return Table(frame, formats)


def segment_table(metrics: pd.DataFrame) -> Table:
    """Clients, revenue, margin and hours per segment (:func:`helpers.audit.measures.segment_counts`)."""
    formats = {"revenue_ttm": _MONEY, "margin_ttm": _MONEY, "hours_ttm": "int", "share": "pct"}
    return Table(segment_counts(metrics), formats)


def realisation_table(metrics: pd.DataFrame, *, top: int = 10) -> Table:
    """The clients that bill least of what they work, lowest realisation first."""
    if "realisation_ttm" not in metrics.columns:
        return Table(pd.DataFrame())
    columns = ["name", "hours_ttm", "billable_value_ttm", "revenue_ttm", "realisation_ttm"]
    frame = (
        metrics[metrics["realisation_ttm"].notna()]
        .sort_values(["realisation_ttm", "client_id"])
        .head(top)[columns]
        .assign(written_off=lambda d: d["billable_value_ttm"] - d["revenue_ttm"])
        .rename(
            columns={
                "name": "client",
                "billable_value_ttm": "billable value (TTM)",
                "revenue_ttm": "invoiced (TTM)",
                "realisation_ttm": "realisation",
                "written_off": "not invoiced",
            }
        )
    )
    formats = {
        "hours_ttm": "int",
        "billable value (TTM)": _MONEY,
        "invoiced (TTM)": _MONEY,
        "realisation": "pct",
        "not invoiced": _MONEY,
    }
    return Table(frame, formats)


# ----------------------------------------------------------------------------- lists


def prune_list(metrics: pd.DataFrame) -> Table:
    """Prune candidates with why (the seed's reason), their figures and reasons, largest revenue
    first."""
    candidates = prune_candidates(metrics)
    frame = _client_rows(
        candidates.assign(reasons=candidates["reasons"].fillna("")),
        ["name", "why", "size", "segment", "revenue_ttm", "margin_ttm", "effective_rate_ttm",
         "rate_percentile", "overdue_amount", "reasons"],
        rate_percentile="rate percentile",
        overdue_amount="overdue",
    )  # fmt: skip
    formats = {"rate percentile": "int", "overdue": _MONEY}
    return _client_list(frame, formats, empty="No prune candidate this quarter.")


def client_table(metrics: pd.DataFrame) -> Table:
    """Every active client (revenue or hours in the TTM window) with its segment, actions in
    words, revenue, margin, rate and lateness, largest revenue first: the report's full table."""
    active = metrics["active"] if "active" in metrics.columns else metrics["revenue_ttm"].ne(0)
    shown = metrics[active.astype(bool)]
    frame = _client_rows(
        shown.assign(actions=shown["actions"].map(action_labels)),
        ["name", "segment", "actions", "revenue_ttm", "margin_ttm", "effective_rate_ttm",
         "days_late_avg", "late_share"],
        days_late_avg="days late (mean)",
        late_share="invoices paid late",
    )  # fmt: skip
    formats = {"days late (mean)": "num1", "invoices paid late": "pct"}
    return _client_list(frame, formats, empty="No active client this quarter.")


#: What the fix list shows: the fixes and the weeds to review (from the registry).
_FIX_OR_REVIEW = tuple(r.code for r in RULES if r.kind in ("fix", "review"))


def fix_list(metrics: pd.DataFrame) -> Table:
    """Clients kept but with something to fix (reprice, rescope, invoice more often, reassign
    owner, improve delivery, collect) or to review (weeds with no reason to let go), most
    decisive action first."""
    codes = metrics["actions"].fillna("").str.split(";")
    wanted = set(_FIX_OR_REVIEW)
    has_fix = codes.map(lambda a: bool(set(a) & wanted)) & ~metrics["prune"].astype(bool)
    frame = (
        metrics[has_fix]
        .assign(
            action_rank=lambda d: first_action_rank(d["actions"]),
            actions=lambda d: d["actions"].map(action_labels),
        )
        .sort_values(["action_rank", "revenue_ttm", "client_id"], ascending=[True, False, True])[
            ["name", "segment", "actions", "revenue_ttm", "margin_ttm", "reasons"]
        ]
        .rename(columns=_CLIENT_HEADERS)
    )
    return _client_list(frame, {}, empty="Nothing to fix.")


def fix_counts(metrics: pd.DataFrame) -> Table:
    """How many kept clients get each fix action (and REVIEW)."""
    kept = metrics[~metrics["prune"].astype(bool)]
    codes = kept["actions"].fillna("").str.split(";").explode()
    wanted = list(_FIX_OR_REVIEW)
    counts = codes[codes.isin(wanted)].value_counts().reindex(wanted, fill_value=0)
    frame = pd.DataFrame(
        {
            "action": [ACTION_LABELS.get(c, c) for c in counts.index],
            "code": counts.index,
            "clients": counts.to_numpy(),
        }
    )
    return Table(frame)


def left_table(left: pd.DataFrame) -> Table:
    """The "clients who left" view (:func:`helpers.audit.rules.clients_who_left`) for display."""
    columns = {
        "name": "client",
        "owner": "owner",
        "last_activity": "last activity",
        "revenue_then": "revenue then (TTM)",
        "aging_90_plus": "still owed (90+ days)",
        "preceded_by": "what preceded it",
    }
    frame = left[[c for c in columns if c in left.columns]].rename(columns=columns)
    formats = {"revenue then (TTM)": _MONEY, "still owed (90+ days)": _MONEY}
    return Table(frame, formats, empty="No client has left.")


# ----------------------------------------------------------------------------- sections


def payment_table(metrics: pd.DataFrame) -> Table:
    """Late payment by client size: clients, median days late, late share, money 90+ days."""
    frame = (
        metrics.assign(size=metrics["size"].fillna("unknown"))
        .groupby("size", sort=True)
        .agg(
            clients=("client_id", "size"),
            median_days_late=("days_late_avg", "median"),
            late_share=("late_share", "mean"),
            overdue=("overdue_amount", "sum"),
            over_90_days=("aging_90_plus", "sum"),
        )
        .reset_index()
    )
    formats = {
        "median_days_late": "num1",
        "late_share": "pct",
        "overdue": _MONEY,
        "over_90_days": _MONEY,
    }
    return Table(frame, formats)


def movement_table(moves: pd.DataFrame) -> Table:
    """Clients per (segment last quarter, segment now): rows from, columns to, with totals
    (``gone`` included: who left, and who came back). ``moves`` is the per-client movement of
    :func:`helpers.decide.contract.segment_movement` (``per_client=True``) between the two
    quarters."""
    table = pd.crosstab(
        pd.Categorical(moves["from_segment"], categories=SEGMENT_NAMES),
        pd.Categorical(moves["to_segment"], categories=SEGMENT_NAMES),
        dropna=False,
    )
    frame = (
        table.rename_axis(index="last quarter \\ now", columns=None)
        .reset_index()
        .assign(total=lambda d: d[list(SEGMENT_NAMES)].sum(axis=1))
    )
    return Table(frame)


def moved_clients(moves: pd.DataFrame, current: pd.DataFrame) -> Table:
    """The clients whose segment changed (``moves`` as in :func:`movement_table`), with both
    segments and their TTM revenue now (from ``current``, the quarter's metrics)."""
    moved = moves.loc[moves["from_segment"] != moves["to_segment"], ["client_id", "from_segment"]]
    frame = (
        moved.merge(current[["client_id", "name", "segment", "revenue_ttm"]], on="client_id")
        .sort_values(["revenue_ttm", "client_id"], ascending=[False, True])[
            ["name", "from_segment", "segment", "revenue_ttm"]
        ]
        .rename(
            columns={
                "name": "client",
                "from_segment": "last quarter",
                "segment": "now",
                "revenue_ttm": "revenue (TTM)",
            }
        )
    )
    return Table(frame, {"revenue (TTM)": _MONEY}, empty="No client changed segment.")


BAND_COLUMNS = ("expected_revenue_next_4q_low", "expected_revenue_next_4q_high")


def potential_table(metrics: pd.DataFrame, *, top: int = 15) -> Table:
    """The clients with the most expected revenue next year, against this year's."""
    frame = (
        metrics.assign(
            ratio=lambda d: (
                d["expected_revenue_next_4q"] / d["revenue_ttm"].where(d["revenue_ttm"] > 0)
            )
        )
        .sort_values(["expected_revenue_next_4q", "client_id"], ascending=[False, True])
        .head(top)[
            [
                "name",
                "segment",
                "revenue_ttm",
                "expected_revenue_next_4q",
                "ratio",
                *[c for c in BAND_COLUMNS if c in metrics.columns],
                "potential_method",
                *(["headroom"] if "headroom" in metrics.columns else []),
            ]
        ]
        .rename(
            columns={
                "name": "client",
                "revenue_ttm": "revenue (TTM)",
                "expected_revenue_next_4q": "expected next 4 quarters",
                "expected_revenue_next_4q_low": "low (80% band)",
                "expected_revenue_next_4q_high": "high (80% band)",
                "ratio": "next / this year",
                "potential_method": "method",
            }
        )
    )
    formats = {
        "revenue (TTM)": _MONEY,
        "expected next 4 quarters": _MONEY,
        "low (80% band)": _MONEY,
        "high (80% band)": _MONEY,
        "next / this year": "pct",
        "headroom": _MONEY,
    }
    return Table(frame, {c: f for c, f in formats.items() if c in frame.columns})


def backtest_table(checked: Backtest) -> Table:
    """One row per forecast method: how far off it was on the book's last year (the backtest),
    which one is used, and why a method did not run."""
    t = checked.methods
    bands = [
        f"{lo:.2f}x to {hi:.2f}x" if np.isfinite(lo) and np.isfinite(hi) else ""
        for lo, hi in zip(t["band_low"], t["band_high"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "method": t["method"].map(lambda m: METHOD_WORDS.get(m, m)),
            "used": np.where(t["method"] == checked.chosen, "used", ""),
            "error": t["error"],
            "bias": t["bias"],
            "clients": t["clients"],
            "80% band": bands,
            "not run because": t["skipped"],
        }
    )
    return Table(frame, {"error": "pct", "bias": "pct", "clients": "int"})


# ----------------------------------------------------------------------------- data quality


def reconciliation_totals(book, metrics: pd.DataFrame, *, quarter: str) -> Table:
    """The book's totals against the metrics' totals for the quarter and the TTM window (money
    rows as money, the hours row as hours)."""
    invoices, entries = book.invoices, book.time_entries
    q, ttm = quarter_window(quarter), ttm_window(quarter)
    # clients without invoices are valued by the billable amounts of their time
    by_time = (
        set(metrics.loc[metrics["revenue_source"].eq("billable time"), "client_id"])
        if "revenue_source" in metrics.columns
        else set()
    )
    valued = entries.loc[entries["client_id"].isin(by_time)] if by_time else entries.iloc[0:0]

    def revenue(window) -> float:
        invoiced = invoices.loc[window.contains(invoices["issue_date"]), "amount_base"].sum()
        if valued.empty:
            return float(invoiced)
        return float(
            invoiced + valued.loc[window.contains(valued["date"]), "billable_amount"].sum()
        )

    rows = [
        ("revenue in the quarter", revenue(q), metrics["revenue_q"].sum(), _MONEY),
        ("revenue, trailing twelve months", revenue(ttm), metrics["revenue_ttm"].sum(), _MONEY),
        (
            "hours, trailing twelve months",
            entries.loc[ttm.contains(entries["date"]), "hours"].sum(),
            metrics["hours_ttm"].sum(),
            "hours",
        ),
    ]
    frame = pd.DataFrame(rows, columns=["total", "from the book", "in the metrics", "format"])
    units = tuple(frame.pop("format"))
    frame = frame.assign(difference=lambda d: d["in the metrics"] - d["from the book"])
    return Table(frame, {c: units for c in ("from the book", "in the metrics", "difference")})


def rejects_by_reason(rejects: pd.DataFrame, *, empty: str = "No rejected rows.") -> Table:
    """Rejected rows (or the import's notes, same columns) counted per table, column and reason."""
    if rejects.empty:
        return Table(pd.DataFrame(columns=["table", "column", "reason", "rows"]), empty=empty)
    frame = (
        rejects.groupby(["table", "column", "reason"], dropna=False)
        .size()
        .rename("rows")
        .reset_index()
        .sort_values(["rows", "table"], ascending=[False, True])
    )
    return Table(frame, empty=empty)
