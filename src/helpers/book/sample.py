"""The deterministic demo client book (``pumpkin sample``).

One numpy ``default_rng(seed)`` draws every number, so the same arguments give byte-identical
files. Ordinary clients get heavy-tailed revenue, monthly or quarterly billing, late payers,
incidents and assessments; the seeds' archetypes (``ARCHETYPES``) are planted among them with
fixed ids and strong signals in every year. Everything is vectorised over clients, client-months,
invoices and entries, so the same code writes the 150-client demo and a 10k-client, 2M-entry
benchmark book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.book.quarters import parse_quarter
from helpers.book.schema import CLIENT_EVENT_KINDS, OUR_EVENT_KINDS, TABLES
from helpers.errors import PumpkinError

#: Planted clients: client_id -> archetype key (fixed ids, the same for every seed).
ARCHETYPES: Mapping[str, str] = MappingProxyType(
    {
        "c-bully": "abuser",  # mistreats our people (abuse events), good revenue otherwise
        "c-giant": "slow_giant",  # large, high revenue, pays 40-60 days late but pays
        "c-late-1": "small_late_payer",  # small/medium, pays 20-40 days late
        "c-late-2": "small_late_payer",
        "c-late-3": "small_late_payer",
        "c-hog": "hours_hog",  # big client, revenue per hour far below our people's cost
        "c-sprout-1": "fast_grower",  # small, revenue doubling every year
        "c-sprout-2": "fast_grower",
        "c-sprout-3": "fast_grower",
        "c-disliked": "owner_dislike",  # its owner rates it 1-2, everyone else 4-5
        "c-rework-1": "our_rework",  # the headache is ours: rework and missed deadlines
        "c-rework-2": "our_rework",
        "c-creep": "scope_creeper",  # many scope_creep, rush and after_hours events
        "c-nonpayer": "non_payer",  # small, stopped paying 15 months before the end
        "c-overdue-once": "overdue_once",  # one invoice 95 days overdue at the last day
        "c-weed-1": "weed",  # low revenue, many hours
        "c-weed-2": "weed",
        "c-weed-3": "weed",
        "c-prize-1": "prize",  # high rate, efficient, pays early, aligned
        "c-prize-2": "prize",
        "c-prize-3": "prize",
    }
)

#: Below this many clients no archetype is planted (they would crowd out ordinary clients).
MIN_CLIENTS_FOR_ARCHETYPES = 2 * len(ARCHETYPES)
BASE_CURRENCY = "USD"
FX_RATES = {"EUR": 1.09, "GBP": 1.27}  # undated rates to the base currency
CLIENTS_PER_PERSON = 10  # people = max(15, clients / 10)
MIN_PEOPLE = 15
MAX_TEAM = 5
AVERAGE_ENTRY_HOURS = 4.0  # default entry granularity: about one person-day per client
DAILY_HOURS = 10.0  # work is moved off person-days booked beyond this
LOAD_PASSES = 10

INDUSTRIES = (
    "Software",
    "Retail",
    "Manufacturing",
    "Healthcare",
    "Financial services",
    "Public sector",
    "Media",
    "Logistics",
)
_NAME_HEADS = (
    "Northwind",
    "Bluefield",
    "Harbor",
    "Copperleaf",
    "Silverline",
    "Granite",
    "Juniper",
    "Red Oak",
    "Lakeshore",
    "Brightwater",
    "Summit",
    "Ironbridge",
    "Meadow",
    "Falcon",
    "Cedar",
    "Orchard",
    "Keystone",
    "Riverbend",
    "Stonegate",
    "Evergreen",
    "Pioneer",
    "Crescent",
    "Highland",
    "Beacon",
    "Foxglove",
    "Sterling",
    "Tidewater",
    "Westbrook",
    "Aurora",
    "Kestrel",
    "Marlow",
    "Hawthorn",
    "Larch",
    "Quarry",
    "Saffron",
    "Thistle",
    "Union",
    "Vantage",
    "Willow",
    "Zephyr",
    "Ashford",
    "Birch",
    "Canal",
    "Delta",
    "Ember",
    "Fernhill",
    "Glen",
    "Hollow",
    "Indigo",
    "Jasper",
)
_NAME_TRADES = (
    "Analytics",
    "Logistics",
    "Foods",
    "Health",
    "Systems",
    "Design",
    "Capital",
    "Labs",
    "Media",
    "Energy",
    "Freight",
    "Pharma",
    "Retail",
    "Software",
    "Studios",
    "Textiles",
    "Brewing",
    "Clinics",
    "Dental",
    "Engineering",
    "Farms",
    "Hotels",
    "Insurance",
    "Joinery",
    "Kitchens",
    "Legal",
    "Motors",
    "Nursery",
    "Optics",
    "Printing",
    "Robotics",
    "Security",
    "Tools",
    "Travel",
    "Utilities",
    "Ventures",
    "Water",
    "Works",
    "Yachts",
    "Zoology",
)
_NAME_FORMS = ("Ltd", "Inc", "LLC", "GmbH", "Group", "& Co", "Partners", "BV")
_FIRST = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kai",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tessa",
    "Uma",
    "Victor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
    "Aaron",
    "Bea",
    "Carlos",
    "Dana",
    "Emil",
    "Freya",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Karl",
    "Lucia",
    "Milo",
    "Nia",
)
_LAST = (
    "Moreno",
    "Okafor",
    "Lindqvist",
    "Patel",
    "Novak",
    "Schmidt",
    "Tanaka",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Silva",
    "Haddad",
    "Murphy",
    "Jensen",
    "Costa",
    "Ivanova",
    "Nguyen",
    "Fischer",
    "Garcia",
    "Berg",
    "Kaur",
    "Walsh",
    "Mendes",
    "Abe",
    "Larsen",
    "Horvat",
    "Yilmaz",
    "Petrov",
    "Reyes",
    "Svensson",
    "Adeyemi",
    "Brandt",
    "Cho",
    "Dahl",
    "Ekström",
    "Fontaine",
    "Gallo",
    "Hughes",
    "Ito",
    "Jovanovic",
)
_NOTES = {
    "scope_creep": (
        "asked for extra deliverables outside the statement of work",
        "added a new workstream without a change request",
        "expanded the data scope mid-sprint",
    ),
    "after_hours": (
        "weekend call demanded at short notice",
        "late-night escalation",
        "expected replies outside office hours",
    ),
    "rush": (
        "deadline pulled forward by two weeks",
        "same-day turnaround requested",
        "urgent request with no notice",
    ),
    "complaint": (
        "complained about the tone of a status report",
        "unhappy with pace",
        "escalated a minor issue to our partner",
    ),
    "dispute": (
        "disputed hours on the invoice",
        "contested a change request",
        "refused to sign off a delivered milestone",
    ),
    "abuse": (
        "shouted at our analyst in a review meeting",
        "insulting emails to a junior consultant",
        "belittled our team in front of their board",
    ),
    "rework": (
        "deliverable redone after our QA missed errors",
        "report rebuilt after a data mix-up",
        "model rerun after our wrong assumption",
    ),
    "missed_deadline": (
        "we delivered the milestone late",
        "our handover slipped a week",
        "we missed the agreed report date",
    ),
}
_PLANTED_NAMES = {
    "c-bully": "Grimsby Tower Holdings",
    "c-giant": "Atlas Continental Group",
    "c-late-1": "Pickwick Print Shop",
    "c-late-2": "O'Brien & Daughters",
    "c-late-3": "Mill Lane Joinery",
    "c-hog": "Meridian Health Systems",
    "c-sprout-1": "Sprocket Robotics",
    "c-sprout-2": "Tallgrass Analytics",
    "c-sprout-3": "Nimbus Travel Labs",
    "c-disliked": "Vireo Insurance Partners",
    "c-rework-1": "Halcyon Pharma",
    "c-rework-2": "Kingfisher Freight",
    "c-creep": "Fairweather Media",
    "c-nonpayer": "Dustbowl Kitchens",
    "c-overdue-once": "Lighthouse Dental",
    "c-weed-1": "Tiny Teapot Co",
    "c-weed-2": "Puddle Lane Crafts",
    "c-weed-3": "Corner Fix Garage",
    "c-prize-1": "Café Lumière SARL",
    "c-prize-2": "Polaris Capital",
    "c-prize-3": "Greenway Energy",
}


@dataclass(frozen=True)
class _Calendar:
    """The book's fixed dates as day offsets from its first day."""

    start: np.datetime64  # first day (datetime64[D])
    days: int  # number of days in the book
    month_start: np.ndarray  # day offset of each month's first day
    month_end: np.ndarray  # day offset of each month's last day

    @property
    def months(self) -> int:
        return len(self.month_start)

    def dates(self, offsets: np.ndarray) -> np.ndarray:
        """Day offsets as datetime64[ns] (NaT stays NaT via a float NaN offset)."""
        offsets = np.asarray(offsets, dtype="float64")
        whole = np.where(np.isnan(offsets), 0, offsets).astype("int64")
        out = (self.start + whole.astype("timedelta64[D]")).astype("datetime64[ns]")
        return np.where(np.isnan(offsets), np.datetime64("NaT", "ns"), out)

    def business_day(self, lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A weekday in [lo, hi] picked by ``u`` in [0, 1) (the day ``lo`` if none is a weekday)."""
        first = self.start + lo.astype("timedelta64[D]")
        count = np.busday_count(first, self.start + (hi + 1).astype("timedelta64[D]"))
        pick = np.floor(u * np.maximum(count, 1)).astype("int64")
        day = np.busday_offset(first, pick, roll="forward")
        return np.where(count > 0, (day - self.start).astype("int64"), lo)


def _calendar(start: str, years: int) -> _Calendar:
    first = parse_quarter(start)
    months = pd.period_range(first.asfreq("M", how="start"), periods=12 * years, freq="M")
    origin = months[0].start_time.normalize()
    starts = np.array([(m.start_time.normalize() - origin).days for m in months])
    ends = np.array([(m.end_time.normalize() - origin).days for m in months])
    return _Calendar(np.datetime64(origin.date(), "D"), int(ends[-1] + 1), starts, ends)


def _check_args(clients: int, years: int, entries: int | None, invoices: int | None) -> None:
    if clients < 1:
        raise PumpkinError(f"--clients must be at least 1, got {clients}")
    if not 1 <= years <= 50:
        raise PumpkinError(f"--years must be between 1 and 50, got {years}")
    for name, value in (("entries", entries), ("invoices", invoices)):
        if value is not None and value < 1:
            raise PumpkinError(f"--{name} must be at least 1, got {value}")


# ----------------------------------------------------------------------------- people, clients


def _people(rng: np.random.Generator, clients: int) -> pd.DataFrame:
    """Distinct people (combinatorial names) with cost rates 40-110 per hour."""
    count = max(MIN_PEOPLE, -(-clients // CLIENTS_PER_PERSON))
    pool = len(_FIRST) * len(_LAST)
    picks = rng.choice(pool, size=min(count, pool), replace=False)
    names = [f"{_FIRST[i // len(_LAST)]} {_LAST[i % len(_LAST)]}" for i in picks]
    names += [f"Consultant {i:05d}" for i in range(count - len(names))]
    rates = np.round(rng.uniform(40, 110, size=count) / 5) * 5
    return pd.DataFrame({"person": names, "cost_rate": rates.astype("float64")})


def _client_names(rng: np.random.Generator, count: int) -> list[str]:
    heads, trades, forms = len(_NAME_HEADS), len(_NAME_TRADES), len(_NAME_FORMS)
    pool = heads * trades * forms
    picks = rng.choice(pool, size=min(count, pool), replace=False)
    names = [
        f"{_NAME_HEADS[i // (trades * forms)]} {_NAME_TRADES[(i // forms) % trades]} "
        f"{_NAME_FORMS[i % forms]}"
        for i in picks
    ]
    return names + [f"Client {i:06d} Ltd" for i in range(count - len(names))]


def _ordinary_profiles(
    rng: np.random.Generator,
    n: int,
    people: int,
    cal: _Calendar,
) -> pd.DataFrame:
    """Per-client parameters of ordinary clients: who they are and how they behave."""
    size = rng.choice(np.array(["small", "medium", "large"]), size=n, p=[0.55, 0.33, 0.12])
    median = np.select([size == "small", size == "medium"], [4_000.0, 12_000.0], 35_000.0)
    annual = median * rng.lognormal(0.0, 0.75, size=n)  # heavy tail (lognormal)
    span = cal.days
    kind = rng.choice(3, size=n, p=[0.82, 0.10, 0.08])  # 0 steady, 1 seedling, 2 churned
    active_start = np.where(kind == 1, rng.uniform(0.3, 0.85, n) * span, 0).astype("int64")
    active_end = np.where(kind == 2, rng.uniform(0.3, 0.9, n) * span, span - 1).astype("int64")
    since_before = -rng.integers(30, 12 * 365, size=n)  # clients older than the book
    policy_slow = (size == "large") & (rng.random(n) < 0.5)
    lateness = rng.choice(3, size=n, p=[0.68, 0.22, 0.10])  # on time, a bit late, late
    late_mean = np.select(
        [policy_slow, lateness == 0, lateness == 1],
        [rng.uniform(18, 40, n), rng.uniform(-6, 2, n), rng.uniform(3, 14, n)],
        rng.uniform(12, 28, n),
    )
    currency = rng.choice(np.array([BASE_CURRENCY, "EUR", "GBP"]), size=n, p=[0.93, 0.04, 0.03])
    difficult = rng.random(n) < 0.25
    return pd.DataFrame(
        {
            "size": size,
            "industry": rng.choice(np.array(INDUSTRIES), size=n),
            "owner": rng.integers(0, people, size=n),
            "annual": annual,
            "growth": rng.normal(0.05, 0.18, size=n).clip(-0.45, 0.8),
            "rate": rng.normal(150, 28, size=n).clip(90, 220).round(),
            "non_billable": rng.beta(3, 17, size=n),  # mean 15%
            "hours_factor": rng.lognormal(0.0, 0.22, size=n),
            "billing_months": rng.choice(np.array([1, 3]), size=n, p=[0.6, 0.4]),
            "terms": rng.choice(np.array([30, 45]), size=n, p=[0.7, 0.3]),
            "late_mean": late_mean,
            "late_sd": rng.uniform(2, 8, size=n),
            "currency": currency,
            "active_start": active_start,
            "active_end": active_end,
            "since": np.where(kind == 1, active_start, since_before),
            "quality": rng.normal(3.7, 0.55, size=n).clip(1.8, 4.9),
            "incident_rate": np.where(difficult, rng.uniform(2, 6, n), rng.uniform(0, 1.2, n)),
            "our_rate": np.where(
                rng.random(n) < 0.08, rng.uniform(1, 3, n), rng.uniform(0, 0.3, n)
            ),
            "team": rng.integers(1, 4, size=n)
            + np.select([size == "small", size == "medium"], [0, 1], 2),
        }
    )


#: Archetype overrides: annual revenue, rate, hours, billing and payment behaviour.
_PROFILES: dict[str, dict[str, object]] = {
    "abuser": dict(
        size="large",
        annual=95_000.0,
        rate=175.0,
        hours_factor=0.9,
        late_mean=-2.0,
        growth=0.05,
        quality=2.6,
    ),
    "slow_giant": dict(
        size="large",
        annual=260_000.0,
        rate=165.0,
        hours_factor=1.0,
        late_mean=50.0,
        late_sd=4.0,
        terms=45,
        billing_months=1,
        growth=0.04,
    ),
    "small_late_payer": dict(
        size="small",
        annual=18_000.0,
        rate=150.0,
        late_mean=30.0,
        late_sd=4.0,
        billing_months=3,
        terms=30,
    ),
    "hours_hog": dict(
        size="large",
        annual=80_000.0,
        rate=120.0,
        hours_factor=2.6,
        non_billable=0.22,
        late_mean=0.0,
        growth=0.0,
    ),
    "fast_grower": dict(
        size="small",
        annual=2_000.0,
        rate=110.0,
        growth=1.3,
        late_mean=-3.0,
        quality=4.2,
        hours_factor=1.2,
        non_billable=0.08,
        incident_rate=0.0,
    ),
    "owner_dislike": dict(size="medium", annual=35_000.0, rate=160.0, late_mean=0.0, quality=4.6),
    "our_rework": dict(size="medium", annual=40_000.0, rate=150.0, late_mean=0.0, quality=4.0),
    "scope_creeper": dict(
        size="medium", annual=45_000.0, rate=140.0, hours_factor=1.3, late_mean=2.0, quality=3.0
    ),
    "non_payer": dict(
        size="small",
        annual=15_000.0,
        rate=140.0,
        late_mean=12.0,
        billing_months=1,
        terms=30,
        quality=2.8,
    ),
    "overdue_once": dict(
        size="medium",
        annual=30_000.0,
        rate=150.0,
        late_mean=-3.0,
        late_sd=2.0,
        billing_months=1,
        terms=30,
    ),
    "weed": dict(
        size="small",
        annual=5_000.0,
        rate=95.0,
        hours_factor=2.6,
        non_billable=0.3,
        late_mean=12.0,
        growth=-0.05,
        quality=2.6,
    ),
    "prize": dict(
        size="large",
        annual=150_000.0,
        rate=210.0,
        hours_factor=0.9,
        non_billable=0.05,
        late_mean=-7.0,
        late_sd=1.0,
        growth=0.12,
        quality=4.7,
        incident_rate=0.0,
        our_rate=0.0,
    ),
}
#: Per-client tweaks on top of the archetype's profile.
_PLANTED_TWEAKS: dict[str, dict[str, object]] = {
    "c-late-3": dict(size="medium", currency="GBP"),
    "c-sprout-1": dict(annual=1_500.0),
    "c-sprout-3": dict(annual=2_500.0, active_start=30, since=30),  # joined in February
    "c-creep": dict(incident_rate=16.0),
    "c-rework-1": dict(our_rate=6.0),
    "c-rework-2": dict(our_rate=6.0),
    "c-prize-1": dict(currency="EUR"),
}
#: What a planted client does when its archetype says nothing about it.
_PLANTED_DEFAULTS = dict(
    non_billable=0.12,
    hours_factor=1.0,
    late_sd=3.0,
    growth=0.06,
    quality=3.8,
    incident_rate=0.3,
    our_rate=0.1,
    billing_months=1,
    terms=30,
    currency="USD",
)


def _planted_profiles(people: int, cal: _Calendar) -> pd.DataFrame:
    """Fixed parameters of the planted archetype clients (no randomness: stable signals)."""
    rows = []
    for i, (client_id, archetype) in enumerate(ARCHETYPES.items()):
        row = {
            **_PLANTED_DEFAULTS,
            **_PROFILES[archetype],
            "client_id": client_id,
            "name": _PLANTED_NAMES[client_id],
            "industry": INDUSTRIES[i % len(INDUSTRIES)],
            "owner": (3 * i) % people,
            "active_start": 0,
            "active_end": cal.days - 1,
            "since": -(400 + 97 * i),
            **_PLANTED_TWEAKS.get(client_id, {}),
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.assign(team=np.where(frame["size"].eq("large"), MAX_TEAM, 3))


def _profiles(
    rng: np.random.Generator,
    clients: int,
    people: int,
    cal: _Calendar,
) -> pd.DataFrame:
    """Every client's parameters: ordinary clients first, then the planted archetypes."""
    planted = _planted_profiles(people, cal) if clients >= MIN_CLIENTS_FOR_ARCHETYPES else None
    n_ordinary = clients - (0 if planted is None else len(planted))
    width = max(4, len(str(n_ordinary)))
    ordinary = _ordinary_profiles(rng, n_ordinary, people, cal).assign(
        client_id=[f"c-{i + 1:0{width}d}" for i in range(n_ordinary)],
        name=_client_names(rng, n_ordinary),
    )
    frames = [ordinary] if planted is None else [ordinary, planted[ordinary.columns]]
    return pd.concat(frames, ignore_index=True).assign(
        archetype=lambda d: d["client_id"].map(ARCHETYPES)
    )


def _teams(rng: np.random.Generator, profiles: pd.DataFrame, people: int) -> np.ndarray:
    """(clients x MAX_TEAM) person indices; column 0 is the owner, the rest distinct others."""
    owner = profiles["owner"].to_numpy()
    base = rng.integers(0, people - 1, size=len(owner))
    offsets = (base[:, None] + np.arange(MAX_TEAM - 1)[None, :]) % (people - 1)
    others = (owner[:, None] + 1 + offsets) % people
    return np.column_stack([owner, others])


#: Notice periods written into the demo contracts (blank for small clients: the default applies).
NOTICE_DAYS_BY_SIZE = {"medium": 60, "large": 90}


def _clients_table(profiles: pd.DataFrame, people: pd.DataFrame, cal: _Calendar) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": profiles["client_id"],
            "name": profiles["name"],
            "industry": profiles["industry"],
            "size": profiles["size"],
            "owner": people["person"].to_numpy()[profiles["owner"].to_numpy()],
            "since": cal.dates(profiles["since"].to_numpy()),
            # the contract's notice: longer for larger clients; small ones use the setting's default
            "notice_days": profiles["size"].map(NOTICE_DAYS_BY_SIZE),
        }
    )


