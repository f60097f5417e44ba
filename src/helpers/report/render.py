"""Render per-quarter reports: papermill runs the report notebook, nbconvert writes one HTML file.

Everything happens in one Python process (no CLI subprocess per step): quarters run in parallel
in a pool of threads, each driving its own kernel. Each quarter gives

* ``<quarter>.html``: self-contained (figures inline, no script, font or stylesheet fetched from
  anywhere; the file is refused if it contains ``http://`` or ``https://``), code and parameter
  cells removed, a table of contents built from the notebook's headings, a print stylesheet;
  tables marked sortable sort and search with the DataTables bundle embedded once
  (:mod:`helpers.report.sortable`), and print every row;
* ``<quarter>-actions.xlsx``: the action list and the data-quality ledger (formulas neutralised);
* ``index.html``: every rendered quarter in the folder with its headline figures.

The notebook computes everything once, in its kernel, and publishes the action list and headline
figures in a cell tagged ``export`` (removed from the HTML). Files are written to a temporary
name and renamed, so a failing render leaves the previous report as it was.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from helpers.errors import PumpkinError

#: The report template (a jupytext-paired notebook in the repository).
REPORT_NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "quarterly_report.ipynb"
TEMPLATES = Path(__file__).with_name("templates")
KERNEL_NAME = "python3"
#: Cells with these tags never reach the HTML.
REMOVED_TAGS = ("parameters", "injected-parameters", "export", "remove-cell")
#: Cells of value-based sections (patch, ranking, whale, prune list, ...): left out of the page
#: when the export payload says the book has no revenue, rather than drawn empty.
NEEDS_REVENUE_TAG = "needs-revenue"
#: The MIME type of the export cell's payload (see :func:`helpers.present.export.publish_export`);
#: the same string as ``helpers.present.export.EXPORT_MIME`` (not imported: it pulls in pandas).
EXPORT_MIME = "application/vnd.pumpkin.report+json"
_EXTERNAL_URL = re.compile(r"https?://", re.IGNORECASE)
_HEADING = re.compile(r"^(#{2,3})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_REPORT_FILE = re.compile(r"^(\d{4}Q[1-4])\.html$")


def skip_iri_format_check() -> None:
    """Keep ``rfc3987_syntax`` out of this process: jsonschema imports it (when installed, as
    jupyterlab's dependencies do) only to check the ``iri`` string format, and building its
    Lark parsers is most of ``import nbformat`` (about 1.5 s of 1.7 s; papermill and nbconvert
    import nbformat). No notebook schema uses that format. Without effect when jsonschema's
    format checks are already loaded."""
    if "jsonschema._format" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # its import then raises ImportError


skip_iri_format_check()


class ReportError(PumpkinError):
    """A quarter failed to render: the message names the quarter, the cell and the error."""

    exit_code = 1


@dataclass(frozen=True)
class RenderedQuarter:
    """What one render wrote."""

    quarter: str
    html: Path
    xlsx: Path
    notebook: Path | None = None
    headline: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportRun:
    """The outcome of :func:`render_reports`: rendered quarters, failures and the index page."""

    rendered: tuple[RenderedQuarter, ...]
    failures: tuple[ReportError, ...]
    index: Path | None


# ----------------------------------------------------------------------------- execution


def report_parameters(
    quarter: str, *, data_dir: str | Path, settings_file: str | Path | None, anonymise: bool
) -> dict[str, Any]:
    """The notebook's parameters as Python values (bools stay bools, paths absolute)."""
    return {
        "quarter": str(quarter),
        "data_dir": str(Path(data_dir).resolve()),
        "settings_file": str(Path(settings_file).resolve()) if settings_file else "",
        "anonymise": bool(anonymise),
    }


def _excerpt(source: str, width: int = 70) -> str:
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    first = next((line for line in lines if not line.startswith("#")), lines[0] if lines else "")
    return first if len(first) <= width else first[: width - 1] + "…"


def _one_line(text: object) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;]*m", "", str(text))).strip()


