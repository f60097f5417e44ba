"""The decisions journal (issue 21): validation, what happened since, verdicts, the recommendations
that take the decisions into account, and recording a decision (CLI)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.audit.rules import ACTIONS, classify
from helpers.book.load import load_book
from helpers.book.schema import DECISION_ACTIONS
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.decide.contract import client_metrics, metrics_for_quarters, raw_metrics
from helpers.decide.journal import (
    apply_journal,
    decision_outcomes,
    record_decision,
)
from helpers.errors import PumpkinError

from .test_metrics import write_book

QUARTERS = [str(q) for q in pd.period_range("2023Q1", "2025Q4", freq="Q")]
COST = 85.0  # what an hour of our one person costs
# client -> (hours a quarter, revenue per hour) per quarter (a function of the quarter)
PROFILES = {
    "g1": lambda q: (200 if q < "2025Q1" else 250, 150.0),
    "g2": lambda q: (200 if q < "2025Q1" else 250, 140.0),
    "ok1": lambda q: (150, 100.0),
    "ok2": lambda q: (150, 105.0),
    "ok3": lambda q: (150, 95.0),
    "up": lambda q: (100, 40.0 if q < "2025Q1" else 70.0),  # repriced in 2025Q1: it worked
    "flat": lambda q: (100, 38.0),  # "repriced" in 2025Q1: the rate never moved
    "pruned": lambda q: (100 if q <= "2024Q4" else 0, 60.0),  # let go at the end of 2024
    "kept": lambda q: (10, 30.0),  # a tiny client far below cost: kept on purpose
    "expired": lambda q: (10, 25.0),  # kept until mid-2025 only
}
DECISIONS = [
    {"date": "2025-02-10", "client_id": "up", "action": "REPRICE", "decided_by": "Ann",
     "note": "new rate card", "until": ""},
    {"date": "2025-02-10", "client_id": "flat", "action": "reprice", "decided_by": "Ann",
     "note": "", "until": ""},
    {"date": "2024-11-15", "client_id": "pruned", "action": "PRUNE", "decided_by": "Bob",
     "note": "bottom of the book", "until": ""},
    {"date": "2025-05-01", "client_id": "kept", "action": "KEEP", "decided_by": "Bob",
     "note": "reference client for the health pitch", "until": "2026-06-30"},
    {"date": "2025-01-15", "client_id": "expired", "action": "KEEP", "decided_by": "Bob",
     "note": "until the merger", "until": "2025-06-30"},
]  # fmt: skip


def _book_tables(decisions: list[dict] | None = DECISIONS) -> dict[str, list[dict]]:
    clients = [
        {"client_id": c, "name": c.title(), "industry": "Retail", "size": "medium", "owner": "Ann"}
        for c in PROFILES
    ]
    entries, invoices = [], []
    for c, profile in PROFILES.items():
        for q in QUARTERS:
            hours, rate = profile(q)
            if not hours:
                continue
            period = pd.Period(q, freq="Q")
            start = period.start_time
            k = -(-hours // 8)  # entries of at most 8 hours, one a day
            for i in range(k):
                day = start + pd.Timedelta(days=i)
                entries.append(
                    {"date": f"{day:%Y-%m-%d}", "client_id": c, "person": "ann",
                     "hours": hours / k, "billable": "true"}
                )  # fmt: skip
            issue = start + pd.DateOffset(days=44)
            due = issue + pd.DateOffset(days=30)
            invoices.append(
                {"invoice_id": f"{c}-{q}", "client_id": c, "issue_date": f"{issue:%Y-%m-%d}",
                 "due_date": f"{due:%Y-%m-%d}", "amount": round(hours * rate, 2), "currency": "",
                 "paid_date": f"{due:%Y-%m-%d}"}
            )  # fmt: skip
    tables = {
        "clients": clients,
        "people": [{"person": "ann", "cost_rate": COST}],
        "time_entries": entries,
        "invoices": invoices,
    }
    if decisions:
        tables["decisions"] = decisions
    return tables


SETTINGS = Settings(prune_percentile=25.0)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return load_book(
        write_book(tmp_path_factory.mktemp("journal"), _book_tables()), settings=Settings()
    )


@pytest.fixture(scope="module")
def metrics(book):
    return client_metrics(book, "2025Q4", settings=SETTINGS).set_index("client_id")


@pytest.fixture(scope="module")
def outcomes(book, metrics):
    frame = decision_outcomes(book, "2025Q4", settings=SETTINGS, metrics=metrics.reset_index())
    return frame.set_index("client_id")


# ----------------------------------------------------------------------------- the table


def test_decision_codes_are_the_rules_codes_plus_review():
    assert set(ACTIONS) <= set(DECISION_ACTIONS)
    assert set(DECISION_ACTIONS) - set(ACTIONS) <= {"REVIEW"}


def test_bad_decisions_go_to_the_ledger(tmp_path):
    bad = [
        {"date": "2025-02-10", "client_id": "nobody", "action": "PRUNE", "until": ""},
        {"date": "2025-02-10", "client_id": "up", "action": "FIRE", "until": ""},
        {"date": "10/02/2025", "client_id": "up", "action": "KEEP", "until": ""},
        {"date": "2025-02-10", "client_id": "up", "action": "KEEP", "until": "2025-01-01"},
        {"date": "2025-02-10", "client_id": "up", "action": " keep ", "until": "2025-12-31"},
    ]
    book = load_book(write_book(tmp_path / "b", _book_tables(bad)), settings=Settings())
    rejects = book.rejects[book.rejects["table"] == "decisions"].set_index("row")
    assert (
        rejects.loc[2, "column"] == "client_id" and "unknown client_id" in rejects.loc[2, "reason"]
    )
    assert (
        rejects.loc[3, "column"] == "action" and "unknown action code" in rejects.loc[3, "reason"]
    )
    assert rejects.loc[4, "column"] == "date" and "not a date" in rejects.loc[4, "reason"]
    assert rejects.loc[5, "column"] == "until" and "before" in rejects.loc[5, "reason"]
    assert book.decisions["action"].tolist() == ["KEEP"]  # the good row, code normalised
    assert book.reconciliation().set_index("table").loc["decisions", "balanced"]


# ----------------------------------------------------------------------------- what happened


def test_a_repricing_that_worked(outcomes):
    up = outcomes.loc["up"]
    assert up["decided_quarter"] == "2025Q1" and up["quarters_since"] == 3
    assert up["before"] == pytest.approx(40.0) and up["after"] == pytest.approx(70.0)
    assert up["verdict"] == "worked"
    assert "revenue per hour 40 USD before, 70 USD since" in up["what_happened"]


def test_a_repricing_that_did_not_work_is_said_in_the_reasons(outcomes, metrics):
    flat = outcomes.loc["flat"]
    assert flat["action"] == "REPRICE"  # recorded in lower case, read as the code
    assert flat["before"] == pytest.approx(38.0) and flat["after"] == pytest.approx(38.0)
    assert flat["verdict"] == "did not work"
    reasons = metrics.loc["flat", "reasons"]
    assert "REPRICE decided 2025Q1: rate still 38 USD per hour" in reasons
    assert "may not be worth your effort" in reasons
    assert "decided" not in metrics.loc["up", "reasons"]  # the one that worked is not nagged


def test_a_pruned_client_is_gone_and_its_hours_went_to_grow_clients(book, metrics):
    grow = pd.DataFrame({"client_id": ["g1", "g2"], "actions": ["GROW", "GROW"]})
    pruned = decision_outcomes(book, "2025Q4", settings=SETTINGS, metrics=grow).set_index(
        "client_id"
    )
    row = pruned.loc["pruned"]
    assert row["verdict"] == "worked"
    assert row["before"] == pytest.approx(100.0) and row["after"] == pytest.approx(0.0)
    assert row["grow_hours_before"] == pytest.approx(400.0)  # 2 clients x 200 a quarter
    assert row["grow_hours_after"] == pytest.approx(500.0)
    assert "gone: no hours and no invoice in 2025Q4" in row["what_happened"]
    assert "GROW clients' hours 400 a quarter before, 500 since" in row["what_happened"]
    # from the contract's own GROW clients (g1 and g2 among them): more hours since too
    grow_ids = {c for c in metrics.index if "GROW" in metrics.loc[c, "actions"].split(";")}
    assert {"g1", "g2"} <= grow_ids and "pruned" not in grow_ids
    contract = decision_outcomes(book, "2025Q4", settings=SETTINGS, metrics=metrics.reset_index())
    row = contract.set_index("client_id").loc["pruned"]
    assert row["grow_hours_after"] - row["grow_hours_before"] == pytest.approx(100.0)


def test_a_keep_overrule_with_an_end_date(book, metrics):
    raw = raw_metrics(book, "2025Q4", settings=SETTINGS)
    rules = classify(raw, settings=SETTINGS).set_index("client_id")
    assert rules.loc["kept", "prune"]  # what the rules alone say
    kept = metrics.loc["kept"]
    assert kept["kept_on_purpose"] and not kept["prune"]
    assert kept["actions"] in ("KEEP", "COLLECT;KEEP")
    assert kept["kept_until"] == pd.Timestamp("2026-06-30")
    assert "PRUNE" in kept["overruled_actions"]
    assert not any(kept[c] for c in metrics.columns if c.startswith("prune_"))
    assert kept["reasons"].startswith(
        "kept on purpose (reference client for the health pitch, until 2026-06-30"
    )
    loss = -rules.loc["kept", "margin_ttm"]
    assert f"it lost {loss:,.0f} USD over the last four quarters" in kept["reasons"]
    assert "the rules would say PRUNE" in kept["reasons"]


def test_an_overrule_whose_end_date_has_passed_recommends_again(metrics, outcomes):
    expired = metrics.loc["expired"]
    assert not expired["kept_on_purpose"] and expired["prune"]
    assert "kept on purpose until 2025-06-30: that has passed" in expired["reasons"]
    assert outcomes.loc["expired", "action"] == "KEEP"


def test_an_overrule_holds_in_the_quarters_it_covers(book):
    long = metrics_for_quarters(book, ["2025Q1", "2025Q2", "2025Q3"], settings=SETTINGS)
    expired = long[long["client_id"] == "expired"].set_index("quarter")
    assert expired.loc["2025Q1", "kept_on_purpose"] and expired.loc["2025Q2", "kept_on_purpose"]
    assert not expired.loc["2025Q3", "kept_on_purpose"]
    kept = long[long["client_id"] == "kept"].set_index("quarter")
    assert not kept.loc["2025Q1", "kept_on_purpose"]  # decided in 2025Q2: not yet in force


def test_verdicts_follow_the_quarters_since(book):
    by_quarter = {
        q: decision_outcomes(book, q, settings=SETTINGS)
        .set_index("client_id")
        .loc["flat", "verdict"]
        for q in ("2025Q1", "2025Q2", "2025Q3")
    }
    assert by_quarter == {"2025Q1": "too early", "2025Q2": "not yet", "2025Q3": "did not work"}
    assert "flat" not in decision_outcomes(book, "2024Q4", settings=SETTINGS)["client_id"].tolist()


def test_a_book_without_decisions_changes_nothing(tmp_path):
    book = load_book(write_book(tmp_path / "b", _book_tables(None)), settings=Settings())
    assert book.decisions.empty
    plain = classify(raw_metrics(book, "2025Q4", settings=SETTINGS), settings=SETTINGS)
    journal = client_metrics(book, "2025Q4", settings=SETTINGS)
    assert journal["actions"].tolist() == plain["actions"].tolist()
    assert journal["reasons"].tolist() == plain["reasons"].tolist()
    assert not journal["kept_on_purpose"].any()


# ----------------------------------------------------------------------------- other actions


def _one(action: str, client: str, date: str, book_tables: dict, tmp_path: Path, **extra):
    tables = dict(book_tables)
    tables["decisions"] = [
        {"date": date, "client_id": client, "action": action, "decided_by": "Ann", "note": "",
         "until": ""} | extra
    ]  # fmt: skip
    book = load_book(write_book(tmp_path, tables), settings=Settings())
    return decision_outcomes(book, "2025Q4", settings=SETTINGS).iloc[0]


def test_collect_worked_when_the_old_money_came_in(tmp_path):
    tables = _book_tables(None)
    tables["invoices"] = tables["invoices"] + [
        {"invoice_id": "old", "client_id": "ok1", "issue_date": "2024-01-10",
         "due_date": "2024-02-09", "amount": 5000, "currency": "", "paid_date": "2025-03-01"},
        {"invoice_id": "older", "client_id": "ok2", "issue_date": "2024-01-10",
         "due_date": "2024-02-09", "amount": 5000, "currency": "", "paid_date": ""},
    ]  # fmt: skip
    paid = _one("COLLECT", "ok1", "2024-09-01", tables, tmp_path / "a")
    assert paid["before"] == pytest.approx(5000) and paid["after"] == 0
    assert paid["verdict"] == "worked"
    unpaid = _one("COLLECT", "ok2", "2024-09-01", tables, tmp_path / "b")
    assert unpaid["verdict"] == "did not work"
    assert unpaid["still"] == "still 5,000 USD more than 90 days past due (5,000 USD then)"


def test_invoice_more_often_reads_days_late(tmp_path):
    tables = _book_tables(None)
    late = []
    for row in tables["invoices"]:
        if row["client_id"] == "ok3" and row["issue_date"] < "2025-01-01":
            due = pd.Timestamp(row["due_date"])
            row = row | {"paid_date": f"{due + pd.Timedelta(days=40):%Y-%m-%d}"}
        late.append(row)
    tables["invoices"] = late
    out = _one("INVOICE_MORE_OFTEN", "ok3", "2024-12-01", tables, tmp_path)
    # 40 days late before (the last invoice of the window only 17 by its end), none since
    assert out["before"] == pytest.approx((3 * 40 + 17) / 4) and out["after"] == 0
    assert out["verdict"] == "worked"


def _rating(date: str, client: str, who: str, score: int) -> dict:
    return {"date": date, "client_id": client, "assessor": who, "alignment": score,
            "transparency": score, "respect": score, "fit": score}  # fmt: skip


def test_reassign_owner_reads_the_new_owners_ratings(tmp_path):
    tables = _book_tables(None)
    tables["assessments"] = [
        _rating("2024-06-01", "ok1", "Bob", 2),  # the owner who disliked it
        _rating("2024-06-01", "ok1", "Ann", 4),
        _rating("2025-09-01", "ok1", "Cy", 4),  # the owner since
    ]
    tables["clients"] = [c | {"owner": "Cy"} if c["client_id"] == "ok1" else c
                         for c in tables["clients"]]  # fmt: skip
    moved = _one("REASSIGN_OWNER", "ok1", "2025-01-20", tables, tmp_path / "a")
    assert (moved["before"], moved["after"], moved["verdict"]) == (2.0, 4.0, "worked")
    assert (
        moved["what_happened"] == "Bob rated it 2.0 of 5 before, the owner since, Cy, rates it 4.0"
    )
    tables["clients"] = [c | {"owner": "Bob"} if c["client_id"] == "ok1" else c
                         for c in tables["clients"]]  # fmt: skip
    stayed = _one("REASSIGN_OWNER", "ok1", "2025-01-20", tables, tmp_path / "b")
    assert stayed["verdict"] == "did not work" and stayed["still"] == "the owner is still Bob"


# ----------------------------------------------------------------------------- apply_journal


def test_apply_journal_keeps_collect_and_attaches_follow_ups_to_their_reason(metrics):
    frame = pd.DataFrame(
        {
            "client_id": ["a", "b"],
            "actions": ["PRUNE;COLLECT", "COLLECT;REPRICE"],
            "reasons": ["let go: x | 900 USD more than 90 days past due", "chase | fix price"],
            "prune": [True, False],
            "prune_abuse": [True, False],
            "margin_ttm": [-500.0, 100.0],
            "effective_rate_ttm": [20.0, 50.0],
        }
    )
    outcomes = pd.DataFrame(
        {
            "quarter": "2025Q4",
            "date": pd.to_datetime(["2025-10-01", "2025-01-05"]),
            "decided_quarter": ["2025Q4", "2025Q1"],
            "client_id": ["a", "b"],
            "action": ["KEEP", "REPRICE"],
            "decided_by": [None, "Ann"],
            "note": [None, None],
            "until": pd.to_datetime([None, None]),
            "quarters_since": [0, 3],
            "verdict": ["too early", "did not work"],
            "still": ["", "rate still 50 USD per hour (49 USD before)"],
        }
    )
    out = apply_journal(frame, outcomes, settings=Settings()).set_index("client_id")
    assert out.loc["a", "actions"] == "COLLECT;KEEP" and not out.loc["a", "prune_abuse"]
    assert out.loc["a", "reasons"].startswith("900 USD more than 90 days past due | kept on ")
    assert "(no reason given, no end date, decided 2025-10-01)" in out.loc["a", "reasons"]
    assert out.loc["b", "reasons"] == (
        "chase | fix price (REPRICE decided 2025Q1: rate still 50 USD per hour (49 USD before), "
        "3 quarters on, so this fix may not be worth your effort)"
    )
    assert frame.loc[0, "actions"] == "PRUNE;COLLECT"  # the input is not changed


# ----------------------------------------------------------------------------- recording


def test_record_decision_appends_rows_the_loader_reads(tmp_path):
    folder = write_book(tmp_path / "b", _book_tables(None))
    path = folder / "decisions.csv"
    record_decision(path, client_id="kept", action="keep", date="2025-05-01",
                    note="reference; health", until="2026-06-30", known_clients=PROFILES)  # fmt: skip
    record_decision(path, client_id="flat", action="REPRICE", decided_by="Ann")
    book = load_book(folder, settings=Settings())
    assert book.decisions["action"].tolist() == ["KEEP", "REPRICE"]
    assert book.decisions["date"].iloc[1] == pd.Timestamp.today().normalize()
    assert book.decisions["note"].iloc[0] == "reference; health"
    with pytest.raises(PumpkinError, match="unknown action code 'FIRE'"):
        record_decision(path, client_id="kept", action="FIRE")
    with pytest.raises(PumpkinError, match="unknown client 'zz'"):
        record_decision(path, client_id="zz", action="KEEP", known_clients=PROFILES)
    with pytest.raises(PumpkinError, match="until 2025-01-01 is before"):
        record_decision(
            path, client_id="kept", action="KEEP", date="2025-05-01", until="2025-01-01"
        )


def test_cli_decide_writes_beside_the_book(tmp_path, capsys):
    folder = write_book(tmp_path / "b", _book_tables(None))
    code = main(["decide", "--data", str(folder), "--client", "flat", "--action", "REPRICE",
                 "--date", "2025-02-10", "--note", "new rate card", "--decided-by", "Ann"])  # fmt: skip
    assert code == 0
    assert "recorded REPRICE for flat on 2025-02-10" in capsys.readouterr().out
    decisions = pd.read_csv(folder / "decisions.csv")
    assert decisions.iloc[0].to_dict() | {"until": None} == {
        "date": "2025-02-10", "client_id": "flat", "action": "REPRICE", "decided_by": "Ann",
        "note": "new rate card", "until": None,
    }  # fmt: skip
    assert main(["decide", "--data", str(folder), "--client", "zz", "--action", "KEEP"]) == 2
    assert "unknown client 'zz'" in capsys.readouterr().err
    assert len(pd.read_csv(folder / "decisions.csv")) == 1


# ----------------------------------------------------------------------------- the demo book


def test_the_demo_journal_has_outcomes_that_differ():
    book = load_book(Path(__file__).resolve().parents[1] / "data" / "sample", settings=Settings())
    metrics = client_metrics(book, "2025Q4", settings=Settings())
    outcomes = decision_outcomes(book, "2025Q4", settings=Settings(), metrics=metrics).set_index(
        "client_id"
    )
    assert len(outcomes) >= 6
    assert {"worked", "did not work", "not yet", "too early"} <= set(outcomes["verdict"])
    assert outcomes.loc["c-hog", "verdict"] == "did not work"
    pruned = outcomes[outcomes["action"] == "PRUNE"]
    assert len(pruned) == 1 and pruned["verdict"].iloc[0] == "worked"
    by_id = metrics.set_index("client_id")
    assert "REPRICE decided 2025Q1: rate still 38 USD per hour" in by_id.loc["c-hog", "reasons"]
    assert by_id.loc["c-weed-3", "kept_on_purpose"] and not by_id.loc["c-weed-3", "prune"]


# ----------------------------------------------------------------------------- the planner


def test_the_pruning_planner_records_a_keep_and_takes_the_client_off_the_list(tmp_path):
    from helpers.widgets.planner import PruningPlanner

    book = load_book(write_book(tmp_path / "b", _book_tables(None)), settings=Settings())
    raw = raw_metrics(book, "2025Q4", settings=SETTINGS)
    path = tmp_path / "b" / "decisions.csv"
    planner = PruningPlanner(raw, settings=SETTINGS, book=book)
    assert planner.decision_form.path.value == str(path)  # beside the book
    assert "kept" in planner.prune_ids
    assert planner.decision_form.action.value == "PRUNE"
    planner.decision_client.value = "kept"
    form = planner.decision_form
    form.action.value, form.note.value = "KEEP", "reference client"
    form.date.value, form.until.value = pd.Timestamp("2025-11-03"), pd.Timestamp("2026-06-30")
    form.button.click()
    assert "kept" not in planner.prune_ids
    kept = planner.metrics.set_index("client_id").loc["kept"]
    assert kept["kept_on_purpose"] and "PRUNE" in kept["overruled_actions"]
    saved = pd.read_csv(path)
    assert saved[["date", "client_id", "action", "until"]].values.tolist() == [
        ["2025-11-03", "kept", "KEEP", "2026-06-30"]
    ]
    assert load_book(tmp_path / "b", settings=Settings()).decisions["action"].tolist() == ["KEEP"]
