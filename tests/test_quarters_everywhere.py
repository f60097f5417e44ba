"""One rule for auditable quarters everywhere, and a message (never a traceback) for what a user
gets wrong: across the CLI, the notebooks' parameter checks and the widgets."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.quarters import check_quarter, ending_note, normalise_quarter, parse_quarter
from helpers.book.sample import write_sample
from helpers.book.settings import Settings
from helpers.cli import main
from helpers.errors import BookError, PumpkinError
from helpers.report.params import ParameterError, check_parameters

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LAST_ROW = "2024-11-20"  # the short book below ends here, inside 2024Q4
DATED = {"time_entries": "date", "invoices": "issue_date", "events": "date", "assessments": "date"}


@pytest.fixture(scope="module")
def short_book(tmp_path_factory) -> Path:
    """A demo book (2023Q1-2024Q4) cut on LAST_ROW: 2024Q4 ends after the book does."""
    root = tmp_path_factory.mktemp("short")
    book = write_sample(root / "full", clients=24, years=2, seed=11)
    short = root / "short"
    shutil.copytree(book, short)
    for table, column in DATED.items():
        frame = pd.read_csv(short / f"{table}.csv", dtype=str, keep_default_na=False)
        frame[frame[column] <= LAST_ROW].to_csv(short / f"{table}.csv", index=False)
    paid = pd.read_csv(short / "invoices.csv", dtype=str, keep_default_na=False)
    paid.loc[paid["paid_date"] > LAST_ROW, "paid_date"] = ""  # not paid yet on the last day
    paid.to_csv(short / "invoices.csv", index=False)
    return short


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, short_book) -> dict[str, Path]:
    """One of each thing a user gets wrong, by name."""
    root = tmp_path_factory.mktemp("bad")
    (root / "unknown_key.toml").write_text("prune_percentil = 10\n", encoding="utf-8")
    (root / "wrong_type.toml").write_text('prune_percentile = "ten"\n', encoding="utf-8")
    empty = root / "empty"
    empty.mkdir()
    for table in ("clients", "time_entries", "invoices"):
        header = (short_book / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        (empty / f"{table}.csv").write_text(header + "\n", encoding="utf-8")
    rejected = root / "all_time_rejected"
    shutil.copytree(short_book, rejected)
    entries = pd.read_csv(rejected / "time_entries.csv", dtype=str, keep_default_na=False)
    entries.assign(hours="-1").to_csv(rejected / "time_entries.csv", index=False)
    workbook = root / "no_invoices.xlsx"
    with pd.ExcelWriter(workbook) as sheets:
        for table in ("clients", "time_entries"):
            pd.read_csv(short_book / f"{table}.csv", dtype=str).to_excel(
                sheets, sheet_name=table, index=False
            )
    beside = root / "settings_beside"
    shutil.copytree(short_book, beside)
    (beside / "settings.toml").write_text("prune_percentil = 10\n", encoding="utf-8")
    return {
        "unknown_key": root / "unknown_key.toml",
        "wrong_type": root / "wrong_type.toml",
        "file_not_folder": short_book / "clients.csv",
        "no_invoices_sheet": workbook,
        "empty": empty,
        "all_time_rejected": rejected,
        "settings_beside": beside,
    }


# ----------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("text", ["2025Q4", "2025q4", "2025 Q4", " 2025 q 4 "])
def test_quarter_text_is_case_insensitive_and_tolerates_spaces(text):
    assert normalise_quarter(text) == "2025Q4"
    assert parse_quarter(text) == pd.Period("2025Q4", freq="Q")


@pytest.mark.parametrize("text", ["2025-Q4", "2025Q5", "Q4 2025", "25Q4", ""])
def test_other_quarter_text_is_refused(text):
    with pytest.raises(PumpkinError, match="quarter must look like 2025Q2"):
        normalise_quarter(text)


def test_a_quarter_ending_after_the_last_row_is_auditable_with_a_caution(short_book):
    book = load_book(short_book, settings=Settings())
    assert book.last_activity() == pd.Timestamp(LAST_ROW)
    assert "2024Q4" in book.quarters() and "2024Q4" not in book.complete_quarters()
    assert book.check_quarter("2024 q4") == "2024Q4"
    assert ending_note(book.last_activity(), "2024Q4").startswith(
        "Caution: the book ends on 2024-11-20, before the quarter does (2024-12-31)"
    )
    assert ending_note(book.last_activity(), "2024Q3") == ""
    with pytest.raises(PumpkinError, match=r"no activity .* for 2025Q1 .*2023Q1 to 2024Q4"):
        book.check_quarter("2025Q1")
    with pytest.raises(PumpkinError, match="quarters with data: none"):
        check_quarter("2025Q1", [])


def test_cli_metrics_at_that_quarter_and_report_writes_the_caution(short_book, tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert (
        main(["metrics", "--data", str(short_book), "--quarter", "2024q4", "--out", str(out)]) == 0
    )
    assert set(pd.read_csv(out)["quarter"]) == {"2024Q4"}
    assert capsys.readouterr().err.splitlines() == [
        "pumpkin metrics: Caution: the book ends on 2024-11-20, before the quarter does "
        "(2024-12-31): activity after that day is not in these figures."
    ]
    argv = ["--quarter", "2024Q4", "--industry", "Retail", "--size", "small"]
    assert main(["screen-prospect", "--data", str(short_book), *argv]) == 0
    assert "screen-prospect: Caution: the book ends on 2024-11-20" in capsys.readouterr().err
    assert (
        main(["metrics", "--data", str(short_book), "--quarter", "2024Q3", "--out", str(out)]) == 0
    )
    assert capsys.readouterr().err == ""  # a complete quarter: no caution


def test_explorer_dropdown_offers_the_quarter_and_its_summary_cautions(short_book, tmp_path):
    from helpers.widgets.explorer import PatchExplorer

    book = load_book(short_book, settings=Settings())
    explorer = PatchExplorer(book, settings_file=tmp_path / "s.toml", settings=Settings())
    assert "2024Q4" in explorer.quarter_dropdown.options
    assert list(explorer.quarter_dropdown.options) == book.quarters()
    assert explorer.quarter_dropdown.value == "2024Q3"  # the default: the last complete quarter
    assert "the book ends on" not in explorer.summary.value
    explorer.quarter_dropdown.value = "2024Q4"
    assert "the book ends on 2024-11-20, before the quarter does" in explorer.summary.value
    assert (
        PatchExplorer(book, quarter="2024 q4", settings=Settings()).quarter_dropdown.value
        == "2024Q4"
    )
    with pytest.raises(PumpkinError, match=r"PatchExplorer: no activity .* for 2026Q1"):
        PatchExplorer(book, quarter="2026Q1", settings=Settings())


# ----------------------------------------------------------------------------- notebooks


def _papermill(name: str, out: Path, **parameters):
    import papermill

    return papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        execution_timeout=300,
        progress_bar=False,
        log_output=False,
    )


def _outputs(nb) -> list[dict]:
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def _text(output: dict) -> str:
    data = output.get("data", {})
    return "".join(output.get("text", "")) + "".join(data.get("text/markdown", ""))


@pytest.mark.notebook
def test_notebooks_03_and_04_run_at_a_quarter_ending_after_the_last_row(short_book, tmp_path):
    (tmp_path / "s.toml").write_text("", encoding="utf-8")  # where the explorer would save
    nb3 = _papermill("03_pumpkin_patch", tmp_path / "03.ipynb", quarter="2024q4",
                     data_dir=str(short_book), settings_file=str(tmp_path / "s.toml"))  # fmt: skip
    produced = _outputs(nb3)
    assert not [o for o in produced if o["output_type"] == "error" or o.get("name") == "stderr"]
    views = [o for o in produced if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    # the widget state saved with the notebook: the dropdown offers 2024Q4 and shows it, and the
    # summary line carries the caution
    state = nb3["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = [m["state"] for m in state.values()]
    quarter = next(m for m in models if m.get("description") == "Quarter")
    assert quarter["_options_labels"][quarter["index"]] == "2024Q4"
    assert any("the book ends on 2024-11-20" in str(m.get("value", "")) for m in models)

    nb4 = _papermill("04_pruning_plan", tmp_path / "04.ipynb", quarter="2024 Q4",
                     data_dir=str(short_book), prospect_industry="Retail")  # fmt: skip
    produced = _outputs(nb4)
    assert not [o for o in produced if o["output_type"] == "error" or o.get("name") == "stderr"]
    texts = [_text(o) for o in produced]
    first = next(t for t in texts if t)
    assert "the book ends on 2024-11-20, before the quarter does" in first
    assert any("prune candidates in 2024Q4" in t for t in texts)


@pytest.mark.notebook
def test_a_notebook_shows_the_rejects_count_first_and_a_bad_quarter_as_one_line(
    short_book, tmp_path
):
    from papermill.exceptions import PapermillExecutionError

    bad = tmp_path / "bad"
    shutil.copytree(short_book, bad)
    with (bad / "invoices.csv").open("a", encoding="utf-8") as handle:
        handle.write("INV-BAD,c-0001,2024-13-45,2024-12-31,500,USD,\n")
    nb = _papermill("02_metrics", tmp_path / "02.ipynb", quarter="2024Q3", data_dir=str(bad))
    first = next(t for t in map(_text, _outputs(nb)) if t)
    assert first.startswith("1 row rejected (invoices 1): see notebook 01")

    with pytest.raises(PapermillExecutionError) as caught:
        _papermill("03_pumpkin_patch", tmp_path / "x.ipynb", quarter="2030Q1",
                   data_dir=str(short_book))  # fmt: skip
    assert caught.value.ename == "PumpkinError"
    assert "no activity in the book" in caught.value.evalue and "2030Q1" in caught.value.evalue
    # one line instead of a traceback (IPython shows _render_traceback_)
    assert caught.value.traceback == [f"PumpkinError: {caught.value.evalue}"]


# ----------------------------------------------------------------------------- what users get wrong

PARAMS = {"__annotations__": {"quarter": str, "data_dir": str, "settings_file": str}}


def _params(**values) -> dict:
    return {**PARAMS, "quarter": "2024Q4", "settings_file": "", **values}


@pytest.mark.parametrize(
    ("case", "command_error", "parameter_error"),
    [
        ("unknown_key", "unknown setting(s): prune_percentil", "unknown setting(s): prune_percentil"),
        ("wrong_type", "prune_percentile must be a number", "prune_percentile must be a number"),
        ("file_not_folder", "expected a folder of tables or an .xlsx workbook", "is a file, not a folder"),
        ("settings_beside", "unknown setting(s): prune_percentil", "unknown setting(s): prune_percentil"),
    ],
)  # fmt: skip
def test_settings_and_data_mistakes_are_one_line_in_the_cli_and_the_parameter_checks(
    bad_inputs, short_book, capsys, case, command_error, parameter_error
):
    is_settings = case in ("unknown_key", "wrong_type")
    data = short_book if is_settings else bad_inputs[case]
    argv = ["metrics", "--data", str(data), "--quarter", "2024Q4"]
    argv += ["--settings", str(bad_inputs[case])] if is_settings else []
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert command_error in err and err.count("\n") == 1 and "Traceback" not in err

    values = {"data_dir": str(data)}
    values |= {"settings_file": str(bad_inputs[case])} if is_settings else {}
    with pytest.raises(ParameterError, match="parameter '(data_dir|settings_file)'") as caught:
        check_parameters(_params(**values), notebook="nb")
    assert parameter_error in str(caught.value)


def test_parameter_checks_give_the_quarter_in_its_canonical_spelling(short_book):
    assert check_parameters(_params(quarter="2024 q4", data_dir=str(short_book)))["quarter"] == (
        "2024Q4"
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no_invoices_sheet", "sheet 'invoices' of"),
        ("empty", "the book has no clients"),
        ("all_time_rejected", "every one of its"),
    ],
)
def test_book_mistakes_are_one_line_in_every_command_and_the_explorer(
    bad_inputs, tmp_path, capsys, case, message
):
    data = str(bad_inputs[case])
    commands = [
        ["metrics", "--data", data, "--quarter", "2024Q3"],
        ["screen-prospect", "--data", data, "--quarter", "2024Q3", "--industry", "Retail",
         "--size", "small"],
        ["report", "--data", data, "--quarter", "2024Q3", "--out", str(tmp_path / "r")],
    ]  # fmt: skip
    for argv in commands:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)
        assert err.splitlines()[-1].startswith(f"pumpkin {argv[0]}: error: ")
    if case == "no_invoices_sheet":
        with pytest.raises(BookError, match=message):
            load_book(data, settings=Settings())
        return
    from helpers.widgets.explorer import PatchExplorer

    book = load_book(
        data, settings=Settings()
    )  # it loads (the ledger explains it), but cannot be audited
    with pytest.raises(BookError, match=message) as caught:
        PatchExplorer(book, settings=Settings())
    assert caught.value._render_traceback_() == [f"BookError: {caught.value}"]


def test_the_planner_refuses_empty_or_mixed_raw_metrics(short_book):
    from helpers.decide.contract import raw_metrics
    from helpers.widgets.planner import PruningPlanner

    book = load_book(short_book, settings=Settings())
    raw = raw_metrics(book, "2024Q3", settings=Settings())
    with pytest.raises(PumpkinError, match="no clients to plan for"):
        PruningPlanner(raw.iloc[:0], settings=load_settings())
    mixed = pd.concat([raw, raw_metrics(book, "2024Q4", settings=Settings())], ignore_index=True)
    with pytest.raises(PumpkinError, match="several quarters"):
        PruningPlanner(mixed, settings=load_settings())


def load_settings():
    from helpers.book.settings import Settings

    return Settings()


def test_validate_shows_the_ledger_and_says_the_book_cannot_be_audited(bad_inputs, capsys):
    assert main(["validate", str(bad_inputs["all_time_rejected"])]) == 0  # validate reports
    out, err = capsys.readouterr()
    assert "must be > 0" in out
    lines = err.splitlines()
    assert re.fullmatch(r"(\d+) rows rejected \(time_entries \1\): see the ledger above", lines[0])
    assert lines[1].startswith("pumpkin validate: cannot be audited: ")
    assert "every one of its" in lines[1]
