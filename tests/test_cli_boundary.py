"""Only helpers.cli sees the command line: no other module takes an argparse namespace."""

from __future__ import annotations

import ast
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[1] / "src" / "helpers"


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_cli_imports_argparse():
    offenders = [
        str(path.relative_to(HELPERS))
        for path in sorted(HELPERS.rglob("*.py"))
        if path.name != "cli.py" and "argparse" in _imports(ast.parse(path.read_text("utf-8")))
    ]
    assert offenders == [], f"argparse outside helpers/cli.py: {offenders}"


def test_the_checker_sees_an_argparse_import():
    assert "argparse" in _imports(ast.parse("from argparse import Namespace\n"))
    assert "argparse" not in _imports(ast.parse("import argparsex\n"))


def _prints(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    ]


def test_only_the_cli_prints():
    offenders = [
        f"{path.relative_to(HELPERS)}:{line}"
        for path in sorted(HELPERS.rglob("*.py"))
        if path.name != "cli.py"
        for line in _prints(ast.parse(path.read_text("utf-8")))
    ]
    assert offenders == [], f"print outside helpers/cli.py: {offenders}"
    assert _prints(ast.parse("print('x', file=sys.stderr)\n")) == [1]
