"""``pumpkin metrics`` run as a process: it ends itself once its output is written and the book
cache's writer has finished (cli.end_process), with the same output as the command run in
process, and only when run as the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import cli

SRC = Path(__file__).resolve().parents[1] / "src"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _pumpkin(args: list[str], *, cache: Path, before: str = "") -> subprocess.CompletedProcess:
    """``pumpkin ARGS`` as its own process (``before``: code run first, such as an atexit
    handler that says whether the interpreter's teardown ran)."""
    code = f"import sys\n{before}\nfrom helpers.cli import main\nsys.argv = ['pumpkin', *{args!r}]\nsys.exit(main())\n"
    env = {**os.environ, "PYTHONPATH": str(SRC), "PUMPKIN_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )


def test_metrics_as_a_process_skips_the_teardown_after_its_output_and_the_cache(tmp_path):
    teardown = "import atexit\natexit.register(lambda: print('teardown ran'))"
    out = tmp_path / "metrics.csv"
    args = ["metrics", "--data", str(SAMPLE), "--quarter", "2025Q4", "--out", str(out)]
    done = _pumpkin(args, cache=tmp_path / "cache", before=teardown)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"wrote 150 clients to {out}"]  # no "teardown ran"
    entries = [p for p in (tmp_path / "cache" / "books").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1 and json.loads((entries[0] / "meta.json").read_text())["key"]

    in_process = tmp_path / "in-process.csv"
    assert cli.main([*args[:-1], str(in_process)]) == 0
    assert out.read_bytes() == in_process.read_bytes()

    to_stdout = _pumpkin(args[:-2], cache=tmp_path / "cache")  # warm, CSV on stdout
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout.encode() == out.read_bytes()

    failed = _pumpkin([*args[:-3], "1999Q1"], cache=tmp_path / "cache", before=teardown)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("pumpkin metrics: error: no activity in the book")


def test_other_commands_end_through_the_interpreter(tmp_path):
    teardown = "import atexit\natexit.register(lambda: print('teardown ran'))"
    done = _pumpkin(["validate", str(SAMPLE)], cache=tmp_path / "cache", before=teardown)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "teardown ran"
