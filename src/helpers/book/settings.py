"""Settings: every threshold, weight and assumption of the audit, with documented defaults.

Settings live in a small TOML file (``settings.toml`` beside a book, or any path given with
``--settings``). Unknown names and wrong types are refused with a message that names them, so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import tomli_w

from helpers.errors import SettingsError

SETTINGS_FILE = "settings.toml"

#: Value composite: what a client is worth (percentile ranks within the book, weighted). No input
#: here, nor its mirror image, feeds the headache score (issue 12: two independent axes).
DEFAULT_VALUE_WEIGHTS = {
    "margin": 0.30,  # margin_ttm
    "revenue": 0.20,  # revenue_ttm
    "growth": 0.15,  # growth_ttm
    "potential": 0.20,  # expected_revenue_next_4q
    "values": 0.15,  # fit_rating: alignment, transparency, fit (seed 003 section 4)
}
#: Headache composite: what a client costs us beyond its hours (percentile ranks, weighted).
DEFAULT_HEADACHE_WEIGHTS = {
    "hours_per_revenue": 0.30,  # time spent per unit of revenue (seed 003 section 2)
    "non_billable": 0.15,  # non_billable_share
    "lateness": 0.20,  # days_late_avg, ranked within the client's size class
    "incidents": 0.20,  # client-caused incidents per 100 hours worked
    "disrespect": 0.15,  # 5 - respect_rating: how the client treats our people
}
#: Weight keys of older versions, with what replaced them (an old settings file is refused with
#: a message that names both).
REMOVED_WEIGHT_KEYS: Mapping[str, str] = {
    "value_weights.effective_rate": "value_weights.revenue (revenue per hour is read once, "
    "by the headache input hours_per_revenue)",
    "value_weights.alignment": "value_weights.values (alignment, transparency and fit; respect "
    "moved to headache_weights.disrespect)",
    "headache_weights.misalignment": "headache_weights.disrespect (5 - the respect rating; "
    "alignment counts once, in value_weights.values)",
}
#: Share of wallet we assume a client of each size could give us per year, in base currency
#: (an assumption for the headroom column, not a measurement).
DEFAULT_SIZE_WALLET = {"small": 60_000.0, "medium": 250_000.0, "large": 1_000_000.0}


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Settings:
    """All knobs of the audit. Immutable: use :meth:`replace` to derive a variant."""

    # Book
    base_currency: str = "USD"
    default_cost_rate: float = 60.0  # per hour, for people without a cost_rate
    date_format: str | None = (
        None  # None = ISO 8601 dates; else a strftime format such as "%d/%m/%Y"
    )
    # Scores and segments
    value_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(DEFAULT_VALUE_WEIGHTS)
    )
    headache_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(DEFAULT_HEADACHE_WEIGHTS)
    )
    value_threshold: float | None = None  # None = the median value score of the book
    headache_threshold: float | None = None  # None = the median headache score of the book
    # Actions
    prune_percentile: float = 10.0  # bottom X% of revenue per hour are prune candidates (seed 003)
    reprice_min_revenue_share: float = (
        0.005  # "substantial revenue": at least this share of the book
    )
    reprice_rate_ratio: float = 0.6  # effective rate below this x the book's median rate
    rescope_incidents: float = 4.0  # severity sum of scope_creep + rush + after_hours in the TTM
    min_realisation: float = 0.8  # invoiced / billable value of TTM hours below this: RESCOPE
    late_days: float = 15.0  # days late on average that count as a late payer
    late_share: float = 0.3  # and at least this share of invoices paid late
    reassign_gap: float = 1.5  # owner's mean rating this far below the other assessors' mean
    reassign_min_others: float = 3.5  # and the others rate the client at least this
    nurture_growth: float = 0.30  # growth_ttm at least this
    nurture_potential_ratio: float = 1.25  # or expected_revenue_next_4q / revenue_ttm at least this
    improve_delivery_severity: float = 3.0  # severity sum of rework + missed_deadline in the TTM
    collect_floor: float = 100.0  # money 90+ days past due above this triggers COLLECT
    nonpayer_overdue_share: float = 0.5  # money > 60 days past due above this share of TTM revenue
    target_margin: float = 0.30  # margin (share of revenue) a client's rate should earn
    max_price_rise: float = 0.30  # a larger rise to cover cost is reprice-or-exit, not a repricing
    # Future potential and pruning scenario
    discount_rate: float = 0.0  # annual, for expected_revenue_next_4q
    size_wallet: Mapping[str, float] = field(default_factory=lambda: _frozen(DEFAULT_SIZE_WALLET))
    utilisation: float = 0.5  # share of freed hours we expect to resell to GROW clients
    robust_share: float = 0.8  # a prune candidate in at least this share of settings is robust
    # Decisions journal (helpers.decide.journal)
    decision_min_change: float = 0.10  # a decided fix worked when its figure moved this much
    # Offboarding (seed 002: parting with care)
    notice_days: int = 30  # the contract's notice period when clients.notice_days is blank
    exit_spread_days: int = 90  # several exits are spread evenly over this many days (one quarter)

    def __post_init__(self) -> None:
        for name in ("value_weights", "headache_weights", "size_wallet"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        _check(self)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (validated like a file)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain types, ready for TOML or display (None values left out)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            if value is not None:
                out[f.name] = value
        return out


_RANGES = {
    "notice_days": (0.0, 365.0),
    "exit_spread_days": (0.0, 365.0),
    "prune_percentile": (0.0, 100.0),
    "utilisation": (0.0, 1.0),
    "robust_share": (0.0, 1.0),
    "decision_min_change": (0.0, 1.0),
    "late_share": (0.0, 1.0),
    "value_threshold": (0.0, 100.0),
    "headache_threshold": (0.0, 100.0),
    "default_cost_rate": (0.0, float("inf")),
    "discount_rate": (0.0, 1.0),
    "target_margin": (0.0, 0.95),
    "max_price_rise": (0.0, 10.0),
}


def _check(settings: Settings) -> None:
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if f.name in ("value_weights", "headache_weights", "size_wallet"):
            defaults = {
                "value_weights": DEFAULT_VALUE_WEIGHTS,
                "headache_weights": DEFAULT_HEADACHE_WEIGHTS,
                "size_wallet": DEFAULT_SIZE_WALLET,
            }[f.name]
            unknown = set(value) - set(defaults)
            for key in sorted(unknown):
                replaced = REMOVED_WEIGHT_KEYS.get(f"{f.name}.{key}")
                if replaced:
                    raise SettingsError(f"{f.name}.{key} was removed; use {replaced}")
            if unknown:
                raise SettingsError(
                    f"{f.name}: unknown key(s) {', '.join(sorted(unknown))}; "
                    f"known: {', '.join(defaults)}"
                )
            bad = [k for k, v in value.items() if not _is_number(v) or v < 0]
            if bad:
                raise SettingsError(f"{f.name}: {', '.join(bad)} must be numbers >= 0")
            continue
        if value is None:
            continue
        if f.name in ("base_currency", "date_format"):
            if not isinstance(value, str):
                raise SettingsError(f"{f.name} must be a string, got {value!r}")
            continue
        if not _is_number(value):
            raise SettingsError(f"{f.name} must be a number, got {value!r}")
        low, high = _RANGES.get(f.name, (0.0, float("inf")))
        if not low <= value <= high:
            raise SettingsError(f"{f.name} must be between {low:g} and {high:g}, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from a TOML file; defaults for what the file leaves out; defaults when no path.

    >>> load_settings().prune_percentile
    10.0
    """
    if path is None:
        return Settings()
    path = Path(path)
    if path.is_dir():
        path = path / SETTINGS_FILE
        if not path.exists():
            return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"settings file {path} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"settings file {path}: not valid TOML ({exc})") from None
    try:
        return Settings().replace(**data)
    except SettingsError as exc:
        raise SettingsError(f"settings file {path}: {exc}") from None


def settings_for_book(data: str | Path | None, settings_file: str | Path | None = None) -> Settings:
    """The settings a book is audited with: ``settings_file`` when given, else ``settings.toml``
    beside the book (when the book is a folder and has one), else the defaults.

    >>> settings_for_book("no-such-book.xlsx").prune_percentile
    10.0
    """
    if settings_file:
        return load_settings(settings_file)
    if data is not None and Path(data).is_dir():
        return load_settings(data)
    return Settings()


def save_settings(settings: Settings, path: str | Path) -> Path:
    """Write the settings as TOML (what the widgets save so the report uses the same choices)."""
    path = Path(path)
    if path.is_dir():
        path = path / SETTINGS_FILE
    path.write_text(tomli_w.dumps(settings.to_dict()), encoding="utf-8")
    return path
