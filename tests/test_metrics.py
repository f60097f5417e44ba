"""The measured metric contract on a small hand-made book, every value computed by hand here.

Quarter 2025Q2: as_of 2025-06-30, TTM 2024-07-01..2025-06-30, prior 2023-07-01..2024-06-30.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.audit.measures import CONTRACT_COLUMNS, segment_counts, whale_curve
from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.decide.contract import (
    client_metrics,
    metrics_for_quarters,
    raw_metrics,
    segment_movement,
)
from helpers.errors import PumpkinError

QUARTER = "2025Q2"


def write_book(folder: Path, tables: dict[str, list[dict]]) -> Path:
    """Write each table as CSV (all columns as text) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def invoice(iid, client, issue, due, amount, paid="", currency=""):
    return {
        "invoice_id": iid,
        "client_id": client,
        "issue_date": issue,
        "due_date": due,
        "amount": amount,
        "currency": currency,
        "paid_date": paid,
    }


def assessment(date, client, who, a, t, r, f):
    return {
        "date": date,
        "client_id": client,
        "assessor": who,
        "alignment": a,
        "transparency": t,
        "respect": r,
        "fit": f,
    }


HAND_BOOK = {
    "clients": [
        {"client_id": "A", "name": "Alpha", "industry": "Retail", "size": "small", "owner": "Ann"},
        {"client_id": "B", "name": "Beta", "industry": "Media", "size": "large", "owner": "Bob"},
        {"client_id": "C", "name": "Gamma", "industry": "Media", "size": "medium", "owner": "Bob"},
        {"client_id": "D", "name": "Delta", "industry": "Retail", "size": "small", "owner": "Ann"},
    ],
    "people": [{"person": "Ann", "cost_rate": 50}, {"person": "Bob", "cost_rate": 40}],
    "fx": [{"currency": "EUR", "rate_to_base": 1.1}],
    "time_entries": [
        {"date": "2025-05-10", "client_id": "A", "person": "Ann", "hours": 10, "billable": "true"},
        {"date": "2025-01-15", "client_id": "A", "person": "Bob", "hours": 5, "billable": "false"},
        {"date": "2024-05-01", "client_id": "A", "person": "Ann", "hours": 8, "billable": "true"},
        # Cat is not in people: the default cost rate (60) applies
        {"date": "2024-12-01", "client_id": "C", "person": "Cat", "hours": 20, "billable": "true"},
        {"date": "2025-07-01", "client_id": "C", "person": "Cat", "hours": 7, "billable": "true"},
    ],
    "invoices": [
        invoice("I1", "A", "2025-04-15", "2025-05-15", 1000, paid="2025-05-25"),  # 10 days late
        invoice("I2", "A", "2024-09-01", "2024-10-01", 500, paid="2024-10-01", currency="EUR"),
        invoice("I3", "A", "2025-05-01", "2025-05-31", -100, paid="2025-05-01"),  # credit note
        invoice("I4", "A", "2025-06-01", "2025-07-01", 200),  # unpaid, not yet due
        invoice("I5", "A", "2025-03-01", "2025-03-31", 300, paid="2025-07-20"),  # paid after as_of
        invoice("I6", "A", "2024-03-01", "2024-03-31", 400, paid="2024-04-10"),  # prior window
        invoice("I7", "B", "2024-01-01", "2024-01-31", 50),  # old, never paid
        invoice("D1", "D", "2025-05-01", "2025-06-10", 10),  # 20 days past due
        invoice("D2", "D", "2025-04-01", "2025-05-01", 20),  # 60 days past due
        invoice("D3", "D", "2025-03-01", "2025-04-01", 40),  # 90 days past due
        invoice("D4", "D", "2025-06-01", "2025-06-30", 80),  # due on as_of: current
    ],
    "events": [
        {"date": "2025-02-01", "client_id": "A", "kind": "scope_creep", "severity": 2},
        {"date": "2025-03-01", "client_id": "A", "kind": "rework", "severity": 3},
        {"date": "2024-06-15", "client_id": "A", "kind": "complaint", "severity": 1},
        {"date": "2025-04-01", "client_id": "C", "kind": "abuse", "severity": 3},
    ],
    "assessments": [
        assessment("2025-01-10", "A", "Ann", 2, 2, 2, 2),  # the owner: mean 2
        assessment("2025-02-10", "A", "Bob", 4, 4, 5, 5),  # someone else: mean 4.5
        assessment("2024-01-01", "A", "Bob", 1, 1, 1, 1),  # before the TTM window
    ],
}


