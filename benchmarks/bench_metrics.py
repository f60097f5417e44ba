"""Benchmark: ``pumpkin metrics`` against a DuckDB SQL query computing the same contract columns.

Generates (once, cached in ``.bench/``) a 10k-client, 2M-entry, 300k-invoice book with ``pumpkin
sample``, then times, in the same run and each as a whole process (interpreter start, imports,
reading the CSVs, writing a CSV):

- ``pumpkin metrics --data BOOK --quarter Q --out FILE`` (validation, the full contract with the
  potential model, scores, segments, actions and reasons);
- a DuckDB SQL query over the same CSVs computing the measured contract columns (revenue, hours,
  cost, margin, rate, lateness, aging, incidents, growth, alignment, revenue share, rate rank).

``pumpkin metrics`` runs twice per round: **cold**, with an empty book cache (``PUMPKIN_CACHE_DIR``
pointing at a new folder: nothing from an earlier run, the CSVs read, validated and the cache
written), and **warm**, with the cache that a first run filled (the same files: the validated book
read from its Arrow copy, and the quarter's raw metrics and potential (its backtest's choice, fit
and forecast) read from the results stored beside it, so a warm run neither measures, imports scipy
nor fits; what the warm cache holds is printed, and the warm run's CSV is compared byte for byte with the cold run's). The three commands run alternately ``--repeat`` times (default 3) so
all see the same machine load; it prints the best and median times, the ratios of the best times
against their targets (cold and warm within 1.5x DuckDB; on 10M entries also a peak of at most
2 GB), each process's peak memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper around
it), its CPU time (user + system, all threads: less sensitive to other load on the machine
than the wall time, though DuckDB's threads count in full) and the largest difference between the two results per column (a cross-check of the
definitions). ``--entries 10000000`` runs the large variant; ``--classify`` also times
``helpers.audit.rules.classify`` on the 10k clients (what the notebook sliders call).

    python benchmarks/bench_metrics.py                                 # 2M entries
    python benchmarks/bench_metrics.py --entries 10000000 --repeat 1   # 10M entries
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from helpers.book.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUARTER = "2025Q4"
DEFAULT_COST_RATE = 60.0  # helpers.book.settings.Settings().default_cost_rate
TARGET_RATIO = 1.5  # pumpkin metrics within 1.5x DuckDB (cold, and warm when cached)
TARGET_PEAK_MB = 2048  # on 10M entries

#: Runs a command and prints its wall time and peak memory as JSON (the wrapper is the parent, so
#: RUSAGE_CHILDREN covers only the measured command).
WRAPPER = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "code": done.returncode}))
    """
)

