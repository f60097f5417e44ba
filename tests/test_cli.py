"""The `pumpkin` command: help, exit codes and one-line messages (no tracebacks)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers.cli import build_parser, main
from tests.test_book import TIME, write_tables

SUBCOMMANDS = ["sample", "validate", "import", "metrics", "report", "screen-prospect", "plans"]


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_complete_help(name):
    sub = build_parser()._subparsers._group_actions[0].choices[name]
    assert sub.description
    for action in sub._actions:
        if action.dest != "help":
            assert action.help, f"{name} {action.option_strings or action.dest} lacks help"


def test_validate_prints_reconciliation_and_ledger(tmp_path, capsys):
    folder = write_tables(tmp_path / "b", time_entries=TIME + "2025-01-05,c1,ann,99,yes\n")
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "time_entries" in out and "must be <= 24" in out and "rejects ledger (1 rows)" in out


def test_file_level_error_exits_2_with_one_line_and_no_traceback(tmp_path):
    folder = write_tables(tmp_path / "b", invoices="invoice_id,client_id\n")
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "validate", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "invoices.csv" in result.stderr and "column 'issue_date'" in result.stderr


def test_strict_mode_exits_2(tmp_path, capsys):
    folder = write_tables(tmp_path / "b", time_entries=TIME + "2025-01-05,c1,ann,99,yes\n")
    assert main(["validate", str(folder), "--strict"]) == 2
    assert "row 4, column 'hours'" in capsys.readouterr().err


def test_missing_book_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err
