"""The interactive pumpkin patch for JupyterLab (ipywidgets 8).

Raw metrics are measured once per quarter (cached); moving a slider only re-scores, re-segments
and re-assigns actions (``helpers.audit.rules.classify``) and redraws the patch, so it answers at once.
Everything is plain Python underneath: setting ``explorer.prune_slider.value = 20`` in a test
fires the same callbacks as dragging the slider in a browser.
"""

from __future__ import annotations

import contextlib
import html
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers.audit.rules import (
    PRUNE_REASONS,
    RawColumns,
    WordedReasons,
    action_column,
    classify,
    classify_with_masks,
    no_revenue_book,
    word_reasons,
)
from helpers.audit.scores import thresholds
from helpers.book.load import NO_REVENUE
from helpers.book.quarters import check_quarter, ending_note
from helpers.book.settings import SETTINGS_FILE, Settings, save_settings
from helpers.decide.journal import apply_journal, decision_outcomes
from helpers.decide.prune import candidate_rows, prune_candidates
from helpers.errors import PumpkinError
from helpers.plots.patch import (
    _label_notable,  # the patch's own label placement
    move_layer,
    notable_rows,
    patch_background,
    patch_frame,
    patch_layer,
    patch_subtitle,
    patch_title,
)
from helpers.plots.scorecard import plot_scorecard
from helpers.plots.style import (
    ACTION_LABELS,
    SEGMENT_LABELS,
    format_count,
    format_money,
    house_style,
)
from helpers.present.html import formatted
from helpers.present.tables import Table
from helpers.present.text import action_labels
from helpers.widgets.decisions import DecisionForm, default_decisions_file, with_decision

try:  # zlib-ng deflates the patch's bands about 2.5x faster than zlib at level 1
    from zlib_ng import zlib_ng as _deflate
except ImportError:  # the same streams' format from zlib itself, only slower
    _deflate = zlib

__all__ = ["PatchExplorer", "summary_line"]

#: Where the patch sits in the widget's figure (left, bottom, width, height): room for the
#: legend on the right (the title is HTML above the image).
PATCH_AXES = (0.075, 0.085, 0.63, 0.89)
#: How many notable clients the patch names.
LABELLED = 6
#: How many prune candidates the table under the patch lists (biggest revenue first).
TABLE_ROWS = 30
_TABLE_COLUMNS = {
    "name": "Client",
    "segment": "Segment",
    "revenue_ttm": "Revenue (12 m)",
    "hours_ttm": "Hours (12 m)",
    "effective_rate_ttm": "Revenue per hour",
    "why": "Prune reason",
    "actions": "Actions",
    "reasons": "Why",
}


def summary_line(metrics: pd.DataFrame, *, currency: str) -> str:
    """'12 prune candidates, $184k revenue, 2,310 hours' (revenue and hours over 12 months),
    then how many weeds are to review and how many clients have left, when any."""
    chosen = metrics["prune"].fillna(False).astype(bool).to_numpy()  # two columns, not the frame
    # the sums as pandas' skipna sums make them (missing values as 0, then summed): arrays,
    # not two selected Series
    revenue = metrics["revenue_ttm"].to_numpy(dtype=float, na_value=np.nan)[chosen]
    hours = metrics["hours_ttm"].to_numpy(dtype=float, na_value=np.nan)[chosen]
    count = int(chosen.sum())
    noun = "prune candidate" if count == 1 else "prune candidates"
    line = (
        f"{count} {noun}, {format_money(np.nansum(revenue), currency)} revenue, "
        f"{format_count(np.nansum(hours))} hours"
    )
    review = (
        int(metrics[action_column("REVIEW")].sum()) if action_column("REVIEW") in metrics else 0
    )
    segment = metrics["segment"]
    if isinstance(segment.dtype, pd.CategoricalDtype):  # the codes, not every label as text
        categories = segment.cat.categories
        gone = (
            int((segment.cat.codes.to_numpy() == categories.get_loc("gone")).sum())
            if "gone" in categories
            else 0
        )
    else:
        gone = int(segment.astype(object).eq("gone").sum())
    if review:
        line += f"; {review} to review ({ACTION_LABELS['REVIEW'].lower()})"
    if gone:
        line += f"; {gone} {'client' if gone == 1 else 'clients'} who left"
    return line


#: What a label's place depends on (besides the client and its name).
_LABEL_PLACES = ("headache_score", "value_score", "marker_area")

