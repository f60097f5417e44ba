"""The demo book generator: deterministic, valid, scalable, and its planted archetypes visible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import BLANK_OPTIONAL, load_book
from helpers.book.sample import ARCHETYPES, generate_book, write_sample
from helpers.book.schema import TABLES
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.errors import PumpkinError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SMALL = dict(clients=50, years=1)  # 50 >= the planting threshold, so archetypes are in
CLIENT_KINDS = ["scope_creep", "after_hours", "rush", "complaint", "dispute", "abuse"]


@pytest.fixture(scope="module")
def demo():
    """The committed demo book, loaded once."""
    return load_book(SAMPLE, settings=Settings())


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


# ----------------------------------------------------------------------------- generator


def test_same_arguments_give_identical_files_and_another_seed_differs(tmp_path):
    first = _files(write_sample(tmp_path / "a", **SMALL, seed=3))
    again = _files(write_sample(tmp_path / "b", **SMALL, seed=3))
    other = _files(write_sample(tmp_path / "c", **SMALL, seed=4))
    assert set(first) == {f"{name}.csv" for name in TABLES}
    assert first == again
    assert first["time_entries.csv"] != other["time_entries.csv"]
    assert first["invoices.csv"] != other["invoices.csv"]


def test_tables_have_exactly_the_canonical_columns():
    book = generate_book(**SMALL)
    assert set(book) == set(TABLES)
    for name, frame in book.items():
        # the demo invoices every client: its time entries carry no billable_amount (optional)
        canonical = [c.name for c in TABLES[name].columns if c.name not in BLANK_OPTIONAL]
        assert list(frame.columns) == canonical, name
        required = TABLES[name].required_columns
        assert frame[required].notna().all().all(), name


def test_small_book_loads_with_zero_rejects_and_stays_inside_its_dates(tmp_path):
    book = load_book(
        write_sample(tmp_path / "book", clients=40, years=1, seed=11), settings=Settings()
    )
    assert len(book.rejects) == 0
    assert book.reconciliation()["balanced"].all()
    first, last = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31")
    assert book.time_entries["date"].between(first, last).all()
    assert book.invoices["issue_date"].between(first, last).all()
    assert (book.invoices["paid_date"].dropna() <= last).all()  # paid later = unpaid at export
    assert (book.invoices["due_date"] >= book.invoices["issue_date"]).all()
    assert book.events["date"].between(first, last).all()
    assert len(book.clients) == 40
    assert not set(ARCHETYPES) & set(book.clients["client_id"])  # too small to plant


def test_start_quarter_moves_the_calendar():
    book = generate_book(clients=40, years=1, start="2024Q3")
    dates = book["time_entries"]["date"]
    assert dates.min() >= pd.Timestamp("2024-07-01")
    assert dates.max() <= pd.Timestamp("2025-06-30")


def test_entry_and_invoice_targets_set_the_counts():
    small = generate_book(**SMALL, entries=6_000, invoices=400)
    large = generate_book(**SMALL, entries=12_000, invoices=800)
    assert len(small["time_entries"]) == 6_000
    assert len(large["time_entries"]) == 12_000
    assert len(small["invoices"]) == pytest.approx(400, abs=4)
    assert len(large["invoices"]) == pytest.approx(800, abs=8)
    # the same work is cut finer: total hours stay about the same
    ratio = large["time_entries"]["hours"].sum() / small["time_entries"]["hours"].sum()
    assert ratio == pytest.approx(1.0, abs=0.05)
    assert large["time_entries"]["hours"].between(0.25, 24).all()


def test_planted_ids_are_fixed_across_seeds():
    for seed in (1, 2):
        ids = set(generate_book(**SMALL, seed=seed)["clients"]["client_id"])
        assert set(ARCHETYPES) <= ids


@pytest.mark.parametrize(
    "options",
    [dict(clients=0), dict(years=0), dict(entries=0), dict(invoices=-5), dict(start="2023-01")],
)
def test_bad_arguments_are_clear_errors(options):
    with pytest.raises(PumpkinError):
        generate_book(**options)


def test_cli_writes_the_book(tmp_path, capsys):
    out = tmp_path / "cli"
    argv = ["sample", "--clients", "40", "--years", "1", "--seed", "5", "--out", str(out)]
    assert main(argv) == 0
    assert "wrote a demo book" in capsys.readouterr().out
    assert _files(out) == _files(write_sample(tmp_path / "api", clients=40, years=1, seed=5))


# ----------------------------------------------------------------------------- the demo book


def test_committed_demo_equals_a_fresh_generation(tmp_path):
    fresh = _files(write_sample(tmp_path / "fresh"))
    committed = _files(SAMPLE)
    assert sorted(committed) == sorted(fresh)
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, f"data/sample is stale; run `pumpkin sample --out data/sample` ({drifted})"


def test_demo_loads_with_zero_rejects_and_is_realistic(demo):
    assert len(demo.rejects) == 0
    clients = demo.clients
    assert len(clients) == 150 and len(demo.people) == 15
    assert clients["name"].is_unique
    assert clients["name"].map(str.isascii).eq(False).any()
    assert clients["name"].str.contains("&").any() and clients["name"].str.contains("'").any()
    assert set(clients["size"]) == {"small", "medium", "large"}
    assert 6 <= clients["industry"].nunique() <= 8
    assert clients["owner"].isin(demo.people["person"]).all()
    assert demo.people["cost_rate"].between(40, 110).all()
    assert {"EUR", "GBP"} <= set(demo.invoices["currency"]) and set(demo.fx["currency"]) >= {
        "EUR",
        "GBP",
    }
    hours = demo.time_entries["hours"]
    non_billable = hours[~demo.time_entries["billable"].astype(bool)].sum() / hours.sum()
    assert 0.10 <= non_billable <= 0.20
    total = sum(p.stat().st_size for p in SAMPLE.glob("*.csv"))
    assert total < 5_000_000


def test_demo_has_seedlings_and_churned_clients(demo):
    span = demo.time_entries.groupby("client_id")["date"].agg(["min", "max"])
    assert (span["min"] >= pd.Timestamp("2023-07-01")).sum() >= 3  # started inside the book
    assert (span["max"] <= pd.Timestamp("2025-06-30")).sum() >= 3  # stopped inside the book


def _year(frame: pd.DataFrame, column: str, year: int) -> pd.DataFrame:
    return frame[frame[column].dt.year == year]


def _revenue_per_hour(demo, client_id: str, year: int) -> float:
    invoices = _year(demo.invoices, "issue_date", year)
    entries = _year(demo.time_entries, "date", year)
    revenue = invoices.loc[invoices["client_id"] == client_id, "amount_base"].sum()
    return revenue / entries.loc[entries["client_id"] == client_id, "hours"].sum()


def _ids(archetype: str) -> list[str]:
    return [c for c, a in ARCHETYPES.items() if a == archetype]


def _days_late(demo, client_id: str) -> pd.Series:
    paid = demo.invoices[
        (demo.invoices["client_id"] == client_id) & demo.invoices["paid_date"].notna()
    ]
    return (paid["paid_date"] - paid["due_date"]).dt.days


def _unpaid_over_90(demo, client_id: str, day: str) -> pd.DataFrame:
    as_of = pd.Timestamp(day)
    inv = demo.invoices[demo.invoices["client_id"] == client_id]
    unpaid = inv["paid_date"].isna() | (inv["paid_date"] > as_of)
    return inv[unpaid & (inv["due_date"] < as_of - pd.Timedelta(days=90))]


def test_every_archetype_is_planted_in_the_demo(demo):
    assert set(ARCHETYPES) <= set(demo.clients["client_id"])
    assert len(set(ARCHETYPES.values())) == 12


def test_bully_abuses_our_people_every_year_and_pays_well(demo):
    abuse = demo.events[(demo.events["client_id"] == "c-bully") & (demo.events["kind"] == "abuse")]
    assert set(abuse["date"].dt.year) == {2023, 2024, 2025}
    assert demo.events.loc[demo.events["kind"] == "abuse", "client_id"].eq("c-bully").all()
    revenue = demo.invoices.groupby("client_id")["amount_base"].sum()
    assert revenue["c-bully"] > revenue.quantile(0.9)


def test_giant_is_large_rich_and_pays_40_to_60_days_late(demo):
    client = demo.clients.set_index("client_id").loc["c-giant"]
    assert client["size"] == "large"
    late = _days_late(demo, "c-giant")
    assert 40 <= late.mean() <= 60 and late.min() > 30
    assert _unpaid_over_90(demo, "c-giant", "2025-12-31").empty  # late, but pays
    revenue = _year(demo.invoices, "issue_date", 2025).groupby("client_id")["amount_base"].sum()
    assert revenue["c-giant"] >= revenue.nlargest(5).min()


def test_small_late_payers_pay_20_to_40_days_late(demo):
    sizes = demo.clients.set_index("client_id")["size"]
    for client_id in _ids("small_late_payer"):
        assert sizes[client_id] in ("small", "medium")
        assert 20 <= _days_late(demo, client_id).mean() <= 40, client_id


def test_hours_hog_earns_less_per_hour_than_our_people_cost(demo):
    mean_cost = demo.people["cost_rate"].mean()
    for year in (2023, 2024, 2025):
        assert _revenue_per_hour(demo, "c-hog", year) < 0.6 * mean_cost
    revenue = demo.invoices.groupby("client_id")["amount_base"].sum()
    assert revenue["c-hog"] > revenue.quantile(0.9)  # a big client


def test_fast_growers_are_small_and_grow_over_50_percent_a_year(demo):
    sizes = demo.clients.set_index("client_id")["size"]
    revenue = demo.invoices.assign(year=demo.invoices["issue_date"].dt.year).pivot_table(
        index="client_id", columns="year", values="amount_base", aggfunc="sum"
    )
    for client_id in _ids("fast_grower"):
        assert sizes[client_id] == "small"
        assert revenue.at[client_id, 2025] / revenue.at[client_id, 2024] - 1 > 0.5
        assert revenue.at[client_id, 2024] / revenue.at[client_id, 2023] - 1 > 0.5


def test_disliked_client_is_rated_low_by_its_owner_only(demo):
    owner = demo.clients.set_index("client_id").at["c-disliked", "owner"]
    rows = demo.assessments[demo.assessments["client_id"] == "c-disliked"]
    scores = rows[["alignment", "transparency", "respect", "fit"]].mean(axis=1)
    by_owner = rows["assessor"] == owner
    assert by_owner.sum() >= 6 and (~by_owner).sum() >= 6
    assert scores[by_owner].max() <= 2
    assert scores[~by_owner].min() >= 4


def test_rework_clients_suffer_our_own_slips_every_year(demo):
    ours = demo.events[demo.events["caused_by"] == "us"]
    for client_id in _ids("our_rework"):
        mine = ours[ours["client_id"] == client_id]
        for year in (2023, 2024, 2025):
            assert _year(mine, "date", year)["severity"].sum() >= 3, (client_id, year)


def test_scope_creeper_piles_up_scope_rush_and_after_hours(demo):
    events = demo.events[
        (demo.events["client_id"] == "c-creep")
        & demo.events["kind"].isin(["scope_creep", "rush", "after_hours"])
    ]
    for year in (2023, 2024, 2025):
        assert _year(events, "date", year)["severity"].sum() >= 10, year


def test_non_payer_is_small_and_over_90_days_past_due_at_2025_quarter_ends(demo):
    assert demo.clients.set_index("client_id").at["c-nonpayer", "size"] == "small"
    for day in ("2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"):
        assert len(_unpaid_over_90(demo, "c-nonpayer", day)) >= 1, day
    late = _unpaid_over_90(demo, "c-nonpayer", "2025-12-31")
    assert late["paid_date"].isna().all()  # never paid


def test_overdue_once_client_is_95_days_overdue_at_the_end_only(demo):
    at_end = _unpaid_over_90(demo, "c-overdue-once", "2025-12-31")
    assert len(at_end) == 1
    assert (pd.Timestamp("2025-12-31") - at_end["due_date"].iloc[0]).days == 95
    for day in ("2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30"):
        assert _unpaid_over_90(demo, "c-overdue-once", day).empty, day
    assert _days_late(demo, "c-overdue-once").mean() <= 0  # otherwise pays on time


def test_weeds_bring_little_money_for_many_hours(demo):
    revenue = _year(demo.invoices, "issue_date", 2025).groupby("client_id")["amount_base"].sum()
    mean_cost = demo.people["cost_rate"].mean()
    for client_id in _ids("weed"):
        assert revenue[client_id] < revenue.median()
        assert _revenue_per_hour(demo, client_id, 2025) < 0.5 * mean_cost


def test_prize_clients_are_profitable_punctual_and_aligned(demo):
    mean_cost = demo.people["cost_rate"].mean()
    revenue = _year(demo.invoices, "issue_date", 2025).groupby("client_id")["amount_base"].sum()
    hours = _year(demo.time_entries, "date", 2025).groupby("client_id")["hours"].sum()
    rates = (revenue / hours).dropna()
    for client_id in _ids("prize"):
        assert rates[client_id] > max(2.5 * mean_cost, rates.quantile(0.9))
        assert _days_late(demo, client_id).max() <= 0
        client_events = demo.events[
            (demo.events["client_id"] == client_id) & demo.events["kind"].isin(CLIENT_KINDS)
        ]
        assert client_events.empty
        rows = demo.assessments[demo.assessments["client_id"] == client_id]
        assert rows[["alignment", "transparency", "respect", "fit"]].to_numpy().mean() >= 4.2