@cache
def _kernel_manager(cwd: str) -> type:
    """A kernel manager that starts its kernel in ``cwd`` and discards the kernel's stderr
    (transport warnings, shutdown noise; cell errors arrive through the messaging protocol).

    The working directory is given to the kernel process itself: papermill's own ``cwd=``
    changes the directory of this whole process, which races between render threads.
    """
    import subprocess

    from jupyter_client import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.update(cwd=cwd, stderr=subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        _launch_kernel = _async_launch_kernel

    return QuietKernelManager


def execute_report(
    notebook,
    parameters: Mapping[str, Any],
    *,
    timeout: int,
    kernel_name: str = KERNEL_NAME,
    output_path: Path | None = None,
    folder: Path | None = None,
):
    """Run the notebook (a path, or a notebook node read from ``folder``) with papermill
    (explicit kernel, the kernel's working directory = the notebook's folder, cell timeout).

    A failing cell raises :class:`ReportError` with the quarter, the cell and the error.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    quarter = parameters.get("quarter", "?")
    try:
        return papermill.execute_notebook(
            notebook if not isinstance(notebook, str | Path) else str(notebook),
            str(output_path) if output_path else None,
            parameters=dict(parameters),
            kernel_name=kernel_name,
            cwd=None,  # never chdir this process (threads); the kernel gets its cwd below
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_manager_class=_kernel_manager(str(folder or Path(notebook).parent)),
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"{quarter}: cell {exc.cell_index} failed (`{_excerpt(exc.source)}`): "
            f"{exc.ename}: {_one_line(exc.evalue)}"
        ) from None
    except Exception as exc:  # timeouts, dead kernels, missing kernelspec: all one line
        raise ReportError(
            f"{quarter}: the notebook could not run: {type(exc).__name__}: {_one_line(exc)}"
        ) from None


# ----------------------------------------------------------------------------- HTML


@cache
def _page_exporter_class() -> type:
    """nbconvert's HTMLExporter without its last step: parsing the finished page with
    BeautifulSoup (Python's html.parser) to give alt text to images without any and a tabindex
    to cells under a ``.jp-Notebook`` element, then writing it out again. On a report that
    re-parse is most of the export (about 0.3-0.6 s of CPU per quarter, 1.8 MB of HTML) and
    changes nothing the page shows: every figure already has its alt text
    (:func:`_prepared_for_html`) and the report template has no ``.jp-Notebook`` element."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7.17) up to the BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PageExporter


@lru_cache(maxsize=1)
def _exporter():
    return new_exporter(_page_exporter_class())


def new_exporter(exporter_class: type):
    """An exporter of ``exporter_class`` (an nbconvert HTMLExporter) configured for the report."""
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_TAGS)
    config.CSSHTMLHeaderPreprocessor.enabled = False
    return exporter_class(
        config=config,
        template_name="lab",
        template_file="report.html.j2",
        extra_template_paths=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        mathjax_url="",
        require_js_url="",
        widget_renderer_url="",
        jupyter_widgets_base_url="",
        mermaid_js_url="",
    )


#: nbconvert's exporter keeps state during a conversion: one conversion at a time per process.
_EXPORT_LOCK = threading.Lock()


def table_of_contents(nb) -> list[dict[str, Any]]:
    """Level-2 and level-3 markdown headings of the kept cells, with nbconvert's anchor ids."""
    from nbconvert.filters.strings import _convert_header_id

    items = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or set(cell.metadata.get("tags", ())) & set(REMOVED_TAGS):
            continue
        for hashes, text in _HEADING.findall(cell.source):
            items.append({"level": len(hashes), "text": text, "anchor": _convert_header_id(text)})
    return items


def _prepared_for_html(nb):
    """A copy without stderr streams (warnings are for the analyst, not the reader) and with
    alt text on every figure (the title of the section it belongs to)."""
    import copy

    nb = copy.deepcopy(nb)
    heading = "the report"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = _HEADING.findall(cell.source)
            heading = found[-1][1] if found else heading
            continue
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            o for o in cell.outputs if not (o.output_type == "stream" and o.get("name") == "stderr")
        ]
        for output in cell.outputs:
            if "image/png" in output.get("data", {}):
                output.setdefault("metadata", {})["alt"] = f"Figure: {heading}"
    return nb


def tags_to_skip(
    data_dir: str | Path, settings_file: str | Path | None = None, *, book=None
) -> tuple[str, ...]:
    """``(NEEDS_REVENUE_TAG,)`` when the book (``book``, else the one in ``data_dir``) has no
    revenue at all, else nothing to skip."""
    from helpers.book.load import load_book
    from helpers.book.settings import settings_for_book

    try:
        if book is None:
            book = load_book(data_dir, settings=settings_for_book(data_dir, settings_file))
    except PumpkinError:  # the notebook reports a bad book, quarter by quarter
        return ()
    return () if book.has_revenue() else (NEEDS_REVENUE_TAG,)


