"""Scores (percentile ranks, weighted), segments and classify."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.audit.measures import CONTRACT_COLUMNS
from helpers.audit.rules import classify
from helpers.audit.scores import input_ranks, percentile_rank, score, segment, thresholds
from helpers.book.settings import DEFAULT_HEADACHE_WEIGHTS, DEFAULT_VALUE_WEIGHTS, Settings

from .test_actions import BASE

ONLY_MARGIN = {k: 0.0 for k in DEFAULT_VALUE_WEIGHTS} | {"margin": 1.0}
ONLY_INCIDENTS = {k: 0.0 for k in DEFAULT_HEADACHE_WEIGHTS} | {"incidents": 1.0}


def raw_frame(rows: list[dict]) -> pd.DataFrame:
    """Raw metrics rows on top of BASE, plus the score inputs BASE leaves out."""
    extra = {
        "margin_ttm": 5000.0,
        "non_billable_share": 0.1,
        "incidents_ttm": 0.0,
        "alignment_score": 4.0,
    }
    frame = pd.DataFrame([{**BASE, **extra, **row} for row in rows])
    if not any("incidents_per_100h" in row for row in rows):  # computed from incidents and hours
        frame = frame.drop(columns=["incidents_per_100h"])
    return frame.drop(columns=["value_score", "headache_score", "segment"]).astype(
        {"rate_rank": "Int64"}
    )


def test_percentile_rank_by_hand():
    among = pd.Series([True] * 4)
    assert percentile_rank(pd.Series([10.0, 30.0, 20.0, 40.0]), among).tolist() == [
        0,
        200 / 3,
        100 / 3,
        100,
    ]
    # ties share their average rank: ranks 1.5, 1.5, 3 of 3 -> 25, 25, 100
    assert percentile_rank(pd.Series([1.0, 1.0, 2.0]), pd.Series([True] * 3)).tolist() == [
        25,
        25,
        100,
    ]
    # missing values and rows outside ``among`` get the neutral 50 and are not counted
    ranks = percentile_rank(
        pd.Series([1.0, np.nan, 3.0, 9.0]), pd.Series([True, True, True, False])
    )
    assert ranks.tolist() == [0, 50, 100, 50]


def test_value_score_is_the_weighted_rank():
    raw = raw_frame(
        [{"margin_ttm": m, "client_id": c} for c, m in zip("abc", [1.0, 3.0, 2.0], strict=True)]
    )
    scored = score(raw, settings=Settings(value_weights=ONLY_MARGIN))
    assert scored["value_score"].tolist() == [0, 100, 50]
    # two inputs of equal weight: the mean of the ranks; growth is missing for c: neutral 50
    weights = ONLY_MARGIN | {"growth": 1.0}
    raw = raw.assign(growth_ttm=[0.5, 0.1, np.nan])
    scored = score(raw, settings=Settings(value_weights=weights))
    assert scored["value_score"].tolist() == [(0 + 100) / 2, (100 + 0) / 2, (50 + 50) / 2]


def test_headache_score_and_hours_without_revenue_rank_worst():
    raw = raw_frame(
        [
            {"client_id": "a", "incidents_ttm": 4.0},
            {"client_id": "b", "incidents_ttm": 0.0},
            {"client_id": "c", "incidents_ttm": 2.0},
        ]
    )
    assert score(raw, settings=Settings(headache_weights=ONLY_INCIDENTS))[
        "headache_score"
    ].tolist() == [
        100,
        0,
        50,
    ]
    only_hours = {k: 0.0 for k in DEFAULT_HEADACHE_WEIGHTS} | {"hours_per_revenue": 1.0}
    raw = raw.assign(hours_ttm=[10.0, 10.0, 10.0], revenue_ttm=[1000.0, 2000.0, 0.0])
    assert score(raw, settings=Settings(headache_weights=only_hours))[
        "headache_score"
    ].tolist() == [
        50,
        0,
        100,
    ]


def test_scores_stay_in_0_100_and_zero_weights_are_neutral():
    rng = np.random.default_rng(1)
    raw = raw_frame([{"client_id": str(i)} for i in range(30)]).assign(
        margin_ttm=rng.normal(0, 1e4, 30),
        growth_ttm=rng.normal(0, 1, 30),
        incidents_ttm=rng.integers(0, 5, 30).astype(float),
        days_late_avg=rng.uniform(0, 60, 30),
    )
    scored = score(raw, settings=Settings())
    assert scored["value_score"].between(0, 100).all()
    assert scored["headache_score"].between(0, 100).all()
    zero = {k: 0.0 for k in DEFAULT_VALUE_WEIGHTS}
    assert (score(raw, settings=Settings(value_weights=zero))["value_score"] == 50).all()


def test_clients_who_left_are_not_ranked_and_sit_outside_the_fields():
    raw = raw_frame(
        [
            {"client_id": "a", "margin_ttm": 1.0},
            {"client_id": "b", "margin_ttm": 2.0},
            {"client_id": "idle", "margin_ttm": 100.0, "active": False},
        ]
    )
    scored = segment(score(raw, settings=Settings(value_weights=ONLY_MARGIN)), settings=Settings())
    assert scored["value_score"].tolist()[:2] == [0, 100]
    assert np.isnan(scored.loc[2, "value_score"]) and np.isnan(scored.loc[2, "headache_score"])
    assert scored["segment"].tolist() == ["seedling", "prize", "gone"]
    # the thresholds are the medians of the active clients only
    assert thresholds(scored, settings=Settings())[0] == 50.0


def test_no_input_nor_its_mirror_feeds_both_scores():
    from helpers.audit.scores import INPUT_COLUMNS, INPUTS

    value = {c for k in INPUTS["value"] for c in INPUT_COLUMNS[k]}
    headache = {c for k in INPUTS["headache"] for c in INPUT_COLUMNS[k]}
    # revenue is a value input; hours per revenue reads it as a denominator only (a ratio with
    # hours, not revenue's mirror); nothing else is shared
    assert value & headache == {"revenue_ttm"}
    assert "effective_rate_ttm" not in value and "alignment_score" not in value | headache
    # moving a client's revenue per hour alone (same revenue, more hours) moves headache only
    raw = raw_frame([{"client_id": c, "margin_ttm": float(i)} for i, c in enumerate("abcd")])
    more_hours = raw.assign(hours_ttm=[100.0, 100.0, 100.0, 400.0])
    before, after = score(raw, settings=Settings()), score(more_hours, settings=Settings())
    assert before["value_score"].tolist() == after["value_score"].tolist()
    assert after.loc[3, "headache_score"] > before.loc[3, "headache_score"]


def test_lateness_is_ranked_within_the_size_class():
    only_late = {k: 0.0 for k in DEFAULT_HEADACHE_WEIGHTS} | {"lateness": 1.0}
    raw = raw_frame(
        [
            {"client_id": "s1", "size": "small", "days_late_avg": 5.0},
            {"client_id": "s2", "size": "small", "days_late_avg": 10.0},
            {"client_id": "l1", "size": "large", "days_late_avg": 40.0},
            {"client_id": "l2", "size": "large", "days_late_avg": 60.0},
        ]
    )
    headache = score(raw, settings=Settings(headache_weights=only_late))["headache_score"].tolist()
    # the large client 40 days late is the best payer of its class; the small one 10 days late
    # the worst of its own
    assert headache == [0, 100, 0, 100]


def test_incidents_count_per_100_hours_worked():
    only_incidents = ONLY_INCIDENTS
    raw = raw_frame(
        [
            {"client_id": "big", "incidents_ttm": 6.0, "hours_ttm": 1000.0},
            {"client_id": "small", "incidents_ttm": 2.0, "hours_ttm": 50.0},
        ]
    )
    headache = score(raw, settings=Settings(headache_weights=only_incidents))[
        "headache_score"
    ].tolist()
    assert headache == [0, 100]  # 0.6 per 100 hours against 4 per 100 hours


def test_the_owners_own_ratings_leave_the_value_when_reassign_owner_holds():
    only_values = {k: 0.0 for k in DEFAULT_VALUE_WEIGHTS} | {"values": 1.0}
    raw = raw_frame(
        [
            {"client_id": "a", "fit_rating": 3.0, "fit_rating_others": 3.0},
            {"client_id": "b", "fit_rating": 3.5, "fit_rating_others": 3.5},
            # the owner rates it 1 while the others rate it 4.5: value reads the others' 4.5
            {"client_id": "c", "fit_rating": 2.0, "fit_rating_others": 4.5,
             "owner_rating": 1.0, "others_rating": 4.5},
        ]
    )  # fmt: skip
    value = score(raw, settings=Settings(value_weights=only_values))["value_score"].tolist()
    assert value == [0, 50, 100]
    # with the owner rule out of reach (gap 4), the owner's ratings count
    value = score(raw, settings=Settings(value_weights=only_values, reassign_gap=4.0))[
        "value_score"
    ]
    assert value.tolist() == [50, 100, 0]


def test_segments_from_thresholds_and_medians():
    scored = pd.DataFrame(
        {
            "value_score": [80.0, 80.0, 20.0, 20.0, 50.0],
            "headache_score": [20.0, 80.0, 20.0, 80.0, 50.0],
            "active": True,
        }
    )
    assert thresholds(scored, settings=Settings()) == (50.0, 50.0)  # the medians
    # the client on the medians is neither high value nor high headache
    assert segment(scored, settings=Settings())["segment"].tolist() == [
        "prize",
        "tangled",
        "seedling",
        "weed",
        "seedling",
    ]
    moved = segment(scored, settings=Settings(value_threshold=10.0, headache_threshold=90.0))
    assert moved["segment"].tolist() == ["prize"] * 5


def test_classify_gives_the_contract_and_does_not_mutate():
    raw = raw_frame([{"client_id": c, "margin_ttm": float(i)} for i, c in enumerate("abcdef")])
    raw = raw.assign(quarter="2025Q2", industry="Retail")
    for column in CONTRACT_COLUMNS:
        if column not in raw.columns and column not in (
            "value_score",
            "headache_score",
            "segment",
            "actions",
            "prune",
            "reasons",
        ):
            raw[column] = 0.0
    before = raw.copy()
    out = classify(raw, settings=Settings())
    pd.testing.assert_frame_equal(raw, before)
    assert list(out.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert out["value_score"].between(0, 100).all() and out["prune"].dtype == bool


def test_stored_ranks_are_reused_only_for_the_rows_they_were_made_for():
    raw = raw_frame(
        [{"client_id": c, "margin_ttm": m} for c, m in zip("abcd", [1.0, 2, 3, 4], strict=True)]
    )
    ranked = input_ranks(raw, settings=Settings())
    assert ranked["pctl_margin"].tolist() == [0, 100 / 3, 200 / 3, 100]
    settings = Settings(value_weights=ONLY_MARGIN)
    assert score(ranked, settings=settings)["value_score"].tolist() == pytest.approx(
        [0, 100 / 3, 200 / 3, 100]
    )
    subset = ranked.iloc[2:]  # fewer rows: ranked again among these two
    assert score(subset, settings=settings)["value_score"].tolist() == [0, 100]
