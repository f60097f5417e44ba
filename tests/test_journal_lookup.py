"""The journal looks up only the decided and the GROW clients' rows (issue 19): one pass of
Arrow's hashing over the time entries, rows matched by integer positions. Its outcomes are the
same whatever the order of the entries or the text type of the client column, and a pruned
client's own hours never count among the GROW clients' hours."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.audit import measures
from helpers.audit.rules import classify
from helpers.book.load import load_book
from helpers.book.quarters import Window
from helpers.book.settings import Settings
from helpers.decide.contract import raw_metrics
from helpers.decide.journal import _positions, apply_journal, decision_outcomes

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
QUARTER = "2025Q4"


@pytest.fixture(scope="module")
def demo():
    settings = Settings()
    book = load_book(SAMPLE, settings=settings, cache=False)
    metrics = classify(raw_metrics(book, QUARTER, settings=settings), settings=settings)
    return book, metrics, settings


def test_positions_are_the_index_in_a_list_or_minus_one():
    column = pd.Series(["b", "a", None, "c", "a", "zz"], dtype="str")
    assert _positions(column, ["a", "b"]).tolist() == [1, 0, -1, -1, 0, -1]
    assert _positions(column.astype(object), ["c"]).tolist() == [-1, -1, -1, 0, -1, -1]
    assert _positions(column, []).tolist() == [-1] * 6
    assert _positions(column[:0], ["a"]).tolist() == []


def test_outcomes_do_not_depend_on_entry_order_or_text_type(demo):
    book, metrics, settings = demo
    plain = decision_outcomes(book, QUARTER, settings=settings, metrics=metrics)
    assert "PRUNE" in set(plain["action"]) and plain["grow_hours_before"].notna().any()
    te = book.time_entries
    shuffled = te.sample(frac=1.0, random_state=19)  # not in date order: masks, not slices
    as_objects = {
        name: getattr(book, name).assign(client_id=getattr(book, name)["client_id"].astype(object))
        for name in ("time_entries", "invoices", "events", "assessments")
    }
    for variant in (
        dataclasses.replace(book, time_entries=shuffled),
        dataclasses.replace(book, **as_objects),
    ):
        again = decision_outcomes(variant, QUARTER, settings=settings, metrics=metrics)
        pd.testing.assert_frame_equal(again, plain, check_exact=False, rtol=1e-12)
        pd.testing.assert_frame_equal(
            apply_journal(metrics, again, settings=settings),
            apply_journal(metrics, plain, settings=settings),
        )


def test_grow_hours_leave_out_the_pruned_client_even_when_it_is_marked_grow(demo):
    book, metrics, settings = demo
    pruned = book.decisions.loc[book.decisions["action"] == "PRUNE", "client_id"].iloc[0]
    grow = metrics["actions"].str.contains("GROW").to_numpy(dtype=bool)
    grown = set(metrics.loc[grow, "client_id"]) | {pruned}
    marked = metrics.assign(actions=np.where(metrics["client_id"].isin(grown), "GROW", "KEEP"))
    row = decision_outcomes(book, QUARTER, settings=settings, metrics=marked).set_index("client_id")
    row = row.loc[pruned]
    te = book.time_entries
    others = te[te["client_id"].isin(grown - {pruned})]
    decided = pd.Period(row["date"], freq="Q")
    before = Window((decided - 4).start_time.normalize(), (decided - 1).end_time.normalize())
    inside = others["date"].between(before.start, before.end)
    assert row["grow_hours_before"] == pytest.approx(others.loc[inside, "hours"].sum() / 4)
    with_it = te[te["client_id"].isin(grown)]
    inside_all = with_it["date"].between(before.start, before.end)
    assert with_it.loc[inside_all, "hours"].sum() / 4 > row["grow_hours_before"]  # it had hours


def test_outcomes_from_the_prepared_client_rows_are_the_same(demo):
    """The contract hands the journal the entries' client rows it prepared (prepare's codes):
    the same outcomes as looking the entries' text up, also for a decision about an id that is
    no client (the text is looked up then)."""
    book, metrics, settings = demo
    rows = measures.prepare(book, settings=settings).te["code"]
    for quarter in ("2024Q4", "2025Q2", QUARTER):
        plain = decision_outcomes(book, quarter, settings=settings, metrics=metrics)
        given = decision_outcomes(
            book, quarter, settings=settings, metrics=metrics, entry_clients=rows
        )
        pd.testing.assert_frame_equal(given, plain, check_exact=True)
    stranger = pd.DataFrame(
        {
            "date": [pd.Timestamp("2025-01-10")],
            "client_id": ["not-a-client"],
            "action": ["REPRICE"],
            "decided_by": ["Ann"],
            "note": [""],
            "until": [pd.NaT],
        }
    )
    odd = dataclasses.replace(
        book, decisions=pd.concat([book.decisions, stranger], ignore_index=True)
    )
    plain = decision_outcomes(odd, QUARTER, settings=settings, metrics=metrics)
    given = decision_outcomes(odd, QUARTER, settings=settings, metrics=metrics, entry_clients=rows)
    pd.testing.assert_frame_equal(given, plain, check_exact=True)
    assert "not-a-client" in set(given["client_id"])


def test_client_metrics_hands_the_journal_the_prepared_rows(demo, monkeypatch):
    import helpers.decide.contract as contract

    book, _, settings = demo
    seen = []
    original = contract.with_journal

    def spy(*args, **kwargs):
        seen.append(kwargs.get("entry_clients"))
        return original(*args, **kwargs)

    monkeypatch.setattr(contract, "with_journal", spy)
    contract.client_metrics(book, QUARTER, settings=settings)
    expected = measures.prepare(book, settings=settings).te["code"]
    assert seen and np.array_equal(seen[0], expected)