def without_tagged(nb, tag: str):
    """A copy of the notebook without the cells tagged ``tag`` (headings included, so the
    table of contents leaves them out too)."""
    import copy

    kept = copy.copy(nb)
    kept.cells = [c for c in nb.cells if tag not in c.get("metadata", {}).get("tags", ())]
    return kept


def notebook_html(
    nb, *, title: str, headline: Mapping[str, Any] | None = None, subtitle: str = ""
) -> str:
    """The executed notebook as one self-contained HTML page (code and parameter cells removed)."""
    from helpers.report.sortable import has_sortable_table, sortable_tables_html

    nb = _prepared_for_html(nb)
    nb.metadata["title"] = title
    resources = {
        "pumpkin": {
            "toc": table_of_contents(nb),
            "headline": json.dumps(dict(headline or {}), sort_keys=True),
            "subtitle": subtitle,
            # sort and search for tables marked sortable: DataTables, embedded once per page
            "scripts": sortable_tables_html() if has_sortable_table(nb) else "",
        }
    }
    with _EXPORT_LOCK:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body


def assert_self_contained(text: str, *, where: str) -> str:
    """Refuse a page that mentions ``http://`` or ``https://`` (nothing may be fetched)."""
    found = _EXTERNAL_URL.search(text)
    if found:
        start = max(0, found.start() - 60)
        raise ReportError(
            f"{where}: not self-contained, found an external URL near "
            f"{text[start : found.end() + 40]!r}"
        )
    return text


# ----------------------------------------------------------------------------- files


def _atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through ``write(tmp)`` then rename onto ``path``: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    return _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def export_payload(nb, *, quarter: str) -> dict[str, Any]:
    """The JSON the notebook's ``export`` cell published (headline, actions, ledger)."""
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            if EXPORT_MIME in data:
                payload = data[EXPORT_MIME]
                return json.loads(payload) if isinstance(payload, str) else dict(payload)
    raise ReportError(
        f"{quarter}: the notebook published no export payload "
        f"(a cell tagged 'export' calling helpers.present.export.publish_export)"
    )


def write_actions_workbook(payload: Mapping[str, Any], path: Path) -> Path:
    """The action list, the data-quality ledger and the reconciliation, formulas neutralised."""
    import pandas as pd

    from helpers.present.export import write_workbook

    def frame(key: str) -> pd.DataFrame:
        block = payload.get(key) or {}
        return pd.DataFrame(block.get("data", []), columns=block.get("columns"))

    sheets = {
        "actions": frame("actions"),
        "data quality": frame("ledger"),
        "reconciliation": frame("reconciliation"),
        "offboarding": frame("offboarding"),
    }
    return _atomic_write(path, lambda tmp: write_workbook(sheets, tmp))


# ----------------------------------------------------------------------------- one quarter


def render_quarter(
    quarter: str,
    *,
    data_dir: str | Path,
    out_dir: str | Path,
    settings_file: str | Path | None = None,
    anonymise: bool = False,
    keep_notebooks: bool = False,
    timeout: int = 600,
    notebook: str | Path | None = None,
    kernel_name: str = KERNEL_NAME,
    shared_dir: str | Path | None = None,
    skip_tags: Sequence[str] = (),
) -> RenderedQuarter:
    """Execute the report notebook for one quarter and write its HTML and action list.

    ``shared_dir``: the run's folder of work shared between quarters (see
    :mod:`helpers.report.shared`), passed to a notebook that has that parameter. Cells tagged
    with one of ``skip_tags`` are neither run nor shown (``needs-revenue`` for a book without
    revenue: :func:`tags_to_skip`).
    """
    notebook = Path(notebook or REPORT_NOTEBOOK).resolve()
    settings_file = Path(settings_file).resolve() if settings_file else None
    if not notebook.exists():
        raise PumpkinError(f"report notebook {notebook} not found")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = report_parameters(
        quarter, data_dir=data_dir, settings_file=settings_file, anonymise=anonymise
    )
    if shared_dir:
        parameters["shared_dir"] = str(shared_dir)
    kept = out_dir / f"{quarter}.ipynb" if keep_notebooks else None
    source = notebook
    if skip_tags:
        import nbformat

        source = nbformat.read(notebook, as_version=4)
        for tag in skip_tags:
            source = without_tagged(source, tag)
    nb = execute_report(
        source,
        parameters,
        timeout=timeout,
        kernel_name=kernel_name,
        output_path=kept,
        folder=notebook.parent,
    )
    payload = export_payload(nb, quarter=quarter)
    if payload.get("no_revenue"):
        nb = without_tagged(nb, NEEDS_REVENUE_TAG)
    headline = dict(payload.get("headline", {}), quarter=quarter)
    page = notebook_html(
        nb, title=quarter, headline=headline, subtitle=str(payload.get("subtitle", ""))
    )
    assert_self_contained(page, where=f"{quarter}.html")
    xlsx = write_actions_workbook(payload, out_dir / f"{quarter}-actions.xlsx")
    page_path = write_text_atomic(out_dir / f"{quarter}.html", page)
    return RenderedQuarter(quarter, page_path, xlsx, kept, headline)


