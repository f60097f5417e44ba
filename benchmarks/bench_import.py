"""Import speed: a 1M-row Toggl and Harvest export against ``pandas.read_csv`` on the same file.

Usage: ``python benchmarks/bench_import.py [--rows 1000000] [--repeat 3] [--profile]``. The
files are generated once into ``.bench/`` (git-ignored); both timings are taken in the same run,
best of ``--repeat`` back-to-back pairs (so load from other processes hits both), and the ratios
import / read_csv are printed (the target is at most 2). ``--profile`` then prints where one
more import of each file spends its time (cProfile, the kit's own functions).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.ingest import import_exports

CACHE = Path(__file__).resolve().parents[1] / ".bench"


def _clock(seconds: np.ndarray) -> list[str]:
    return [f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in seconds.tolist()]


def toggl_file(rows: int, seed: int = 7) -> Path:
    path = CACHE / f"toggl_{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700 * 1440, rows), "min")
    seconds = rng.integers(60, 4 * 3600, rows)
    end = start + pd.to_timedelta(seconds, "s")
    clients = np.array([f"Client {i:03d} Ltd" for i in range(300)])
    people = np.array(["Ann Lee", "Bo Chen", "Cy Diaz", "Dee Eng", "Ed Fox"])
    frame = pd.DataFrame(
        {
            "User": people[rng.integers(0, len(people), rows)],
            "Email": "team@example.com",
            "Client": clients[rng.integers(0, len(clients), rows)],
            "Project": "Retainer",
            "Task": "",
            "Description": np.array(["Design", "Review, notes", "Calls"])[rng.integers(0, 3, rows)],
            "Billable": np.where(rng.random(rows) < 0.8, "Yes", "No"),
            "Start date": start.strftime("%Y-%m-%d"),
            "Start time": start.strftime("%H:%M:%S"),
            "End date": end.strftime("%Y-%m-%d"),
            "End time": end.strftime("%H:%M:%S"),
            "Duration": _clock(seconds),
            "Tags": "",
            "Amount (USD)": (seconds / 36).round(2),
        }
    )
    CACHE.mkdir(exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def harvest_file(rows: int, seed: int = 8) -> Path:
    path = CACHE / f"harvest_{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, rows), "D")
    hours = rng.integers(1, 32, rows) / 4
    first = np.array(["Ann", "Bo", "Cy", "Dee", "Ed"])
    pick = rng.integers(0, len(first), rows)
    frame = pd.DataFrame(
        {
            "Date": day.strftime("%Y-%m-%d"),
            "Client": np.array([f"Client {i:03d} LLC" for i in range(300)])[
                rng.integers(0, 300, rows)
            ],
            "Project": "Retainer",
            "Project Code": "RET",
            "Task": "Design",
            "Notes": np.array(["Wireframes", "Review, with notes", ""])[rng.integers(0, 3, rows)],
            "Hours": hours,
            "Hours Rounded": np.ceil(hours * 4) / 4,
            "Billable?": np.where(rng.random(rows) < 0.8, "Yes", "No"),
            "Invoiced?": "No",
            "First Name": first[pick],
            "Last Name": np.array(["Lee", "Chen", "Diaz", "Eng", "Fox"])[pick],
            "Employee Id": "",
            "Roles": "",
            "Employee?": "Yes",
            "Billable Rate": 150.0,
            "Billable Amount": hours * 150,
            "Cost Rate": 60.0,
            "Cost Amount": hours * 60,
            "Currency": "United States Dollar - USD",
            "External Reference URL": "",
        }
    )
    CACHE.mkdir(exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def paired(path: Path, repeat: int) -> tuple[float, float, float]:
    """(best read_csv, best import, median ratio of back-to-back pairs): load noise hits both."""
    reads, imports = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        pd.read_csv(path)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        import_exports([path])
        imports.append(time.perf_counter() - start)
    ratios = np.array(imports) / np.array(reads)
    return min(reads), min(imports), float(np.median(ratios))


def profile(path: Path, *, lines: int = 25) -> None:
    """Cumulative time of the kit's functions in one import (after the timed runs)."""
    profiler = cProfile.Profile()
    profiler.runcall(import_exports, [path])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"helpers[/\\]", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a breakdown per file")
    args = parser.parse_args()
    for name, make in (("toggl", toggl_file), ("harvest", harvest_file)):
        path = make(args.rows)
        book = import_exports([path])
        assert len(book.time_entries) == args.rows, "every generated row must be imported"
        read, imported, ratio = paired(path, args.repeat)
        print(
            f"{name}: {args.rows:,} rows  read_csv {read:.3f} s  import_exports "
            f"{imported:.3f} s  (best of {args.repeat})  ratio of bests "
            f"{imported / read:.2f}, median pair ratio {ratio:.2f} (target <= 2)"
        )
        if args.profile:
            profile(path)


if __name__ == "__main__":
    main()
