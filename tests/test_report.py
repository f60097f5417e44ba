"""Per-quarter reports: rendering, self-containment, escaping, anonymising, Excel safety, failures.

The notebook-executing tests render each book once per module (module-scoped fixtures); the fast
unit tests below them need no kernel.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.decide.contract import client_metrics
from helpers.present.anonymise import anonymise_book, pseudonyms
from helpers.present.html import md_text, table_html
from helpers.present.text import SEGMENTS
from helpers.report import render as report

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "sample"
HAND_QUARTER = "2024Q4"
SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("evil.example","click")'
SECTIONS = (
    "Summary",
    "The pumpkin patch",
    "Revenue per hour ranking",
    "Whale curve",
    "Prune list",
    "Fix list",
    "All clients",
    "Decisions and what happened",
    "Payment behaviour",
    "Movement between segments",
    "Future potential",
    "Data quality",
    "Methodology",
)
HAND_CLIENTS = {  # client_id: (name, size, owner, monthly invoice, monthly hours)
    "c1": ("Acme Zanzibar Ltd", "large", "alice", 4000.0, 20.0),
    "c2": (SCRIPT_NAME, "small", "bob", 1500.0, 10.0),
    "c3": (FORMULA_NAME, "small", "bob", 900.0, 22.0),
    "c4": ("Quokka Sons", "medium", "alice", 1600.0, 8.0),
    "c5": ("Bramblewood Co", "small", "bob", 1000.0, 15.0),
    "c6": ("Xylophone Yards", "medium", "alice", 800.0, 5.0),
}
SECRET_NOTE = "Zanzibar board member shouted at Quokka staff"


HAND_NOTE = "paid, no paid date in the export: due date used"
HAND_LEFT_OUT = "no client: time tracked without a client cannot be attributed to a client"


def write_hand_book(folder: Path) -> Path:
    """A small book: six clients billed monthly through 2024, two rows that must be rejected."""
    folder.mkdir(parents=True, exist_ok=True)
    months = pd.date_range("2024-01-01", periods=12, freq="MS")
    pd.DataFrame(
        [
            (cid, name, "Retail", size, owner, f"2023-0{i + 1}-01")
            for i, (cid, (name, size, owner, _, _)) in enumerate(HAND_CLIENTS.items())
        ],
        columns=["client_id", "name", "industry", "size", "owner", "since"],
    ).to_csv(folder / "clients.csv", index=False)
    pd.DataFrame({"person": ["alice", "bob"], "cost_rate": [50.0, 70.0]}).to_csv(
        folder / "people.csv", index=False
    )
    entries = [
        (m + pd.Timedelta(days=9), cid, c[2], c[4], "true")
        for m in months
        for cid, c in HAND_CLIENTS.items()
    ]
    entries += [
        (pd.Timestamp("2024-12-31"), "c3", "bob", 4.0, "false"),
        (pd.Timestamp("2024-06-03"), "c1", "alice", -2.0, "true"),
    ]  # rejected: hours
    pd.DataFrame(entries, columns=["date", "client_id", "person", "hours", "billable"]).to_csv(
        folder / "time_entries.csv", index=False, date_format="%Y-%m-%d"
    )
    late = {"c2": 45, "c3": None}
    invoices = []
    for m in months:
        for cid, c in HAND_CLIENTS.items():
            issue = m + pd.Timedelta(days=27)
            days = late.get(cid, 20)
            paid = "" if days is None and m.month >= 9 else issue + pd.Timedelta(days=days or 20)
            invoices.append(
                (f"{cid}-{m:%m}", cid, issue, issue + pd.Timedelta(days=30), c[3], "USD", paid)
            )
    invoices.append(
        ("x-1", "c99", pd.Timestamp("2024-05-28"), pd.Timestamp("2024-06-28"), 999.0, "USD", "")
    )  # rejected: unknown client
    pd.DataFrame(
        invoices,
        columns=[
            "invoice_id",
            "client_id",
            "issue_date",
            "due_date",
            "amount",
            "currency",
            "paid_date",
        ],
    ).to_csv(folder / "invoices.csv", index=False, date_format="%Y-%m-%d")
    pd.DataFrame(
        [
            ("2024-11-05", "c3", "scope_creep", 3, SECRET_NOTE),
            ("2024-10-05", "c3", "rush", 3, "again"),
            ("2024-12-05", "c5", "complaint", 2, "Bramblewood Co called"),
            ("2024-12-06", "c6", "abuse", 3, "Xylophone Yards insulted the team"),
        ],
        columns=["date", "client_id", "kind", "severity", "note"],
    ).to_csv(folder / "events.csv", index=False)
    pd.DataFrame(
        [("2024-07-01", "c4", "RESCOPE", "alice", "Quokka Sons agreed to fewer rush jobs", "")],
        columns=["date", "client_id", "action", "decided_by", "note", "until"],
    ).to_csv(folder / "decisions.csv", index=False)
    pd.DataFrame(  # what an import assumed about rows it used (shown under Data quality)
        [("invoices", "qb.csv", 7, "paid_date", "c1-01", HAND_NOTE)],
        columns=["table", "source_file", "row", "column", "value", "reason"],
    ).to_csv(folder / "notes.csv", index=False)
    pd.DataFrame(  # rows the import left out of the exports (its rejects.csv: not in the book)
        [
            ("time_entries", "toggl.csv", 12, "Client", "Zanzibar Private Ltd", HAND_LEFT_OUT),
            ("time_entries", "toggl.csv", 13, "Client", "", HAND_LEFT_OUT),
        ],
        columns=["table", "source_file", "row", "column", "value", "reason"],
    ).to_csv(folder / "rejects.csv", index=False)
    return folder


def hand_totals() -> dict[str, float]:
    """Revenue of the hand book's accepted invoices, counted by hand."""
    monthly = sum(c[3] for c in HAND_CLIENTS.values())
    return {"revenue_q": 3 * monthly, "revenue_ttm": 12 * monthly}


