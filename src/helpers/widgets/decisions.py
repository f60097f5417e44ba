"""The "record decision" control shared by the explorer's client card and the pruning planner.

It appends a row to ``decisions.csv`` beside the book (like Save settings writes
``settings.toml``) through :func:`helpers.decide.journal.record_decision`; a bad entry shows its
one-line message instead of raising. Plain Python underneath: a test sets the widgets' values
and calls :meth:`DecisionForm.record` (what the button does).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from helpers.decide.journal import DECISIONS_FILE, RECORDABLE, record_decision
from helpers.errors import PumpkinError


def default_decisions_file(book, settings_file: str | Path | None) -> Path:
    """``decisions.csv`` in the book's folder; else beside the settings file."""
    source = getattr(book, "source", "") or ""
    if source and Path(source).is_dir():
        return Path(source) / DECISIONS_FILE
    return Path(settings_file or ".").parent / DECISIONS_FILE


def with_decision(book, row: pd.Series):
    """A copy of ``book`` whose decisions include ``row`` (as written by ``record_decision``)."""
    typed = pd.DataFrame(
        {
            "date": [pd.Timestamp(row["date"])],
            "client_id": [row["client_id"]],
            "action": [row["action"]],
            "decided_by": [row["decided_by"] or None],
            "note": [row["note"] or None],
            "until": [pd.Timestamp(row["until"]) if row["until"] else pd.NaT],
        }
    ).astype({"date": "datetime64[ns]", "until": "datetime64[ns]"})
    decisions = book.decisions
    merged = typed if decisions.empty else pd.concat([decisions, typed], ignore_index=True)
    return dataclasses.replace(book, decisions=merged)


class DecisionForm:
    """Action, who, why, date (blank: today), KEEP's end date and a "Record decision" button.

    ``client`` returns the client the decision is about; ``known_clients`` the ids a decision
    may name; ``on_recorded`` is called with the row written.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        client: Callable[[], str | None],
        known_clients: Callable[[], Iterable[str]] | None = None,
        on_recorded: Callable[[pd.Series], None] | None = None,
        action: str = "KEEP",
    ) -> None:
        self._client, self._known, self._on_recorded = client, known_clients, on_recorded
        style = {"description_width": "110px"}
        self.action = widgets.Dropdown(
            options=list(RECORDABLE), value=action, description="Decision", style=style
        )
        self.decided_by = widgets.Text(description="Decided by", style=style)
        self.note = widgets.Text(description="Why", style=style, layout={"width": "420px"})
        self.date = widgets.DatePicker(description="Date (blank: today)", style=style)
        self.until = widgets.DatePicker(description="KEEP until", style=style)
        self.path = widgets.Text(
            value=str(path), description="Decisions file", style=style, layout={"width": "420px"}
        )
        self.button = widgets.Button(description="Record decision", icon="check")
        self.button.add_class("pumpkin-record-decision")
        self.status = widgets.HTML()
        self.button.on_click(lambda _button: self.record())
        self.widget = widgets.VBox(
            [
                widgets.HTML("<b>Record a decision</b> (the next report says what happened)"),
                widgets.HBox([self.action, self.decided_by]),
                self.note,
                widgets.HBox([self.date, self.until]),
                widgets.HBox([self.path, self.button]),
                self.status,
            ]
        )

    def record(self) -> pd.Series | None:
        """Write the decision; the row written, or None (the reason shown in ``status``)."""
        client_id = self._client()
        if client_id is None:
            self.status.value = "Pick a client first."
            return None
        try:
            row = record_decision(
                self.path.value,
                client_id=client_id,
                action=self.action.value,
                date=self.date.value,
                decided_by=self.decided_by.value,
                note=self.note.value,
                until=self.until.value if self.action.value == "KEEP" else None,
                known_clients=list(self._known()) if self._known else None,
            )
        except PumpkinError as exc:
            self.status.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return None
        self.status.value = (
            f"Recorded {html.escape(row['action'])} for {html.escape(row['client_id'])} on "
            f"{row['date']} in <code>{html.escape(str(self.path.value))}</code>"
        )
        self.note.value = ""
        if self._on_recorded is not None:
            self._on_recorded(row)
        return row