_TABLE_FORMATS = {"revenue_ttm": "money", "hours_ttm": "count", "effective_rate_ttm": "rate"}


def candidates_table(
    metrics: pd.DataFrame, *, limit: int = TABLE_ROWS, rows: np.ndarray | None = None
) -> Table:
    """The prune candidates (:func:`helpers.decide.prune.prune_candidates`), biggest revenue
    first, the first ``limit``, with their formats and readable headers (for display);
    ``rows``: their positions when the caller has them (``candidate_rows(metrics, limit=limit)``)."""
    measured = [c for c in _TABLE_COLUMNS if c != "why"]  # ``why`` comes with the list
    rows = prune_candidates(metrics, limit=limit, columns=measured, rows=rows)[list(_TABLE_COLUMNS)]
    rows = rows.assign(segment=rows["segment"].astype(object).map(SEGMENT_LABELS))
    return Table(rows, _TABLE_FORMATS, labels=_TABLE_COLUMNS)


def _table_key(metrics: pd.DataFrame, rows: np.ndarray, *, currency: str) -> tuple | None:
    """Everything :func:`candidates_table` reads for the table at ``rows`` (their positions, the
    shown columns' and the prune reasons' values there, the currency), to compare with the last
    table's; None (build it) when a column is missing or repeated (the table's own error)."""
    shown = [c for c in _TABLE_COLUMNS if c != "why"]
    columns = [*shown, *(c for c in PRUNE_REASONS if c in metrics.columns)]
    if not metrics.columns.is_unique or any(c not in metrics.columns for c in shown):
        return None
    values = []
    for name in columns:
        column = metrics[name]
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fbiu":
            taken = column.to_numpy()[rows]
            values.append((taken.dtype.str, taken.tobytes()))  # NaN compares as its bytes
        else:  # text, categories, missing values: each value as its repr (None is not 'None')
            values.append(tuple(map(repr, column.array.take(rows).tolist())))
    return (currency, tuple(columns), rows.tobytes(), *values)


def _prune_note(percentile: float) -> str:
    """The patch's small print: the prune cut in force."""
    return f"prune cut: bottom {percentile:g}% by revenue per hour"


def _segment_text(segment: object) -> str:
    """A segment's label, or 'no segment' (a book without revenue places nobody)."""
    if not isinstance(segment, str):
        return "no segment"
    return SEGMENT_LABELS.get(segment, segment)


