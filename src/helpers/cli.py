"""The ``pumpkin`` command: one subcommand per step of the audit.

Each handler parses nothing itself and holds no logic: it calls the package's functions and turns
a :class:`~helpers.errors.PumpkinError` into one readable line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import NoReturn

from helpers import __version__
from helpers.errors import PumpkinError

EXIT_USAGE = 2
#: ``pumpkin screen-prospect``'s options for seed 000's questions: (ProspectAnswers field, the
#: option's two answers, the question).
SEED_QUESTIONS = (
    (
        "value_proposition",
        ("understood", "not-understood"),
        "do they understand what we offer, or make requests that show they do not?",
    ),
    (
        "service",
        ("wanted", "not-wanted"),
        "is the service they want one we want to provide (strategy, not ability)?",
    ),
    (
        "role",
        ("clear", "blurred"),
        "do they keep the roles clear, or want to sell to us as well?",
    ),
    (
        "people",
        ("respectful", "mistreated"),
        "how did they treat our people while still a prospect? (mistreated: decline)",
    ),
    (
        "cant_or_wont",
        ("cant", "wont"),
        "if we lean to no: work we can't do well enough yet, or work we won't do?",
    ),
)


def _settings(args: argparse.Namespace):
    from helpers.book.settings import settings_for_book

    return settings_for_book(getattr(args, "data", None), getattr(args, "settings", None))


def _book(args: argparse.Namespace, settings, *, prefetch=None):
    from helpers.book.load import load_book

    return load_book(
        args.data,
        settings=settings,
        strict=getattr(args, "strict", False),
        date_format=getattr(args, "date_format", None),
        prefetch=prefetch,
    )


def quarter_arg(text: str) -> str:
    """The argparse type of every quarter option: the canonical spelling (``2025q4`` and
    ``2025 Q4`` are accepted as ``2025Q4``)."""
    from helpers.book.quarter_text import normalise_quarter

    try:
        return normalise_quarter(text)
    except PumpkinError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def report_rejects(book, args: argparse.Namespace, *, ledger=None, see: str | None = None):
    """Every command that reads a book calls this once it is loaded: when rows were rejected it
    prints one line on stderr ("3 rows rejected (invoices 2, time_entries 1): see FILE") and
    writes the ledger to ``ledger`` if given; without a ledger file the line points at ``see``
    or at ``pumpkin validate DATA``. The exit code does not change. Returns the ledger written."""
    from helpers.book.load import REJECTS_FILE
    from helpers.book.rejects import import_rejects_line, keep_ledger, rejects_notice

    written = keep_ledger(book.rejects, ledger)
    line = rejects_notice(book.rejects, written=written, see=see, data=getattr(args, "data", None))
    if line:
        print(line, file=sys.stderr)
    # the rows the import that wrote the book left out: said again by every command on the book
    if before := import_rejects_line(
        book.import_rejects, see=str(Path(book.source) / REJECTS_FILE)
    ):
        print(before, file=sys.stderr)
    return written


def report_coverage(book, quarter: str, args: argparse.Namespace) -> None:
    """The caution on stderr when ``quarter`` ends after the book's last dated row (allowed: any
    quarter with activity can be audited, but its figures stop where the book does)."""
    from helpers.book.quarters import ending_note

    if note := ending_note(book.last_activity(), quarter):
        print(f"pumpkin {args.command}: {note}", file=sys.stderr)


def warn_if_no_revenue(book, command: str) -> None:
    """One line on stderr when the book has no revenue at all (what every command reads)."""
    from helpers.book.load import revenue_warning

    if message := revenue_warning(book):
        print(f"pumpkin {command}: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------- handlers


def cmd_sample(args: argparse.Namespace) -> int:
    from helpers.book.sample import write_sample

    out = write_sample(
        args.out,
        clients=args.clients,
        years=args.years,
        seed=args.seed,
        start=args.start,
        entries=args.entries,
        invoices=args.invoices,
    )
    print(f"wrote a demo book to {out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    book = _book(args, settings)
    warn_if_no_revenue(book, "validate")
    print(f"book: {book.source}")
    print(book.reconciliation().to_string(index=False))
    if len(book.rejects):
        print(f"\nrejects ledger ({len(book.rejects)} rows):")
        print(book.rejects.to_string(index=False, max_rows=args.max_rows))
    else:
        print("\nno rejected rows")
    sys.stdout.flush()
    report_rejects(book, args, see="the ledger above")
    try:  # a book the other commands refuse (no clients, every time entry rejected) says so here
        book.check_usable()
    except PumpkinError as exc:
        print(f"pumpkin validate: cannot be audited: {exc}", file=sys.stderr)
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from helpers.book.prefetch import start_prefetch
    from helpers.forecast.preload import start_import

    settings = _settings(args)
    # started before pandas is imported: the files' digests (the cache key) and, when the cache
    # does not hold the book, Arrow's parse of its CSVs run on the core the import leaves idle
    date_format = getattr(args, "date_format", None) or settings.date_format
    preload = None
    try:
        with start_prefetch(
            args.data, base_currency=settings.base_currency, date_format=date_format
        ) as prefetch:
            # what the command computes with, imported while the worker still parses (the
            # loader would wait for the parse) rather than after the book is loaded
            for module in ("helpers.decide.contract", "helpers.present.export"):
                import_module(module)

            # a book read from its files is fitted: scipy is imported while the book is
            # validated (not beside the imports above: two imports share one GIL), once the
            # prefetch's parse has left the second core
            def reads_files() -> bool:
                prefetch.wait()
                return prefetch.reads_files()

            preload = start_import(when=reads_files)
            book = _book(args, settings, prefetch=prefetch)
        return _metrics(book, args, settings)
    finally:
        if preload is not None:
            preload.join()


def _metrics(book, args: argparse.Namespace, settings) -> int:
    from helpers.book.rejects import ledger_beside
    from helpers.decide.contract import client_metrics
    from helpers.present.export import write_csv, write_table

    warn_if_no_revenue(book, "metrics")
    quarter = book.check_quarter(args.quarter)
    table = client_metrics(book, quarter, settings=settings)
    report_coverage(book, quarter, args)
    if args.out is None:
        sys.stdout.flush()
        write_csv(table, sys.stdout.buffer)
        sys.stdout.flush()
        report_rejects(book, args)
    else:
        written = write_table(table, args.out)
        print(f"wrote {len(table)} clients to {written}")
        report_rejects(book, args, ledger=ledger_beside(written))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``pumpkin import``: write the book, rejects.csv and notes.csv, print the summary (and one
    line on stderr when the book has no revenue at all)."""
    from helpers.book.load import REJECTS_FILE
    from helpers.ingest import summary, write_import

    written = write_import(
        args.paths,
        out=args.out,
        clients=args.clients,
        date_order=args.date_order,
        payments=args.payments,
        strict=args.strict,
        bill_rates=args.bill_rates,
        jobs_as_clients=args.jobs_as_clients,
    )
    print(summary(written.imported))
    print(f"wrote the book to {written.folder}")
    sys.stdout.flush()
    report_rejects(written.book, args, see=str(written.folder / REJECTS_FILE))
    warn_if_no_revenue(written.book, "import")
    return 0


