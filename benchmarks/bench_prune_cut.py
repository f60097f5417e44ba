"""How many clients the seed's cut alone prunes on a big book with independent attributes.

Uses the benchmark's generator (``pumpkin sample --clients 10000 --entries 2000000 --invoices
300000``, cached in ``.bench/`` like ``bench_metrics.py``), computes the metric contract of the
quarter and prints, among the active clients, the share of prune candidates per reason and the
share pruned for the seed's cut alone (``prune_cut`` and none of abuse, won't pay, reprice or
exit). Issue 12's target: the cut alone at most ``prune_percentile`` + 1 percentage point.

    python benchmarks/bench_prune_cut.py
    python benchmarks/bench_prune_cut.py --clients 2000 --entries 400000 --invoices 60000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_metrics import QUARTER, sample_book  # noqa: E402

from helpers.book.settings import Settings  # noqa: E402


def cut_alone_report(metrics, settings) -> dict[str, float]:
    """Shares of the active clients (in %) per prune reason, and for the cut alone."""
    active = metrics["active"].astype(bool)
    rows = metrics[active]
    n = max(len(rows), 1)
    others = rows["prune_abuse"] | rows["prune_nonpayer"] | rows["prune_reprice"]
    out = {
        "active_clients": float(len(rows)),
        "prune_share": 100 * rows["prune"].sum() / n,
        **{f"{c}_share": 100 * rows[c].sum() / n for c in (
            "prune_abuse", "prune_nonpayer", "prune_cut", "prune_reprice")},
        "cut_alone_share": 100 * (rows["prune_cut"] & ~others).sum() / n,
        "limit": settings.prune_percentile + 1.0,
    }  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--invoices", type=int, default=300_000)
    parser.add_argument("--quarter", default=QUARTER)
    parser.add_argument("--cache", type=Path, default=ROOT / ".bench", help="book cache (.bench/)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    book_dir = sample_book(args.cache, args.clients, args.entries, args.invoices)

    from helpers.book.load import load_book
    from helpers.decide.contract import client_metrics

    settings = Settings()
    start = time.perf_counter()
    metrics = client_metrics(
        load_book(book_dir, settings=Settings()), args.quarter, settings=settings
    )
    seconds = time.perf_counter() - start
    r = cut_alone_report(metrics, settings)
    print(f"book: {book_dir} ({args.quarter}), {r['active_clients']:.0f} active clients")
    print(f"metrics in {seconds:.1f} s")
    for name in ("prune", "prune_abuse", "prune_nonpayer", "prune_cut", "prune_reprice"):
        print(f"  {name:15s} {r[f'{name}_share']:5.2f}% of active clients")
    verdict = "met" if r["cut_alone_share"] <= r["limit"] else "NOT met"
    print(
        f"  seed's cut alone {r['cut_alone_share']:5.2f}% (target at most prune_percentile + 1 = "
        f"{r['limit']:g}%): {verdict}"
    )
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