# ----------------------------------------------------------------------------- many quarters


def render_reports(
    quarters: Sequence[str],
    *,
    data_dir: str | Path,
    out_dir: str | Path,
    jobs: int | None = None,
    progress: bool = True,
    book=None,
    **options: Any,
) -> ReportRun:
    """Render ``quarters`` in parallel (``jobs`` kernels at once), then write ``index.html``.

    Work every quarter repeats (the book, each quarter's metrics) is done once, in this process,
    when the notebook takes a ``shared_dir`` parameter (:mod:`helpers.report.shared`); ``book``
    is the loaded book when the caller has it. Failures do not stop the other quarters; they are
    returned, one readable error each. ``options`` go to :func:`render_quarter`.
    """
    from tqdm.auto import tqdm

    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()  # before any thread
    if "skip_tags" not in options:
        options["skip_tags"] = tags_to_skip(data_dir, options.get("settings_file"), book=book)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(quarters) or 1))
    rendered: list[RenderedQuarter] = []
    failures: list[ReportError] = []
    sharing = _sharing(quarters, data_dir=data_dir, book=book, options=options)
    with (
        ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="render") as pool,
        tqdm(
            total=len(quarters),
            desc="rendering",
            unit="quarter",
            disable=not progress,
            file=sys.stderr,
        ) as bar,
    ):
        futures = {}
        for q in quarters:  # each quarter's shared work done just before it is submitted
            shared = sharing(q) if sharing else None
            extra = {"shared_dir": shared} if shared else {}
            future = pool.submit(
                render_quarter, q, data_dir=data_dir, out_dir=out_dir, **options, **extra
            )
            futures[future] = q
        for future in as_completed(futures):
            try:
                rendered.append(future.result())
            except ReportError as exc:
                failures.append(exc)
            except PumpkinError as exc:
                failures.append(ReportError(f"{futures[future]}: {exc}"))
            bar.set_postfix_str(futures[future])
            bar.update()
    if sharing:
        sharing.close()
    index = write_index(out_dir) if rendered else None
    order = {q: i for i, q in enumerate(quarters)}
    return ReportRun(
        tuple(sorted(rendered, key=lambda r: order[r.quarter])),
        tuple(sorted(failures, key=str)),
        index,
    )


class _Sharing:
    """The run's shared work: ``sharing(quarter)`` computes what the quarter's report shares
    with the others and returns the run folder (None when that failed: the notebook then does
    it itself and reports any error in its own words); ``close()`` removes the folder."""

    def __init__(self, book, settings, folder: Path) -> None:
        self.book, self.settings, self.folder = book, settings, folder

    def __call__(self, quarter: str) -> Path | None:
        from helpers.report.shared import share_quarter

        try:
            share_quarter(self.book, quarter, settings=self.settings, folder=self.folder)
        except PumpkinError:
            return None
        return self.folder

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


def _takes_shared_dir(notebook: Path) -> bool:
    import papermill

    try:
        return "shared_dir" in papermill.inspect_notebook(str(notebook))
    except Exception:  # an unreadable notebook fails in its own render, with its own message
        return False