class PatchExplorer:
    """Sliders over the patch: prune percentile, thresholds, score weights, quarter and client.

    ``source`` is a :class:`helpers.book.load.Book` (raw metrics measured per quarter on demand) or a
    raw-metrics DataFrame with a ``quarter`` column (one or several quarters, as from
    ``helpers.audit.measures.raw_metrics``). Display it in a notebook with ``explorer`` or
    ``display(explorer)``.
    """

    def __init__(
        self,
        source,
        *,
        quarter: str | None = None,
        settings: Settings,
        settings_file: str | Path = SETTINGS_FILE,
        figsize: tuple[float, float] = (10.5, 6.5),
        dpi: int = 80,
        history_quarters: int = 4,
        decisions_file: str | Path | None = None,
    ) -> None:
        self._book, self._raw = _split_source(source)
        self._outcomes: dict[str, pd.DataFrame] = {}  # the journal's outcomes per quarter
        self._raw_columns: dict[str, RawColumns] = {}  # what classify reads, per quarter
        self._words: dict[str, WordedReasons] = {}  # the reasons worded so far, per quarter
        self.decision_form = DecisionForm(
            decisions_file or default_decisions_file(self._book, settings_file),
            client=lambda: self.client_dropdown.value,
            known_clients=lambda: self.metrics["client_id"],
            on_recorded=self._on_decision,
        )
        self.base_settings = settings
        self.currency = (
            getattr(self._book, "base_currency", None) or self.base_settings.base_currency
        )
        if self._book is not None:
            self._book.check_usable()  # no clients, or every time entry rejected: one message
        quarters = self._available_quarters()
        if not quarters:
            raise PumpkinError("PatchExplorer: the book has no quarter with activity to show")
        quarter = quarter or self._default_quarter(quarters)
        try:
            quarter = check_quarter(quarter, quarters)
        except PumpkinError as exc:
            raise PumpkinError(f"PatchExplorer: {exc}") from None
        self._last_activity = self._book.last_activity() if self._book is not None else None
        self._cautions: dict[str, str] = {}  # the coverage caution per quarter
        # A fixed layout (no constrained layout): the redraw is one draw, not a layout pass.
        self._figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self._figure)
        self._background = None
        self._background_key: str | None = None
        self._layer: list = []
        self._labels: list = []
        self._labels_key: tuple | None = None
        self._labels_pixels: tuple | None = None
        self._label_measures: dict = {}  # the names' sizes and captions' boxes (_label_notable)
        self._note_pixels: dict[str, tuple | None] = {}  # the small print, per text
        self._png = BandedPng()  # the patch's PNG, compressed again only where it changed
        self._table_key: tuple | None = None  # what the candidates table shows (_table_key)
        self._dpi = dpi
        self.history_quarters = history_quarters
        self.metrics: pd.DataFrame = pd.DataFrame()
        self._build_controls(quarters, quarter, settings_file)
        self._set_median_thresholds()
        self._observe()
        self.refresh()
        self._update_clients()

    # ------------------------------------------------------------------ data
    def _available_quarters(self) -> list[str]:
        """The one rule: every quarter with activity in the book, including one that ends after
        the book's last dated row (its summary then carries the coverage caution)."""
        if self._book is not None:
            return list(self._book.quarters())
        return sorted(self._raw)

    def _default_quarter(self, quarters: list[str]) -> str:
        """The latest complete quarter when there is one, else the latest with activity."""
        complete = list(self._book.complete_quarters()) if self._book is not None else []
        return complete[-1] if complete else quarters[-1]

    def raw(self, quarter: str) -> pd.DataFrame:
        """Raw metrics of a quarter, measured once and cached."""
        if quarter not in self._raw:
            from helpers.decide.contract import raw_metrics

            self._raw[quarter] = raw_metrics(self._book, quarter, settings=self.base_settings)
        return self._raw[quarter]

    @property
    def settings(self) -> Settings:
        """The base settings with what the sliders say."""
        return self.base_settings.replace(
            prune_percentile=float(self.prune_slider.value),
            target_margin=float(self.margin_slider.value),
            max_price_rise=float(self.rise_slider.value),
            value_threshold=float(self.value_slider.value),
            headache_threshold=float(self.headache_slider.value),
            value_weights={k: float(s.value) for k, s in self.value_weight_sliders.items()},
            headache_weights={k: float(s.value) for k, s in self.headache_weight_sliders.items()},
        )

    # ------------------------------------------------------------------ widgets
    def _build_controls(self, quarters: list[str], quarter: str, settings_file) -> None:
        s = self.base_settings
        style = {"description_width": "150px"}
        wide = widgets.Layout(width="420px")
        self.quarter_dropdown = widgets.Dropdown(
            options=quarters, value=quarter, description="Quarter", style=style
        )
        self.prune_slider = widgets.FloatSlider(
            value=s.prune_percentile, min=0, max=30, step=1, readout_format=".0f",
            description="Prune cut: bottom %",
            description_allow_html=False, style=style, layout=wide,
        )  # fmt: skip
        self.prune_slider.add_class("pumpkin-prune")
        self.margin_slider = widgets.FloatSlider(
            value=s.target_margin, min=0, max=0.6, step=0.05, readout_format=".0%",
            description="Target margin", style=style, layout=wide,
        )  # fmt: skip
        self.rise_slider = widgets.FloatSlider(
            value=s.max_price_rise, min=0, max=1.0, step=0.05, readout_format=".0%",
            description="Largest price rise", style=style, layout=wide,
        )  # fmt: skip
        self.value_slider = widgets.FloatSlider(
            value=50, min=0, max=100, step=1, readout_format=".0f",
            description="Value threshold", style=style, layout=wide,
        )  # fmt: skip
        self.headache_slider = widgets.FloatSlider(
            value=50, min=0, max=100, step=1, readout_format=".0f",
            description="Headache threshold", style=style, layout=wide,
        )  # fmt: skip
        self.value_weight_sliders = _weight_sliders(s.value_weights, style)
        self.headache_weight_sliders = _weight_sliders(s.headache_weights, style)
        self.client_dropdown = widgets.Dropdown(options=[], description="Client", style=style)
        self.summary = widgets.HTML()
        self.summary.add_class("pumpkin-summary")
        self.headline = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.image.add_class("pumpkin-patch")
        self.table = widgets.HTML()
        self.client_image = widgets.Image(format="png")
        self.client_reasons = widgets.HTML()
        self.settings_path = widgets.Text(
            value=str(settings_file), description="Settings file", style=style, layout=wide
        )
        self.save_button = widgets.Button(description="Save settings", icon="save")
        self.save_status = widgets.HTML()
        weights = widgets.Accordion(
            children=[
                widgets.VBox(list(self.value_weight_sliders.values())),
                widgets.VBox(list(self.headache_weight_sliders.values())),
            ],
            titles=("Value score weights", "Headache score weights"),
        )
        controls = widgets.VBox(
            [self.quarter_dropdown, self.prune_slider, self.margin_slider, self.rise_slider,
             self.value_slider, self.headache_slider, weights, widgets.HBox([self.settings_path, self.save_button]), self.save_status]
        )  # fmt: skip
        client = widgets.VBox(
            [
                self.client_dropdown,
                self.client_reasons,
                self.decision_form.widget,
                self.client_image,
            ]
        )
        self.widget = widgets.VBox(
            [
                controls,
                self.summary,
                self.headline,
                self.image,
                widgets.Tab(children=[self.table, client], titles=("Prune candidates", "Client")),
            ]
        )

    def _observe(self) -> None:
        sliders = [self.prune_slider, self.margin_slider, self.rise_slider,
                   self.value_slider, self.headache_slider,
                   *self.value_weight_sliders.values(), *self.headache_weight_sliders.values()]  # fmt: skip
        for slider in sliders:
            slider.observe(self._on_slider, names="value")
        self.quarter_dropdown.observe(self._on_quarter, names="value")
        self.client_dropdown.observe(self._on_client, names="value")
        self.save_button.on_click(self._on_save)

    def _set_median_thresholds(self) -> None:
        """Start the threshold sliders at what the settings say (the medians when unset)."""
        raw = self.raw(self.quarter_dropdown.value)
        scored = classify(raw, settings=self.base_settings)
        value, headache = thresholds(scored, settings=self.base_settings)
        # a book without revenue scores no value: the sliders start in the middle
        self.value_slider.value = round(value) if value == value else 50
        self.headache_slider.value = round(headache) if headache == headache else 50

    # ------------------------------------------------------------------ callbacks
    def _on_slider(self, _change) -> None:
        self.refresh()

    def _on_quarter(self, _change) -> None:
        self.refresh()
        self._update_clients()

    def _on_client(self, _change) -> None:
        self.show_client(self.client_dropdown.value)

    def _on_save(self, _button=None) -> None:
        self.save()

    # ------------------------------------------------------------------ actions
    def refresh(self) -> None:
        """Re-classify the current quarter with the sliders' settings and redraw everything."""
        settings = self.settings
        quarter = self.quarter_dropdown.value
        # The flags, codes and segments of every client; the reasons only of the rows shown
        # (the table, the picked client, the clients with decisions): wording every client's
        # reasons was most of a move.
        raw = self.raw(quarter)
        if quarter not in self._raw_columns or self._raw_columns[quarter].frame is not raw:
            self._raw_columns[quarter] = RawColumns(raw)  # converted once per quarter
            self._words[quarter] = WordedReasons()  # words of this very frame's rows
        classified, masks = classify_with_masks(
            raw, settings=settings, raw_columns=self._raw_columns[quarter]
        )
        journaled = self.with_journal(classified, quarter)
        # the table's rows, found once per move: wording their reasons leaves them the same
        shown = candidate_rows(journaled, limit=TABLE_ROWS)
        # the rules' masks are worded from again only while no decision changed the rows
        self.metrics = self._worded(
            journaled,
            settings,
            masks=masks if journaled is classified else None,
            shown=shown,
            worded=self._words[quarter],
        )
        if no_revenue_book(self.metrics):  # nothing to place on the patch: say why instead
            self.summary.value = f"<b>{html.escape(NO_REVENUE[0].upper() + NO_REVENUE[1:])}</b>"
            self.headline.value, self.image.value = "", b""
            self.table.value = ""
            return
        line = html.escape(summary_line(self.metrics, currency=self.currency))
        self.summary.value = (
            f"<b>{line}</b> (prune cut: bottom {settings.prune_percentile:g}% by revenue per hour)"
        )
        if caution := self._caution(quarter):
            self.summary.value += f"<br><i>{html.escape(caution)}</i>"
        self.image.value = self.render_patch()
        # The table is built again only when what it shows changed (its rows and their
        # values): most slider moves keep the biggest candidates and their words.
        key = _table_key(self.metrics, shown, currency=self.currency)
        if key is None or key != self._table_key:
            table = formatted(candidates_table(self.metrics, rows=shown), currency=self.currency)
            self.table.value = table.to_html(index=False, border=0, classes="pumpkin-candidates")
            self._table_key = key
        if self.client_dropdown.value is not None:
            self.show_client(self.client_dropdown.value)

    def _caution(self, quarter: str) -> str:
        """The quarter's coverage caution (:func:`ending_note`), once per quarter."""
        if quarter not in self._cautions:
            self._cautions[quarter] = ending_note(self._last_activity, quarter)
        return self._cautions[quarter]

    def with_journal(self, metrics: pd.DataFrame, quarter: str) -> pd.DataFrame:
        """The partners' decisions applied after the rules (KEEP overrules, failed fixes); the
        outcomes are computed once per quarter (they do not move with the sliders). The
        reasons of the clients with decisions are worded first when ``metrics`` left them
        unworded (``classify(..., reasons=False)``)."""
        if self._book is None:
            return metrics
        if quarter not in self._outcomes:
            self._outcomes[quarter] = decision_outcomes(
                self._book, quarter, settings=self.base_settings, metrics=metrics
            )
        outcomes = self._outcomes[quarter]
        decided = np.flatnonzero(metrics["client_id"].isin(outcomes["client_id"]).to_numpy())
        metrics = self._worded(metrics, self.settings, rows=decided)
        return apply_journal(metrics, outcomes, settings=self.settings)

    def _worded(
        self,
        metrics: pd.DataFrame,
        settings: Settings,
        *,
        rows: np.ndarray | None = None,
        masks: Mapping[str, np.ndarray] | None = None,
        shown: np.ndarray | None = None,
        worded: WordedReasons | None = None,
    ) -> pd.DataFrame:
        """``metrics`` with the reasons of ``rows`` worded (default: the candidates table's rows
        and the picked client's), where they are not yet (see :func:`word_reasons`; ``masks``
        the rule masks ``metrics`` was classified with, when they still hold; ``shown`` the
        table's rows when the caller found them already; ``worded`` the words kept for the
        quarter's rows, used with ``masks``)."""
        if rows is None:
            picked = metrics["client_id"].eq(self.client_dropdown.value).to_numpy()
            if shown is None:
                shown = candidate_rows(metrics, limit=TABLE_ROWS)
            rows = np.union1d(shown, np.flatnonzero(picked))
        rows = np.asarray(rows, dtype=np.int64)
        unworded = rows[metrics["reasons"].iloc[rows].isna().to_numpy()] if len(rows) else rows
        return word_reasons(metrics, settings=settings, rows=unworded, masks=masks, worded=worded)

    def _on_decision(self, row: pd.Series) -> None:
        """A decision was recorded: the next classification takes it into account."""
        if self._book is not None:
            self._book = with_decision(self._book, row)
            self._outcomes.clear()
        quarter = self.quarter_dropdown.value
        if pd.Timestamp(row["date"]) > pd.Period(quarter, freq="Q").end_time:
            self.decision_form.status.value += (
                f"; it counts from {pd.Period(row['date'], freq='Q')} on ({quarter}, shown here, "
                "ended before it)"
            )
        self.refresh()

    def render_patch(self) -> bytes:
        """The patch of the current metrics as PNG bytes.

        What does not move with the sliders (axes, ticks, captions, legend) is drawn once per
        quarter and cached as pixels; each move restores those pixels and draws only the
        clients, thresholds, labels and title over them (Agg blitting).
        """
        settings = self.settings
        frame = patch_frame(self.metrics)
        canvas = self._figure.canvas
        key = self.quarter_dropdown.value
        with house_style():  # the rcParams apply when artists are created
            if self._background is None or self._background_key != key:
                self._figure.clear()
                self._ax = self._figure.add_axes(PATCH_AXES)
                patch_background(
                    self._ax, frame, colour_by="segment", currency=self.currency, counts=False
                )
                canvas.draw()
                self._background = canvas.copy_from_bbox(self._figure.bbox)
                self._background_key = key
                self._labels, self._labels_key = [], None  # cleared with the figure
                self._label_measures = {}  # measured on that figure
                self._layer = []
                self._note_pixels.clear()
            note = _prune_note(settings.prune_percentile)
            # The clients' and thresholds' artists are moved in place when the groups stay
            # (most moves): creating them again cost as much as drawing them.
            moved = bool(self._layer) and move_layer(
                self._layer, frame, value_threshold=settings.value_threshold,
                headache_threshold=settings.headache_threshold,
            )  # fmt: skip
            if moved:
                for artist in self._layer:
                    if artist.get_gid() == "patch-note":
                        artist.set_text(note)
            else:
                for artist in self._layer:
                    with contextlib.suppress(NotImplementedError):  # the axes' title stays
                        artist.remove()
                self._layer = patch_layer(
                    self._ax, frame, value_threshold=settings.value_threshold,
                    headache_threshold=settings.headache_threshold, label=0,
                    currency=self.currency, title=None, quarter=key, titles=False, note=note,
                    pool=True,
                )  # fmt: skip
            labels = self._notable_labels(frame)
        # The small print is rasterised once per text (the prune cut takes a few values):
        # laying out and drawing glyphs on every move cost as much as drawing the clients.
        small_print = [a for a in self._layer if a.get_gid() == "patch-note"]
        if small_print and note not in self._note_pixels:
            self._note_pixels[note] = _layer_pixels(canvas, self._ax, small_print)
            if len(small_print) == 1:  # and the notes of every other cut the slider can take
                self._draw_notes_ahead(canvas, small_print[0], note)
        # Title and subtitle as HTML above the image: crisp, and cheaper than drawing glyphs.
        self.headline.value = (
            f"<b style='font-size:1.15em'>{html.escape(patch_title(frame, currency=self.currency))}</b><br>"
            f"<span style='color:#666'>{html.escape(patch_subtitle(frame, quarter=key))}</span>"
        )
        if labels and self._labels_pixels is None:  # the names, drawn once while they stay
            self._labels_pixels = _layer_pixels(canvas, self._ax, labels)
        canvas.restore_region(self._background)
        for artist in sorted(self._layer, key=lambda a: a.get_zorder()):
            if artist not in small_print:
                self._ax.draw_artist(artist)
        pixels = np.asarray(canvas.buffer_rgba())
        # composited in the canvas's own pixels (restored from the background on every move)
        # rather than in a copy of the whole image per layer
        in_place = pixels.flags.writeable
        if small_print:  # above the clients (zorder 4), under the names
            pixels = _over(self._note_pixels[note], pixels, in_place=in_place)
        if labels:  # the names are on top of everything else (their zorder is the highest)
            pixels = _over(self._labels_pixels, pixels, in_place=in_place)
        return self._png.encode(pixels)

    def _draw_notes_ahead(self, canvas, artist, note: str) -> None:
        """The small print of every prune cut the slider can take, rasterised now (once per
        background, about 8 ms each at 150 clients) rather than on the move that first shows
        it: ``artist`` shows each text in turn, then ``note`` again."""
        slider = self.prune_slider
        steps = int(round((slider.max - slider.min) / slider.step)) if slider.step else 0
        for k in range(steps + 1):
            text = _prune_note(float(slider.min + k * slider.step))
            if text not in self._note_pixels:
                artist.set_text(text)
                self._note_pixels[text] = _layer_pixels(canvas, self._ax, [artist])
        artist.set_text(note)

    def _notable_labels(self, frame: pd.DataFrame) -> list:
        """The names of the notable clients (the biggest, then the biggest prune candidates),
        placed again only when those clients or their places change: a move of the prune cut
        or of a threshold mostly keeps them, and placing labels is half of a redraw."""
        rows = notable_rows(frame, LABELLED)  # positions: cheaper to key on than rows
        key = (  # the few rows taken first: converting whole text columns cost ms at 10k
            tuple(str(v) for v in frame["client_id"].array.take(rows).tolist()),
            tuple(str(v) for v in frame["name"].array.take(rows).tolist()),
            np.stack(
                [frame[c].to_numpy(dtype=float)[rows] for c in _LABEL_PLACES], axis=1
            ).tobytes(),
        )
        if key != self._labels_key:
            for artist in self._labels:
                artist.remove()
            before = set(self._ax.get_children())
            _label_notable(self._ax, frame, LABELLED, measured=self._label_measures)
            self._labels = [a for a in self._ax.get_children() if a not in before]
            self._labels_key, self._labels_pixels = key, None
        return self._labels

    def _update_clients(self) -> None:
        ordered = self.metrics.sort_values(["revenue_ttm", "client_id"], ascending=[False, True])
        options = [
            (f"{n} ({i})", i)
            for n, i in zip(ordered["name"].astype(str), ordered["client_id"], strict=True)
        ]
        if options != list(self.client_dropdown.options):
            current = self.client_dropdown.value
            with self.client_dropdown.hold_trait_notifications():
                self.client_dropdown.options = options
                ids = [i for _n, i in options]
                self.client_dropdown.value = current if current in ids else None

    def show_client(self, client_id: str | None) -> None:
        """The client's actions, reasons and scorecard (the quarters measured so far)."""
        if client_id is None:
            self.client_reasons.value = "Pick a client to see its scorecard and reasons."
            return
        here = np.flatnonzero(self.metrics["client_id"].eq(client_id).to_numpy())
        if not len(here):
            self.client_reasons.value = f"No client {html.escape(str(client_id))} this quarter."
            return
        self.metrics = self._worded(self.metrics, self.settings, rows=here[:1])
        first = self.metrics.iloc[here[0]]
        reasons = "".join(
            f"<li>{html.escape(r)}</li>" for r in str(first["reasons"] or "").split(" | ") if r
        ) + self._decisions_html(client_id)
        self.client_reasons.value = (
            f"<b>{html.escape(str(first['name']))}</b>: "
            f"{html.escape(_segment_text(first['segment']))}; "
            f"{html.escape(action_labels(str(first['actions'])))} "
            f"({html.escape(str(first['actions']))})<ul>{reasons}</ul>"
            f"{html.escape(potential_line(first, currency=self.currency))}"
        )
        history = self.history()
        figure = Figure(figsize=(10.5, 5.5), layout="constrained", dpi=self._dpi)
        FigureCanvasAgg(figure)
        plot_scorecard(
            history, client_id=client_id, ax=figure.add_subplot(), currency=self.currency
        )
        figure.canvas.draw()
        self.client_image.value = _png(figure.canvas.buffer_rgba())

    def _decisions_html(self, client_id: str) -> str:
        outcomes = self._outcomes.get(self.quarter_dropdown.value)
        if outcomes is None or outcomes.empty:
            return ""
        mine = outcomes[outcomes["client_id"] == client_id]
        return "".join(
            f"<li><i>Decided {o.date:%Y-%m-%d}: {html.escape(o.action)} "
            f"({html.escape(o.verdict)}): {html.escape(o.what_happened)}</i></li>"
            for o in mine.itertuples()
        )

    def history(self) -> pd.DataFrame:
        """The last ``history_quarters`` quarters up to the current one, classified with the
        current settings (for scorecards; raw metrics measured once per quarter). The reasons
        are worded only for the clients with decisions (the scorecard shows none)."""
        settings = self.settings
        quarters = list(self.quarter_dropdown.options)
        end = quarters.index(self.quarter_dropdown.value) + 1
        wanted = quarters[max(0, end - self.history_quarters) : end]
        frames = [
            self.with_journal(classify(self.raw(q), settings=settings, reasons=False), q)
            for q in wanted
        ]
        return pd.concat(frames, ignore_index=True)

    def save(self) -> Path:
        """Write the current settings to the settings file (the report renders with them)."""
        path = save_settings(self.settings, self.settings_path.value)
        self.save_status.value = f"Saved to <code>{html.escape(str(path))}</code>"
        return path

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _layer_pixels(canvas, ax, artists) -> tuple | None:
    """``artists`` drawn alone on a transparent canvas: (rows, columns, RGB, alpha) of the
    pixels they cover, or None when they cover nothing. Composited with :func:`_over` on each
    redraw, so text is laid out and rasterised once rather than on every slider move."""
    renderer = canvas.get_renderer()
    renderer.clear()  # transparent
    for artist in sorted(artists, key=lambda a: a.get_zorder()):
        ax.draw_artist(artist)
    rgba = np.asarray(canvas.buffer_rgba())
    # the rows the artists touch first (a text covers a few of the image's rows), then the
    # covered pixels among those rows only: the same pixels, in the same (row-major) order
    touched = np.flatnonzero(rgba[..., 3].any(axis=1))
    if not len(touched):
        return None
    rows, cols = np.nonzero(rgba[touched, :, 3])
    rows = touched[rows]
    covered = rgba[rows, cols]
    return rows, cols, covered[:, :3].astype(np.uint16), covered[:, 3:4].astype(np.uint16)