# ----------------------------------------------------------------------------- money and time


def _allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """Integer counts proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    share = weights / weights.sum() * total
    counts = np.floor(share).astype("int64")
    short = total - counts.sum()
    if short > 0:
        counts[np.argsort(-(share - counts), kind="stable")[:short]] += 1
    return counts


def _client_months(
    rng: np.random.Generator,
    profiles: pd.DataFrame,
    cal: _Calendar,
) -> pd.DataFrame:
    """Expected revenue and hours of each client in each month of its active span."""
    n, m = len(profiles), cal.months
    lo = np.maximum(profiles["active_start"].to_numpy()[:, None], cal.month_start[None, :])
    hi = np.minimum(profiles["active_end"].to_numpy()[:, None], cal.month_end[None, :])
    days = (hi - lo + 1).clip(0)
    mid_years = ((cal.month_start + cal.month_end) / 2 / 365.25)[None, :]
    trend = (1 + profiles["growth"].to_numpy()[:, None]) ** mid_years
    noise = rng.lognormal(0.0, 0.2, size=(n, m))
    revenue = profiles["annual"].to_numpy()[:, None] / 365.25 * days * trend * noise
    billable = revenue / profiles["rate"].to_numpy()[:, None]
    hours = (
        billable
        * profiles["hours_factor"].to_numpy()[:, None]
        / (1 - profiles["non_billable"].to_numpy()[:, None])
    )
    client, month = np.nonzero(days > 0)
    return pd.DataFrame(
        {
            "client": client,
            "month": month,
            "lo": lo[client, month],
            "hi": hi[client, month],
            "revenue": revenue[client, month],
            "hours": hours[client, month],
        }
    )


def _time_entries(
    rng: np.random.Generator,
    profiles: pd.DataFrame,
    months: pd.DataFrame,
    teams: np.ndarray,
    people: pd.DataFrame,
    cal: _Calendar,
    target: int | None,
) -> pd.DataFrame:
    """Entries spread over the weekdays of each client-month, hours summing to its total."""
    hours = months["hours"].to_numpy()
    counts = (
        np.maximum(1, np.round(hours / AVERAGE_ENTRY_HOURS)).astype("int64")
        if target is None
        else _allocate(hours, target)
    )
    cell = np.repeat(np.arange(len(months)), counts)
    client = months["client"].to_numpy()[cell]
    lo, hi = months["lo"].to_numpy()[cell], months["hi"].to_numpy()[cell]
    weight = rng.gamma(2.0, 1.0, size=len(cell))
    share = weight / np.bincount(cell, weights=weight, minlength=len(months))[cell]
    entry_hours = np.clip(np.round(hours[cell] * share * 4) / 4, 0.25, 8.0)
    day = cal.business_day(lo, hi, rng.random(len(cell)))
    team = profiles["team"].to_numpy()[client]
    member = np.floor(rng.random(len(cell)) * team).astype("int64")
    day, member = _spread_load(rng, day, member, entry_hours, client, lo, hi, teams, team, cal)
    person = teams[client, member]
    billable = rng.random(len(cell)) >= profiles["non_billable"].to_numpy()[client]
    return pd.DataFrame(
        {
            "date": cal.dates(day),
            "client_id": profiles["client_id"].to_numpy()[client],
            "person": people["person"].to_numpy()[person],
            "hours": entry_hours,
            "billable": billable,
        }
    ).sort_values(["date", "client_id", "person"], kind="stable", ignore_index=True)


def _spread_load(rng, day, member, hours, client, lo, hi, teams, team, cal):
    """Move entries off person-days booked beyond ``DAILY_HOURS``: half of the entries on such a
    day get a new weekday (same client-month) and team member, repeated ``LOAD_PASSES`` times."""
    day, member = day.copy(), member.copy()
    for _ in range(LOAD_PASSES):
        slot = teams[client, member] * cal.days + day  # one slot per person-day
        over = np.bincount(slot, weights=hours)[slot] > DAILY_HOURS
        move = np.flatnonzero(over & (rng.random(len(day)) < 0.5))
        if not len(move):
            break
        day[move] = cal.business_day(lo[move], hi[move], rng.random(len(move)))
        member[move] = np.floor(rng.random(len(move)) * team[move]).astype("int64")
    return day, member


def _calendar_invoices(
    profiles: pd.DataFrame,
    months: pd.DataFrame,
    cal: _Calendar,
) -> pd.DataFrame:
    """One invoice per client and billing period (month or calendar quarter), at its last day."""
    step = profiles["billing_months"].to_numpy()[months["client"].to_numpy()]
    period_end = np.minimum(months["month"].to_numpy() // step * step + step - 1, cal.months - 1)
    return (
        months.assign(issue=cal.month_end[period_end])
        .groupby(["client", "issue"], as_index=False, sort=True)["revenue"]
        .sum()
    )


def _even_invoices(profiles: pd.DataFrame, months: pd.DataFrame, target: int) -> pd.DataFrame:
    """``target`` invoices in all, each client's span cut into equal billing periods."""
    revenue = months.groupby("client")["revenue"].sum()
    clients = revenue.index.to_numpy()
    start = profiles["active_start"].to_numpy()[clients]
    span = profiles["active_end"].to_numpy()[clients] - start + 1
    counts = _allocate(span.astype("float64"), target)
    counts = np.minimum(counts, span)  # at most one invoice per day
    idx = np.repeat(np.arange(len(clients)), counts)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    issue = start[idx] + np.floor((k + 1) * span[idx] / counts[idx]).astype("int64") - 1
    return pd.DataFrame(
        {"client": clients[idx], "issue": issue, "revenue": revenue.to_numpy()[idx] / counts[idx]}
    )


