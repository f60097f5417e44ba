"""Offboarding plans: seed 002's four steps, the dates, the invoices to collect, who leads."""

from __future__ import annotations

from pathlib import Path
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
        client_row(notice_days=0),  # no notice in the contract: the handover length decides
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
        "3 open invoice(s) ($3,500; $3,000 of it past due: chase that first) and agree"
        in plan.steps[0].text
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
    both = offboarding_plans(
        metrics, ["c1", "c/2"], start_date="2026-01-12", settings=Settings(), spread=False
    )
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
    sheet = offboarding_sheet(metrics, small_book(), settings=Settings())
    assert sheet["client_id"].tolist() == ["c1"]
    assert sheet.loc[0, "meeting_date"] == "2026-01-14"  # 2025-12-31 + 14 days, a Wednesday
    assert offboarding_sheet(metrics.iloc[:0], settings=Settings()).empty
    assert offboarding_sheet(metrics.assign(prune=False), settings=Settings()).empty


# ----------------------------------------------------------------------------- per cause


def merged(row: pd.Series, changes: dict) -> pd.Series:
    return pd.Series({**row.to_dict(), **changes})


def cause_metrics() -> pd.DataFrame:
    """Four clients let go for the four seed reasons, each with its own figures."""
    base = client_row(prune_abuse=False, prune_nonpayer=False, prune_cut=False, prune_reprice=False)
    rows = [
        merged(
            base,
            {
                "client_id": "bully",
                "name": "Grimsby Tower",
                "revenue_ttm": 110_613.0,
                "effective_rate_ttm": 173.6,
                "abuse_ttm": 2,
                "prune_abuse": True,
                "reasons": "2 abuse events in the last four quarters",
            },
        ),
        merged(
            base,
            {
                "client_id": "owes",
                "name": "Dustbowl Kitchens",
                "revenue_ttm": 17_574.0,
                "overdue_amount": 19_627.72,
                "aging_90_plus": 12_400.0,
                "oldest_overdue_days": 212.0,
                "oldest_overdue_invoice": "INV-0917",
                "prune_nonpayer": True,
            },
        ),
        merged(
            base,
            {
                "client_id": "cheap",
                "name": "Meridian Health",
                "effective_rate_ttm": 38.0,
                "cost_rate_ttm": 85.0,
                "target_rate": 121.43,
                "target_rise": 121.43 / 38.0 - 1,
                "book_median_rate": 118.0,
                "prune_reprice": True,
            },
        ),
        merged(
            base,
            {
                "client_id": "small",
                "name": "Tiny Teapot",
                "effective_rate_ttm": 26.0,
                "book_median_rate": 118.0,
                "growth_ttm": -0.12,
                "prune_cut": True,
            },
        ),
    ]
    return pd.DataFrame(rows)


def abuse_book() -> SimpleNamespace:
    book = small_book()
    book.events = pd.DataFrame(
        {
            "date": [T("2025-03-04"), T("2025-10-21"), T("2024-06-01"), T("2025-05-05")],
            "client_id": ["bully", "bully", "bully", "owes"],
            "kind": ["abuse", "abuse", "abuse", "abuse"],
            "severity": [2.0, 3.0, 3.0, 1.0],
            "note": ["shouted at the designer on a call", None, "before the window", "x"],
        }
    )
    book.clients = pd.DataFrame({"client_id": ["bully"], "notice_days": [float("nan")]})
    book.time_entries = book.time_entries.assign(client_id="bully")
    return book


def plans_by_id(**kwargs) -> dict[str, object]:
    metrics = cause_metrics()
    plans = offboarding_plans(
        metrics, start_date="2026-01-12", settings=Settings(), spread=False, **kwargs
    )
    return {p.client_id: p for p in plans}


