"""Offboarding plans: seed 002's four steps, the dates, the invoices to collect, who leads."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.book.settings import Settings
from helpers.decide.offboarding import (
    REFERRAL,
    WORDS_TO_AVOID,
    offboarding_plan,
    offboarding_plans,
    plans_frame,
    write_plans,
)
from helpers.errors import PumpkinError

T = pd.Timestamp


def client_row(**changes) -> pd.Series:
    row = {
        "quarter": "2025Q4",
        "client_id": "c1",
        "name": "Acme <Tools> & Co",
        "owner": "ann",
        "revenue_ttm": 12_000.0,
        "hours_ttm": 300.0,
        "margin_ttm": -6_000.0,
        "effective_rate_ttm": 40.0,
        "rate_percentile": 5.0,
        "alignment_score": 2.5,
        "growth_ttm": -0.2,
        "expected_revenue_next_4q": 9_000.0,
        "actions": "PRUNE;COLLECT",
        "prune": True,
        "reasons": "bottom 10% of the book on revenue per hour",
    }
    return pd.Series({**row, **changes})


def small_book(ratings: dict[str, float] | None = None) -> SimpleNamespace:
    invoices = pd.DataFrame(
        {
            "invoice_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
            "client_id": ["c1", "c1", "c1", "c1", "c2", "c1"],
            "issue_date": [
                T("2025-06-01"),
                T("2025-11-01"),
                T("2025-12-15"),
                T("2025-09-01"),
                T("2025-06-01"),
                T("2026-01-05"),
            ],
            "due_date": [
                T("2025-07-01"),
                T("2025-12-01"),
                T("2026-01-14"),
                T("2025-10-01"),
                T("2025-07-01"),
                T("2026-02-04"),
            ],
            "amount_base": [1_000.0, 2_000.0, 500.0, 700.0, 9_999.0, 300.0],
            # i1 unpaid, i2 paid after as_of (so open at as_of), i3 not yet due, i4 paid in time,
            # i5 another client, i6 issued after as_of
            "paid_date": [pd.NaT, T("2026-01-20"), pd.NaT, T("2025-09-30"), pd.NaT, pd.NaT],
        }
    )
    ratings = ratings or {}
    assessments = pd.DataFrame(
        [
            {
                "date": T("2025-10-01"),
                "client_id": "c1",
                "assessor": who,
                "alignment": r,
                "transparency": r,
                "respect": r,
                "fit": r,
            }
            for who, r in ratings.items()
        ],
        columns=["date", "client_id", "assessor", "alignment", "transparency", "respect", "fit"],
    )
    entries = pd.DataFrame(
        {
            "date": [T("2025-03-01"), T("2025-06-01"), T("2025-07-01"), T("2024-12-31")],
            "client_id": ["c1", "c1", "c1", "c1"],
            "person": ["bo", "ann", "bo", "cy"],  # cy's hours are before the twelve months
            "hours": [10.0, 30.0, 25.0, 99.0],
        }
    )
    return SimpleNamespace(invoices=invoices, assessments=assessments, time_entries=entries)


def test_four_steps_with_dates_from_the_start_date():
    # 2026-01-10 is a Saturday: the meeting rolls to Monday 12 January
    plan = offboarding_plan(client_row(), start_date="2026-01-10", settings=Settings())
    assert [s.number for s in plan.steps] == [1, 2, 3, 4]
    assert plan.meeting_date == T("2026-01-12")
    assert plan.steps[1].date == plan.meeting_date  # honest but diplomatic: in that meeting
    assert plan.transition_end == T("2026-02-11")  # + 30 days, a Wednesday
    assert plan.follow_up_date == T("2026-02-25")  # + 14 days
    titles = " ".join(s.title for s in plan.steps).lower()
    for words in ("communicate clearly", "honest but diplomatic", "support", "follow up"):
        assert words in titles
    assert REFERRAL in plan.steps[2].text
    assert "profitability" in plan.steps[0].text and "growth" in plan.steps[0].text


def test_transition_length_is_a_parameter_and_dates_roll_to_weekdays():
    plan = offboarding_plan(
        client_row(),
        start_date=T("2026-03-02"),
        settings=Settings(),
        transition_days=5,
        follow_up_days=5,
    )
    assert plan.transition_end == T("2026-03-09")  # 7 March is a Saturday
    assert plan.follow_up_date == T("2026-03-16")  # 14 March is a Saturday


def test_reason_uses_the_clients_figures_and_no_blame_words_in_what_we_say():
    plan = offboarding_plan(client_row(), start_date="2026-01-12", settings=Settings())
    assert "$12,000 of revenue for 300 hours" in plan.reason
    assert "$40 an hour" in plan.reason and "-20%" in plan.reason
    assert "2.5 of 5" in plan.reason
    said = " ".join(plan.points_to_make).lower()
    assert not any(word.split(" /")[0] in said for word in WORDS_TO_AVOID)
    assert "unprofitable" in plan.words_to_avoid


def test_open_invoices_to_collect_first():
    plan = offboarding_plan(
        client_row(), start_date="2026-01-12", book=small_book(), settings=Settings()
    )
    assert plan.open_invoices["invoice_id"].tolist() == ["i1", "i2", "i3"]
    assert plan.open_amount == 3_500
    # as of 2025-12-31: i1 due 2025-07-01 is 183 days past due, i3 is not yet due
    assert plan.open_invoices["days_past_due"].tolist() == [183, 30, 0]
    assert (
        "3 open invoice(s) ($3,500, $3,000 of it past due: chase that first," in plan.steps[0].text
    )
    assert "183 days past due" in plan.to_markdown()
    assert plan.team == ("bo (35 h)", "ann (30 h)")
    assert "People involved in the handover: bo (35 h), ann (30 h)." in plan.to_markdown()


def test_owner_leads_unless_the_dislike_looks_personal():
    fine = offboarding_plan(
        client_row(actions="PRUNE"),
        start_date="2026-01-12",
        book=small_book({"ann": 3.0, "bo": 3.5}),
        settings=Settings(),
    )
    assert fine.lead == "ann"
    personal = offboarding_plan(
        client_row(actions="PRUNE"),
        start_date="2026-01-12",
        book=small_book({"ann": 1.5, "bo": 4.5, "cy": 4.0}),
        settings=Settings(),
    )
    assert personal.lead == "bo"  # the colleague who rates the client best
    assert "2.8 points below" in personal.lead_reason  # 1.5 vs (4.5 + 4.0) / 2
    flagged = offboarding_plan(
        client_row(actions="PRUNE;REASSIGN_OWNER"), start_date="2026-01-12", settings=Settings()
    )
    assert flagged.lead != "ann" and "personal" in flagged.lead_reason


def test_pages_are_written_one_per_client_and_html_is_escaped(tmp_path):
    metrics = pd.DataFrame([client_row(), client_row(client_id="c/2", name="Beta", prune=False)])
    plans = offboarding_plans(metrics, start_date="2026-01-12", settings=Settings())
    assert [p.client_id for p in plans] == ["c1"]
    both = offboarding_plans(metrics, ["c1", "c/2"], start_date="2026-01-12", settings=Settings())
    html_paths = write_plans(both, tmp_path / "html", fmt="html")
    assert [p.name for p in html_paths] == ["offboarding_c1.html", "offboarding_c_2.html"]
    page = html_paths[0].read_text(encoding="utf-8")
    assert "Acme &lt;Tools&gt; &amp; Co" in page and "<Tools>" not in page
    md = write_plans(both, tmp_path / "md")[0].read_text(encoding="utf-8")
    assert md.startswith("# Offboarding plan: Acme <Tools> & Co (c1)")
    assert "### 4. Follow up (2026-02-25)" in md
    with pytest.raises(PumpkinError, match="fmt"):
        write_plans(both, tmp_path, fmt="pdf")
    with pytest.raises(PumpkinError, match="zz"):
        offboarding_plans(metrics, ["zz"], start_date="2026-01-12", settings=Settings())


def test_plans_frame_is_one_row_per_plan():
    plans = [
        offboarding_plan(
            client_row(), start_date="2026-01-12", book=small_book(), settings=Settings()
        )
    ]
    frame = plans_frame(plans)
    assert frame.loc[0, "meeting_date"] == T("2026-01-12")
    assert frame.loc[0, "open_invoices"] == 3 and frame.loc[0, "open_amount"] == 3_500
    assert frame.loc[0, "referral"] == REFERRAL
    assert plans_frame([]).empty


def test_bad_start_date_is_refused():
    with pytest.raises(PumpkinError, match="start_date"):
        offboarding_plan(client_row(), start_date="next week", settings=Settings())


def test_offboarding_sheet_defaults_to_two_weeks_after_the_quarter():
    from helpers.decide.offboarding import offboarding_sheet

    metrics = pd.DataFrame([client_row(), client_row(client_id="c2", name="Beta", prune=False)])
    sheet = offboarding_sheet(metrics, small_book())
    assert sheet["client_id"].tolist() == ["c1"]
    assert sheet.loc[0, "meeting_date"] == "2026-01-14"  # 2025-12-31 + 14 days, a Wednesday
    assert offboarding_sheet(metrics.iloc[:0]).empty
    assert offboarding_sheet(metrics.assign(prune=False)).empty
