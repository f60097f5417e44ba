"""What each of the quarterly report's figures costs to draw, against the trivial notebook's one.

Builds the report's figures for one quarter of the demo book in this process (the metrics computed
first, outside the timings) and draws each to PNG as the report does (``figure_png`` at the
report's resolution, one constrained-layout pass, zlib level 1), then the trivial notebook's
4 x 3 inch line plot (``bench_report.py``). Prints the CPU time of each (the least of
``--repeat`` runs: CPU time is the steady figure on a shared machine), the count of text
artists, and the sum against the budget that ``bench_report.py``'s 1.3x target leaves a report.

    .venv/bin/python benchmarks/bench_figures.py [--quarter 2025Q4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.text import Text

from helpers.audit.scores import thresholds
from helpers.book.load import load_book
from helpers.book.quarters import shift_quarter
from helpers.book.settings import Settings
from helpers.decide.contract import metrics_for_quarters
from helpers.plots.movement import plot_segment_movement
from helpers.plots.patch import plot_patch
from helpers.plots.payment import plot_aging, plot_payment_behaviour
from helpers.plots.ranking import plot_rate_ranking
from helpers.plots.style import apply_house_style
from helpers.plots.whale import plot_whale_curve
from helpers.report.figures import REPORT_DPI, figure_png

ROOT = Path(__file__).resolve().parents[1]


def report_figures(book, quarter: str, settings: Settings) -> dict[str, Callable[[], object]]:
    """The figures the report draws for ``quarter`` (those that need no backtest), by name."""
    both = metrics_for_quarters(book, [shift_quarter(quarter, -1), quarter], settings=settings)
    metrics = both[both["quarter"] == quarter].reset_index(drop=True)
    value_cut, headache_cut = thresholds(metrics, settings=settings)
    cur = settings.base_currency
    return {
        "pumpkin patch": lambda: plot_patch(
            metrics,
            currency=cur,
            quarter=quarter,
            value_threshold=value_cut,
            headache_threshold=headache_cut,
        ),
        "rate ranking": lambda: plot_rate_ranking(
            metrics, cut_percentile=settings.prune_percentile, currency=cur
        ),
        "whale curve": lambda: plot_whale_curve(metrics, currency=cur),
        "payment behaviour": lambda: plot_payment_behaviour(metrics),
        "aging": lambda: plot_aging(metrics, currency=cur),
        "segment movement": lambda: plot_segment_movement(both),
    }


def trivial_figure() -> None:
    """The trivial notebook's figure (benchmarks/bench_report.py)."""
    _fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2, 3], [3, 1, 2])


def drawn(make: Callable[[], object]) -> tuple[float, int]:
    """CPU seconds to build the current figure and draw it to PNG as the report does, and its
    count of text artists."""
    started = time.process_time()
    make()
    fig = plt.gcf()
    figure_png(fig, dpi=REPORT_DPI, layout_passes=1, compress_level=1)
    used = time.process_time() - started
    texts = sum(1 for _ in fig.findobj(Text))
    plt.close("all")
    return used, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--quarter", default="2025Q4")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    settings = Settings()
    book = load_book(args.book, settings=settings)
    apply_house_style()
    figures = report_figures(book, args.quarter, settings)
    figures["trivial notebook's figure"] = trivial_figure
    drawn(trivial_figure)  # the first figure of a process pays matplotlib's lazy set-up
    best: dict[str, tuple[float, int]] = {}
    for _ in range(max(1, args.repeat)):
        for name, make in figures.items():
            used, texts = drawn(make)
            best[name] = min(best.get(name, (used, texts)), (used, texts))
    print(f"{args.quarter} of {args.book}, least CPU of {args.repeat} run(s), drawn to PNG:")
    for name, (used, texts) in best.items():
        print(f"  {name:28s} {used:6.3f} s  {texts:4d} texts")
    report = sum(used for name, (used, _) in best.items() if not name.startswith("trivial"))
    trivial = best["trivial notebook's figure"][0]
    print(
        f"the report's figures above: {report:.2f} s of CPU, the trivial notebook's one "
        f"{trivial:.2f} s (bench_report.py's 1.3x leaves a report 0.3 x a trivial notebook's CPU "
        "more than a trivial notebook, for everything it adds)"
    )


if __name__ == "__main__":
    main()