def test_each_cause_gets_its_own_talking_points_with_its_own_figures():
    plans = plans_by_id(book=abuse_book())
    bully, owes, cheap, small = (plans[i] for i in ("bully", "owes", "cheap", "small"))
    assert [p.cause for p in (bully, owes, cheap, small)] == ["abuse", "nonpayer", "reprice", "cut"]
    said = {i: " ".join(p.points_to_make) for i, p in plans.items()}
    # abuse: the behaviour, its dates, our people, no negotiation; the revenue does not matter
    assert "how our people were treated (2025-03-04, 2025-10-21)" in said["bully"]
    assert "not open to negotiation" in said["bully"]
    assert "2024-06-01" not in bully.to_markdown()  # before the twelve months
    assert "2025-03-04: shouted at the designer on a call (severity 2 of 3)" in bully.to_markdown()
    assert "2025-10-21: abuse of our people (severity 3 of 3)" in bully.to_markdown()
    assert "$110,613" in bully.reason and "whatever the revenue" in bully.reason
    assert "Tell bo, ann that the client was let go" in bully.for_our_people
    # won't pay: the overdue money, the oldest invoice, a settlement proposal with dates
    assert "$19,628 is past due" in said["owes"] and "INV-0917" in said["owes"]
    assert "212 days past due" in said["owes"]
    assert (
        "Our settlement proposal: $19,628 in full by 2026-02-11, or 3 monthly instalments of "
        "$6,543, the first on 2026-01-26 and the last on 2026-03-26" in said["owes"]
    )
    assert "$12,400 of it more than 90 days" in owes.reason
    # reprice or exit: the rate, the rise, the cost, the date of the offer; the offer comes first
    assert "$38 an hour for work that costs us $85 an hour" in said["cheap"]
    assert "$121 an hour (+220%) from 2026-02-11" in said["cheap"]
    assert "the offer made on 2026-01-12 stands until 2026-01-26" in said["cheap"]
    assert "make the offer" in cheap.steps[0].title
    assert cheap.steps[0].text.startswith(
        "Offer Meridian Health $121 per hour instead of $38 (+220%), the rate that covers what "
        "our people cost ($85 an hour) plus a 30% margin, from 2026-02-11"
    )
    assert cheap.offer.rate == pytest.approx(121.43) and cheap.offer.answer_by == T("2026-01-26")
    # the seed's cut: profitability, fit and growth; "not the best fit" is honest here only
    assert "$26 an hour against a typical $118" in said["small"] and "-12%" in said["small"]
    assert "narrower kind of work" in said["small"]
    for other in ("bully", "owes", "cheap"):
        assert "narrower kind of work" not in said[other]
        assert "$26 an hour" not in said[other]
    assert "$19,628" not in said["bully"] + said["cheap"] + said["small"]
    assert "$121" not in said["bully"] + said["owes"] + said["small"]
    # four different plans, four different letters; the words-to-avoid list stays in every one
    assert len(set(said.values())) == 4 and len({p.letter for p in plans.values()}) == 4
    for plan in plans.values():
        assert set(WORDS_TO_AVOID) <= set(plan.words_to_avoid)
        spoken = (" ".join(plan.points_to_make) + plan.letter).lower()
        assert not [w for w in plan.words_to_avoid if w.split(" /")[0] in spoken], plan.cause
    assert (
        "no price, apology or promise" in said["bully"]
        and "a second chance" in bully.words_to_avoid
    )


def test_only_the_cut_and_a_review_start_with_cant_or_wont():
    plans = plans_by_id()
    assert [i for i, p in plans.items() if p.questions] == ["small"]
    page = plans["small"].to_markdown()
    assert "## Before acting: can't or won't?" in page
    assert "would training, practice, better capability or more staff fix it?" in page
    assert "Not answered yet" in page and "cant_or_wont.csv" in page
    review = offboarding_plan(
        client_row(actions="REVIEW", prune=False), start_date="2026-01-12", settings=Settings()
    )
    assert review.cause == "review" and review.questions
    assert "Before acting" not in plans["bully"].to_markdown()


def test_answers_are_saved_with_the_plan_and_printed_in_it(tmp_path):
    from helpers.decide.offboarding import CantOrWont, load_answers, save_answers

    path = tmp_path / "plans" / "cant_or_wont.csv"
    save_answers(
        [
            CantOrWont(
                "small", "wont", note="retail fit-outs are not our strategy", quarter="2025Q4"
            ),
            CantOrWont("x", "Can’t", fixes=("staff", "training"), quarter="2025Q4"),
        ],
        path,
    )
    save_answers([CantOrWont("x", "won't", quarter="2025Q4", answered_by="ann")], path)
    answers = load_answers(path, quarter="2025Q4")
    assert sorted(answers) == ["small", "x"]
    assert answers["x"].answer == "won't" and answers["x"].answered_by == "ann"  # replaced
    assert load_answers(path, quarter="2026Q1") == {}
    plan = plans_by_id(answers=answers)["small"]
    assert not plan.hold
    assert (
        "Won't" in plan.answers_text and "retail fit-outs are not our strategy" in plan.answers_text
    )
    assert "The plan goes ahead" in plan.to_markdown()
    held = offboarding_plan(
        cause_metrics().iloc[3],
        start_date="2026-01-12",
        settings=Settings(),
        answers=CantOrWont("small", "can't", fixes=("training", "staff")),
    )
    assert held.hold and "training and staff could close the gap" in held.to_html()
    row = plans_frame([held]).iloc[0]
    assert bool(row["hold"]) and "Hold the plan" in row["cant_or_wont"]