def render(book: Path, out: Path, quarter: str, **options) -> report.ReportRun:
    run = report.render_reports(
        [quarter], data_dir=book, out_dir=out, progress=False, timeout=300, **options
    )
    assert not run.failures, [str(f) for f in run.failures]
    return run


def section(page: str, name: str, following: str | None) -> str:
    start = page.index(f'id="{name.replace(" ", "-")}"')
    end = page.index(f'id="{following.replace(" ", "-")}"') if following else len(page)
    return page[start:end]


def body_rows(html_section: str) -> int:
    """Rows in the first table's body of a section (0 when the section shows no table)."""
    if "<tbody>" not in html_section:
        return 0
    body = html_section[html_section.index("<tbody>") : html_section.index("</tbody>")]
    return body.count("<tr>")


def foreign_scripts(page: str) -> list[str]:
    """Script tags in a page other than the kit's own (the sortable tables' loader and init)."""
    return [
        t for t in re.findall(r"<script\b[^>]*>", page, re.I) if 'data-pumpkin="tables"' not in t
    ]


def xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


# ----------------------------------------------------------------------------- rendered books


@pytest.fixture(scope="module")
def hand_book(tmp_path_factory) -> Path:
    return write_hand_book(tmp_path_factory.mktemp("hand") / "book")


@pytest.fixture(scope="module")
def demo_quarter() -> str:
    return load_book(DEMO, settings=Settings()).complete_quarters()[-1]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory, demo_quarter) -> report.RenderedQuarter:
    return render(DEMO, tmp_path_factory.mktemp("demo"), demo_quarter).rendered[0]


@pytest.fixture(scope="module")
def hand_report(tmp_path_factory, hand_book) -> report.RenderedQuarter:
    return render(hand_book, tmp_path_factory.mktemp("hand-out"), HAND_QUARTER).rendered[0]


@pytest.fixture(scope="module")
def anonymised_report(tmp_path_factory, hand_book) -> report.RenderedQuarter:
    out = tmp_path_factory.mktemp("anon-out")
    return render(hand_book, out, HAND_QUARTER, anonymise=True).rendered[0]


@pytest.mark.notebook
def test_demo_report_has_every_section_inline_figures_and_no_url(demo_report, demo_quarter):
    page = demo_report.html.read_text(encoding="utf-8")
    assert f"<title>{demo_quarter}</title>" in page
    positions = [page.index(f'id="{s.replace(" ", "-")}"') for s in SECTIONS]
    assert positions == sorted(positions), "sections out of the issue's order"
    toc = page[page.index("<nav") : page.index("</nav>")]
    assert all(f'href="#{s.replace(" ", "-")}"' in toc for s in SECTIONS)
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) >= 6
    assert "http://" not in page and "https://" not in page
    assert foreign_scripts(page) == []  # only the sortable tables' own (helpers.report.sortable)
    assert "import " not in page  # code cells removed
    assert "data_dir = " not in page  # parameter cells removed