def report_settings_file(args: argparse.Namespace) -> Path | None:
    """The settings file a report reads: ``--settings``, else ``settings.toml`` in ``--data``."""
    if args.settings:
        return Path(args.settings)
    candidate = Path(args.data) / "settings.toml"
    return candidate if Path(args.data).is_dir() and candidate.exists() else None


def quarters_to_render(args: argparse.Namespace, book) -> list[str]:
    """The quarters asked for by ``--quarter``, ``--all`` or ``--from/--to``, checked against the book."""
    from helpers.book.quarters import parse_quarter, quarter_range

    available = book.quarters()
    complete = book.complete_quarters()
    if getattr(args, "last", None) and not getattr(args, "first", None):
        raise PumpkinError("--to needs --from (or use --quarter or --all)")
    if args.quarter:
        quarters = [str(parse_quarter(args.quarter))]
    elif args.all:
        quarters = complete
    else:
        last = args.last or (complete[-1] if complete else args.first)
        quarters = quarter_range(args.first, last)
        if not quarters:
            raise PumpkinError(f"--from {args.first} is after --to {last}")
    if not quarters:
        raise PumpkinError(f"{args.data}: the book has no complete quarter to report on")
    unknown = [q for q in quarters if q not in available]
    if unknown:
        span = f"{available[0]} to {available[-1]}" if available else "none"
        raise PumpkinError(
            f"no activity in the book for {', '.join(unknown)} (quarters with data: {span})"
        )
    return quarters


