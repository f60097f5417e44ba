"""The figures draw what they claim: one mark per client, thresholds where asked, fixed colours,
titles computed from the data, money formatted the house way, inputs untouched."""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from helpers.errors import PumpkinError
from helpers.plots import (
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    format_money,
    house_style,
    plot_aging,
    plot_patch,
    plot_payment_behaviour,
    plot_rate_ranking,
    plot_scorecard,
    plot_segment_movement,
    plot_whale_curve,
)
from helpers.plots import patch as patch_module


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def client_marks(ax) -> int:
    """How many client markers the axes hold (scatter offsets plus marker lines)."""
    scattered = sum(
        len(c.get_offsets()) for c in ax.collections if str(c.get_gid()).startswith("clients")
    )
    lined = sum(
        len(line.get_xdata()) for line in ax.lines if str(line.get_gid()).startswith("clients")
    )
    return scattered + lined


# ----------------------------------------------------------------------------- style
@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(184_300, "USD", "$184k"), (1_200_000, "USD", "$1.2M"), (950, "USD", "$950"),
     (-3_400, "EUR", "-€3.4k"), (12_000, "CHF", "CHF 12k"), (999_700, "USD", "$1M")],
)  # fmt: skip
def test_format_money(amount, currency, text):
    assert format_money(amount, currency) == text


def test_segment_colours_are_distinct_and_labelled_in_plain_words():
    assert len(set(SEGMENT_COLOURS.values())) == 5
    assert SEGMENT_LABELS["weed"] == "Weeds: prune or fix"
    assert set(SEGMENT_COLOURS) == set(SEGMENT_LABELS) == {
        "prize", "tangled", "seedling", "weed", "gone"
    }  # fmt: skip


def test_house_style_does_not_leak():
    before = matplotlib.rcParams["axes.spines.top"]
    with house_style():
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.spines.top"] == before


# ----------------------------------------------------------------------------- patch
def test_patch_draws_every_client_once_in_its_segment_colour(metrics):
    ax = plot_patch(metrics, currency="USD")
    gone = metrics["segment"] == "gone"
    assert client_marks(ax) == len(metrics) - gone.sum()  # clients who left are not drawn
    assert not [c for c in ax.collections if c.get_gid() == "clients-gone"]
    for segment, colour in SEGMENT_COLOURS.items():
        if segment == "gone":
            continue
        (collection,) = [c for c in ax.collections if c.get_gid() == f"clients-{segment}"]
        assert len(collection.get_offsets()) == (metrics["segment"] == segment).sum()
        assert to_hex(collection.get_facecolor()[0], keep_alpha=False) == colour.lower()


def test_patch_puts_the_threshold_lines_where_asked(metrics):
    ax = plot_patch(metrics, value_threshold=62, headache_threshold=37, currency="USD")
    lines = {line.get_gid(): line for line in ax.lines}
    assert lines["value-threshold"].get_ydata()[0] == 62
    assert lines["headache-threshold"].get_xdata()[0] == 37


def test_patch_thresholds_default_to_the_medians(metrics):
    ax = plot_patch(metrics, currency="USD")
    lines = {line.get_gid(): line for line in ax.lines}
    assert lines["value-threshold"].get_ydata()[0] == pytest.approx(metrics["value_score"].median())


def test_patch_labels_the_biggest_clients_and_the_legend_counts(metrics):
    ax = plot_patch(metrics, label=6, currency="USD")
    labelled = {
        t.get_text() for t in ax.texts if t.get_gid() is None or "quadrant" not in str(t.get_gid())
    }
    biggest = metrics.nlargest(4, "revenue_ttm")["name"]
    assert set(biggest) <= labelled
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    weeds = (metrics["segment"] == "weed").sum()
    assert f"Weeds: prune or fix ({weeds})" in legend
    assert f"Prune candidate ({metrics['prune'].sum()})" in legend


