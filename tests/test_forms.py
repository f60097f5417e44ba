"""Notebook 04's forms: can't-or-won't answers saved with the plans, the prospect's questions."""

from __future__ import annotations

import pandas as pd

from helpers.book.settings import Settings
from helpers.decide.offboarding import load_answers
from helpers.widgets.forms import CantOrWontForm, ProspectForm
from tests.test_prospects import book_metrics
from tests.test_prune import hand_raw


def test_cant_or_wont_answers_are_typed_saved_and_read_back(tmp_path):
    path = tmp_path / "plans" / "cant_or_wont.csv"
    form = CantOrWontForm([("a", "Acme"), ("b", "Beta")], quarter="2025Q4", path=path)
    assert form.save() is None and "nothing saved" in form.status.value
    answer, fixes, note = form._rows["a"]
    answer.value = "can't"
    fixes["training"].value = True
    note.value = "we have never done retail fit-outs"
    form._rows["b"][0].value = "won't"
    form.answered_by.value = "ann"
    assert form.save() == path and "Saved 2 answer(s)" in form.status.value
    saved = load_answers(path, quarter="2025Q4")
    assert saved["a"].hold and saved["a"].fixes == ("training",)
    assert saved["a"].note == "we have never done retail fit-outs"
    assert saved["b"].answer == "won't" and saved["b"].answered_by == "ann"
    # a new form starts from the saved answers; clients shown again keep what was typed
    again = CantOrWontForm([("a", "Acme")], quarter="2025Q4", path=path)
    assert again._rows["a"][0].value == "can't" and again._rows["a"][1]["training"].value
    again.set_clients([])
    assert "No plan here asks" in again.rows.children[0].value
    again.set_clients([("a", "Acme")])
    assert again._rows["a"][0].value == "can't"


def test_the_planner_asks_for_the_chosen_cut_clients_only(tmp_path):
    from helpers.audit.rules import classify
    from helpers.widgets.planner import PruningPlanner

    def with_causes(raw, settings):
        out = classify(raw, settings=settings)
        reasons = [c for c in out.columns if c.startswith("prune_")]
        out = out.assign(**{c: False for c in reasons})
        return out.assign(
            prune_abuse=out["client_id"].eq("b") & out["prune"],
            prune_cut=out["client_id"].eq("z") & out["prune"],
        )

    path = tmp_path / "cant_or_wont.csv"
    planner = PruningPlanner(
        hand_raw(), settings=Settings(), classify=with_causes, answers_path=path
    )
    assert sorted(planner.prune_ids) == ["b", "z"]
    assert planner.asking == [("z", "Client z")]  # b is let go for abuse: nothing to ask
    planner._box_ids["z"].value = False
    assert planner.questions._shown == []
    planner._box_ids["z"].value = True
    planner.questions._rows["z"][0].value = "won't"
    planner.questions.save()
    assert load_answers(path)["z"].answer == "won't"


def test_the_prospect_form_declines_a_prospect_who_mistreated_our_people():
    form = ProspectForm(book_metrics(), settings=Settings(), industry="retail", size="large")
    assert "Answer: take with conditions" in form.output.value
    assert "Ask before deciding" in form.output.value
    form.questions["people"].value = "mistreated"
    assert form.screen.decision == "decline"
    assert "Answer: decline" in form.output.value and "mistreated our people" in form.output.value
    form.questions["people"].value = "respectful"
    for name, value in [
        ("value_proposition", "understood"),
        ("service", "wanted"),
        ("role", "clear"),
    ]:
        form.questions[name].value = value
    assert "Answer: take</h4>" in form.output.value
    form.hours.value = -5.0
    assert "--expected-hours must be more than 0" in form.output.value
    assert isinstance(form.metrics, pd.DataFrame)


def test_exit_calendar_figure_draws_the_months_and_says_when_there_is_none():
    from matplotlib.figure import Figure

    from helpers.plots.exits import plot_exit_calendar

    calendar = pd.DataFrame(
        {
            "month": ["2026-01", "2026-02", "2026-03"],
            "leaving": ["", "Acme, Beta", ""],
            "revenue_stopping": [0.0, 3_000.0, 0.0],
            "revenue_lost": [0.0, 1_200.0, 3_000.0],
            "hours_freed": [0.0, 20.0, 50.0],
        }
    )
    ax = plot_exit_calendar(calendar, ax=Figure().add_subplot(), currency="USD")
    assert len(ax.patches) == 3
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["2026-01", "2026-02\n2 leave", "2026-03"]
    notes = [t.get_text() for t in ax.texts]
    assert "$3k\n50 h" in notes and "$3k a month stops" in ax.get_title(loc="left")
    empty = plot_exit_calendar(calendar.iloc[:0], ax=Figure().add_subplot(), currency="USD")
    assert [t.get_text() for t in empty.texts] == ["No exit is planned."]
