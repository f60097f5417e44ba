"""Slider responsiveness of the pumpkin patch explorer at 10k clients.

Measures what one slider move costs (re-classify with ``helpers.audit.rules.classify``, word the
reasons of the rows shown, redraw the patch to PNG, the summary line and the candidates table), as
the median of repeated moves of the prune slider, the thresholds and a weight; the parts are given
in CPU time (comparable on a loaded machine).
The 10k-client raw metrics are the demo book's last complete quarter tiled with noise (every raw
column present, realistic distributions). Targets: median under 100 ms at 10,000 clients, under
50 ms at the demo's 150 (``--clients 150``: the demo book's own clients, no tiling).

    .venv/bin/python benchmarks/bench_widgets.py [--clients 10000] [--moves 31]
    .venv/bin/python benchmarks/bench_widgets.py --clients 150
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from helpers.book.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def target_ms(clients: int) -> float:
    """The issue's targets: 50 ms at the demo's 150 clients (or fewer), 100 ms above."""
    return 50.0 if clients <= 150 else 100.0


def tiled_raw(clients: int, *, seed: int = 7) -> pd.DataFrame:
    """Raw metrics for ``clients`` clients: the demo book's last quarter tiled with noise, then
    ranked among themselves once (the ``pctl_`` columns), as ``raw_metrics`` ranks a book of
    that size: a slider move then only re-weights the ranks."""
    from helpers.audit.scores import input_ranks
    from helpers.book.load import load_book
    from helpers.decide.contract import raw_metrics

    book = load_book(ROOT / "data" / "sample", settings=Settings())
    raw = raw_metrics(book, book.complete_quarters()[-1], settings=Settings())
    if clients == len(raw):  # the demo book itself
        return raw
    if clients < len(raw):
        return _ranked(raw.head(clients))
    copies = -(-clients // len(raw))
    rng = np.random.default_rng(seed)
    tiled = pd.concat([raw] * copies, ignore_index=True).head(clients)
    numeric = [c for c in tiled.select_dtypes("float").columns if c not in ("rate_percentile",)]
    noise = rng.uniform(0.8, 1.2, (len(tiled), len(numeric)))  # the same draws as ever
    noisy = tiled.assign(
        client_id=[f"B{i:06d}" for i in range(len(tiled))],
        name=[f"{n} #{i}" for i, n in enumerate(tiled["name"])],
        **{c: tiled[c].to_numpy() * noise[:, j] for j, c in enumerate(numeric)},
    )
    return input_ranks(
        _unranked(noisy), settings=Settings()
    )  # the copies' ranks (noise included) are no ranks


def _unranked(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.drop(columns=[c for c in raw.columns if c.startswith("pctl_")])


def _ranked(raw: pd.DataFrame) -> pd.DataFrame:
    from helpers.audit.scores import input_ranks

    return input_ranks(_unranked(raw), settings=Settings())


@contextlib.contextmanager
def _timed_parts(explorer):
    """Time the steps of the moves made inside the block, as the explorer runs them (CPU time):
    classify (flags, codes and segments of every client, and the rule masks), the reasons of
    the rows shown (from those masks), the redraw (the patch as it changed, to PNG); the rest of
    a move (the candidate rows, summary line, table, journal) is its total minus those. Yields
    a list that gets one {step: ms} per move; measuring inside the real moves keeps the parts
    honest (a redraw of a patch in which nothing moved compresses no band again)."""
    import helpers.widgets.explorer as module

    current: dict[str, float] = {}

    def timed(name, function):
        def run(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                current[name] = current.get(name, 0.0) + (time.process_time() - started) * 1000

        return run

    original = module.classify_with_masks
    module.classify_with_masks = timed("classify", original)
    explorer._worded = timed("reasons of the rows shown", explorer._worded)
    explorer.render_patch = timed("redraw (PNG)", explorer.render_patch)
    moves: list[dict[str, float]] = []
    try:
        yield moves, current
    finally:
        module.classify_with_masks = original
        del explorer._worded, explorer.render_patch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--moves", type=int, default=31)
    args = parser.parse_args(argv)

    from helpers.widgets.explorer import PatchExplorer

    raw = tiled_raw(args.clients)
    started = time.perf_counter()
    explorer = PatchExplorer(raw, settings=Settings())
    build = time.perf_counter() - started
    sliders = [explorer.prune_slider, explorer.value_slider, explorer.headache_slider,
               next(iter(explorer.value_weight_sliders.values()))]  # fmt: skip
    timings, cpu = [], []
    with _timed_parts(explorer) as (moves, current):
        for i in range(args.moves):
            slider = sliders[i % len(sliders)]
            target = (
                slider.value + slider.step
                if slider.value + slider.step <= slider.max
                else slider.min
            )
            current.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            slider.value = target  # fires the callback: classify + redraw + summary + table
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            rest = cpu[-1] - sum(current.values())
            moves.append({**current, "candidates, summary + table (the rest)": rest})
    median = statistics.median(timings)
    target = target_ms(len(raw))
    parts = {k: statistics.median(m.get(k, 0.0) for m in moves) for k in moves[0]}
    print(f"clients: {len(raw):,}; explorer built in {build:.2f} s")
    print(
        "parts of the moves (median CPU): " + ", ".join(f"{k} {v:.0f} ms" for k, v in parts.items())
    )
    print(
        f"slider move (re-classify + redraw), {args.moves} moves: median {median:.0f} ms, "
        f"min {min(timings):.0f} ms, max {max(timings):.0f} ms (target {target:.0f} ms); "
        f"CPU time of this process per move: median {statistics.median(cpu):.0f} ms"
    )
    print(f"summary after the moves: {explorer.summary.value}")
    print(
        f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores"
    )
    print(
        f"target < {target:.0f} ms at {len(raw):,} clients: "
        + ("met" if median <= target else "NOT met (wall median; see the CPU figure)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