def test_patch_labels_do_not_overlap(metrics):
    ax = plot_patch(metrics, label=12, currency="USD")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [a.get_window_extent(renderer) for a in ax.texts if type(a).__name__ == "Annotation"]
    assert len(boxes) == 12
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert overlaps == []


def test_patch_title_states_the_finding(metrics):
    prize = metrics[metrics["segment"] == "prize"]
    share = prize["revenue_ttm"].sum() / metrics["revenue_ttm"].sum()
    prune = metrics[metrics["prune"]]
    expected = (
        f"{len(prize)} prize pumpkins bring {share:.0%} of revenue; {len(prune)} prune candidates "
        f"bring {format_money(prune['revenue_ttm'].sum(), currency='USD')}"
    )
    assert plot_patch(metrics, currency="USD").get_title(loc="left") == expected


def test_patch_marker_area_is_proportional_to_revenue(metrics):
    areas = patch_module.marker_areas(metrics["revenue_ttm"])
    top = metrics["revenue_ttm"].idxmax()
    assert areas[top] == patch_module.MAX_MARKER_AREA
    half = metrics["revenue_ttm"] / metrics["revenue_ttm"].max() * patch_module.MAX_MARKER_AREA
    expected = np.maximum(half, patch_module.MIN_MARKER_AREA)
    np.testing.assert_allclose(areas, expected)


def test_patch_coloured_by_action_uses_the_first_action(metrics):
    ax = plot_patch(metrics, colour_by="action", currency="USD")
    (prune,) = [c for c in ax.collections if c.get_gid() == "clients-PRUNE"]
    assert len(prune.get_offsets()) == metrics["actions"].str.startswith("PRUNE").sum()


def test_patch_at_many_clients_still_draws_every_client(metrics):
    many = pd.concat([metrics] * 60, ignore_index=True).assign(
        client_id=lambda d: d.index.astype(str)
    )
    assert len(many) > patch_module.MAX_EXACT_POINTS
    assert client_marks(plot_patch(many, label=0, currency="USD")) == len(many)


def test_patch_does_not_change_its_input_and_draws_on_a_given_axes(metrics):
    before = metrics.copy()
    fig, ax = plt.subplots()
    assert plot_patch(metrics, ax=ax, currency="USD") is ax
    pd.testing.assert_frame_equal(metrics, before)


def test_patch_refuses_a_frame_without_scores(metrics):
    with pytest.raises(PumpkinError, match="value_score"):
        plot_patch(metrics.drop(columns="value_score"), currency="USD")


def test_no_warnings_while_drawing(metrics, metrics_quarters):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_patch(metrics, currency="USD")
        plot_rate_ranking(metrics, currency="USD")
        plot_whale_curve(metrics, currency="USD")
        plot_payment_behaviour(metrics)
        plot_aging(metrics, currency="USD")
        plot_segment_movement(metrics_quarters)
        plot_scorecard(metrics_quarters, client_id="C001", currency="USD")
        plt.gcf().canvas.draw()


# ----------------------------------------------------------------------------- ranking
def test_rate_ranking_highlights_the_bottom_cut(metrics):
    ax = plot_rate_ranking(metrics, cut_percentile=10, currency="USD")
    bars = ax.patches
    assert len(bars) == len(metrics)
    in_cut = metrics["rate_percentile"] <= 10
    highlighted = [
        b
        for b in bars
        if to_hex(b.get_facecolor(), keep_alpha=False) == SEGMENT_COLOURS["weed"].lower()
    ]
    assert len(highlighted) == in_cut.sum()
    heights = sorted(b.get_height() for b in highlighted)
    np.testing.assert_allclose(heights, sorted(metrics.loc[in_cut, "effective_rate_ttm"]))
    above = metrics.loc[~in_cut, "effective_rate_ttm"].min()
    share = in_cut.sum() / len(metrics)
    assert ax.get_title(loc="left") == (
        f"{in_cut.sum()} clients ({share:.0%}) earn less than {format_money(above, currency='USD')}/h"
    )