def test_bad_answers_are_refused_naming_the_file_row_and_column(tmp_path):
    from helpers.decide.offboarding import CantOrWont, load_answers

    path = tmp_path / "cant_or_wont.csv"
    path.write_text("quarter,client_id,answer,fixes\n2025Q4,a,won't,\n2025Q4,b,maybe,\n")
    with pytest.raises(PumpkinError, match=r"row 3, column 'answer'.*got 'maybe'"):
        load_answers(path)
    path.write_text("quarter,client_id,answer,fixes\n2025Q4,a,can't,luck\n")
    with pytest.raises(PumpkinError, match=r"row 2, column 'fixes'.*luck"):
        load_answers(path)
    with pytest.raises(PumpkinError, match="unknown fix"):
        CantOrWont("a", "can't", fixes=("money",))


# ----------------------------------------------------------------------------- notice and cash


def test_a_60_day_notice_dates_the_steps():
    row = cause_metrics().iloc[3]
    plan = offboarding_plan(
        merged(row.copy(), {"notice_days": 60.0}), start_date="2026-01-12", settings=Settings()
    )
    assert plan.notice_days == 60
    assert [s.date for s in plan.steps] == [
        T("2026-01-12"),
        T("2026-01-12"),
        T("2026-03-13"),  # 60 days after the meeting, a Friday
        T("2026-03-27"),  # the follow-up two weeks later
    ]
    assert plan.exit_date == T("2026-03-13")
    assert "Notice: 60 days (the contract's notice period)" in plan.to_markdown()
    assert "A transition of 60 days, to 2026-03-13" in plan.steps[2].text
    assert "ends on 2026-03-13" in plan.letter
    # the same notice read from the book's clients table, and the setting when blank
    book = SimpleNamespace(clients=pd.DataFrame({"client_id": ["small"], "notice_days": [60.0]}))
    assert offboarding_plan(
        row, start_date="2026-01-12", settings=Settings(), book=book
    ).exit_date == T("2026-03-13")
    default = offboarding_plan(row, start_date="2026-01-12", settings=Settings(notice_days=45))
    assert default.exit_date == T("2026-02-26") and "the default setting" in default.to_markdown()
    # a reprice offer: answered within two weeks; the new rate or the exit after the notice
    offer = offboarding_plan(
        merged(cause_metrics().iloc[2], {"notice_days": 60.0}),
        start_date="2026-01-12",
        settings=Settings(),
    )
    assert offer.offer.answer_by == T("2026-01-26") and offer.offer.rate_from == T("2026-03-13")
    assert offer.exit_date == T("2026-03-13")


def test_three_exits_in_one_quarter_are_spread_and_abuse_is_not_delayed():
    from helpers.decide.offboarding import exit_calendar, schedule_exits

    small = cause_metrics().iloc[3]
    rows = [
        merged(
            small, {"client_id": f"s{i}", "name": f"Small {i}", "revenue_ttm": r, "hours_ttm": h}
        )
        for i, (r, h) in enumerate([(12_000.0, 240.0), (24_000.0, 360.0), (36_000.0, 120.0)])
    ]
    metrics = pd.DataFrame([*rows, cause_metrics().iloc[0]])
    ids = ["s0", "s1", "s2"]
    schedule = schedule_exits(metrics, ids, start_date="2026-01-12", settings=Settings())
    assert schedule["meeting_date"].tolist() == [T("2026-01-12"), T("2026-02-11"), T("2026-03-13")]
    assert schedule["exit_date"].dt.month.tolist() == [2, 3, 4]  # one exit a month
    together = offboarding_plans(
        metrics, ids, start_date="2026-01-12", settings=Settings(), spread=False
    )
    assert len({p.transition_end for p in together}) == 1
    plans = offboarding_plans(
        metrics, [*ids, "bully"], start_date="2026-01-12", settings=Settings()
    )
    assert [p.client_id for p in plans] == [*ids, "bully"]
    assert plans[3].meeting_date == T("2026-01-12")  # abuse: never delayed to protect cash
    assert plans[0].meeting_date == T("2026-01-12") and plans[2].meeting_date == T("2026-03-13")
    calendar = exit_calendar(plans[:3]).set_index("month")
    assert calendar.index.tolist() == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert calendar.loc["2026-02", "leaving"] == "Small 0"
    assert calendar.loc["2026-02", "revenue_stopping"] == pytest.approx(1_000)
    assert calendar.loc["2026-03", "revenue_stopping"] == pytest.approx(2_000)
    # February: Small 0 leaves on the 11th, so 17 of its 28 days are lost
    assert calendar.loc["2026-02", "revenue_lost"] == pytest.approx(1_000 * 17 / 28)
    assert calendar.loc["2026-05", "revenue_lost"] == pytest.approx(6_000)
    assert calendar.loc["2026-05", "hours_freed"] == pytest.approx((240 + 360 + 120) / 12)
    assert calendar.loc["2026-01", "revenue_lost"] == 0
    assert exit_calendar([]).empty