@pytest.fixture(scope="module")
def hand_book(tmp_path_factory):
    return load_book(write_book(tmp_path_factory.mktemp("hand"), HAND_BOOK), settings=Settings())


@pytest.fixture(scope="module")
def raw(hand_book):
    return raw_metrics(hand_book, QUARTER, settings=Settings()).set_index("client_id")


def test_one_row_per_client_with_identity_columns(raw):
    assert list(raw.index) == ["A", "B", "C", "D"]
    assert (raw["quarter"] == QUARTER).all()
    assert raw.loc["A", "name"] == "Alpha" and raw.loc["B", "size"] == "large"
    assert raw.loc["C", "owner"] == "Bob" and raw.loc["D", "industry"] == "Retail"


def test_revenue_with_credit_notes_fx_and_windows(raw):
    # quarter: I1 1000 + credit note -100 + I4 200 (issued in the quarter, not yet due)
    assert raw.loc["A", "revenue_q"] == pytest.approx(1000 - 100 + 200)
    # TTM adds I2 (500 EUR at 1.1) and I5 (March); I6 is in the prior window
    assert raw.loc["A", "revenue_ttm"] == pytest.approx(1100 + 500 * 1.1 + 300)
    assert raw.loc["A", "revenue_prior"] == pytest.approx(400)
    assert raw.loc["A", "growth_ttm"] == pytest.approx((1100 + 550 + 300) / 400 - 1)
    assert raw.loc["D", "revenue_q"] == pytest.approx(20 + 10 + 80)
    assert raw.loc["D", "revenue_ttm"] == pytest.approx(150)
    total = 1950 + 150
    assert raw.loc["A", "revenue_share"] == pytest.approx(1950 / total)
    assert raw.loc["C", "revenue_share"] == 0


def test_no_prior_revenue_leaves_growth_empty(raw):
    assert math.isnan(raw.loc["C", "growth_ttm"]) and math.isnan(raw.loc["D", "growth_ttm"])


def test_hours_cost_margin_and_rate(raw):
    a = raw.loc["A"]
    assert a["hours_ttm"] == 15  # the 2024-05-01 entry is before the TTM window
    assert a["non_billable_share"] == pytest.approx(5 / 15)
    assert a["labour_cost_ttm"] == pytest.approx(10 * 50 + 5 * 40)
    assert a["margin_ttm"] == pytest.approx(1950 - 700)
    assert a["effective_rate_ttm"] == pytest.approx(1950 / 15)
    c = raw.loc["C"]  # the 2025-07-01 entry is after as_of
    assert c["hours_ttm"] == 20 and c["labour_cost_ttm"] == pytest.approx(20 * 60)
    assert c["margin_ttm"] == pytest.approx(-1200) and c["effective_rate_ttm"] == 0


def test_no_hours_gives_zero_share_and_empty_rate(raw):
    for client in ("B", "D"):
        assert raw.loc[client, "hours_ttm"] == 0
        assert raw.loc[client, "non_billable_share"] == 0
        assert math.isnan(raw.loc[client, "effective_rate_ttm"])
        assert pd.isna(raw.loc[client, "rate_rank"])
        assert math.isnan(raw.loc[client, "rate_percentile"])


def test_rate_rank_and_percentile_among_clients_with_hours(raw):
    assert raw.loc["A", "rate_rank"] == 1 and raw.loc["C", "rate_rank"] == 2
    assert raw.loc["A", "rate_percentile"] == 100 and raw.loc["C", "rate_percentile"] == 50