def test_rate_ranking_counts_clients_without_hours(metrics):
    data = metrics.assign(
        hours_ttm=lambda d: d["hours_ttm"].where(d.index >= 3, 0.0),
        effective_rate_ttm=lambda d: d["effective_rate_ttm"].where(d.index >= 3),
    )
    ax = plot_rate_ranking(data, currency="USD")
    assert len(ax.patches) == len(metrics) - 3
    assert "3 without hours" in "".join(t.get_text() for t in ax.texts)


# ----------------------------------------------------------------------------- whale
def test_whale_curve_peaks_at_the_profitable_clients(metrics):
    ax = plot_whale_curve(metrics, currency="USD")
    (curve,) = [line for line in ax.lines if line.get_gid() == "whale-curve"]
    assert len(curve.get_xdata()) == len(metrics) + 1
    margins = metrics["margin_ttm"].sort_values(ascending=False)
    peak = margins[margins > 0].sum() / margins.sum() * 100
    assert curve.get_ydata().max() == pytest.approx(peak)
    assert curve.get_ydata()[-1] == pytest.approx(100)
    losers = margins[margins < 0]
    assert (
        f"the other {len(losers)} lose {format_money(-losers.sum(), currency='USD')}"
        in ax.get_title(loc="left")
    )


# ----------------------------------------------------------------------------- payment
def test_payment_behaviour_draws_one_dot_per_client_with_a_lateness(metrics):
    data = metrics.assign(days_late_avg=lambda d: d["days_late_avg"].where(d.index >= 2))
    ax = plot_payment_behaviour(data)
    (dots,) = [c for c in ax.collections if c.get_gid() == "clients"]
    assert len(dots.get_offsets()) == len(metrics) - 2
    medians = data.groupby("size")["days_late_avg"].median()
    worst = medians.idxmax()
    assert ax.get_title(loc="left").startswith(
        f"{worst.capitalize()} clients pay {medians[worst]:.0f} days late"
    )


def test_aging_stacks_the_buckets_per_size(metrics):
    ax = plot_aging(metrics, currency="USD")
    totals = metrics.groupby("size")["aging_90_plus"].sum()
    bars = [p for p in ax.patches if p.get_gid() == "aging-aging_90_plus"]
    assert sorted(b.get_width() for b in bars) == pytest.approx(sorted(totals))


# ----------------------------------------------------------------------------- movement
def test_segment_movement_counts_clients_per_quarter(metrics_quarters):
    ax = plot_segment_movement(metrics_quarters)
    weeds = [p for p in ax.patches if p.get_gid() == "segment-weed"]
    expected = metrics_quarters[metrics_quarters["segment"] == "weed"].groupby("quarter").size()
    assert [b.get_height() for b in weeds] == list(expected)
    q3 = metrics_quarters[metrics_quarters["quarter"] == "2025Q3"].set_index("client_id")["segment"]
    q4 = metrics_quarters[metrics_quarters["quarter"] == "2025Q4"].set_index("client_id")["segment"]
    slipped = ((q4 == "weed") & (q3 != "weed")).sum()
    assert ax.get_title(loc="left").startswith(
        f"Since 2025Q3: {slipped} clients slipped into weeds"
    )


# ----------------------------------------------------------------------------- scorecard
def test_scorecard_has_one_panel_per_measure_and_a_dot_per_quarter(metrics_quarters):
    ax = plot_scorecard(metrics_quarters, client_id="C005", currency="USD")
    panels = ax.child_axes
    assert len(panels) == 6
    client = metrics_quarters[metrics_quarters["client_id"] == "C005"].sort_values("quarter")
    (dots,) = [c for c in panels[0].collections if c.get_gid() == "quarters"]
    np.testing.assert_allclose(dots.get_offsets()[:, 1], client["revenue_q"])
    colours = [to_hex(c, keep_alpha=False) for c in dots.get_facecolor()]
    assert colours == [SEGMENT_COLOURS[s].lower() for s in client["segment"]]
    assert ax.get_title(loc="left").startswith(f"{client['name'].iloc[-1]}: ")