def test_letter_and_points_go_into_the_pages_and_the_sheet(tmp_path):
    plans = list(plans_by_id(book=abuse_book()).values())
    md = write_plans(plans, tmp_path)[0].read_text(encoding="utf-8")
    assert "## Follow-up letter (draft)" in md and "> Subject: Confirming the end" in md
    page = write_plans(plans, tmp_path, fmt="html")[1].read_text(encoding="utf-8")
    assert "Follow-up letter (draft)" in page and "Our settlement proposal" in page
    frame = plans_frame(plans)
    assert frame["cause"].tolist() == ["abuse", "nonpayer", "reprice", "cut"]
    assert frame.loc[2, "letter"].startswith("Subject: Our rate from 2026-02-11")
    assert "not open to negotiation" in frame.loc[0, "points_to_make"]


# ----------------------------------------------------------------------------- pumpkin plans

DEMO = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_pumpkin_plans_writes_one_page_per_prune_candidate_and_the_workbook(tmp_path, capsys):
    from helpers.book.load import load_book
    from helpers.cli import main
    from helpers.decide.contract import client_metrics
    from helpers.decide.offboarding import CantOrWont, cause_column, cause_of, save_answers

    if not (DEMO / "clients.csv").exists():
        pytest.skip(f"the demo book is absent ({DEMO}); run `make sample`")
    metrics = client_metrics(load_book(DEMO, settings=Settings()), "2025Q4", settings=Settings())
    candidates = sorted(metrics.loc[metrics["prune"], "client_id"])
    assert candidates
    out = tmp_path / "plans"
    causes = cause_column(metrics.set_index("client_id", drop=False).loc[candidates])
    asked = next(i for i, c in causes.items() if cause_of(c).asks)  # the cut or a later reason
    save_answers(
        [CantOrWont(asked, "can't", fixes=("staff",), quarter="2025Q4")], out / "cant_or_wont.csv"
    )
    argv = ["plans", "--data", str(DEMO), "--quarter", "2025q4", "--out", str(out)]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert f"wrote {len(candidates)} offboarding plan(s) for 2025Q4" in said
    assert "1 on hold" in said
    md = sorted(p.stem.removeprefix("offboarding_") for p in out.glob("offboarding_*.md"))
    html = sorted(p.stem.removeprefix("offboarding_") for p in out.glob("offboarding_*.html"))
    assert md == html == candidates
    sheets = pd.read_excel(out / "offboarding.xlsx", sheet_name=None)
    assert sorted(sheets["offboarding"]["client_id"]) == candidates
    assert sheets["offboarding"]["letter"].str.startswith("Subject: ").all()
    held = sheets["offboarding"].set_index("client_id").loc[asked]
    assert bool(held["hold"]) and "staff could close the gap" in held["cant_or_wont"]
    months = sheets["exits by month"]
    assert months["revenue_stopping"].sum() == pytest.approx(
        metrics.loc[metrics["prune"], "revenue_ttm"].clip(lower=0).sum() / 12
    )
    assert (months["revenue_stopping"] > 0).sum() >= 3  # exits spread over several months
    bully = (out / "offboarding_c-bully.md").read_text(encoding="utf-8")
    assert "not open to negotiation" in bully and "Notice: 90 days" in bully
    assert main([*argv, "--start-date", "soon"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pumpkin plans: error: --start-date must be a date such as 2026-01-12, got 'soon'"
    )


def test_a_reprice_offer_without_the_cost_figure_still_reads_plainly():
    row = client_row(prune_reprice=True, target_rate=95.24, target_rise=95.24 / 40 - 1)
    plan = offboarding_plan(row, start_date="2026-01-12", settings=Settings())
    first = plan.steps[0]
    assert first.text.startswith("Offer Acme <Tools> & Co $95 per hour instead of $40 (+138%)")
    assert "if they decline" in first.text and "nan" not in plan.to_markdown()
    assert "costs us more than that to deliver" in " ".join(plan.points_to_make)