def _invoices(
    rng: np.random.Generator,
    profiles: pd.DataFrame,
    months: pd.DataFrame,
    cal: _Calendar,
    target: int | None,
) -> pd.DataFrame:
    """Invoices with due dates (net 30/45), payment behaviour, credit notes and currencies."""
    bills = (
        _calendar_invoices(profiles, months, cal)
        if target is None
        else _even_invoices(profiles, months, target)
    )
    bills = bills[bills["revenue"] > 0].reset_index(drop=True)
    client = bills["client"].to_numpy()
    issue = bills["issue"].to_numpy().astype("int64")
    due = issue + profiles["terms"].to_numpy()[client]
    late = rng.normal(
        profiles["late_mean"].to_numpy()[client], profiles["late_sd"].to_numpy()[client]
    )
    paid = np.maximum(due + np.round(late), issue + 3).astype("float64")
    amount = bills["revenue"].to_numpy()
    ordinary = profiles["archetype"].isna().to_numpy()[client]
    credit = ordinary & (rng.random(len(bills)) < 0.01)
    amount = np.where(credit, -0.15 * amount, amount)
    paid = np.where(credit, issue, paid)
    archetype = profiles["archetype"].to_numpy()[client]
    issue, due, paid = _plant_payment_archetypes(
        archetype, issue, due, paid, cal, profiles["terms"].to_numpy()[client]
    )
    paid = np.where(paid > cal.days - 1, np.nan, paid)  # paid after the book's end: unpaid now
    currency = profiles["currency"].to_numpy()[client]
    rate = pd.Series(currency).map({**FX_RATES, BASE_CURRENCY: 1.0}).to_numpy()
    frame = pd.DataFrame(
        {
            "client_id": profiles["client_id"].to_numpy()[client],
            "issue_date": cal.dates(issue),
            "due_date": cal.dates(due),
            "amount": np.round(amount / rate, 2),
            "currency": currency,
            "paid_date": cal.dates(paid),
        }
    ).sort_values(["issue_date", "client_id"], kind="stable", ignore_index=True)
    width = max(6, len(str(len(frame))))
    ids = [f"INV-{i + 1:0{width}d}" for i in range(len(frame))]
    return frame.assign(invoice_id=ids)[[c.name for c in TABLES["invoices"].columns]]


