"""Small forms of notebook 04: seed 000's questions for the plans and for a prospect.

:class:`CantOrWontForm` asks "can't or won't?" for each client let go for the seed's cut or
after a review, and saves the answers beside the plans (``cant_or_wont.csv``), where the pages,
the workbook and ``pumpkin plans`` read them. :class:`ProspectForm` asks the prospect questions
and shows the screen's answer (take, take with conditions, decline) with its reasons. Logic lives
in plain methods, so tests drive the forms by setting widget values (no browser needed).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as w
import pandas as pd

from helpers.book.settings import Settings
from helpers.decide.offboarding import (
    CANT_OR_WONT_QUESTIONS,
    FIXES,
    CantOrWont,
    load_answers,
    save_answers,
)
from helpers.decide.prospects import (
    CANT_OR_WONT_QUESTION,
    PROSPECT_QUESTIONS,
    ProspectAnswers,
    Screen,
    screen_prospect,
)

_NOT_ANSWERED = ("not answered", "")


class CantOrWontForm:
    """One row per client (answer, what would fix it, a note) and a Save button.

    ``clients`` are (client_id, name) pairs; ``path`` is the answers file (earlier answers in it
    for ``quarter`` fill the form).
    """

    def __init__(
        self,
        clients: Sequence[tuple[str, str]],
        *,
        quarter: str,
        path: str | Path,
        answered_by: str = "",
    ) -> None:
        self.quarter, self.path = quarter, Path(path)
        self.answered_by = w.Text(value=answered_by, description="Answered by")
        self.save_button = w.Button(description="Save answers", icon="save")
        self.status = w.HTML()
        self.rows = w.VBox()
        self._rows: dict[str, tuple[w.ToggleButtons, dict[str, w.Checkbox], w.Text]] = {}
        self._saved = load_answers(self.path, quarter=quarter)
        self.save_button.on_click(self.save)
        questions = "".join(f"<li>{html.escape(q)}</li>" for q in CANT_OR_WONT_QUESTIONS)
        self.widget = w.VBox(
            [
                w.HTML(f"<b>Before acting: can't or won't?</b><ol>{questions}</ol>"),
                self.rows,
                w.HBox([self.answered_by, self.save_button]),
                self.status,
            ]
        )
        self.set_clients(clients)

    def set_clients(self, clients: Sequence[tuple[str, str]]) -> None:
        """Show these clients (answers already typed for a client are kept)."""
        rows = []
        for client_id, name in clients:
            if client_id not in self._rows:
                saved = self._saved.get(client_id, CantOrWont(client_id))
                answer = w.ToggleButtons(
                    options=[_NOT_ANSWERED, ("won't (strategy)", "won't"), ("can't yet", "can't")],
                    value=saved.answer,
                    style={"button_width": "auto"},
                )
                fixes = {
                    fix: w.Checkbox(value=fix in saved.fixes, description=fix, indent=False)
                    for fix in FIXES
                }
                note = w.Text(value=saved.note, placeholder="why (optional)")
                self._rows[client_id] = (answer, fixes, note)
            answer, fixes, note = self._rows[client_id]
            label = w.HTML(f"{html.escape(name)} ({html.escape(client_id)})")
            rows.append(w.VBox([label, w.HBox([answer, *fixes.values()]), note]))
        self._shown = [c for c, _ in clients]
        self.rows.children = rows or [w.HTML("<i>No plan here asks the question.</i>")]

    @property
    def answers(self) -> dict[str, CantOrWont]:
        """The answers typed for the clients shown (unanswered ones left out)."""
        out = {}
        for client_id in self._shown:
            answer, fixes, note = self._rows[client_id]
            chosen = tuple(f for f, box in fixes.items() if box.value)
            if not answer.value and not chosen:
                continue
            out[client_id] = CantOrWont(
                client_id,
                answer.value,
                fixes=chosen,
                note=note.value,
                answered_by=self.answered_by.value,
                date=f"{pd.Timestamp.today():%Y-%m-%d}",
                quarter=self.quarter,
            )
        return out

    def save(self, _button=None) -> Path | None:
        """Write the answers to :attr:`path`; the status line says where and how many."""
        answers = self.answers
        if not answers:
            self.status.value = "<i>Nothing answered yet: nothing saved.</i>"
            return None
        path = save_answers(answers.values(), self.path)
        self._saved.update(answers)
        self.status.value = html.escape(
            f"Saved {len(answers)} answer(s) to {path}; the plans read them from there."
        )
        return path


class ProspectForm:
    """The prospect's industry, size, expected hours and fees, and seed 000's questions; below
    them the screen's answer with its reasons, the figures and the look-alikes' segments."""

    def __init__(
        self,
        metrics: pd.DataFrame,
        *,
        settings: Settings,
        events: pd.DataFrame | None = None,
        industry: str = "",
        size: str = "small",
        expected_hours: float = 0.0,
        expected_fees: float = 0.0,
        answers: ProspectAnswers | None = None,
    ) -> None:
        self.metrics, self.settings, self.events = metrics, settings, events
        answers = answers or ProspectAnswers()
        industries = sorted(metrics["industry"].dropna().astype(str).str.strip().unique())
        self.industry = w.Combobox(
            value=industry, options=industries, description="Industry", ensure_option=False
        )
        self.size = w.Dropdown(options=["small", "medium", "large"], value=size, description="Size")
        self.hours = w.FloatText(value=expected_hours, description="Hours a year")
        self.fees = w.FloatText(value=expected_fees, description="Fees a year")
        self.questions: dict[str, w.ToggleButtons] = {}
        rows = []
        for name, question, good, bad in PROSPECT_QUESTIONS:
            self.questions[name] = w.ToggleButtons(
                options=[("not asked", ""), (good, good), (bad, bad)],
                value=getattr(answers, name),
                style={"button_width": "auto"},
            )
            rows.append(w.VBox([w.HTML(html.escape(question)), self.questions[name]]))
        self.questions["cant_or_wont"] = w.ToggleButtons(
            options=[("not asked", ""), ("can't yet", "can't"), ("won't", "won't")],
            value=answers.cant_or_wont,
            style={"button_width": "auto"},
        )
        rows.append(
            w.VBox([w.HTML(html.escape(CANT_OR_WONT_QUESTION)), self.questions["cant_or_wont"]])
        )
        self.output = w.HTML()
        for control in (self.industry, self.size, self.hours, self.fees, *self.questions.values()):
            control.observe(self.render, names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.industry, self.size]),
                w.HBox([self.hours, self.fees]),
                *rows,
                self.output,
            ]
        )
        self.render()

    @property
    def answers(self) -> ProspectAnswers:
        return ProspectAnswers(**{name: box.value for name, box in self.questions.items()})

    @property
    def screen(self) -> Screen:
        return screen_prospect(
            self.metrics,
            industry=self.industry.value,
            size=self.size.value,
            expected_hours=self.hours.value or None,
            expected_fees=self.fees.value or None,
            settings=self.settings,
            events=self.events,
            answers=self.answers,
        )

    def render(self, _change=None) -> None:
        """Show the answer for the current choices (a bad input is said in words)."""
        from helpers.errors import PumpkinError

        try:
            screen = self.screen
        except PumpkinError as exc:
            self.output.value = f"<p><i>{html.escape(str(exc))}</i></p>"
            return
        self.output.value = screen_html(screen)


def screen_html(screen: Screen) -> str:
    """The answer, its reasons and conditions, then the figures, as escaped HTML."""
    e = html.escape
    items = lambda xs: "".join(f"<li>{e(x)}</li>" for x in xs)  # noqa: E731
    conditions = (
        f"<p>Conditions:</p><ul>{items(screen.conditions)}</ul>" if screen.conditions else ""
    )
    figures = "".join(f"<p>{e(line)}</p>" for line in screen.summary.split("\n"))
    return (
        f"<h4>Answer: {e(screen.decision)}</h4><ul>{items(screen.reasons)}</ul>{conditions}"
        f"{figures}"
    )