def test_lateness_is_point_in_time_and_amount_weighted(raw):
    # A: I1 10 days (1000), I2 on time (550), I5 paid after as_of so late until as_of: 91 days
    # (300); the credit note and I4 (due after as_of) do not count.
    assert raw.loc["A", "days_late_avg"] == pytest.approx((10 * 1000 + 0 * 550 + 91 * 300) / 1850)
    assert raw.loc["A", "late_share"] == pytest.approx(2 / 3)
    # D: 20, 60, 90 and 0 days on 10, 20, 40, 80
    assert raw.loc["D", "days_late_avg"] == pytest.approx((200 + 1200 + 3600) / 150)
    assert raw.loc["D", "late_share"] == pytest.approx(3 / 4)
    # no invoice due in the TTM window: 0
    assert raw.loc["B", "days_late_avg"] == 0 and raw.loc["B", "late_share"] == 0


def test_aging_buckets_and_overdue(raw):
    d = raw.loc["D"]
    assert (d["aging_current"], d["aging_1_30"], d["aging_31_60"], d["aging_61_90"]) == (
        80,
        10,
        20,
        40,
    )
    assert d["aging_90_plus"] == 0 and d["overdue_amount"] == 10 + 20 + 40
    a = raw.loc["A"]  # I4 not yet due; I5 91 days past due at as_of (paid only afterwards)
    assert a["aging_current"] == 200 and a["aging_90_plus"] == 300 and a["overdue_amount"] == 300
    assert a["oldest_overdue_invoice"] == "I5" and a["oldest_overdue_days"] == 91
    b = raw.loc["B"]  # an invoice of any date counts
    assert b["overdue_amount"] == 50 and b["aging_90_plus"] == 50


def test_overdue_90_quarters_counts_quarter_ends_above_the_floor(hand_book, raw):
    assert raw.loc["A", "overdue_90_quarters"] == 1  # only at 2025-06-30
    assert raw.loc["B", "overdue_90_quarters"] == 0  # 50 is under the default floor of 100
    no_floor = raw_metrics(hand_book, QUARTER, settings=Settings(collect_floor=0)).set_index(
        "client_id"
    )
    assert no_floor.loc["B", "overdue_90_quarters"] == 4


def test_incidents_and_our_own_events(raw):
    assert raw.loc["A", "incidents_ttm"] == 2  # the complaint is before the window
    assert raw.loc["A", "rescope_severity_ttm"] == 2
    assert raw.loc["A", "delivery_severity_ttm"] == 3  # rework is ours, not an incident
    assert raw.loc["C", "incidents_ttm"] == 3 and raw.loc["C", "abuse_ttm"] == 1


def test_alignment_owner_and_others(raw):
    assert raw.loc["A", "alignment_score"] == pytest.approx((2 + 4.5) / 2)
    assert raw.loc["A", "owner_rating"] == 2 and raw.loc["A", "others_rating"] == 4.5
    assert math.isnan(raw.loc["B", "alignment_score"])


def test_activity_flag(raw):
    assert raw["active"].to_dict() == {"A": True, "B": False, "C": True, "D": True}


def test_billable_time_gets_the_run_rate_an_invoiced_client_gets_from_the_same_amounts(tmp_path):
    """One run-rate: a client valued by its billable time is forecast by the run-rate method
    (helpers.forecast.forecasters.run_rate_revenue) exactly as an invoiced client with the same
    dated amounts, discounted the same way."""
    billed = {"2024-05-20": 400, "2024-11-04": 250, "2025-02-10": 300, "2025-03-03": 150}
    entries, invoices = [], []
    for k, (day, amount) in enumerate(billed.items()):
        entry = {"date": day, "person": "Ann", "hours": 5, "billable": "true"}
        entries.append(entry | {"client_id": "timed", "billable_amount": amount})
        entries.append(entry | {"client_id": "invoiced", "billable_amount": ""})
        invoices.append(invoice(f"I{k}", "invoiced", day, day, amount, paid=day))
    clients = [{"client_id": c, "name": c.title(), "size": "small"} for c in ("invoiced", "timed")]
    tables = {"clients": clients, "time_entries": entries, "invoices": invoices}
    book = load_book(write_book(tmp_path / "b", tables), settings=Settings())
    # by hand: the TTM (2024-07-01..2025-06-30) billed 700; first bill 58 weeks before as_of (a
    # year old: no annualising); last bill 17 weeks before as_of, 3 1/3 weeks beyond its usual
    # 41 / 3 weeks between bills: halved per 52 such weeks; 5 quarters of history: no trend
    lapse = 0.5 ** ((17 - 41 / 3) / 52)
    for rate in (0.0, 0.25):
        metrics = client_metrics(book, QUARTER, settings=Settings(discount_rate=rate)).set_index(
            "client_id"
        )
        assert metrics["revenue_source"].tolist() == ["invoices", "billable time"]
        assert metrics["potential_method"].tolist() == ["run-rate", "run-rate"]
        got = metrics["expected_revenue_next_4q"]
        discount = sum((1 + rate) ** -((k + 0.5) / 4) for k in range(4)) / 4
        assert got["timed"] == pytest.approx(700 * lapse * discount)
        assert got["invoiced"] == pytest.approx(got["timed"])


