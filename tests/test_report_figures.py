"""The report's PNGs (helpers.report.figures): drawn once, the same pixels as matplotlib's savefig."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from helpers.book.settings import Settings
from helpers.report.figures import figure_png, show_figures_as_png

ROOT = Path(__file__).resolve().parents[1]


def _savefig_pixels(fig: Figure, dpi: float) -> np.ndarray:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, bbox_inches=None, metadata={"Software": None})
    return np.asarray(Image.open(out).convert("RGBA"))


def _pixels(png: bytes) -> tuple[np.ndarray, str, tuple]:
    image = Image.open(io.BytesIO(png))
    return np.asarray(image.convert("RGBA")), image.mode, image.info.get("dpi")


def _constrained_figure() -> Figure:
    """A figure whose layout depends on its text: long labels, a title, a legend outside."""
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot([1, 2, 3], [30_000, 10_000, 20_000], label="a line with a long legend label")
    left.set_ylabel("Revenue per hour worked (USD/h, last 12 months)")
    left.set_title("A finding as a sentence", loc="left", fontweight="bold")
    left.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    right.bar(["prize", "tangled", "seedling", "weed"], [4, 3, 2, 1])
    right.set_xlabel("Segment")
    return fig


def test_one_pass_gives_the_pixels_of_savefig():
    fig = _constrained_figure()
    expected = _savefig_pixels(fig, 110)
    pixels, mode, dpi = _pixels(figure_png(_constrained_figure(), dpi=110))
    assert pixels.shape == expected.shape == (385, 660, 4)
    assert np.array_equal(pixels, expected)
    assert mode == "RGB"  # every pixel opaque: no alpha channel written
    assert dpi == pytest.approx((110, 110), abs=0.01)


def test_the_figure_keeps_its_own_canvas_and_resolution():
    fig = _constrained_figure()
    canvas, dpi = fig.canvas, fig.dpi
    figure_png(fig, dpi=110)
    assert fig.canvas is canvas
    assert fig.dpi == dpi


def test_a_transparent_figure_keeps_its_alpha_and_an_empty_one_gives_nothing():
    fig = Figure(figsize=(2, 2))
    fig.patch.set_alpha(0.0)
    fig.add_subplot().patch.set_alpha(0.0)
    pixels, mode, _ = _pixels(figure_png(fig, dpi=50))
    assert mode == "RGBA"
    assert pixels[..., 3].min() == 0
    assert figure_png(Figure(), dpi=50) is None


@pytest.fixture(scope="module")
def report_figures():
    """Every figure maker of the demo's 2025Q4 report, by name (each call draws a new figure)."""
    import matplotlib

    matplotlib.use("agg")
    from helpers.audit.scores import thresholds
    from helpers.book.load import load_book
    from helpers.decide.contract import quarter_and_history
    from helpers.forecast.backtest import backtest
    from helpers.plots.calibration import plot_forecast_check
    from helpers.plots.movement import plot_segment_movement
    from helpers.plots.patch import plot_patch
    from helpers.plots.payment import plot_aging, plot_payment_behaviour
    from helpers.plots.ranking import plot_rate_ranking
    from helpers.plots.style import apply_house_style
    from helpers.plots.whale import plot_whale_curve
    from helpers.present.pruning import prune_overview

    settings = Settings()
    book = load_book(ROOT / "data" / "sample", settings=settings)
    checked = backtest(book, "2025Q4")
    both, metrics, _ = quarter_and_history(
        book, "2025Q4", settings=settings, backtests={"2025Q4": checked}
    )
    value_cut, headache_cut = thresholds(metrics, settings=settings)
    apply_house_style()
    return {
        "patch": lambda: (
            plot_patch(
                metrics,
                currency="USD",
                quarter="2025Q4",
                value_threshold=value_cut,
                headache_threshold=headache_cut,
            ).figure
        ),
        "ranking": lambda: plot_rate_ranking(metrics, currency="USD").figure,
        "whale": lambda: plot_whale_curve(metrics, currency="USD").figure,
        "payment": lambda: plot_payment_behaviour(metrics).figure,
        "aging": lambda: plot_aging(metrics, currency="USD").figure,
        "movement": lambda: plot_segment_movement(both).figure,
        "forecast": lambda: (
            plot_forecast_check(
                checked.per_client, method=checked.chosen, band=checked.band, currency="USD"
            ).figure
        ),
        "pruning": lambda: prune_overview(metrics, settings=settings)[1],
    }


