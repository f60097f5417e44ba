"""Notebooks 01-03 run top to bottom on the demo book under papermill (explicit kernel and
timeout), print nothing to stderr, and a bad parameter fails naming the cell and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MINE = ("01_import", "02_metrics", "03_pumpkin_patch")
TIMEOUT = 300  # seconds per cell


def run(name: str, out: Path, **parameters):
    import papermill

    return papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        execution_timeout=TIMEOUT,
        progress_bar=False,
        log_output=False,
    )


def outputs(nb) -> list[dict]:
    return [
        o for cell in nb["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])
    ]


@pytest.mark.parametrize("name", MINE)
def test_committed_without_outputs_and_with_a_parameters_cell(name):
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert "check_parameters(globals()" in "".join(code[1]["source"])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert (NOTEBOOKS / f"{name}.py").exists(), "paired py:percent file missing"


@pytest.mark.notebook
@pytest.mark.parametrize("name", MINE)
def test_notebook_runs_on_the_demo_book(name, tmp_path):
    parameters = {"out_dir": str(tmp_path / "processed")} if name == "01_import" else {}
    nb = run(name, tmp_path / f"{name}.ipynb", **parameters)
    produced = outputs(nb)
    assert not [o for o in produced if o["output_type"] == "error"]
    stderr = [o["text"] for o in produced if o.get("name") == "stderr"]
    assert stderr == [], f"{name} printed to stderr (warnings?): {stderr}"
    if name == "01_import":
        assert (tmp_path / "processed" / "clients.csv").exists()
    if name == "02_metrics":
        images = [o for o in produced if "image/png" in o.get("data", {})]
        assert len(images) >= 7  # ranking, payment, aging, whale, movement, scorecard, calibration
    if name == "03_pumpkin_patch":
        views = [
            o for o in produced if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]
        assert len(views) == 1


@pytest.mark.notebook
def test_a_bad_parameter_fails_naming_the_cell_and_the_problem(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as caught:
        run("02_metrics", tmp_path / "broken.ipynb", quarter=2024)
    error = caught.value
    assert error.ename == "ParameterError"
    assert "parameter 'quarter' must be str, got int 2024" in error.evalue
    # the failing cell is named: papermill's message points at its execution count
    assert f"In [{error.exec_count}]" in str(error)
    assert "check_parameters" in error.source


SHARED_EXPORTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-exports"


@pytest.mark.notebook
@pytest.mark.shared
@pytest.mark.skipif(not SHARED_EXPORTS.is_dir(), reason=f"{SHARED_EXPORTS} is absent")
def test_import_notebook_reads_a_folder_of_real_exports(tmp_path):
    nb = run("01_import", tmp_path / "01.ipynb", data_dir=str(SHARED_EXPORTS),
             out_dir=str(tmp_path / "book"))  # fmt: skip
    assert not [o for o in outputs(nb) if o.get("name") == "stderr"]
    written = (tmp_path / "book" / "time_entries.csv").read_text(encoding="utf-8").splitlines()
    rejects = (tmp_path / "book" / "rejects.csv").read_text(encoding="utf-8").splitlines()
    assert len(written) > 1 and len(rejects) > 1  # rows kept and rows explained, none dropped


@pytest.mark.notebook
def test_metrics_notebook_says_a_book_without_revenue_and_draws_no_value_chart(tmp_path):
    from helpers.book.load import NO_REVENUE
    from helpers.cli import main
    from tests.test_revenue_source import TOGGL_NO_AMOUNTS

    book = tmp_path / "book"
    assert main(["import", str(TOGGL_NO_AMOUNTS), "--out", str(book)]) == 0
    nb = run("02_metrics", tmp_path / "02.ipynb", data_dir=str(book), quarter="2025Q4")
    produced = outputs(nb)
    assert not [o for o in produced if o["output_type"] == "error"]
    printed = "".join(o.get("text", "") for o in produced if o.get("name") == "stdout")
    assert NO_REVENUE in printed
    images = [o for o in produced if "image/png" in o.get("data", {})]
    assert images == []  # no chart of zeros: the message says why
