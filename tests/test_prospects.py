"""The prospect screen on a book whose look-alikes are known."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.book.settings import Settings
from helpers.decide.prospects import (
    DECLINE,
    TAKE,
    TAKE_WITH_CONDITIONS,
    ProspectAnswers,
    screen_prospect,
)
from helpers.errors import PumpkinError


def book_metrics() -> pd.DataFrame:
    """Six small retail clients (four weeds), two small tech, three large retail, one idle."""
    rows = [
        # id, industry, size, segment, rate, days late, late share, incidents, prune, active
        ("r1", "Retail", "small", "weed", 40.0, 30.0, 0.8, 6.0, True, True),
        ("r2", "retail", "small", "weed", 50.0, 20.0, 0.5, 4.0, False, True),
        ("r3", "retail ", "small", "weed", 60.0, 10.0, 0.1, 2.0, False, True),
        ("r4", "retail", "small", "weed", 70.0, 0.0, 0.0, 0.0, False, True),
        ("r5", "retail", "small", "prize", 150.0, 0.0, 0.0, 0.0, False, True),
        ("r6", "retail", "small", "seedling", 90.0, 5.0, 0.2, 1.0, False, True),
        ("t1", "tech", "small", "prize", 200.0, 0.0, 0.0, 0.0, False, True),
        ("t2", "tech", "small", "tangled", 180.0, 40.0, 0.9, 8.0, False, True),
        ("L1", "retail", "large", "prize", 120.0, 45.0, 0.9, 0.0, False, True),
        ("L2", "retail", "large", "prize", 130.0, 50.0, 0.9, 1.0, False, True),
        ("L3", "retail", "large", "tangled", 140.0, 60.0, 1.0, 3.0, False, True),
        ("idle", "retail", "small", "seedling", float("nan"), 0.0, 0.0, 0.0, False, False),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "client_id",
            "industry",
            "size",
            "segment",
            "effective_rate_ttm",
            "days_late_avg",
            "late_share",
            "incidents_ttm",
            "prune",
            "active",
        ],
    )
    return frame.assign(
        quarter="2025Q4",
        name=lambda d: "Client " + d["client_id"],
        hours_ttm=lambda d: d["active"] * 100.0,
        revenue_ttm=lambda d: d["effective_rate_ttm"].fillna(0) * d["hours_ttm"],
        abuse_ttm=0,
    )


def test_lookalikes_are_the_active_clients_of_the_same_industry_and_size():
    screen = screen_prospect(book_metrics(), industry="RETAIL", size="small", settings=Settings())
    assert sorted(screen.lookalikes["client_id"]) == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert not screen.widened
    counts = screen.segments.set_index("segment")["clients"]
    assert counts.to_dict() == {"prize": 1, "tangled": 0, "seedling": 1, "weed": 4}
    f = screen.figures
    assert f["typical_rate"] == pytest.approx((60 + 70) / 2)  # median of 40..150
    assert f["typical_days_late"] == pytest.approx(7.5)  # median of 30, 20, 10, 0, 0, 5
    # late payers: at least 15 days late on average and 30% of invoices late -> r1, r2
    assert f["late_payer_share"] == pytest.approx(2 / 6)
    assert f["typical_incidents"] == pytest.approx(1.5)
    assert f["weed_share"] == pytest.approx(4 / 6)
    assert screen.red_cloth and "mostly weeds (67%)" in screen.flags[0]
    assert "the seed's questions decide it with them" in screen.summary


def test_too_few_lookalikes_widens_to_the_same_size_and_says_so():
    screen = screen_prospect(book_metrics(), industry="tech", size="small", settings=Settings())
    assert screen.widened
    assert len(screen.lookalikes) == 8  # every active small client
    assert "only 2 small client(s) in tech" in screen.basis
    assert "only 2 small client(s) in tech" in screen.summary
    large = screen_prospect(
        book_metrics(), industry="retail", size="large", min_lookalikes=3, settings=Settings()
    )
    assert not large.widened and large.figures["weed_share"] == 0
    assert not large.red_cloth and "No red-cloth flag" in large.summary
    assert large.figures["late_payer_share"] == 1.0


def test_abuse_or_dispute_events_raise_the_red_cloth_flag():
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-05-01", "2024-01-01", "2025-11-01"]),
            "client_id": ["L1", "L2", "L3"],
            "kind": ["dispute", "abuse", "scope_creep"],
        }
    )
    screen = screen_prospect(
        book_metrics(),
        industry="retail",
        size="large",
        min_lookalikes=3,
        events=events,
        settings=Settings(),
    )
    # L2's abuse is before the TTM window (2025Q1-2025Q4); L3's event is not red cloth
    assert screen.figures["red_cloth_clients"] == 1
    assert screen.red_cloth and "abuse or dispute" in screen.flags[0]


def test_implied_rate_against_the_book_and_the_prune_line():
    screen = screen_prospect(
        book_metrics(),
        industry="retail",
        size="small",
        expected_hours=100,
        expected_fees=4_500,
        settings=Settings(prune_percentile=10),
    )
    f = screen.figures
    assert f["implied_rate"] == 45.0
    assert f["implied_rate_percentile"] == pytest.approx(100 / 11)  # only r1 (40) is below
    assert "at or below the prune line" in screen.summary
    good = screen_prospect(
        book_metrics(),
        industry="retail",
        size="small",
        expected_hours=10,
        expected_fees=2_500,
        settings=Settings(),
    )
    assert good.figures["implied_rate_percentile"] == 100
    assert "prune line" not in good.summary


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"industry": "retail", "size": "huge"}, "--size"),
        ({"industry": " ", "size": "small"}, "--industry"),
        ({"industry": "retail", "size": "small", "expected_hours": 0}, "--expected-hours"),
        ({"industry": "retail", "size": "small", "expected_fees": -1}, "--expected-fees"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs, message):
    with pytest.raises(PumpkinError, match=message):
        screen_prospect(book_metrics(), **kwargs, settings=Settings())


def test_report_prints_summary_and_lookalikes():
    text = screen_prospect(
        book_metrics(), industry="retail", size="small", settings=Settings()
    ).report()
    assert text.startswith("Prospect: retail, small")
    assert "r5" in text and "idle" not in text


DEMO = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_cli_prints_the_screen_for_the_demo_book(capsys):
    from helpers.cli import main

    if not (DEMO / "clients.csv").exists():
        pytest.skip(f"the demo book is absent ({DEMO}); run `make sample`")
    args = [
        "screen-prospect",
        "--data",
        str(DEMO),
        "--quarter",
        "2025Q4",
        "--industry",
        "Retail",
        "--size",
        "small",
    ]
    assert main([*args, "--expected-hours", "100", "--expected-fees", "9000"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Prospect: Retail, small")
    assert "$90 an hour" in out and "Answer: take with conditions." in out
    assert "Ask before deciding: How has it treated our people" in out
    assert main([*args, "--people", "mistreated", "--role", "clear"]) == 0
    out = capsys.readouterr().out
    assert "Answer: decline." in out and "mistreated our people" in out
    assert main([*args, "--expected-hours", "0"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "pumpkin screen-prospect: error: --expected-hours must be more than 0, got 0.0"
    )


# ----------------------------------------------------------------------------- the seed's questions

GOOD = ProspectAnswers(
    value_proposition="understood", service="wanted", role="clear", people="respectful"
)


def large_retail(answers, **kwargs):
    """Three large retail prize-and-tangled look-alikes: figures that raise no doubt."""
    return screen_prospect(
        book_metrics(),
        industry="retail",
        size="large",
        min_lookalikes=3,
        answers=answers,
        **kwargs,
        settings=Settings(),
    )


def test_a_prospect_who_mistreated_our_people_is_declined_whatever_the_figures():
    good_figures = large_retail(GOOD, expected_hours=100, expected_fees=20_000)
    assert good_figures.decision == TAKE and not good_figures.conditions
    assert "treated our people well" in good_figures.reasons[0]
    red = large_retail(
        ProspectAnswers(
            value_proposition="understood", service="wanted", role="clear", people="mistreated"
        ),
        expected_hours=100,
        expected_fees=25_000,  # $250 an hour: better than every client in the book
    )
    assert red.figures["implied_rate_percentile"] == 100
    assert red.decision == DECLINE and not red.conditions
    assert red.reasons[0].startswith("They mistreated our people while still a prospect")
    assert "whatever the figures" in red.reasons[0]
    assert "3 large clients in retail" in red.reasons[-1]  # the figures are still shown
    assert red.report().splitlines()[2] == "Answer: decline."


def test_blurred_roles_and_a_service_we_do_not_want_decline_with_plain_reasons():
    blurred = large_retail(ProspectAnswers(**{**GOOD.as_dict(), "role": "blurred"}))
    assert blurred.decision == DECLINE and "sell to us as well" in blurred.reasons[0]
    wont = large_retail(
        ProspectAnswers(**{**GOOD.as_dict(), "service": "not-wanted", "cant_or_wont": "wont"})
    )
    assert wont.decision == DECLINE
    assert "a matter of strategy, not of ability" in wont.reasons[0]
    # turned on ourselves: a no that is about ability is not a strategy
    cant = large_retail(
        ProspectAnswers(**{**GOOD.as_dict(), "service": "not-wanted", "cant_or_wont": "can't"})
    )
    assert cant.decision == TAKE_WITH_CONDITIONS
    assert "training, practice, capability or staff could fix it" in cant.conditions[0]


def test_figures_and_unclear_value_proposition_set_conditions_or_decline():
    # small retail: mostly weeds; $45 an hour is at the prune line
    weak = dict(industry="retail", size="small", expected_hours=100, expected_fees=4_500)
    unclear = ProspectAnswers(**{**GOOD.as_dict(), "value_proposition": "not-understood"})
    declined = screen_prospect(book_metrics(), answers=unclear, **weak, settings=Settings())
    assert declined.decision == DECLINE
    assert "do not understand what we offer" in declined.reasons[0]
    assert "mostly weeds (67%)" in declined.reasons[0] and "$45 an hour" in declined.reasons[0]
    taken = screen_prospect(book_metrics(), answers=GOOD, **weak, settings=Settings())
    assert taken.decision == TAKE_WITH_CONDITIONS
    conditions = " ".join(taken.conditions)
    assert "Quote at least $" in conditions and "at $45 an hour" in conditions
    assert "67% of their look-alikes turned into weeds" in conditions
    clear_figures = large_retail(unclear)
    assert clear_figures.decision == TAKE_WITH_CONDITIONS
    assert "Agree in writing what we do and do not do" in clear_figures.conditions[0]


def test_unanswered_questions_are_conditions_and_bad_answers_are_refused():
    screen = large_retail(ProspectAnswers(people="respectful"))
    assert screen.decision == TAKE_WITH_CONDITIONS
    asks = [c for c in screen.conditions if c.startswith("Ask before deciding")]
    assert len(asks) == 3 and "value proposition" in asks[0]
    with pytest.raises(PumpkinError, match="--people must be respectful or mistreated"):
        ProspectAnswers(people="rude")
    with pytest.raises(PumpkinError, match="--cant-or-wont"):
        ProspectAnswers(cant_or_wont="maybe")
    assert ProspectAnswers(cant_or_wont="Can’t").cant_or_wont == "can't"