def _sharing(quarters: Sequence[str], *, data_dir: Path, book, options: Mapping[str, Any]):
    """A :class:`_Sharing` for the run, or None (one quarter, a notebook without the
    ``shared_dir`` parameter, or a book that cannot be read: each render then says why)."""
    notebook = Path(options.get("notebook") or REPORT_NOTEBOOK).resolve()
    if len(quarters) < 2 or not notebook.exists() or not _takes_shared_dir(notebook):
        return None
    from helpers.book.load import load_book
    from helpers.book.settings import settings_for_book
    from helpers.present.anonymise import anonymise_book
    from helpers.report.shared import new_run_folder

    settings_file = options.get("settings_file")
    try:
        settings = settings_for_book(data_dir, settings_file)
        book = book if book is not None else load_book(data_dir, settings=settings)
        book.check_usable()
    except PumpkinError:
        return None
    anonymise = bool(options.get("anonymise"))
    book = anonymise_book(book) if anonymise else book
    parameters = report_parameters(
        "", data_dir=data_dir, settings_file=settings_file, anonymise=anonymise
    )
    return _Sharing(book, settings, new_run_folder(parameters))


# ----------------------------------------------------------------------------- index


def read_headline(page: Path) -> dict[str, Any]:
    """The headline figures stored in a rendered report's ``<meta name="pumpkin-headline">``."""
    from html.parser import HTMLParser

    found: list[str] = []

    class _Meta(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "meta" and attrs.get("name") == "pumpkin-headline":
                found.append(attrs.get("content") or "{}")

    with page.open(encoding="utf-8") as handle:
        _Meta().feed(handle.read(8192))  # the meta tag sits right after the title
    try:
        return json.loads(found[0]) if found else {}
    except json.JSONDecodeError:
        return {}


_INDEX_COLUMNS = (
    ("revenue_q", "Revenue (quarter)", "money"),
    ("revenue_ttm", "Revenue (TTM)", "money"),
    ("margin_ttm", "Margin (TTM)", "money"),
    ("active_clients", "Active clients", "int"),
    ("prize", "Prize", "int"),
    ("tangled", "Tangled", "int"),
    ("seedling", "Seedling", "int"),
    ("weed", "Weed", "int"),
    ("gone", "Left", "int"),
    ("prune", "Prune candidates", "int"),
    ("prune_revenue_share", "Their revenue share", "pct"),
)


def _cell(value: object, kind: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if not isinstance(value, int | float) or isinstance(value, bool):
        return html.escape(str(value)).replace("://", ":&#47;&#47;")
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "pct":
        return f"{value:.1%}"
    return f"{value:,.0f}"


def index_html(rows: Iterable[Mapping[str, Any]]) -> str:
    """The index page: one row per rendered quarter, every value escaped."""
    rows = list(rows)
    currency = next((str(r["currency"]) for r in rows if r.get("currency")), "")
    head = "".join(f'<th class="num">{html.escape(label)}</th>' for _, label, _ in _INDEX_COLUMNS)
    body = []
    for row in rows:
        quarter = html.escape(str(row["quarter"]))
        cells = "".join(
            f'<td class="num">{_cell(row.get(key), kind)}</td>' for key, _, kind in _INDEX_COLUMNS
        )
        body.append(f'<tr><td><a href="{quarter}.html">{quarter}</a></td>{cells}</tr>')
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    note = (f"Money in {html.escape(currency)}. " if currency else "") + (
        "TTM = the four quarters ending with the quarter. Each report also has an Excel action "
        "list beside it (&lt;quarter&gt;-actions.xlsx)."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>Pumpkin Patch reports</title>\n<style>\n{css}\n</style>\n</head>\n"
        '<body class="pumpkin-report">\n<header class="report-header">\n'
        '<p class="kicker">Pumpkin Patch · client book audit</p>\n'
        '<h1 class="report-title">Quarterly reports</h1>\n</header>\n<main>\n'
        f'<div class="table-wrap"><table class="pumpkin-table">\n<thead><tr><th>Quarter</th>'
        f"{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table></div>\n"
        f'<p class="note">{note}</p>\n</main>\n</body>\n</html>\n'
    )


def write_index(out_dir: str | Path) -> Path:
    """``index.html`` linking every ``<quarter>.html`` in ``out_dir`` (newest first)."""
    out_dir = Path(out_dir)
    pages = sorted(
        (p for p in out_dir.glob("*.html") if _REPORT_FILE.match(p.name)),
        key=lambda p: p.stem,
        reverse=True,
    )
    rows = [{**read_headline(p), "quarter": p.stem} for p in pages]
    page = assert_self_contained(index_html(rows), where="index.html")
    return write_text_atomic(out_dir / "index.html", page)