def _over(layer: tuple | None, pixels: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """``layer`` (from :func:`_layer_pixels`) alpha-composited over a copy of ``pixels``
    (over ``pixels`` themselves with ``in_place``)."""
    if layer is None:
        return pixels
    rows, cols, rgb, alpha = layer
    out = pixels if in_place else np.array(pixels)
    under = out[rows, cols]
    out[rows, cols, :3] = ((rgb * alpha + under[:, :3] * (255 - alpha) + 127) // 255).astype(
        np.uint8
    )
    out[rows, cols, 3] = np.maximum(under[:, 3], alpha[:, 0]).astype(np.uint8)
    return out


def potential_line(row: pd.Series, *, currency: str) -> str:
    """'Expected next four quarters: $48k (80% band $41k to $72k; run-rate).' for a client card;
    the band is left out when the book had no backtest to size it."""
    if "expected_revenue_next_4q" not in row.index:
        return ""
    point = format_money(float(row["expected_revenue_next_4q"]), currency)
    low, high = (row.get(f"expected_revenue_next_4q_{end}") for end in ("low", "high"))
    known = low is not None and high is not None and np.isfinite([low, high]).all()
    band = (
        f"80% band {format_money(float(low), currency)} to {format_money(float(high), currency)}"
        if known
        else "no band: too little history to check the forecast"
    )
    return f"Expected next four quarters: {point} ({band}; {row.get('potential_method', '')})."


def _png(rgba) -> bytes:
    """RGBA pixels as PNG bytes, written directly: no row filter and zlib's fastest level (the
    image only travels to the browser). Half the time of PIL's encoder, which tries a filter per
    row, and smaller on a chart's flat colours."""
    pixels = np.asarray(rgba, dtype=np.uint8)
    height, width = pixels.shape[:2]
    rows = np.empty((height, 1 + width * 4), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = pixels.reshape(height, width * 4)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _png_chunk(b"IEND", b""),
        )
    )