SQL = """
WITH
clients AS (SELECT * FROM read_csv('{book}/clients.csv', all_varchar = true)),
people AS (SELECT person, CAST(cost_rate AS DOUBLE) AS cost_rate
           FROM read_csv('{book}/people.csv', all_varchar = true)),
fx AS (SELECT upper(currency) AS currency, CAST(rate_to_base AS DOUBLE) AS rate
       FROM read_csv('{book}/fx.csv', all_varchar = true)),
te AS (SELECT CAST(date AS DATE) AS date, client_id, person, CAST(hours AS DOUBLE) AS hours,
              lower(billable) IN ('true', '1', 'yes', 'y', 't') AS billable
       FROM read_csv('{book}/time_entries.csv', all_varchar = true)),
inv AS (SELECT i.invoice_id, i.client_id, CAST(i.issue_date AS DATE) AS issue,
               CAST(i.due_date AS DATE) AS due, CAST(nullif(i.paid_date, '') AS DATE) AS paid,
               CAST(i.amount AS DOUBLE) * coalesce(fx.rate, 1.0) AS amount
        FROM read_csv('{book}/invoices.csv', all_varchar = true) AS i
        LEFT JOIN fx ON fx.currency = upper(coalesce(nullif(i.currency, ''), 'USD'))),
ev AS (SELECT CAST(date AS DATE) AS date, client_id, kind,
              coalesce(CAST(nullif(severity, '') AS DOUBLE), 1.0) AS severity
       FROM read_csv('{book}/events.csv', all_varchar = true)),
asm AS (SELECT CAST(date AS DATE) AS date, client_id,
               (CAST(alignment AS DOUBLE) + CAST(transparency AS DOUBLE) + CAST(respect AS DOUBLE)
                + CAST(fit AS DOUBLE)) / 4 AS rating
        FROM read_csv('{book}/assessments.csv', all_varchar = true)),
work AS (
    SELECT client_id, sum(hours) AS hours_ttm,
           coalesce(sum(hours) FILTER (WHERE NOT billable), 0) AS non_billable,
           sum(hours * coalesce(p.cost_rate, {default_rate})) AS labour_cost_ttm
    FROM te LEFT JOIN people AS p USING (person)
    WHERE date BETWEEN DATE '{ttm_start}' AND DATE '{as_of}'
    GROUP BY client_id),
inv_days AS (
    SELECT *,
           greatest(0, date_diff('day', due,
                    CASE WHEN paid <= DATE '{as_of}' THEN paid ELSE DATE '{as_of}' END)) AS late,
           amount > 0 AND due BETWEEN DATE '{ttm_start}' AND DATE '{as_of}' AS due_in_ttm,
           issue <= DATE '{as_of}' AND (paid IS NULL OR paid > DATE '{as_of}') AS open,
           date_diff('day', due, DATE '{as_of}') AS past_due
    FROM inv),
money AS (
    SELECT client_id,
           sum(amount) FILTER (WHERE issue BETWEEN DATE '{q_start}' AND DATE '{as_of}') AS revenue_q,
           sum(amount) FILTER (WHERE issue BETWEEN DATE '{ttm_start}' AND DATE '{as_of}')
               AS revenue_ttm,
           sum(amount) FILTER (WHERE issue BETWEEN DATE '{prior_start}' AND DATE '{prior_end}')
               AS revenue_prior,
           sum(amount * late) FILTER (WHERE due_in_ttm) / sum(amount) FILTER (WHERE due_in_ttm)
               AS days_late_avg,
           count(*) FILTER (WHERE due_in_ttm AND late > 0)
               / nullif(count(*) FILTER (WHERE due_in_ttm), 0)
               AS late_share,
           sum(amount) FILTER (WHERE open AND past_due <= 0) AS aging_current,
           sum(amount) FILTER (WHERE open AND past_due BETWEEN 1 AND 30) AS aging_1_30,
           sum(amount) FILTER (WHERE open AND past_due BETWEEN 31 AND 60) AS aging_31_60,
           sum(amount) FILTER (WHERE open AND past_due BETWEEN 61 AND 90) AS aging_61_90,
           sum(amount) FILTER (WHERE open AND past_due > 90) AS aging_90_plus,
           sum(amount) FILTER (WHERE open AND past_due > 0) AS overdue_amount
    FROM inv_days GROUP BY client_id),
incidents AS (
    SELECT client_id, sum(severity) AS incidents_ttm FROM ev
    WHERE kind IN ('scope_creep', 'after_hours', 'rush', 'complaint', 'dispute', 'abuse')
      AND date BETWEEN DATE '{ttm_start}' AND DATE '{as_of}'
    GROUP BY client_id),
alignment AS (
    SELECT client_id, avg(rating) AS alignment_score FROM asm
    WHERE date BETWEEN DATE '{ttm_start}' AND DATE '{as_of}' GROUP BY client_id),
joined AS (
    SELECT c.client_id, c.name,
           coalesce(m.revenue_q, 0) AS revenue_q, coalesce(m.revenue_ttm, 0) AS revenue_ttm,
           coalesce(m.revenue_prior, 0) AS revenue_prior, coalesce(w.hours_ttm, 0) AS hours_ttm,
           coalesce(w.non_billable / nullif(w.hours_ttm, 0), 0) AS non_billable_share,
           coalesce(w.labour_cost_ttm, 0) AS labour_cost_ttm,
           coalesce(m.days_late_avg, 0) AS days_late_avg, coalesce(m.late_share, 0) AS late_share,
           coalesce(m.overdue_amount, 0) AS overdue_amount,
           coalesce(i.incidents_ttm, 0) AS incidents_ttm, a.alignment_score,
           coalesce(m.aging_current, 0) AS aging_current, coalesce(m.aging_1_30, 0) AS aging_1_30,
           coalesce(m.aging_31_60, 0) AS aging_31_60, coalesce(m.aging_61_90, 0) AS aging_61_90,
           coalesce(m.aging_90_plus, 0) AS aging_90_plus
    FROM clients AS c
    LEFT JOIN work AS w USING (client_id) LEFT JOIN money AS m USING (client_id)
    LEFT JOIN incidents AS i USING (client_id) LEFT JOIN alignment AS a USING (client_id)),
rated AS (
    SELECT *, revenue_ttm - labour_cost_ttm AS margin_ttm,
           CASE WHEN hours_ttm > 0 THEN revenue_ttm / hours_ttm END AS effective_rate_ttm,
           CASE WHEN revenue_prior > 0 THEN revenue_ttm / revenue_prior - 1 END AS growth_ttm,
           revenue_ttm / sum(revenue_ttm) OVER () AS revenue_share
    FROM joined)
SELECT *,
       CASE WHEN hours_ttm > 0 THEN rank() OVER (PARTITION BY hours_ttm > 0
                                                 ORDER BY effective_rate_ttm DESC) END AS rate_rank
FROM rated ORDER BY client_id
"""