@pytest.mark.notebook
def test_demo_report_counts_match_the_metrics(demo_report, demo_quarter):
    metrics = client_metrics(
        load_book(DEMO, settings=Settings()), demo_quarter, settings=Settings()
    )
    page = demo_report.html.read_text(encoding="utf-8")
    headline = report.read_headline(demo_report.html)
    assert headline["prune"] == int(metrics["prune"].sum())
    assert headline["revenue_ttm"] == pytest.approx(metrics["revenue_ttm"].sum())
    for segment in SEGMENTS:
        assert headline[segment] == int((metrics["segment"] == segment).sum())
    assert body_rows(section(page, "Prune list", "Fix list")) == int(metrics["prune"].sum())
    assert f"<strong>{int(metrics['active'].sum())}</strong> active clients" in page
    actions = pd.read_excel(demo_report.xlsx, sheet_name="actions")
    assert len(actions) == len(metrics)
    assert actions["revenue_ttm"].sum() == pytest.approx(metrics["revenue_ttm"].sum())


@pytest.mark.notebook
def test_demo_report_says_what_happened_to_the_decisions(demo_report, demo_quarter):
    page = demo_report.html.read_text(encoding="utf-8")
    part = section(page, "Decisions and what happened", "Payment behaviour")
    book = load_book(DEMO, settings=Settings())
    assert body_rows(part) == len(book.decisions)
    for verdict in ("worked", "did not work", "not yet", "too early"):
        assert f"<td>{verdict}</td>" in part
    assert "Meridian Health Systems" in part and "revenue per hour" in part
    assert "Corner Fix Garage" in part and "kept on purpose" in part
    assert "Corner Fix Garage" not in section(page, "Prune list", "Fix list")


@pytest.mark.notebook
def test_hand_book_totals_counts_and_ledger(hand_report, hand_book):
    expected = hand_totals()
    headline = report.read_headline(hand_report.html)
    assert headline["revenue_q"] == pytest.approx(expected["revenue_q"])
    assert headline["revenue_ttm"] == pytest.approx(expected["revenue_ttm"])
    assert headline["clients"] == len(HAND_CLIENTS)
    metrics = client_metrics(
        load_book(hand_book, settings=Settings()), HAND_QUARTER, settings=Settings()
    )
    assert headline["prune"] == int(metrics["prune"].sum()) >= 1  # c6's abuse at least
    page = hand_report.html.read_text(encoding="utf-8")
    assert body_rows(section(page, "Prune list", "Fix list")) == headline["prune"]
    quality = section(page, "Data quality", "Methodology")
    assert "hours" in quality and "client_id (not in clients)" in quality
    assert HAND_NOTE in quality  # the import's notes.csv, apart from the rejects
    # the rows the import left out: said at the top and listed by reason under Data quality
    assert (
        "2 rows of the exports were left out when this book was imported (time_entries 2)" in page
    )
    assert HAND_LEFT_OUT in quality
    sheets = pd.read_excel(hand_report.xlsx, sheet_name=None)
    assert {"actions", "data quality", "reconciliation"} <= set(sheets)
    assert len(sheets["data quality"]) == 2
    recon = sheets["reconciliation"].set_index("table")
    assert recon.loc["time_entries", "read"] == 12 * len(HAND_CLIENTS) + 2
    assert recon.loc["time_entries", "rejected"] == 1
    assert recon.loc["invoices", "rejected"] == 1
    index = (hand_report.html.parent / "index.html").read_text(encoding="utf-8")
    assert f'href="{HAND_QUARTER}.html"' in index and f"{expected['revenue_ttm']:,.0f}" in index


@pytest.mark.notebook
def test_rendering_again_gives_the_same_page(hand_report, hand_book, tmp_path):
    again = render(hand_book, tmp_path, HAND_QUARTER).rendered[0]
    assert again.html.read_bytes() == hand_report.html.read_bytes()  # figures included
    first = pd.read_excel(hand_report.xlsx, sheet_name=None)
    second = pd.read_excel(again.xlsx, sheet_name=None)
    for name, frame in first.items():
        pd.testing.assert_frame_equal(frame, second[name])


@pytest.mark.notebook
def test_script_named_client_appears_as_text(hand_report):
    page = hand_report.html.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert foreign_scripts(page) == []


