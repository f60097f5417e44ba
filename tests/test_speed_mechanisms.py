"""The mechanisms behind the speed figures (no test asserts a time: the benchmarks measure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.book.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_render_process_never_builds_rfc3987_syntax_parsers():
    """papermill and nbconvert import nbformat, whose jsonschema would build ~35 Lark parsers
    for a string format no notebook schema uses; the notebook still validates."""
    code = (
        "import sys\n"
        "import helpers.report.render as render\n"
        "import nbformat, papermill\n"
        "assert sys.modules['rfc3987_syntax'] is None, 'rfc3987_syntax was imported'\n"
        "nb = nbformat.read(str(render.REPORT_NOTEBOOK), as_version=4)\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.from_dict(dict(nb, cells=[{'cell_type': 'code'}]))\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "except nbformat.ValidationError:\n"
        "    print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_explorer_redraw_keeps_the_names_as_drawn_in_place():
    """The explorer draws the clients' names once and lays them over each redraw: the picture is
    the one drawing everything in place gives, and the names follow a change of their clients."""
    import io

    import numpy as np
    from PIL import Image

    from helpers.book.load import load_book
    from helpers.decide.contract import raw_metrics
    from helpers.widgets.explorer import PatchExplorer

    book = load_book(ROOT / "data" / "sample", settings=Settings())
    explorer = PatchExplorer(raw_metrics(book, "2025Q4", settings=Settings()), settings=Settings())

    def in_place() -> np.ndarray:
        canvas = explorer._figure.canvas
        canvas.restore_region(explorer._background)
        for artist in sorted([*explorer._layer, *explorer._labels], key=lambda a: a.get_zorder()):
            explorer._ax.draw_artist(artist)
        return np.array(canvas.buffer_rgba())[..., :3].astype(int)

    def shown() -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(explorer.image.value)))[..., :3].astype(int)

    for move in (lambda: None, lambda: setattr(explorer.prune_slider, "value", 25)):
        move()
        picture, reference = shown(), in_place()
        assert explorer._labels and picture.shape == reference.shape
        assert np.abs(picture - reference).max() <= 2  # rounding of the blend only
    names = {a.get_text() for a in explorer._labels}
    weight = next(iter(explorer.value_weight_sliders.values()))
    weight.value = 0.0 if weight.value else 1.0  # the scores move: the names are placed again
    assert np.abs(shown() - in_place()).max() <= 2
    assert {a.get_text() for a in explorer._labels} and explorer._labels_pixels is not None
    assert names  # the same clients are named, at their new places


def test_offboarding_plans_from_the_cut_book_are_the_plans_from_the_whole_book(monkeypatch):
    import pandas as pd

    from helpers.book.load import load_book
    from helpers.book.settings import Settings
    from helpers.decide import offboarding
    from helpers.decide.contract import client_metrics

    book = load_book(ROOT / "data" / "sample", settings=Settings())
    settings = Settings()
    metrics = client_metrics(book, "2025Q4", settings=settings)
    assert metrics["prune"].sum() >= 3
    cut = offboarding.offboarding_sheet(metrics, book, settings=settings)
    cut_book = offboarding.clients_only(book, metrics.loc[metrics["prune"], "client_id"])
    assert 0 < len(cut_book.time_entries) < len(book.time_entries)
    monkeypatch.setattr(offboarding, "clients_only", lambda b, ids: b)
    whole = offboarding.offboarding_sheet(metrics, book, settings=settings)
    pd.testing.assert_frame_equal(cut, whole)
    assert offboarding.clients_only(None, ["x"]) is None


def test_the_explorer_png_is_a_lossless_png():
    import io

    import numpy as np
    from PIL import Image

    from helpers.widgets.explorer import _png

    pixels = np.random.default_rng(5).integers(0, 256, (37, 53, 4), dtype=np.uint8)
    image = Image.open(io.BytesIO(_png(pixels)))
    image.load()  # checks every chunk's CRC and the zlib stream
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (53, 37)
    assert np.array_equal(np.asarray(image), pixels)


def test_the_report_page_is_nbconverts_page_without_the_beautifulsoup_rewrite():
    """The report's exporter skips HTMLExporter's last step (parse the page with BeautifulSoup,
    add missing alt texts and tabindexes, write it out): that step changes only how the same
    page is written. Parsed and written out the same way, the page is nbconvert's own."""
    import base64
    import io

    import nbformat
    from bs4 import BeautifulSoup
    from matplotlib.figure import Figure
    from nbconvert import HTMLExporter

    from helpers.report import render

    figure = Figure(figsize=(2, 1.5))
    figure.add_subplot().plot([1, 2, 3], [3, 1, 2])
    png = io.BytesIO()
    figure.savefig(png, format="png")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    table = (
        '<table class="pumpkin-table"><tr><th>client</th><td class="num">$1,200</td></tr></table>'
    )
    code = nbformat.v4.new_code_cell("x = 1")
    code.outputs = [
        nbformat.v4.new_output("display_data", {"text/markdown": "Revenue **fell** 5% & rose"}),
        nbformat.v4.new_output("display_data", {"text/html": table}),
        nbformat.v4.new_output(
            "display_data", {"image/png": base64.b64encode(png.getvalue()).decode()}
        ),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## A section\n\nSome *words*."), code]
    nb = render._prepared_for_html(nb)
    resources = {"pumpkin": {"toc": [], "headline": "{}", "subtitle": "", "scripts": ""}}
    fast, _ = render.new_exporter(render._page_exporter_class()).from_notebook_node(
        nb, resources=dict(resources)
    )
    slow, _ = render.new_exporter(HTMLExporter).from_notebook_node(nb, resources=dict(resources))
    assert fast != slow  # written differently (attribute order, entities, blank lines) ...
    assert str(BeautifulSoup(fast, features="html.parser")) == slow  # ... the same page
    assert 'alt="Figure: A section"' in fast and "$1,200" in fast
    assert "tabindex" not in slow  # the template has no .jp-Notebook element for it to mark


def test_offboarding_plans_from_records_looked_up_at_once_are_the_plans_one_by_one():
    """offboarding_plans looks every candidate's invoices, abuse events, team and ratings up in
    one pass per table (client_records); each plan is the one built alone from the book."""
    import pandas as pd

    from helpers.book.load import load_book
    from helpers.book.settings import Settings
    from helpers.decide import offboarding
    from helpers.decide.contract import metrics_for_quarters

    book = load_book(ROOT / "data" / "sample", settings=Settings())
    settings = Settings()
    quarters = book.complete_quarters()[-6:]
    history = metrics_for_quarters(book, quarters, settings=settings)
    seen = 0
    for quarter in quarters:
        metrics = history[history["quarter"] == quarter].reset_index(drop=True)
        start = offboarding.default_start_date(quarter)
        together = offboarding.offboarding_plans(
            metrics, start_date=start, book=book, settings=settings, spread=False
        )
        rows = metrics.set_index("client_id", drop=False)
        for plan in together:
            alone = offboarding.offboarding_plan(
                rows.loc[plan.client_id], start_date=start, book=book, settings=settings
            )
            pd.testing.assert_frame_equal(plan.open_invoices, alone.open_invoices)
            assert plan.to_markdown() == alone.to_markdown()
            assert plan.team == alone.team and plan.lead == alone.lead
            assert plan.behaviour == alone.behaviour and plan.letter == alone.letter
            seen += 1
        assert offboarding.plans_frame(together).equals(
            offboarding.plans_frame(
                [
                    offboarding.offboarding_plan(
                        rows.loc[p.client_id], start_date=start, book=book, settings=settings
                    )
                    for p in together
                ]
            )
        )
    assert seen >= 20
    records = offboarding.client_records(book, ["nobody"], quarter=quarters[-1])
    assert records.open_invoices("nobody").empty and records.team("nobody") == ()
    assert list(records.open_invoices("nobody").columns) == [
        "invoice_id",
        "issue_date",
        "due_date",
        "amount_base",
        "days_past_due",
    ]
