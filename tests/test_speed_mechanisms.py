"""The mechanisms behind the speed figures (no test asserts a time: the benchmarks measure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