@pytest.mark.notebook
def test_formula_named_client_is_neutralised_in_excel(hand_report):
    sheet = openpyxl.load_workbook(hand_report.xlsx)["actions"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'" + FORMULA_NAME in [c.value for c in cells]
    assert not re.search(r"<f>|<f ", xlsx_text(hand_report.xlsx))


@pytest.mark.notebook
def test_anonymised_report_has_no_real_name(anonymised_report):
    page = anonymised_report.html.read_text(encoding="utf-8")
    stored = xlsx_text(anonymised_report.xlsx)
    secrets = [c[0] for c in HAND_CLIENTS.values()] + [
        SECRET_NOTE,
        "Zanzibar",
        "Quokka",
        "Bramblewood",
        "Xylophone",
        "alert(1)",
        "HYPERLINK",
    ]
    for text in secrets:
        for variant in {
            text,
            text.replace("<", "&lt;").replace(">", "&gt;"),
            text.replace('"', "&quot;"),
        }:
            assert variant not in page, f"{variant!r} in the HTML"
            assert variant not in stored, f"{variant!r} in the XLSX"
    assert "Client 001" in page and "Client 001" in stored
    names = pd.read_excel(anonymised_report.xlsx, sheet_name="actions")["client"]
    assert sorted(names) == [f"Client {i:03d}" for i in range(1, len(HAND_CLIENTS) + 1)]


@pytest.mark.notebook
def test_failing_cell_exits_1_names_quarter_and_cell_and_keeps_previous_report(
    hand_report, hand_book, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "reports"
    out.mkdir()
    previous = out / f"{HAND_QUARTER}.html"
    previous.write_bytes(hand_report.html.read_bytes())
    broken = nbformat.read(report.REPORT_NOTEBOOK, as_version=4)
    broken.cells.insert(3, nbformat.v4.new_code_cell('raise ValueError("deliberate failure")'))
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    monkeypatch.setattr(report, "REPORT_NOTEBOOK", path)
    monkeypatch.chdir(tmp_path)  # relative paths, as typed at a prompt
    data = os.path.relpath(hand_book, tmp_path)
    argv = ["report", "--data", data, "--from", "2024Q3", "--to", HAND_QUARTER, "--out", "reports"]
    code = main([*argv, "--jobs", "2", "--timeout", "300"])  # two threads, relative paths
    assert Path.cwd() == tmp_path  # rendering never changes this process's directory
    err = capsys.readouterr().err
    assert code == 1
    lines = sorted(line for line in err.splitlines() if "deliberate failure" in line)
    assert len(lines) == 2, err  # one readable line per quarter, the setup cell ran fine
    for quarter, line in zip(["2024Q3", HAND_QUARTER], lines, strict=True):
        assert line.startswith(f"pumpkin report: error: {quarter}: cell 4 failed"), line
        assert "`raise ValueError" in line and "ValueError: deliberate failure" in line
    assert previous.read_bytes() == hand_report.html.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == [previous.name]


# ----------------------------------------------------------------------------- fast units


def test_external_url_is_refused():
    with pytest.raises(report.ReportError, match="not self-contained"):
        report.assert_self_contained('<img src="https://cdn.example/x.png">', where="x.html")
    assert report.assert_self_contained("<p>ok</p>", where="x.html") == "<p>ok</p>"


def test_parameters_keep_python_types(tmp_path):
    params = report.report_parameters(
        "2025Q2", data_dir=tmp_path, settings_file=None, anonymise=True
    )
    assert params == {
        "quarter": "2025Q2",
        "data_dir": str(tmp_path.resolve()),
        "settings_file": "",
        "anonymise": True,
    }


def test_report_notebook_declares_the_parameters():
    import papermill

    declared = papermill.inspect_notebook(str(report.REPORT_NOTEBOOK))
    assert set(declared) == {"quarter", "data_dir", "settings_file", "anonymise", "shared_dir"}
    assert declared["anonymise"]["inferred_type_name"] == "bool"
    assert declared["shared_dir"]["default"] in ("''", '""')  # by hand: computes from the book
    nb = nbformat.read(report.REPORT_NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_failed_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "2025Q1.html"
    target.write_text("previous")

    def explode(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        report._atomic_write(target, explode)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["2025Q1.html"]


def test_table_html_escapes_and_defangs():
    frame = pd.DataFrame({"client": [SCRIPT_NAME, "see https://x.example"], "revenue": [1.0, 2.0]})
    text = table_html(frame, formats={"revenue": "money"}, currency="USD")
    assert "<script" not in text and "&lt;script&gt;" in text
    assert "https://" not in text and "https:&#47;&#47;x.example" in text
    assert text.count('<td class="num">') == 2


def test_md_text_escapes_markup_and_math():
    assert md_text("<b>$5 *x*</b>") == "&lt;b&gt;\\$5 \\*x\\*&lt;/b&gt;"


def test_index_escapes_and_links(tmp_path):
    page = report.index_html([{"quarter": "2025Q1", "revenue_ttm": 1234.5, "currency": "<b>"}])
    assert 'href="2025Q1.html"' in page and "1,234" in page and "<b>" not in page


def test_headline_round_trips_through_the_page(tmp_path):
    page = tmp_path / "2025Q1.html"
    headline = {"prune": 3, "revenue_ttm": 10.5, "note": 'a "quoted" <b>'}
    page.write_text(
        f'<html><head><meta content="{json.dumps(headline).replace(chr(34), "&quot;").replace("<", "&lt;")}" '
        'name="pumpkin-headline"/></head></html>'
    )
    assert report.read_headline(page) == headline


def test_pseudonyms_are_stable_and_ordered_by_since():
    clients = pd.DataFrame(
        {"client_id": ["b", "a", "c"], "since": pd.to_datetime(["2021-01-01", "2020-01-01", None])}
    )
    first = pseudonyms(clients)
    again = pseudonyms(clients.iloc[::-1])
    assert first.set_index("client_id")["pseudonym"].to_dict() == {
        "a": "Client 001",
        "b": "Client 002",
        "c": "Client 003",
    }
    assert again.set_index("client_id").loc[["a", "b", "c"], "pseudonym"].tolist() == [
        "Client 001",
        "Client 002",
        "Client 003",
    ]


def test_anonymise_book_replaces_names_ids_notes_and_ledger_values(tmp_path):
    book = load_book(write_hand_book(tmp_path / "book"), settings=Settings())
    anon = anonymise_book(book)
    assert not set(anon.clients["name"]) & {c[0] for c in HAND_CLIENTS.values()}
    assert set(anon.time_entries["client_id"]) <= set(anon.clients["client_id"])
    assert set(anon.events["note"]) == {"(note withheld)"}
    assert "c99" not in set(anon.rejects["value"])
    assert len(anon.rejects) == len(book.rejects)
    # the import's ledger names the exports' own columns ("Client"): every value not a known
    # name or id is withheld
    assert len(anon.import_rejects) == len(book.import_rejects) == 2
    assert "Zanzibar Private Ltd" not in set(anon.import_rejects["value"])
    before = client_metrics(book, HAND_QUARTER, settings=Settings())
    after = client_metrics(anon, HAND_QUARTER, settings=Settings())
    assert after["revenue_ttm"].sum() == pytest.approx(before["revenue_ttm"].sum())
    assert sorted(after["segment"]) == sorted(before["segment"])


def test_quarters_to_render_checks_the_book(tmp_path):
    import argparse

    from helpers.cli import quarters_to_render

    book = load_book(write_hand_book(tmp_path / "book"), settings=Settings())
    args = argparse.Namespace(
        data=str(tmp_path), quarter=None, all=False, first="2024Q2", last="2024Q3"
    )
    assert quarters_to_render(args, book) == ["2024Q2", "2024Q3"]
    args.first, args.last = "2030Q1", "2030Q2"
    with pytest.raises(report.PumpkinError, match="no activity"):
        quarters_to_render(args, book)
    args.first, args.last = None, "2024Q3"
    with pytest.raises(report.PumpkinError, match="--to needs --from"):
        quarters_to_render(args, book)


def test_formulas_are_neutralised_alike_in_text_and_mixed_columns():
    from helpers.present.export import neutralise_formulas

    values = ["=1+1", "Acme", None, "-3", "@SUM(A1)", "\tx", "+1", "a=b"]
    frame = pd.DataFrame(
        {
            "text": pd.Series(values, dtype="str"),
            "mixed": pd.Series(values[:-2] + [-3, 4.5], dtype=object),
            "number": [-1.0] * len(values),
        }
    )
    out = neutralise_formulas(frame)
    expected = ["'=1+1", "Acme", None, "'-3", "'@SUM(A1)", "'\tx", "'+1", "a=b"]
    assert [None if pd.isna(v) else v for v in out["text"]] == expected
    assert list(out["mixed"]) == expected[:-2] + [-3, 4.5]  # numbers stay numbers
    assert out["number"].tolist() == frame["number"].tolist()
    assert frame["text"].iloc[0] == "=1+1"  # the input is not changed
