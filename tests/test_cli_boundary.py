"""Only helpers.cli sees the command line: no other module imports argparse, takes a parsed
namespace (``run_report(args)``) or prints; the package is called with keyword arguments."""

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


#: Parameter names that mean "the parsed command line" (``*args`` is not one of them; a
#: notebook's ``namespace`` of parameters and render ``options`` are keyword data, not argv).
NAMESPACE_NAMES = {"args", "argv", "cli_args", "parsed_args"}


def _namespace_parameters(tree: ast.AST) -> list[str]:
    """``function(parameter)`` for every parameter that is a parsed command line: named like one
    (positional or keyword, not ``*args``) or annotated with ``Namespace``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        a = node.args
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if arg.arg in NAMESPACE_NAMES or "Namespace" in annotation:
                found.append(f"{getattr(node, 'name', 'lambda')}({arg.arg})")
    return found


def test_no_module_but_the_cli_takes_a_parsed_command_line():
    offenders = [
        f"{path.relative_to(HELPERS)}: {where}"
        for path in sorted(HELPERS.rglob("*.py"))
        if path.name != "cli.py"
        for where in _namespace_parameters(ast.parse(path.read_text("utf-8")))
    ]
    assert offenders == [], f"a parsed command line outside helpers/cli.py: {offenders}"


def test_the_checker_sees_a_namespace_parameter():
    assert _namespace_parameters(ast.parse("def run_report(args):\n    return args.out\n")) == [
        "run_report(args)"
    ]
    typed = "def quarters_to_render(book, given: 'argparse.Namespace'): ...\n"
    assert _namespace_parameters(ast.parse(typed)) == ["quarters_to_render(given)"]
    assert _namespace_parameters(ast.parse("def f(*args, **kwargs): ...\n")) == []


def _prints(tree: ast.AST) -> list[int]:
    """Lines that print: ``print(...)`` (also as ``builtins.print``), ``pprint(...)`` and
    ``sys.stdout.write`` / ``sys.stderr.write``."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = ast.unparse(node.func)
        if called in ("print", "builtins.print", "pprint", "pprint.pprint") or called in (
            "sys.stdout.write",
            "sys.stderr.write",
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_cli_prints():
    offenders = [
        f"{path.relative_to(HELPERS)}:{line}"
        for path in sorted(HELPERS.rglob("*.py"))
        if path.name != "cli.py"
        for line in _prints(ast.parse(path.read_text("utf-8")))
    ]
    assert offenders == [], f"print outside helpers/cli.py: {offenders}"
    assert _prints(ast.parse("print('x', file=sys.stderr)\n")) == [1]


def test_the_checker_sees_every_way_of_printing():
    code = "print(1)\nbuiltins.print(2)\nsys.stdout.write('3')\nsys.stderr.write('4')\nlog(5)\n"
    assert _prints(ast.parse(code)) == [1, 2, 3, 4]