def _shown(path: Path) -> Path:
    """A path as the user would type it: relative to the current folder when inside it."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def cmd_report(args: argparse.Namespace) -> int:
    """``pumpkin report``: render the quarters asked for; exit 1 if any failed."""
    from helpers.book.load import REJECTS_FILE, load_book
    from helpers.book.settings import load_settings
    from helpers.report.render import render_reports

    settings_file = report_settings_file(args)
    settings = load_settings(settings_file)  # a bad settings file fails here, before any kernel
    if args.date_format and args.date_format != settings.date_format:
        raise PumpkinError(
            "pumpkin report reads the date format from the settings (so the notebook reads the "
            f'book the same way): add date_format = "{args.date_format}" to the settings file'
        )
    book = load_book(args.data, settings=settings, strict=args.strict)
    book.check_usable()
    warn_if_no_revenue(book, "report")
    quarters = quarters_to_render(args, book)
    if args.pdf:
        from helpers.report.pdf import require_chromium

        require_chromium()  # before any kernel: say it now, not after the renders
    run = render_reports(
        quarters,
        book=book,
        data_dir=args.data,
        out_dir=args.out,
        jobs=args.jobs,
        progress=sys.stderr.isatty(),
        settings_file=settings_file,
        anonymise=args.anonymise,
        keep_notebooks=args.keep_notebooks,
        timeout=args.timeout,
    )
    for done in run.rendered:
        kept = f", {_shown(done.notebook)}" if done.notebook else ""
        print(f"{done.quarter}: wrote {_shown(done.html)} and {_shown(done.xlsx)}{kept}")
    if args.pdf and run.rendered:
        from helpers.report.pdf import print_pdfs

        pages = [done.html for done in run.rendered]
        for done, pdf in zip(run.rendered, print_pdfs(pages, jobs=args.jobs or 1), strict=True):
            print(f"{done.quarter}: printed {_shown(pdf)}")
    if run.index:
        print(f"index: {_shown(run.index)}")
    sys.stdout.flush()
    # one line on stderr; the ledger beside the reports only when some were written
    ledger = Path(args.out) / REJECTS_FILE if run.rendered else None
    report_rejects(book, args, ledger=ledger)
    for failure in run.failures:
        print(f"pumpkin report: error: {failure}", file=sys.stderr)
    return 1 if run.failures else 0


def cmd_app(args: argparse.Namespace) -> int:
    """``pumpkin app``: prepare the notebook, say where it is served, then become Voilà.

    The process is replaced by Voilà (``os.execve``): Ctrl-C and a terminating signal reach the
    server directly and stop it with its kernels.
    """
    import importlib.util
    import os
    import secrets
    import socket

    from helpers.report.app import (
        app_folder,
        app_parameters,
        app_quarter,
        is_loopback,
        prepare_notebook,
        voila_command,
        voila_environment,
    )

    if args.port < 1 or args.port > 65535:
        raise PumpkinError(f"--port {args.port}: a port is between 1 and 65535")
    if importlib.util.find_spec("voila") is None:
        raise PumpkinError(
            "Voilà is not installed in this environment: `make app` installs it "
            "(pip install -r requirements.txt)"
        )
    quarter = app_quarter(args.data, args.quarter, settings_file=args.settings)
    parameters = app_parameters(data_dir=args.data, quarter=quarter, settings_file=args.settings)
    notebook = prepare_notebook(args.notebook, app_folder(args.port), parameters)
    token = None if is_loopback(args.host) else secrets.token_urlsafe(16)
    shown_host = socket.gethostname() if args.host in ("0.0.0.0", "::") else args.host
    shown_host = f"[{shown_host}]" if ":" in shown_host else shown_host
    url = f"http://{shown_host}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"pumpkin app: the {args.notebook} on {args.data} ({quarter}) at {url}", flush=True)
    if token:
        print(
            f"pumpkin app: listening on {args.host}, not only this machine: whoever opens the "
            "address above runs the kit's code here and can save settings; Ctrl-C stops it",
            flush=True,
        )
    else:
        print("pumpkin app: only this machine can open it; Ctrl-C stops it", flush=True)
    command = voila_command(notebook, host=args.host, port=args.port, token=token)
    os.execve(sys.executable, command, voila_environment())
    return 0  # not reached


def cmd_screen_prospect(args: argparse.Namespace) -> int:
    """``pumpkin screen-prospect``: the answer, its reasons, and how look-alikes turned out."""
    from helpers.decide.contract import client_metrics
    from helpers.decide.prospects import ProspectAnswers, check_prospect, screen_prospect

    hours, fees = args.expected_hours, args.expected_fees
    check_prospect(args.industry, args.size, hours, fees)
    # the seed's questions (absent options: not asked)
    answers = ProspectAnswers(**{dest: getattr(args, dest) or "" for dest, _, _ in SEED_QUESTIONS})
    settings = _settings(args)
    book = _book(args, settings)
    report_rejects(book, args)  # one line on stderr when rows were rejected
    quarter = book.check_quarter(args.quarter)
    metrics = client_metrics(book, quarter, settings=settings)
    report_coverage(book, quarter, args)
    screen = screen_prospect(
        metrics,
        industry=args.industry,
        size=args.size,
        expected_hours=hours,
        expected_fees=fees,
        settings=settings,
        events=book.events,
        answers=answers,
    )
    print(screen.report())
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from helpers.decide.journal import decisions_path, record_decision

    path = decisions_path(args.data)
    book = _book(args, _settings(args))
    row = record_decision(
        path,
        client_id=args.client,
        action=args.action,
        date=args.date,
        decided_by=args.decided_by,
        note=args.note,
        until=args.until,
        known_clients=book.clients["client_id"],
    )
    print(f"recorded {row['action']} for {row['client_id']} on {row['date']} in {path}")
    report_rejects(book, args)
    return 0


def cmd_plans(args: argparse.Namespace) -> int:
    """``pumpkin plans --data DIR --quarter Q --out DIR``."""
    from helpers.decide.offboarding import ANSWERS_FILE
    from helpers.report.plans import quarter_plans, summary_line, write_offboarding

    out = Path(args.out)
    if args.answers and not Path(args.answers).is_file():
        raise PumpkinError(f"--answers: no file {args.answers}")
    settings = _settings(args)
    book = _book(args, settings)
    report_rejects(book, args)  # one line on stderr when rows were rejected
    quarter = book.check_quarter(args.quarter)
    report_coverage(book, quarter, args)
    plans = quarter_plans(
        book,
        quarter,
        settings=settings,
        start_date=args.start_date,
        answers_file=args.answers or out / ANSWERS_FILE,
    )
    written = write_offboarding(plans, out)
    print(summary_line(written, quarter=quarter, out=out))
    return 0


# ----------------------------------------------------------------------------- parser


def _add_data(parser: argparse.ArgumentParser, *, quarter: bool = True) -> None:
    parser.add_argument(
        "--data",
        required=True,
        metavar="DIR",
        help="canonical book: a folder of CSV/Parquet tables or an .xlsx workbook",
    )
    if quarter:
        parser.add_argument(
            "--quarter",
            required=True,
            type=quarter_arg,
            metavar="YYYYQn",
            help="the quarter to audit, e.g. 2025Q2 (as of its last day)",
        )
    parser.add_argument(
        "--settings",
        metavar="FILE",
        help="settings TOML (default: settings.toml in --data, else defaults)",
    )
    parser.add_argument(
        "--date-format",
        metavar="FMT",
        help="strftime format of the book's dates when not ISO (e.g. %%d/%%m/%%Y)",
    )
    parser.add_argument("--strict", action="store_true", help="any rejected row is an error")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pumpkin",
        description="Pumpkin Patch: audit a client book (value against headache), decide which "
        "clients to grow, fix or let go, and render per-quarter reports.",
        epilog="Exit codes: 0 ok, 1 a report failed, 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"pumpkin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "sample",
        help="write a deterministic demo client book",
        description="Generate a realistic, deterministic client book (the seeds' "
        "archetypes among ordinary clients) in the canonical schema.",
    )
    p.add_argument("--clients", type=int, default=150, help="number of clients (default 150)")
    p.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--start", default="2023Q1", help="first quarter (default 2023Q1)")
    p.add_argument(
        "--entries",
        type=int,
        default=None,
        help="target number of time entries (default: realistic for the clients)",
    )
    p.add_argument(
        "--invoices",
        type=int,
        default=None,
        help="target number of invoices (default: monthly/quarterly billing)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSVs into")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "validate",
        help="check a book and print the rejects ledger",
        description="Load and validate a canonical book; print rows read, "
        "accepted and rejected per table and the rejects ledger.",
    )
    p.add_argument("data", metavar="DIR", help="folder of tables or .xlsx workbook")
    p.add_argument("--settings", metavar="FILE", help="settings TOML")
    p.add_argument("--date-format", metavar="FMT", help="strftime format for non-ISO dates")
    p.add_argument("--strict", action="store_true", help="any rejected row is an error")
    p.add_argument("--max-rows", type=int, default=50, help="ledger rows to print (default 50)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "import",
        help="import time-tracking and invoicing exports",
        description="Detect each export by its header (Harvest, Toggl, Clockify, "
        "Xero, QuickBooks, FreshBooks, Excel), convert and merge them "
        "into a canonical book plus its rejects ledger (rows left out) and notes.csv "
        "(what was assumed about rows used).",
    )
    p.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="export files or folders")
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the book")
    p.add_argument(
        "--clients", metavar="CSV", help="client mapping: name -> client_id, size, owner, industry"
    )
    p.add_argument(
        "--date-order",
        choices=("dmy", "mdy"),
        help="day/month order for ambiguous dates such as 03/04/2025",
    )
    p.add_argument("--payments", metavar="CSV", help="payments export giving paid dates")
    p.add_argument(
        "--bill-rates",
        metavar="CSV",
        help="hourly bill rates (columns client and/or person, rate) that value billable hours "
        "the exports give no amount for",
    )
    p.add_argument("--strict", action="store_true", help="any rejected row is an error")
    p.add_argument(
        "--jobs-as-clients",
        action="store_true",
        help="QuickBooks Customer:Job: each job is a client (default: the parent customer is "
        "the client and the job a project note in notes.csv)",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "metrics",
        help="one row per client: value, headache, segment, actions",
        description="Compute the metric contract for a quarter (see README).",
    )
    _add_data(p)
    p.add_argument("--out", metavar="FILE", help=".csv or .xlsx (default: CSV to stdout)")
    p.set_defaults(func=cmd_metrics, end_process=True)

    p = sub.add_parser(
        "report",
        help="render per-quarter HTML reports",
        description="Render self-contained HTML reports (and Excel action lists) "
        "with papermill and nbconvert.",
    )
    _add_data(p, quarter=False)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--quarter", type=quarter_arg, metavar="YYYYQn", help="render one quarter")
    which.add_argument("--all", action="store_true", help="render every complete quarter")
    which.add_argument(
        "--from", dest="first", type=quarter_arg, metavar="YYYYQn", help="first quarter of a range"
    )
    p.add_argument(
        "--to", dest="last", type=quarter_arg, metavar="YYYYQn", help="last quarter of a range"
    )
    p.add_argument("--out", default="reports", metavar="DIR", help="output folder (reports/)")
    p.add_argument("--jobs", type=int, default=None, help="parallel renders (default: cores)")
    p.add_argument(
        "--anonymise",
        action="store_true",
        help="replace client names with stable pseudonyms (Client 017)",
    )
    p.add_argument("--keep-notebooks", action="store_true", help="keep the executed notebooks")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print each report to <quarter>.pdf beside it (needs Debian's chromium)",
    )
    p.add_argument("--timeout", type=int, default=600, help="cell timeout in seconds (600)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "app",
        help="serve the patch explorer (or the pruning planner) as a web page without code",
        description="Serve a widget notebook with Voila: the sliders, dropdown and buttons, no "
        "code. Listens on 127.0.0.1 only unless --host says otherwise; whoever opens the page "
        "runs the kit's code on this machine.",
    )
    p.add_argument("--data", required=True, metavar="DIR", help="canonical book (data/sample)")
    p.add_argument("--settings", metavar="FILE", help="settings TOML (default: in --data)")
    p.add_argument(
        "--quarter", metavar="YYYYQn", help="quarter shown first (default: the last complete one)"
    )
    p.add_argument(
        "--notebook",
        default="explorer",
        choices=("explorer", "planner"),
        help="explorer (03, default) or planner (04)",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=8866, help="port (8866)")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser(
        "screen-prospect",
        help="how look-alike clients have turned out",
        description="Compare a prospect with the book's clients of similar "
        "industry and size. It informs; it does not decide.",
    )
    _add_data(p)
    p.add_argument("--industry", required=True, help="the prospect's industry")
    p.add_argument(
        "--size",
        required=True,
        choices=("small", "medium", "large"),
        help="the prospect's size band",
    )
    p.add_argument("--expected-hours", type=float, help="hours per year we expect to spend")
    p.add_argument("--expected-fees", type=float, help="fees per year we expect to invoice")
    seed = p.add_argument_group("the seed's questions (seed 000; leave one out when not asked yet)")
    for dest, choices, question in SEED_QUESTIONS:
        seed.add_argument("--" + dest.replace("_", "-"), choices=choices, help=question)
    p.set_defaults(func=cmd_screen_prospect)

    p = sub.add_parser(
        "decide",
        help="record what the partners decided about a client",
        description="Append a decision to decisions.csv beside the book (the journal the next "
        "report reads: what happened since, and KEEP to overrule a recommendation).",
    )
    _add_data(p, quarter=False)
    p.add_argument("--client", required=True, metavar="ID", help="the client's client_id")
    p.add_argument(
        "--action",
        required=True,
        metavar="CODE",
        help="an action code (PRUNE, REPRICE, ...) or KEEP",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="when it was decided (default: today)")
    p.add_argument("--note", help="why, in a few words")
    p.add_argument("--decided-by", metavar="NAME", help="who decided")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="KEEP: the overrule holds until this day")
    p.set_defaults(func=cmd_decide)

    p = sub.add_parser(
        "plans",
        help="offboarding plans of a quarter's prune candidates",
        description="Write one offboarding plan per prune candidate (Markdown and HTML, "
        "seed 002's four steps said per cause, dated from the notice periods, exits spread) "
        "and offboarding.xlsx (the plans, the letters and the exits month by month).",
    )
    _add_data(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the pages and workbook")
    p.add_argument(
        "--start-date",
        metavar="YYYY-MM-DD",
        help="first meeting (default: two weeks after the quarter's last day)",
    )
    p.add_argument(
        "--answers",
        metavar="CSV",
        help="can't-or-won't answers (default: cant_or_wont.csv in --out, when present)",
    )
    p.set_defaults(func=cmd_plans)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``pumpkin``: returns the exit code.

    Run as the command itself (no ``argv``: the ``pumpkin`` script, ``python -m helpers``), a
    subcommand that asks for it (``pumpkin metrics``) ends the process once it is done
    (:func:`end_process`) instead of returning to the interpreter's teardown."""
    args = build_parser().parse_args(argv)
    code = _run(args)
    if argv is None and getattr(args, "end_process", False):
        end_process(code)
    return code


def end_process(code: int) -> NoReturn:
    """End the process with ``code`` once every non-daemon thread has finished (the book
    cache's writer, as at a normal exit) and the output is flushed, without the interpreter's
    teardown: after ``pumpkin metrics`` on a large book that frees hundreds of MB object by
    object and collects the garbage of a thousand modules (about 0.3 s of CPU and 0.4-0.5 s of
    wall time on the 2M-entry book) for a process that has nothing left to finalise."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe has nothing to flush
            stream.flush()
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except PumpkinError as exc:
        print(f"pumpkin {args.command}: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_USAGE)
    except KeyboardInterrupt:
        print("pumpkin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `pumpkin metrics ... | head`: the reader left, not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
