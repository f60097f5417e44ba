"""The pruning planner of ``04_pruning_plan``: sliders and checkboxes over :func:`simulate`.

Sliders for the prune percentile and the utilisation assumption, a checkbox per client near the
bottom of the book (the candidates ticked), a list to add any other client; below them seed
000's "can't or won't?" for every chosen client let go for the seed's cut or after a review
(saved with the plans), the scenario's figures, the before/after patch and the margin waterfall.
All logic lives in plain methods so tests drive it by setting widget values (no browser needed).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pandas as pd
from IPython.display import HTML, display
from matplotlib.figure import Figure

from helpers.book.settings import Settings
from helpers.decide.journal import DECISIONS_FILE, apply_journal, decision_outcomes
from helpers.decide.offboarding import ANSWERS_FILE, cause_of, plan_causes
from helpers.decide.prune import PruneScenario, prune_reason_labels, simulate
from helpers.errors import PumpkinError
from helpers.widgets.decisions import DecisionForm, default_decisions_file, with_decision
from helpers.widgets.forms import CantOrWontForm

NEAR_MISSES = 10  # unticked clients listed under the candidates (lowest revenue per hour first)


class PruningPlanner:
    """Interactive prune set: ``PruningPlanner(raw, settings).widget`` in a notebook.

    ``raw`` is ``raw_metrics`` (re-classified cheaply on every percentile change). With ``book``
    the partners' decisions are taken into account (a client kept on purpose is no candidate);
    "Record decision" writes to ``decisions_file`` (default: ``decisions.csv`` in the book's
    folder). ``answers_path`` is where the can't-or-won't answers are saved (beside the plans).
    """

    def __init__(
        self,
        raw: pd.DataFrame,
        *,
        settings: Settings,
        classify=None,
        book=None,
        decisions_file=None,
        answers_path: str | Path = ANSWERS_FILE,
    ) -> None:
        if classify is None:
            from helpers.audit.rules import classify
        self._classify = classify
        if raw is None or raw.empty:
            raise PumpkinError(
                "PruningPlanner: no clients to plan for (the book has no clients with rows "
                "in this quarter): check the book with `pumpkin validate`"
            )
        if "quarter" in raw.columns and raw["quarter"].nunique() > 1:
            raise PumpkinError(
                "PruningPlanner: the raw metrics hold several quarters "
                f"({', '.join(map(str, raw['quarter'].unique()))}): pass one quarter's rows"
            )
        self.raw, self.settings = raw, settings
        self.book, self._outcomes = book, None
        self.decision_client = w.Dropdown(
            description="Client", options=[], style={"description_width": "110px"}
        )
        self.decision_form = DecisionForm(
            decisions_file
            or (default_decisions_file(book, None) if book is not None else DECISIONS_FILE),
            client=lambda: self.decision_client.value,
            known_clients=lambda: self.raw["client_id"],
            on_recorded=self._on_decision,
            action="PRUNE",
        )
        self.percentile = _slider(
            "Prune percentile", settings.prune_percentile, top=30.0, step=0.5, readout=".1f"
        )
        self.utilisation = _slider(
            "Utilisation", settings.utilisation, top=1.0, step=0.05, readout=".0%"
        )
        self.checks = w.VBox()
        self.extra = w.SelectMultiple(
            description="Add clients", rows=6, style={"description_width": "initial"}
        )
        self.output = w.Output()
        self.metrics = self._classified()
        quarter = str(raw["quarter"].iloc[0]) if len(raw) else ""
        self.questions = CantOrWontForm([], quarter=quarter, path=answers_path)
        self._build_checks()
        self.percentile.observe(self._on_percentile, names="value")
        self.utilisation.observe(self._refresh, names="value")
        self.extra.observe(self._refresh, names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.percentile, self.utilisation]),
                w.HBox(
                    [w.VBox([w.HTML("<b>Let go (untick to keep)</b>"), self.checks]), self.extra]
                ),
                self.questions.widget,
                w.VBox([self.decision_client, self.decision_form.widget]),
                self.output,
            ]
        )
        self.render()

    # ------------------------------------------------------------------ state

    def _settings(self) -> Settings:
        return self.settings.replace(
            prune_percentile=float(self.percentile.value), utilisation=float(self.utilisation.value)
        )

    def _classified(self) -> pd.DataFrame:
        settings = self._settings()
        metrics = self._classify(self.raw, settings=settings)
        if self.book is None or metrics.empty:
            return metrics
        if self._outcomes is None:  # the journal's figures do not move with the sliders
            quarter = str(metrics["quarter"].iloc[0])
            self._outcomes = decision_outcomes(
                self.book, quarter, settings=settings, metrics=metrics
            )
        return apply_journal(metrics, self._outcomes, settings=settings)

    def _on_decision(self, row: pd.Series) -> None:
        """A decision was recorded: classify again (a KEEP takes the client off the list)."""
        if self.book is not None:
            self.book, self._outcomes = with_decision(self.book, row), None
        self._on_percentile()

    def _build_checks(self) -> None:
        """One checkbox per candidate (ticked) and per near miss (unticked)."""
        frame = self.metrics.sort_values(["rate_percentile", "client_id"], na_position="last")
        candidates = frame[frame["prune"].astype(bool)]
        near = frame[~frame["prune"].astype(bool) & frame["hours_ttm"].gt(0)].head(NEAR_MISSES)
        listed = pd.concat([candidates, near])
        why = prune_reason_labels(listed).tolist()  # the seed's reason, from the registry
        boxes = [
            w.Checkbox(
                value=bool(row.prune),
                description=f"{row.name} ({row.client_id})" + (f": {reason}" if reason else ""),
                indent=False,
                layout=w.Layout(width="auto"),
            )
            for row, reason in zip(listed.itertuples(), why, strict=True)
        ]
        ids = pd.concat([candidates, near])["client_id"].tolist()
        self._box_ids = dict(zip(ids, boxes, strict=True))
        for box in boxes:
            box.observe(self._refresh, names="value")
        self.checks.children = boxes
        others = frame[~frame["client_id"].isin(ids)]
        self.extra.value = ()
        self.extra.options = [
            (f"{r.name} ({r.client_id})", r.client_id) for r in others.itertuples()
        ]
        chosen = self.decision_client.value
        listed = pd.concat([candidates, near, others])
        self.decision_client.options = [
            (f"{r.name} ({r.client_id})", r.client_id) for r in listed.itertuples()
        ]
        self.decision_client.value = chosen if chosen in set(listed["client_id"]) else None

    @property
    def prune_ids(self) -> list[str]:
        """The ticked clients plus the ones added from the list."""
        ticked = [cid for cid, box in self._box_ids.items() if box.value]
        return ticked + [cid for cid in self.extra.value if cid not in ticked]

    @property
    def asking(self) -> list[tuple[str, str]]:
        """The chosen clients whose plan starts with "can't or won't?" (the cut, a review)."""
        rows = self.metrics.set_index("client_id", drop=False)
        return [
            (cid, str(rows.at[cid, "name"]))
            for cid in self.prune_ids
            if cause_of(plan_causes(rows.loc[cid])[0]).asks
        ]

    @property
    def scenario(self) -> PruneScenario:
        return simulate(self.metrics, self.prune_ids, settings=self._settings())

    # ------------------------------------------------------------------ events

    def _on_percentile(self, _change=None) -> None:
        self.metrics = self._classified()
        self._build_checks()
        self.render()

    def _refresh(self, _change=None) -> None:
        self.render()

    def render(self) -> None:
        """Redraw the figures and the table for the current choices."""
        self.questions.set_clients(self.asking)
        scenario = self.scenario
        patches = before_after_figure(self.metrics, scenario, settings=self._settings())
        bridge = waterfall_figure(scenario)
        with self.output:
            self.output.clear_output(wait=True)
            display(HTML(scenario.summary().to_html(index=False)))
            display(HTML(f"<p><i>{html.escape(scenario.assumptions)}</i></p>"))
            display(patches, bridge)


def before_after_figure(
    metrics: pd.DataFrame, scenario: PruneScenario, *, settings: Settings
) -> Figure:
    """The patch before and after the scenario, side by side, with the same thresholds."""
    from helpers.audit.scores import thresholds
    from helpers.plots.patch import plot_patch

    value_cut, headache_cut = thresholds(metrics, settings=settings)
    figure = Figure(figsize=(16, 6.5), layout="constrained")
    before, after = figure.subplots(1, 2)
    kept = metrics[~metrics["client_id"].isin(scenario.prune_ids)]
    common = {
        "currency": scenario.currency,
        "label": 0,
        "value_threshold": value_cut,
        "headache_threshold": headache_cut,
    }
    plot_patch(metrics, ax=before, title="Before", **common)
    plot_patch(
        kept, ax=after, title=f"After letting {len(scenario.prune_ids)} client(s) go", **common
    )
    return figure


def waterfall_figure(scenario: PruneScenario) -> Figure:
    """The scenario's margin waterfall on its own figure (no pyplot: nothing shown twice)."""
    from helpers.plots.waterfall import plot_margin_waterfall

    figure = Figure(figsize=(9, 4.5), layout="constrained")
    plot_margin_waterfall(scenario, ax=figure.subplots())
    return figure


def _slider(description: str, value: float, *, top: float, step: float, readout: str):
    """A planner slider from 0 to ``top`` that applies when released (each change simulates)."""
    return w.FloatSlider(
        value=value,
        min=0.0,
        max=top,
        step=step,
        description=description,
        continuous_update=False,
        readout_format=readout,
        style={"description_width": "initial"},
    )