def test_scorecard_names_an_unknown_client(metrics_quarters):
    with pytest.raises(PumpkinError, match="no client 'nope'"):
        plot_scorecard(metrics_quarters, client_id="nope", currency="USD")


def test_marker_areas_shrink_for_big_books():
    assert patch_module.max_marker_area(150) == patch_module.MAX_MARKER_AREA
    assert patch_module.max_marker_area(30_000) == pytest.approx(patch_module.MAX_MARKER_AREA / 10)


# ----------------------------------------------------------------------------- forecast check
def test_forecast_check_minor_marks_are_matplotlibs_minor_ticks():
    """The log axes' minor ticks drawn as one line of marks per axis give the pixels of
    matplotlib's own minor ticks, also after the limits change (marks placed at draw time)."""
    import io

    from PIL import Image

    from helpers.plots.calibration import MinorTickMarks, plot_forecast_check
    from helpers.report.figures import figure_png

    rng = np.random.default_rng(7)
    forecast = np.exp(rng.uniform(np.log(40), np.log(900_000), 120))
    data = pd.DataFrame(
        {"forecast": forecast, "actual": forecast * np.exp(rng.normal(0, 0.3, 120))}
    )

    def pixels(fig) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(figure_png(fig, dpi=90))))

    def matplotlibs(ax):  # the same figure with matplotlib's own minor ticks back
        for marks in [a for a in ax.figure.artists if isinstance(a, MinorTickMarks)]:
            marks.axis.set_minor_locator(marks.locator)
            marks.remove()
        return ax

    ours = plot_forecast_check(data, band=(0.7, 1.4), currency="USD")
    theirs = matplotlibs(plot_forecast_check(data, band=(0.7, 1.4), currency="USD"))
    marks = [a for a in ours.figure.artists if isinstance(a, MinorTickMarks)]
    assert [m.axis for m in marks] == [ours.xaxis, ours.yaxis]
    assert not ours.xaxis.get_minorticklocs().size  # no Tick objects for them
    assert len(ours.lines) == 3  # the axes' own lines: the diagonal and the band
    assert np.array_equal(pixels(ours.figure), pixels(theirs.figure))
    for ax in (ours, theirs):
        ax.set_xlim(300, 20_000)
    assert np.array_equal(pixels(ours.figure), pixels(theirs.figure))
    locations = theirs.xaxis.get_minorticklocs()
    in_view = locations[(locations >= 300) & (locations <= 20_000)]
    np.testing.assert_allclose(marks[0].get_xdata(), in_view)


@pytest.mark.parametrize("width", [6.5, 9.0])
def test_a_finding_too_long_for_the_figure_is_wrapped_inside_it(width):
    """Constrained layout moves axes but never shortens a title: a long finding is wrapped at
    word breaks into lines of about even length that end inside the figure once drawn."""
    from helpers.plots.style import apply_house_style, finding_title
    from helpers.report.figures import figure_pixels

    finding = (
        "Forecasts were off by 15% of the revenue, 5% too low on balance, across the 146 clients "
        "the backtest could compare with what they were invoiced"
    )
    short = "Forecasts were off by 15%"
    with matplotlib.rc_context():
        apply_house_style()
        fig, ax = plt.subplots(figsize=(width, 5), layout="constrained")
        ax.set_ylabel("invoiced (USD)")
        finding_title(ax, finding, subtitle="method: run-rate")
        figure_pixels(fig, dpi=110)  # drawn: the layout has placed the axes
        title = ax.title if ax.get_title() else ax._left_title
        box = title.get_window_extent()
        lines = title.get_text().split("\n")
        assert len(lines) >= 2 and " ".join(lines) == finding
        assert max(map(len, lines)) - min(map(len, lines)) < 25  # about even
        assert box.x1 <= fig.bbox.width
        other = fig.add_subplot(2, 2, 4)
        finding_title(other, short)
        assert other.get_title(loc="left") == short  # a title that fits is left as it is
        plt.close(fig)