def _plant_payment_archetypes(
    archetype: np.ndarray,
    issue: np.ndarray,
    due: np.ndarray,
    paid: np.ndarray,
    cal: _Calendar,
    terms: np.ndarray,
):
    """The non-payer stops paying 15 months before the end; one invoice 95 days overdue."""
    last = cal.days - 1
    stopped = (archetype == "non_payer") & (issue > last - 455)
    paid = np.where(stopped, np.nan, paid)
    once = np.flatnonzero(archetype == "overdue_once")
    if len(once):
        target_due = last - 95
        pick = once[np.argmin(np.abs(due[once] - target_due))]
        due, issue, paid = due.copy(), issue.copy(), paid.copy()
        due[pick], issue[pick], paid[pick] = target_due, target_due - terms[pick], np.nan
    return issue, due, paid


# ----------------------------------------------------------------------------- events, assessments


def _events(rng: np.random.Generator, profiles: pd.DataFrame, cal: _Calendar) -> pd.DataFrame:
    """Client-caused incidents and our own slips per client-year, plus the planted ones.

    Ordinary clients get Poisson counts at random dates; planted clients get their expected count
    spread evenly over their span (with jitter), so their signal shows in every quarter and seed.
    """
    start_all = profiles["active_start"].to_numpy()
    span_all = profiles["active_end"].to_numpy() - start_all + 1
    planted = profiles["archetype"].notna().to_numpy()
    client_kinds = [k for k in CLIENT_EVENT_KINDS if k != "abuse"]
    specs = [  # (rate per client-year, kinds, kind probabilities, severity probabilities)
        (
            profiles["incident_rate"].to_numpy(),
            client_kinds,
            [0.3, 0.2, 0.25, 0.15, 0.1],
            [0.6, 0.3, 0.1],
        ),
        (profiles["our_rate"].to_numpy(), list(OUR_EVENT_KINDS), [0.6, 0.4], [0.4, 0.4, 0.2]),
        (np.where(profiles["archetype"].eq("abuser"), 5.0, 0.0), ["abuse"], [1.0], [0.0, 0.5, 0.5]),
    ]
    frames = []
    for rate, kinds, kind_p, severity_p in specs:
        expected = rate * span_all / 365.25
        counts = np.where(planted, np.round(expected).astype("int64"), rng.poisson(expected))
        client = np.repeat(np.arange(len(profiles)), counts)
        rank = np.arange(len(client)) - np.repeat(np.cumsum(counts) - counts, counts)
        start, span = start_all[client], span_all[client]
        spread = (rank + 0.5 + rng.uniform(-0.4, 0.4, len(client))) / counts[client]
        where = np.where(planted[client], spread, rng.random(len(client)))
        day = start + np.floor(where * span).astype("int64")
        kind = rng.choice(len(kinds), size=len(client), p=kind_p)
        severity = rng.choice(np.array([1.0, 2.0, 3.0]), size=len(client), p=severity_p)
        notes = np.array([_NOTES[k] for k in kinds])
        note = notes[kind, rng.integers(0, 3, size=len(client))]
        frames.append(
            pd.DataFrame(
                {
                    "date": cal.dates(day),
                    "client_id": profiles["client_id"].to_numpy()[client],
                    "kind": np.array(kinds)[kind],
                    "severity": severity,
                    "note": note,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(
        ["date", "client_id", "kind"], kind="stable", ignore_index=True
    )


def _assessments(
    rng: np.random.Generator,
    profiles: pd.DataFrame,
    teams: np.ndarray,
    people: pd.DataFrame,
    cal: _Calendar,
    years: int,
) -> pd.DataFrame:
    """2-4 rounds a year per client, each by the owner and 1-3 others, scores 1-5."""
    n, p = len(profiles), len(people)
    rounds = rng.integers(2, 5, size=(n, years))
    client, year = np.repeat(np.arange(n), years), np.tile(np.arange(years), n)
    per = rounds.ravel()
    r_client, r_year = np.repeat(client, per), np.repeat(year, per)
    k = np.arange(len(r_client)) - np.repeat(np.cumsum(per) - per, per)
    year_start = cal.month_start[12 * r_year]
    year_len = cal.month_end[12 * r_year + 11] - year_start + 1
    day = year_start + np.floor((k + rng.random(len(k))) / np.repeat(per, per) * year_len)
    start = profiles["active_start"].to_numpy()[r_client]
    end = profiles["active_end"].to_numpy()[r_client]
    keep = (day >= start) & (day <= end)
    r_client, day = r_client[keep], day[keep].astype("int64")
    assessors = rng.integers(2, 5, size=len(r_client))  # owner + 1-3 others
    a_round = np.repeat(np.arange(len(r_client)), assessors)
    a_rank = np.arange(len(a_round)) - np.repeat(np.cumsum(assessors) - assessors, assessors)
    a_client = r_client[a_round]
    owner = teams[a_client, 0]
    base = rng.integers(0, p - 1, size=len(r_client))[a_round]
    assessor = np.where(a_rank == 0, owner, (owner + 1 + (base + a_rank - 1) % (p - 1)) % p)
    scores = _scores(rng, profiles, a_client, a_rank == 0)
    return pd.DataFrame(
        {
            "date": cal.dates(day[a_round]),
            "client_id": profiles["client_id"].to_numpy()[a_client],
            "assessor": people["person"].to_numpy()[assessor],
            **scores,
        }
    ).sort_values(["date", "client_id", "assessor"], kind="stable", ignore_index=True)


def _scores(
    rng: np.random.Generator, profiles: pd.DataFrame, client: np.ndarray, is_owner: np.ndarray
) -> dict[str, np.ndarray]:
    """Alignment, transparency, respect, fit around each client's quality; planted quirks."""
    archetype = profiles["archetype"].to_numpy()[client]
    quality = profiles["quality"].to_numpy()[client]
    out = {}
    for name in ("alignment", "transparency", "respect", "fit"):
        score = quality + rng.normal(0, 0.6, size=len(client))
        if name == "respect":
            score = np.where(archetype == "abuser", rng.uniform(0.6, 2.2, len(client)), score)
        disliked = (archetype == "owner_dislike") & is_owner
        score = np.where(disliked, rng.uniform(0.6, 2.4, len(client)), score)
        score = np.where(
            (archetype == "owner_dislike") & ~is_owner, rng.uniform(3.6, 5.4, len(client)), score
        )
        out[name] = np.clip(np.round(score), 1, 5)
    return out


def _fx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "currency": list(FX_RATES),
            "rate_to_base": list(FX_RATES.values()),
            "date": pd.Series([pd.NaT] * len(FX_RATES), dtype="datetime64[ns]"),
        }
    )


# ----------------------------------------------------------------------------- decisions


#: The partners' past decisions planted in a demo with archetypes: (client, action, days from
#: the start of the book's last year (negative: before it), note). Chosen so the outcomes differ:
#: a repricing that never moved the rate, a grower that grew, scope creep that went on, an
#: overrule of a prune candidate, a late payer and an overdue invoice decided on recently.
_DECISIONS = (
    ("c-sprout-1", "GROW", -230, "offer the analytics retainer"),
    ("c-creep", "RESCOPE", -42, "fixed scope and a change-request fee"),
    ("c-hog", "REPRICE", 44, "raise the rate card at renewal"),
    ("c-late-1", "INVOICE_MORE_OFTEN", 226, "monthly invoices from September"),
    ("c-weed-3", "KEEP", 264, "the founder referred three clients; look again mid-2026"),
    ("c-overdue-once", "COLLECT", 361, "call their finance office"),
)
KEEP_MONTHS = 6  # the demo's KEEP overrule holds this long after the book's last day


def _decisions(tables: dict[str, pd.DataFrame], start: str, years: int) -> pd.DataFrame:
    """A few past decisions of the partners (the journal), derived from the generated tables
    without drawing a number: planted only with the archetypes and at least two years of history.
    One ordinary client that went quiet before the last two quarters is the pruned one (decided
    60 days before its last hours)."""
    columns = [c.name for c in TABLES["decisions"].columns]
    clients = tables["clients"]
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns}).astype(
        {"date": "datetime64[ns]", "until": "datetime64[ns]"}
    )
    if years < 2 or not set(ARCHETYPES) <= set(clients["client_id"]):
        return empty
    end = (parse_quarter(start) + 4 * years - 1).end_time.normalize()
    last_year = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    owner = clients.set_index("client_id")["owner"]
    rows = [
        {
            "date": last_year + pd.Timedelta(days=days),
            "client_id": client,
            "action": action,
            "decided_by": owner[client],
            "note": note,
            "until": end + pd.DateOffset(months=KEEP_MONTHS) if action == "KEEP" else pd.NaT,
        }
        for client, action, days, note in _DECISIONS
    ]
    quiet = pd.concat(
        [
            tables["time_entries"].groupby("client_id")["date"].max().rename("hours"),
            tables["invoices"].groupby("client_id")["issue_date"].max().rename("invoice"),
        ],
        axis=1,
    )
    cutoff = end - pd.DateOffset(months=6)
    quiet = quiet[
        ~quiet.index.isin(list(ARCHETYPES))
        & (quiet["hours"] <= cutoff)
        & (quiet["invoice"] <= cutoff)
        & (quiet["hours"] >= last_year - pd.DateOffset(years=1))
    ].sort_values(["hours", "invoice"], kind="stable")
    if len(quiet):
        client = str(quiet.index[-1])
        rows.append(
            {
                "date": quiet["hours"].iloc[-1] - pd.Timedelta(days=60),
                "client_id": client,
                "action": "PRUNE",
                "decided_by": owner[client],
                "note": "bottom of the book; hand over by the end of the quarter",
                "until": pd.NaT,
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["date", "client_id"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- public


def generate_book(
    *,
    clients: int = 150,
    years: int = 3,
    seed: int = 7,
    start: str = "2023Q1",
    entries: int | None = None,
    invoices: int | None = None,
) -> dict[str, pd.DataFrame]:
    """The demo book as canonical tables (exactly the columns of ``helpers.book.schema.TABLES``).

    ``entries``/``invoices`` set the total counts of time entries and invoices (for benchmark
    books); by default they follow from the clients' hours and billing periods.
    """
    _check_args(clients, years, entries, invoices)
    rng = np.random.default_rng(seed)
    cal = _calendar(start, years)
    people = _people(rng, clients)
    profiles = _profiles(rng, clients, len(people), cal)
    teams = _teams(rng, profiles, len(people))
    months = _client_months(rng, profiles, cal)
    tables = {
        "clients": _clients_table(profiles, people, cal),
        "people": people,
        "time_entries": _time_entries(rng, profiles, months, teams, people, cal, entries),
        "invoices": _invoices(rng, profiles, months, cal, invoices),
        "events": _events(rng, profiles, cal),
        "assessments": _assessments(rng, profiles, teams, people, cal, years),
        "fx": _fx(),
    }
    tables["decisions"] = _decisions(tables, start, years)
    return {
        name: frame[[c.name for c in TABLES[name].columns if c.name in frame]].reset_index(
            drop=True
        )  # the demo book invoices its clients: no billable_amount on its time entries
        for name, frame in tables.items()
    }


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """Dates as ``date32`` (ISO, blanks empty); everything else as pyarrow infers."""
    columns = {}
    for name, col in frame.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            columns[name] = pa.array(
                col.to_numpy().astype("datetime64[D]"), type=pa.date32(), mask=col.isna().to_numpy()
            )
        else:
            columns[name] = pa.array(col.to_numpy(), from_pandas=True)
    return pa.table(columns)


def write_sample(out: str | Path, **options) -> Path:
    """Generate the book (:func:`generate_book`'s keyword options: ``clients``, ``years``,
    ``seed``, ``start``, ``entries``, ``invoices``) and write ``<table>.csv`` files (UTF-8, ISO
    dates) into ``out``."""
    book = generate_book(**options)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = pacsv.WriteOptions(quoting_style="needed", quoting_header="none")
    for name, frame in book.items():
        pacsv.write_csv(_arrow_table(frame), out / f"{name}.csv", written)
    return out
