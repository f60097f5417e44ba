"""Work shared by a report run's quarters: the same figures as each notebook computing alone."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.settings import Settings, settings_for_book
from helpers.decide import contract
from helpers.decide.contract import quarter_and_history
from helpers.report import render, shared

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def book():
    return load_book(SAMPLE, settings=Settings())


def _run(**changes):
    return {"data_dir": str(SAMPLE), "settings_file": "", "anonymise": False, **changes}


def test_shared_metrics_are_what_the_notebook_computes_alone(book, monkeypatch):
    settings = settings_for_book(SAMPLE)
    quarters = book.complete_quarters()
    first, later = quarters[0], quarters[-1]
    folder = shared.new_run_folder(_run())
    calls = []
    original = contract.metrics_for_quarters

    def counted(b, qs, *, settings, **options):
        calls.extend(qs)
        return original(b, qs, settings=settings, **options)

    monkeypatch.setattr(contract, "metrics_for_quarters", counted)
    for q in quarters[-3:] + [first]:
        shared.share_quarter(book, q, settings=settings, folder=folder)
    assert sorted(calls) == sorted(set(calls))  # every quarter measured once per run
    assert set(calls) == {*quarters[-4:], first}
    for q in (first, later):
        got = shared.quarter_metrics(book, q, settings=settings, shared_dir=str(folder), run=_run())
        expected = quarter_and_history(book, q, settings=settings)
        for a, b in zip(got, expected, strict=True):
            pd.testing.assert_frame_equal(a, b)
    assert got[2]["quarter"].eq(quarters[-2]).all() and len(got[2]) > 0


def test_a_folder_made_for_other_parameters_or_missing_is_not_used(book):
    settings = settings_for_book(SAMPLE)
    quarter = book.complete_quarters()[-1]
    folder = shared.new_run_folder(_run(anonymise=True))
    shared.share_quarter(book, quarter, settings=settings, folder=folder)
    for path in folder.glob("metrics-*.pkl"):  # what a wrong reuse would show
        path.write_bytes(pickle.dumps(pd.DataFrame({"quarter": [quarter]})))
    expected = quarter_and_history(book, quarter, settings=settings)[1]
    for shared_dir, run in ((str(folder), _run()), ("", _run()), ("/no/such/folder", _run())):
        got = shared.quarter_metrics(
            book, quarter, settings=settings, shared_dir=shared_dir, run=run
        )[1]
        pd.testing.assert_frame_equal(got, expected)


def test_the_report_notebook_takes_the_shared_folder_and_a_trivial_one_does_not(tmp_path):
    import nbformat

    assert render._takes_shared_dir(render.REPORT_NOTEBOOK)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('quarter: str = "2025Q4"')])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "plain.ipynb"
    nbformat.write(nb, path)
    assert not render._takes_shared_dir(path)
    quarters = ["2025Q3", "2025Q4"]
    assert render._sharing(quarters, data_dir=SAMPLE, book=None, options={"notebook": path}) is None
    sharing = render._sharing(quarters, data_dir=SAMPLE, book=None, options={})
    assert sharing is not None and sharing("2025Q4") == sharing.folder
    assert (sharing.folder / "metrics-2025Q4.pkl").exists()
    sharing.close()
    assert not sharing.folder.exists()


def test_a_kernel_given_the_shared_metrics_never_imports_scipy(book, tmp_path):
    import subprocess
    import sys

    settings = settings_for_book(SAMPLE)
    folder = shared.new_run_folder(_run())
    shared.share_quarter(book, "2025Q4", settings=settings, folder=folder)
    code = (
        "import sys\n"
        "from helpers.book.load import load_book\n"
        "from helpers.book.settings import settings_for_book\n"
        "from helpers.report.shared import quarter_metrics\n"
        f"run = {_run()!r}\n"
        "book = load_book(run['data_dir'], settings=settings_for_book(run['data_dir']))\n"
        "both, metrics, before = quarter_metrics(book, '2025Q4', settings=settings_for_book(run['data_dir']),"
        f" shared_dir={str(folder)!r}, run=run)\n"
        "assert len(metrics) and len(before)\n"
        "print('scipy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_report_kernels_imports_leave_out_what_only_some_cells_or_no_cell_need():
    """Every module the report notebook imports, imported together, brings in none of the heavy
    packages the kernel does not use (scipy alone costs 0.5-1 s of a kernel's start)."""
    import ast
    import subprocess
    import sys

    source = Path(__file__).resolve().parents[1] / "notebooks" / "quarterly_report.py"
    modules = sorted(
        {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
    )
    assert "helpers.present.export" in modules and "helpers.decide.contract" in modules
    heavy = ["scipy", "openpyxl", "ipywidgets", "nbformat", "jinja2", "seaborn"]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += f"print([m for m in {heavy!r} if m in sys.modules])\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