DUCKDB_SCRIPT = textwrap.dedent(
    """
    import sys, duckdb
    sql, out = open(sys.argv[1]).read(), sys.argv[2]
    duckdb.sql(sql).write_csv(out)
    """
)

COMPARED = [
    "revenue_q", "revenue_ttm", "revenue_prior", "hours_ttm", "non_billable_share",
    "labour_cost_ttm", "margin_ttm", "effective_rate_ttm", "days_late_avg", "late_share",
    "overdue_amount", "incidents_ttm", "growth_ttm", "alignment_score", "aging_current",
    "aging_1_30", "aging_31_60", "aging_61_90", "aging_90_plus", "revenue_share", "rate_rank",
]  # fmt: skip


def measured(command: list[str], *, env: dict[str, str] | None = None) -> dict:
    """Wall time and peak memory of ``command`` run as its own process (``env``: extra
    environment variables)."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"]:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
    return result


def warm_reuses(cache: Path) -> str:
    """What a warm cache folder holds, in words: the validated books and the stored results."""

    def size(paths: list[Path]) -> str:
        return f"{sum(p.stat().st_size for p in paths if p.is_file()) / 2**20:.0f} MB"

    books = [p for p in (cache / "books").glob("*") if p.is_dir() and not p.name.startswith(".")]
    parts = [f"{len(books)} validated book(s) ({size([f for b in books for f in b.iterdir()])})"]
    for kind in sorted((cache / "results").glob("*")):
        files = list(kind.glob("*.arrow"))
        parts.append(f"{len(files)} stored {kind.name} result(s) ({size(files)})")
    return "; ".join(parts)


def sample_book(cache: Path, clients: int, entries: int, invoices: int) -> Path:
    book = cache / f"book-{clients}-{entries}-{invoices}"
    if not (book / "time_entries.csv").exists():
        print(f"generating {book} (once) ...", flush=True)
        command = [str(BIN / "pumpkin"), "sample", "--clients", str(clients)]
        command += ["--entries", str(entries), "--invoices", str(invoices), "--out", str(book)]
        print(f"  {measured(command)['seconds']:.1f} s", flush=True)
    return book


def sql_for(book: Path, quarter: str) -> str:
    from helpers.book.quarters import as_of, prior_window, quarter_window, ttm_window

    return SQL.format(
        book=book.as_posix(),
        q_start=quarter_window(quarter).start.date(),
        as_of=as_of(quarter).date(),
        ttm_start=ttm_window(quarter).start.date(),
        prior_start=prior_window(quarter).start.date(),
        prior_end=prior_window(quarter).end.date(),
        default_rate=DEFAULT_COST_RATE,
    )


def compare(pumpkin_csv: Path, duckdb_csv: Path) -> None:
    import pandas as pd

    ours = pd.read_csv(pumpkin_csv, low_memory=False).set_index("client_id").sort_index()
    theirs = pd.read_csv(duckdb_csv).set_index("client_id").sort_index()
    assert ours.index.equals(theirs.index), "the two results have different clients"
    print("largest difference per column (pumpkin vs DuckDB):")
    worst = {c: float((ours[c] - theirs[c]).abs().max(skipna=True) or 0.0) for c in COMPARED}
    both_empty = {c: bool((ours[c].isna() == theirs[c].isna()).all()) for c in COMPARED}
    for column, diff in worst.items():
        flag = "" if diff < 1e-6 and both_empty[column] else "   <-- differs"
        if column == "rate_rank" and diff <= 1:
            flag = "   (ties broken differently where rates agree to ~1e-12: summation order)"
        print(f"  {column:22s} {diff:.3g}{flag}")


def time_classify(book: Path) -> None:
    import time

    import numpy as np

    from helpers.audit.rules import classify
    from helpers.book.load import load_book
    from helpers.decide.contract import raw_metrics

    raw = raw_metrics(load_book(book, settings=Settings()), QUARTER, settings=Settings())
    settings = [Settings(), Settings().replace(prune_percentile=20.0, value_threshold=40.0)]
    times = []
    for k in range(30):
        start = time.perf_counter()
        classify(raw, settings=settings[k % 2])
        times.append(time.perf_counter() - start)
    print(
        f"classify on {len(raw)} clients: median {np.median(times) * 1000:.1f} ms, "
        f"best {min(times) * 1000:.1f} ms (30 runs, target < 30 ms)"
    )


def breakdown(book: Path, out: Path) -> None:
    """Where ``pumpkin metrics`` spends its time, stage by stage, in this process."""
    import time

    start = time.perf_counter()
    from helpers.audit import measures as metrics
    from helpers.audit.rules import classify
    from helpers.book import cache as book_cache
    from helpers.book.load import load_book
    from helpers.book.prefetch import start_prefetch, table_files
    from helpers.decide import contract
    from helpers.forecast.backtest import backtest
    from helpers.forecast.estimate import client_potential
    from helpers.forecast.history import book_history
    from helpers.present.export import write_table

    stages = {"imports": time.perf_counter() - start}

    def timed(name, f, *args):
        began = time.perf_counter()
        value = f(*args)
        stages[name] = time.perf_counter() - began
        return value

    settings = Settings()
    files = table_files(book)
    timed(
        "digests of the files (the cache key)",
        lambda: book_cache.book_key(files, base_currency=settings.base_currency, date_format=None),
    )
    # what pumpkin metrics starts before pandas is imported: here after it, so timed alone
    prefetch = start_prefetch(book, base_currency=settings.base_currency, date_format=None)
    with prefetch:
        timed("Arrow's parse of the CSVs (the prefetch)", prefetch.wait)
        loaded = timed(
            "load_book from the parse (validation)",
            lambda: load_book(book, settings=settings, cache=False, prefetch=prefetch),
        )
    prep = timed(
        "prepare arrays (client codes)", lambda: metrics.prepare(loaded, settings=settings)
    )
    raw = timed(
        "raw_metrics incl. potential",
        lambda: contract._raw(prep, loaded, QUARTER, settings),
    )
    timed(
        "  of which client_potential",
        lambda: client_potential(loaded, QUARTER, settings=settings),
    )
    history = timed("    of which the book's invoice history", book_history, loaded)
    checked = timed("    of which the backtest", lambda: backtest(loaded, QUARTER, history=history))
    table = timed("classify (scores, segments, actions)", lambda: classify(raw, settings=settings))
    timed("write CSV", write_table, table, out / "breakdown.csv")
    print(f"the potential's backtest at {QUARTER}: {checked.reason}")
    print(checked.methods.drop(columns="skipped").to_string(index=False))
    print("breakdown of pumpkin metrics (in one process):")
    for name, seconds in stages.items():
        print(f"  {name:40s} {seconds:6.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--invoices", type=int, default=300_000)
    parser.add_argument("--quarter", default=QUARTER)
    parser.add_argument("--cache", type=Path, default=ROOT / ".bench", help="book cache (.bench/)")
    parser.add_argument("--classify", action="store_true", help="also time classify (sliders)")
    parser.add_argument("--breakdown", action="store_true", help="also time each stage")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each (3)")
    args = parser.parse_args(argv)

    args.cache.mkdir(parents=True, exist_ok=True)
    book = sample_book(args.cache, args.clients, args.entries, args.invoices)
    out = args.cache / f"out-{args.entries}"
    out.mkdir(exist_ok=True)
    sql_file = out / "metrics.sql"
    sql_file.write_text(sql_for(book, args.quarter), encoding="utf-8")

    pumpkin_csv, duckdb_csv = out / "pumpkin.csv", out / "duckdb.csv"
    pumpkin_command = [str(BIN / "pumpkin"), "metrics", "--data", str(book)]
    pumpkin_command += ["--quarter", args.quarter, "--out", str(pumpkin_csv)]
    warm_csv = out / "pumpkin-warm.csv"
    warm_command = [*pumpkin_command[:-1], str(warm_csv)]
    duck_command = [sys.executable, "-c", DUCKDB_SCRIPT, str(sql_file), str(duckdb_csv)]
    caches = Path(tempfile.mkdtemp(prefix="bench-cache-", dir=args.cache))
    warm_env = {"PUMPKIN_CACHE_DIR": str(caches / "warm")}
    measured(pumpkin_command, env=warm_env)  # fills the warm cache (not timed)
    names = ("pumpkin metrics, cold", "duckdb SQL", "pumpkin metrics, warm")
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for k in range(args.repeat):  # alternate, so all see the same machine load
        cold_env = {"PUMPKIN_CACHE_DIR": str(caches / f"cold-{k}")}  # empty: nothing cached
        runs[names[0]].append(measured(pumpkin_command, env=cold_env))
        runs[names[1]].append(measured(duck_command))
        runs[names[2]].append(measured(warm_command, env=warm_env))
    reused = warm_reuses(caches / "warm")
    shutil.rmtree(caches, ignore_errors=True)
    os.environ["PUMPKIN_CACHE_DIR"] = "off"  # what follows in this process reads the CSVs

    size = f"{args.clients} clients, {args.entries:,} entries, {args.invoices:,} invoices"
    print(
        f"book: {size} ({book}); {args.repeat} alternating run(s) each, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores at the end"
    )
    best, peak = {}, {}
    for name, results in runs.items():
        seconds = sorted(r["seconds"] for r in results)
        cpu = min(r["cpu"] for r in results)
        best[name], peak[name] = seconds[0], max(r["peak_mb"] for r in results)
        print(
            f"{name:22s} best {seconds[0]:6.2f} s, median {statistics.median(seconds):6.2f} s, "
            f"CPU {cpu:6.2f} s (least), peak {peak[name]:.0f} MB"
        )
    for name in (names[0], names[2]):
        ratio = best[name] / best[names[1]]
        verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
        print(
            f"ratio {name} / duckdb (best times): {ratio:.2f}x "
            f"(target <= {TARGET_RATIO}x: {verdict})"
        )
    print(f"the warm run reuses: {reused}")
    same = pumpkin_csv.read_bytes() == warm_csv.read_bytes()
    print(f"warm CSV byte-identical to the cold run's: {'yes' if same else 'NO'}")
    if args.entries >= 10_000_000:
        worst = max(peak[names[0]], peak[names[2]])
        verdict = "met" if worst <= TARGET_PEAK_MB else "NOT met"
        print(f"peak memory of pumpkin metrics: {worst:.0f} MB (target <= 2 GB: {verdict})")
    compare(pumpkin_csv, duckdb_csv)
    if args.classify:
        time_classify(book)
    if args.breakdown:
        breakdown(book, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