def test_the_report_figures_are_the_pixels_matplotlib_would_write(report_figures):
    """Every figure of the report's 2025Q4 (the demo book) is unchanged by the one-pass PNG."""
    import matplotlib.pyplot as plt

    for name in ("patch", "payment", "pruning"):
        make = report_figures[name]
        expected = _savefig_pixels(make(), 110)
        pixels, _, _ = _pixels(figure_png(make(), dpi=110))
        plt.close("all")
        assert np.array_equal(pixels, expected)


def test_in_an_ipython_shell_figures_are_displayed_as_the_one_pass_png():
    import base64

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        show_figures_as_png(dpi=80)
        data, _ = shell.display_formatter.format(_constrained_figure())
        assert set(data) == {"image/png", "text/plain"}
        # a fresh figure: a second layout of the same one may move an axes by a pixel
        assert base64.b64decode(data["image/png"]) == figure_png(_constrained_figure(), dpi=80)
    finally:
        InteractiveShell.clear_instance()


def _axes_boxes(fig: Figure) -> list[tuple[float, ...]]:
    """Each axes' box in pixels (left, bottom, width, height) as last drawn."""
    width, height = fig.get_size_inches() * fig.dpi
    return [
        (b.x0 * width, b.y0 * height, b.width * width, b.height * height)
        for b in (ax.get_position() for ax in fig.axes)
    ]


def test_compress_level_changes_the_file_not_the_pixels():
    fast = figure_png(_constrained_figure(), dpi=110, compress_level=1)
    usual = figure_png(_constrained_figure(), dpi=110)
    assert fast != usual  # another zlib stream
    assert np.array_equal(_pixels(fast)[0], _pixels(usual)[0])


def test_one_layout_pass_measures_the_decorations_once(monkeypatch):
    from matplotlib import _constrained_layout

    calls = []
    measure = _constrained_layout.make_layout_margins
    monkeypatch.setattr(
        _constrained_layout,
        "make_layout_margins",
        lambda *a, **kw: calls.append(1) or measure(*a, **kw),
    )
    figure_png(_constrained_figure(), dpi=110, layout_passes=1)
    assert len(calls) == 1
    figure_png(_constrained_figure(), dpi=110)
    assert len(calls) == 3  # matplotlib's own layout: two passes


def test_one_layout_pass_keeps_the_figure_and_its_options():
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from helpers.report.figures import OnePassConstrainedLayout

    fig = _constrained_figure()
    engine = fig.get_layout_engine()
    pixels, mode, _ = _pixels(figure_png(fig, dpi=110, layout_passes=1))
    assert fig.get_layout_engine() is engine  # the figure keeps matplotlib's engine
    assert pixels.shape == (385, 660, 4) and mode == "RGB"
    padded = ConstrainedLayoutEngine(w_pad=0.3, h_pad=0.2, wspace=0.1, rect=(0, 0, 0.9, 1))
    one = OnePassConstrainedLayout.like(padded)
    assert one.get() == padded.get()
    with pytest.raises(ValueError, match="layout_passes"):
        figure_png(_constrained_figure(), layout_passes=3)


def test_one_layout_pass_places_the_report_figures_within_a_pixel_of_two(report_figures):
    """The demo's 2025Q4 figures (every report figure maker): each axes within a pixel of where
    matplotlib's two passes put it, and so is everything drawn around it."""
    import matplotlib.pyplot as plt

    for name, make in report_figures.items():
        two, one = make(), make()
        figure_png(two, dpi=110)
        figure_png(one, dpi=110, layout_passes=1)
        np.testing.assert_allclose(_axes_boxes(one), _axes_boxes(two), atol=1.0, err_msg=name)
        for ax_one, ax_two in zip(one.axes, two.axes, strict=True):
            # everything drawn around the axes (titles, labels, ticks, legends) where two passes
            # put it, within a pixel
            np.testing.assert_allclose(
                ax_one.get_tightbbox().extents, ax_two.get_tightbbox().extents, atol=1.0
            )
        plt.close("all")