def test_client_metrics_has_the_whole_contract(hand_book):
    metrics = client_metrics(hand_book, QUARTER, settings=Settings())
    assert list(metrics.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert metrics["expected_revenue_next_4q"].ge(0).all()
    assert metrics["potential_method"].notna().all()
    active = metrics["active"].astype(bool)
    assert metrics.loc[active, "value_score"].between(0, 100).all()
    assert metrics.loc[active, "headache_score"].between(0, 100).all()
    assert metrics.loc[~active, ["value_score", "headache_score"]].isna().all().all()
    assert set(metrics["segment"]) <= {"prize", "tangled", "seedling", "weed", "gone"}
    by_id = metrics.set_index("client_id")
    assert by_id.loc["C", "prune"] and "abuse" in by_id.loc["C", "reasons"]
    assert by_id.loc["B", "actions"] == "KEEP" and by_id.loc["B", "segment"] == "gone"
    assert "no hours and no invoices" in by_id.loc["B", "reasons"]


def test_bad_quarter_is_a_clear_error(hand_book):
    with pytest.raises(PumpkinError, match="quarter"):
        raw_metrics(hand_book, "2025-Q2", settings=Settings())


def test_whale_curve_ranks_by_margin_with_cumulative_shares():
    metrics = pd.DataFrame(
        {"client_id": ["x", "y", "z"], "name": ["X", "Y", "Z"], "margin_ttm": [10.0, 60.0, -20.0]}
    )
    curve = whale_curve(metrics)
    assert curve["client_id"].tolist() == ["y", "x", "z"]
    assert curve["rank"].tolist() == [1, 2, 3]
    assert np.allclose(curve["cumulative_margin_share"], [60 / 50, 70 / 50, 50 / 50])
    assert np.allclose(curve["cumulative_client_share"], [1 / 3, 2 / 3, 1])


def test_segment_counts_lists_every_segment():
    metrics = pd.DataFrame(
        {
            "client_id": ["a", "b", "c"],
            "segment": pd.Categorical(
                ["prize", "prize", "weed"], categories=["prize", "tangled", "seedling", "weed"]
            ),
            "revenue_ttm": [10.0, 20.0, 5.0],
            "margin_ttm": [1.0, 2.0, -1.0],
            "hours_ttm": [1.0, 1.0, 1.0],
        }
    )
    counts = segment_counts(metrics).set_index("segment")
    assert counts["clients"].to_dict() == {
        "prize": 2, "tangled": 0, "seedling": 0, "weed": 1, "gone": 0
    }  # fmt: skip
    assert counts.loc["prize", "revenue_ttm"] == 30 and counts.loc["weed", "share"] == 1 / 3
    # the clients who left are counted, but outside the segment shares
    gone = metrics.assign(segment=pd.Categorical(["prize", "gone", "weed"]))
    counts = segment_counts(gone).set_index("segment")
    assert counts.loc["gone", "clients"] == 1 and np.isnan(counts.loc["gone", "share"])
    assert counts.loc["prize", "share"] == counts.loc["weed", "share"] == 1 / 2


def test_metrics_for_quarters_and_movement(hand_book):
    quarters = ["2025Q1", "2025Q2"]
    long = metrics_for_quarters(hand_book, quarters, settings=Settings())
    assert len(long) == 2 * 4 and set(long["quarter"]) == set(quarters)
    single = client_metrics(hand_book, "2025Q1", settings=Settings())
    first = long[long["quarter"] == "2025Q1"].reset_index(drop=True)
    pd.testing.assert_series_equal(first["revenue_ttm"], single["revenue_ttm"])
    moves = segment_movement(hand_book, quarters, settings=Settings())
    assert moves["count"].sum() == 4
    assert set(moves.columns) >= {"from_segment", "to_segment", "count"}
    per_client = segment_movement(hand_book, quarters, settings=Settings(), per_client=True)
    assert len(per_client) == 4
    q1 = first.set_index("client_id")["segment"]
    assert per_client.set_index("client_id")["from_segment"].to_dict() == q1.astype(str).to_dict()


def test_prior_covered_says_whether_the_book_reaches_back_over_the_prior_window(tmp_path):
    clients = [{"client_id": "A", "name": "A"}]
    entries = [{"date": "2024-09-02", "client_id": "A", "person": "p", "hours": 1}]
    late_start = [invoice("I1", "A", "2024-09-01", "2024-10-01", 100)]  # inside the TTM window
    early = [invoice("I0", "A", "2023-07-03", "2023-08-01", 100), *late_start]
    for invoices, covered in ((late_start, False), (early, True)):
        tables = {"clients": clients, "time_entries": entries, "invoices": invoices}
        book = load_book(write_book(tmp_path / str(covered), tables), settings=Settings())
        assert raw_metrics(book, QUARTER, settings=Settings())["prior_covered"].tolist() == [
            covered
        ]


def test_measures_for_the_independent_axes_and_the_rules(raw):
    a = raw.loc["A"]
    # alignment, transparency, fit: Ann 2, 2, 2 and Bob 4, 4, 5 in the TTM window
    assert a["fit_rating"] == pytest.approx((2 + 13 / 3) / 2)
    assert a["fit_rating_others"] == pytest.approx(13 / 3)
    assert a["respect_rating"] == pytest.approx((2 + 5) / 2)
    # client-caused severity 2 (the complaint is before the window) over 15 hours
    assert a["incidents_per_100h"] == pytest.approx(2 * 100 / 15)
    assert raw.loc["C", "incidents_per_100h"] == pytest.approx(3 * 100 / 20)
    # invoices of 2024-09-01, 2025-03-01, 2025-04-15, 2025-06-01: 273 days over 3 gaps
    assert a["invoice_interval_days"] == pytest.approx(273 / 3)
    assert raw.loc["D", "invoice_interval_days"] == pytest.approx(92 / 3)
    # more than 60 days past due: D3 (90 days) but not D2 (60 days); B's old invoice
    assert raw.loc["D", "overdue_60_plus"] == pytest.approx(40)
    assert raw.loc["B", "overdue_60_plus"] == pytest.approx(50)
    assert raw.loc["B", "last_activity"] == pd.Timestamp("2024-01-01")
    assert raw.loc["C", "last_activity"] == pd.Timestamp("2024-12-01")  # July is after as_of


def test_fix_reasons_say_since_when_from_the_quarters_before(hand_book):
    metrics = client_metrics(hand_book, QUARTER, settings=Settings()).set_index("client_id")
    a = metrics.loc["A"]
    # the rework (severity 3, 2025-03-01) and the owner's low rating (2025-01-10) first count
    # at the end of 2025Q1
    assert a["since_improve_delivery"] == "2025Q1" and a["since_reassign_owner"] == "2025Q1"
    assert metrics["since_rescope"].isna().all()  # RESCOPE holds for nobody
    if "IMPROVE_DELIVERY" in a["actions"].split(";"):
        assert "(since 2025Q1)" in a["reasons"]


def test_clients_who_left_with_what_preceded_it(hand_book):
    from helpers.audit.rules import clients_who_left

    metrics = client_metrics(hand_book, QUARTER, settings=Settings())
    left = clients_who_left(hand_book, metrics, settings=Settings())
    assert left["client_id"].tolist() == ["B"]
    b = left.iloc[0]
    assert b["last_active_quarter"] == "2024Q1" and b["revenue_then"] == pytest.approx(50)
    assert b["aging_90_plus"] == pytest.approx(50)
    assert b["preceded_by"].startswith("in the four quarters to 2024Q1 (50 USD of revenue)")
