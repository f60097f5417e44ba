"""Screening a prospect against the book (seed 000: sometimes you must say no before it starts).

How have the book's clients of the same industry and size turned out: their segments, their
revenue per hour, how late they pay, how many incidents they cause, and whether they are mostly
weeds or "red cloth" clients (abuse or disputes). It informs; it does not decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from helpers.book.quarters import ttm_window
from helpers.book.schema import SIZES
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.present.format import format_money

MIN_LOOKALIKES = 5
RED_CLOTH_KINDS = ("abuse", "dispute")
SEGMENTS = ("prize", "tangled", "seedling", "weed")
LOOKALIKE_COLUMNS = [
    "client_id",
    "name",
    "industry",
    "size",
    "segment",
    "revenue_ttm",
    "hours_ttm",
    "effective_rate_ttm",
    "days_late_avg",
    "late_share",
    "incidents_ttm",
    "red_cloth_events",
    "prune",
]


@dataclass(frozen=True)
class Screen:
    """What the book says about a prospect (build with :func:`screen_prospect`)."""

    industry: str
    size: str
    basis: str
    widened: bool
    lookalikes: pd.DataFrame
    segments: pd.DataFrame
    figures: Mapping[str, float]
    red_cloth: bool
    flags: tuple[str, ...]
    summary: str
    currency: str = "USD"

    def report(self) -> str:
        """The summary, the figures and the look-alikes as plain text (what the CLI prints)."""
        table = self.lookalikes.assign(
            effective_rate_ttm=self.lookalikes["effective_rate_ttm"].round(0),
            revenue_ttm=self.lookalikes["revenue_ttm"].round(0),
            hours_ttm=self.lookalikes["hours_ttm"].round(0),
            days_late_avg=self.lookalikes["days_late_avg"].round(1),
            late_share=self.lookalikes["late_share"].round(2),
        )
        return "\n".join(
            [
                f"Prospect: {self.industry}, {self.size}",
                "",
                self.summary,
                "",
                "Segments of the look-alikes:",
                self.segments.to_string(index=False),
                "",
                f"Look-alikes ({self.basis}):",
                table.to_string(index=False),
            ]
        )


def screen_prospect(
    metrics: pd.DataFrame,
    *,
    industry: str,
    size: str,
    expected_hours: float | None = None,
    expected_fees: float | None = None,
    settings: Settings | None = None,
    events: pd.DataFrame | None = None,
    min_lookalikes: int = MIN_LOOKALIKES,
) -> Screen:
    """Compare a prospect with the book's active clients of the same industry and size.

    With fewer than ``min_lookalikes`` of those, the comparison widens to every client of the
    same size (and says so). ``events`` (``book.events``) adds abuse and dispute events in the
    TTM window to the red-cloth check; without it the metrics' ``abuse_ttm`` column is used.
    """
    settings = settings or Settings()
    industry, size = check_prospect(industry, size, expected_hours, expected_fees)
    book = _active(metrics).assign(red_cloth_events=lambda d: _red_cloth_events(d, events))
    if book.empty:
        raise PumpkinError("the book has no active client in this quarter to compare with")
    lookalikes, basis, widened = _lookalikes(book, industry, size, min_lookalikes)
    figures = _figures(book, lookalikes, settings, expected_hours, expected_fees)
    flags = _flags(lookalikes, figures)
    return Screen(
        industry=industry,
        size=size,
        basis=basis,
        widened=widened,
        lookalikes=lookalikes[[c for c in LOOKALIKE_COLUMNS if c in lookalikes.columns]]
        .sort_values(["effective_rate_ttm", "client_id"])
        .reset_index(drop=True),
        segments=_segment_distribution(lookalikes),
        figures=MappingProxyType(figures),
        red_cloth=bool(flags),
        flags=flags,
        summary=_summary(industry, size, basis, figures, flags, settings.base_currency),
        currency=settings.base_currency,
    )


def check_prospect(industry, size, hours, fees) -> tuple[str, str]:
    """The industry and size cleaned, or a PumpkinError naming the option (before any work)."""
    if not isinstance(industry, str) or not industry.strip():
        raise PumpkinError("--industry: give the prospect's industry, e.g. retail")
    size = str(size).strip().lower()
    if size not in SIZES:
        raise PumpkinError(f"--size must be one of {', '.join(SIZES)}, got {size!r}")
    if hours is not None and not hours > 0:
        raise PumpkinError(f"--expected-hours must be more than 0, got {hours!r}")
    if fees is not None and not fees >= 0:
        raise PumpkinError(f"--expected-fees must be 0 or more, got {fees!r}")
    return industry.strip(), size


def _active(metrics: pd.DataFrame) -> pd.DataFrame:
    if "active" in metrics.columns:
        return metrics[metrics["active"].astype(bool)]
    return metrics[metrics["hours_ttm"].gt(0) | metrics["revenue_ttm"].ne(0)]


def _red_cloth_events(book: pd.DataFrame, events: pd.DataFrame | None) -> pd.Series:
    """Abuse and dispute events per client in the TTM window."""
    if events is None:
        if "abuse_ttm" in book.columns:
            return book["abuse_ttm"].fillna(0).astype(int)
        return pd.Series(0, index=book.index)
    quarter = book["quarter"].iloc[0] if len(book) else None
    window = ttm_window(str(quarter)) if quarter is not None else None
    mine = events[events["kind"].isin(RED_CLOTH_KINDS)]
    if window is not None:
        mine = mine[window.contains(mine["date"])]
    return book["client_id"].map(mine.groupby("client_id").size()).fillna(0).astype(int)


def _lookalikes(book: pd.DataFrame, industry: str, size: str, minimum: int):
    same_size = book["size"].fillna("").str.lower().eq(size)
    same_industry = book["industry"].fillna("").str.strip().str.lower().eq(industry.lower())
    exact = book[same_size & same_industry]
    if len(exact) >= minimum:
        return exact, f"{len(exact)} {size} clients in {industry}", False
    if same_size.sum():
        return (
            book[same_size],
            f"only {len(exact)} {size} client(s) in {industry}, so every {size} client: "
            f"{int(same_size.sum())} of them",
            True,
        )
    return (
        book,
        f"no {size} client in the book, so every active client: {len(book)} of them",
        True,
    )


def _segment_distribution(lookalikes: pd.DataFrame) -> pd.DataFrame:
    counts = lookalikes["segment"].astype(str).value_counts().reindex(SEGMENTS, fill_value=0)
    return pd.DataFrame(
        {
            "segment": list(SEGMENTS),
            "clients": counts.to_numpy(),
            "share": (counts / max(len(lookalikes), 1)).round(2).to_numpy(),
        }
    )


def _is_late_payer(frame: pd.DataFrame, settings: Settings) -> pd.Series:
    """Weeks late and habitually (the rule behind ``INVOICE_MORE_OFTEN``)."""
    return frame["days_late_avg"].ge(settings.late_days) & frame["late_share"].ge(
        settings.late_share
    )


def _figures(book, lookalikes, settings, hours, fees) -> dict[str, float]:
    rates = book["effective_rate_ttm"].dropna()
    figures = {
        "lookalikes": float(len(lookalikes)),
        "weed_share": float(lookalikes["segment"].astype(str).eq("weed").mean()),
        "prize_share": float(lookalikes["segment"].astype(str).eq("prize").mean()),
        "prune_share": float(lookalikes["prune"].fillna(False).astype(bool).mean())
        if "prune" in lookalikes.columns
        else float("nan"),
        "typical_rate": float(lookalikes["effective_rate_ttm"].median()),
        "book_rate": float(rates.median()) if len(rates) else float("nan"),
        "typical_days_late": float(lookalikes["days_late_avg"].median()),
        "book_days_late": float(book["days_late_avg"].median()),
        "late_payer_share": float(_is_late_payer(lookalikes, settings).mean()),
        "typical_incidents": float(lookalikes["incidents_ttm"].median()),
        "book_incidents": float(book["incidents_ttm"].median()),
        "red_cloth_clients": float(lookalikes["red_cloth_events"].gt(0).sum()),
        "prune_line_rate": float(np.percentile(rates, settings.prune_percentile))
        if len(rates)
        else float("nan"),
        "implied_rate": float("nan"),
        "implied_rate_percentile": float("nan"),
    }
    if hours is not None and fees is not None:
        implied = fees / hours
        figures["implied_rate"] = implied
        figures["implied_rate_percentile"] = float((rates < implied).mean() * 100)
    return figures


def _flags(lookalikes: pd.DataFrame, figures: Mapping[str, float]) -> tuple[str, ...]:
    flags = []
    if figures["weed_share"] > 0.5:
        flags.append(f"the look-alikes are mostly weeds ({figures['weed_share']:.0%})")
    if figures["red_cloth_clients"]:
        flags.append(
            f"{figures['red_cloth_clients']:.0f} look-alike(s) had abuse or dispute events in "
            "the last twelve months"
        )
    return tuple(flags)


def _summary(industry, size, basis, f, flags, currency) -> str:
    money = lambda x: format_money(x, currency)  # noqa: E731
    lines = [
        f"The book has {f['lookalikes']:.0f} look-alike(s) for a {size} {industry} prospect "
        f"({basis}).",
        f"How they turned out: {f['prize_share']:.0%} prize pumpkins, {f['weed_share']:.0%} "
        f"weeds; {f['prune_share']:.0%} are prune candidates.",
        f"Typical revenue per hour {money(f['typical_rate'])} (book median "
        f"{money(f['book_rate'])}); typically {f['typical_days_late']:.0f} days late (book "
        f"{f['book_days_late']:.0f}), {f['late_payer_share']:.0%} late payers; typical "
        f"incidents {f['typical_incidents']:.0f} a year (book {f['book_incidents']:.0f}).",
    ]
    if f["implied_rate"] == f["implied_rate"]:
        below = f["implied_rate"] <= f["prune_line_rate"]
        lines.append(
            f"The expected fees and hours imply {money(f['implied_rate'])} an hour, better than "
            f"{f['implied_rate_percentile']:.0f}% of the book's clients"
            + (
                f": at or below the prune line ({money(f['prune_line_rate'])}), where prune "
                "candidates come from."
                if below
                else "."
            )
        )
    if flags:
        lines.append("Red cloth: " + "; ".join(flags) + ".")
    else:
        lines.append(
            "No red-cloth flag: the look-alikes are not mostly weeds, and none had abuse "
            "or dispute events."
        )
    lines.append("This informs the decision; it does not make it.")
    return "\n".join(lines)