class BandedPng:
    """PNG encoding that compresses again only the bands of rows that changed since the last
    image: the same pixels as :func:`_png`, in a few milliseconds less per slider move (a move
    of the prune cut or of the value threshold changes a few bands of the patch).

    Each band of :data:`BAND_ROWS` rows is compressed on its own (raw deflate ending in a full
    flush, so it depends on no earlier byte) and the bands are joined into one zlib stream.
    """

    BAND_ROWS = 16

    def __init__(self) -> None:
        self._bands: dict[int, tuple[bytes, bytes]] = {}  # band -> (its rows, compressed)
        self._shape: tuple[int, int] | None = None

    def encode(self, rgba) -> bytes:
        pixels = np.asarray(rgba, dtype=np.uint8)
        height, width = pixels.shape[:2]
        if self._shape != (height, width):
            self._bands.clear()
            self._shape = (height, width)
        rows = np.empty((height, 1 + width * 4), dtype=np.uint8)
        rows[:, 0] = 0  # filter type None
        rows[:, 1:] = pixels.reshape(height, width * 4)
        parts = []
        for band, start in enumerate(range(0, height, self.BAND_ROWS)):
            raw = rows[start : start + self.BAND_ROWS].tobytes()
            cached = self._bands.get(band)
            if cached is None or cached[0] != raw:
                deflate = _deflate.compressobj(1, _deflate.DEFLATED, -15)  # raw, no header
                cached = (raw, deflate.compress(raw) + deflate.flush(_deflate.Z_FULL_FLUSH))
                self._bands[band] = cached
            parts.append(cached[1])
        final = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # the empty last block
        stream = b"".join(
            (b"\x78\x01", *parts, final, struct.pack(">I", zlib.adler32(rows.tobytes())))
        )
        header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
        return b"".join(
            (
                b"\x89PNG\r\n\x1a\n",
                _png_chunk(b"IHDR", header),
                _png_chunk(b"IDAT", stream),
                _png_chunk(b"IEND", b""),
            )
        )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _weight_sliders(weights: Mapping[str, float], style: dict) -> dict[str, widgets.FloatSlider]:
    return {
        key: widgets.FloatSlider(
            value=float(value),
            min=0,
            max=1,
            step=0.05,
            readout_format=".2f",
            description=key.replace("_", " "),
            style=style,
        )  # fmt: skip
        for key, value in weights.items()
    }


def _split_source(source) -> tuple[object | None, dict[str, pd.DataFrame]]:
    if isinstance(source, pd.DataFrame):
        if "quarter" not in source.columns:
            raise PumpkinError("PatchExplorer: the raw metrics need a 'quarter' column")
        return None, {str(q): g.reset_index(drop=True) for q, g in source.groupby("quarter")}
    if hasattr(source, "complete_quarters") and hasattr(source, "clients"):
        return source, {}
    raise PumpkinError(
        f"PatchExplorer: expected a Book or a raw-metrics DataFrame, got {type(source).__name__}"
    )
