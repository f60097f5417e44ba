"""House rule (issue 18): data passes between modules as named, documented columns, never as
hidden underscore columns (``_part``, ``_amount``, ...). The source is read as text: a quoted
name or an ``assign`` keyword starting with an underscore is a hidden column."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "helpers"
#: Underscore strings that are not columns: merge suffixes, matplotlib's "no legend" label,
#: itables' template placeholder.
NOT_COLUMNS = {
    "_fx",
    "_before",
    "_after",
    "_now",
    "_cut",
    "_nolegend_",
    "_itables_underscore_version",
}
QUOTED = re.compile(r"""["'](_[a-z]\w*)["' ]""")
#: ``assign(_x=...)`` on one line, or ``_x=...`` opening a line of a call spread over lines
KEYWORD = re.compile(r"""(?:assign\((?:[^()]*,\s*)?|^\s+)(_[a-z]\w*)=(?!=)""")


def _hidden_columns(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        if code.lstrip().startswith("def "):
            continue
        names = [m for m in QUOTED.findall(code) if m not in NOT_COLUMNS]
        names += KEYWORD.findall(code)
        found += [f"{number}: {name}" for name in names]
    return found


def test_the_rule_recognises_a_hidden_column():
    assert _hidden_columns('frame.assign(_part=1)\nx = frame["_amount"]') == [
        "1: _part",
        "2: _amount",
    ]
    assert (
        _hidden_columns('frame.merge(other, suffixes=("", "_fx"))\nf(x, label="_nolegend_")') == []
    )


def test_no_module_passes_hidden_underscore_columns():
    hidden = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if (found := _hidden_columns(path.read_text(encoding="utf-8")))
    }
    assert hidden == {}
