"""One convention for options (docs/ARCHITECTURE.md, "Conventions"): the book, the quarter and
the data a function reads are positional, everything else keyword-only; ``settings`` is required
wherever a function takes it (no ``settings=None`` falling back to ``Settings()``: a caller must
not audit with the defaults instead of the book's settings by forgetting them), and ``currency``
is required too (or read from the data, where the data carries it).

Read from the source (every public function, method and class field under src/helpers), so a new
function that defaults either fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[1] / "src" / "helpers"
OPTIONS = ("settings", "currency")
#: Where the settings or the currency are what the function works on, so they may be positional
#: (never defaulted): the settings' own module (``save_settings(settings, path)``) and the money
#: formatters, whose ``(value, currency)`` are their data as ``format(value, spec)``'s are.
SUBJECT = {
    "book/settings.py": None,  # every function
    "present/format.py": None,
    "present/html.py": {"md_money"},
    "plots/style.py": {"currency_formatter"},
    "decide/prune.py": {"weight_variations", "setting_variations"},  # variations of settings
}
#: A ``None`` that means "the data's own", not the defaults: the waterfall reads a
#: PruneScenario's currency (and refuses a bare frame without one); an import without settings
#: takes the exports' main currency as the base (a canonical book found there is read with the
#: defaults, as the import writes no settings for it).
FROM_THE_DATA = {
    ("plots/waterfall.py", "plot_margin_waterfall", "currency"),
    ("ingest/__init__.py", "read_exports", "settings"),
    ("ingest/__init__.py", "read_import", "settings"),
    ("ingest/__init__.py", "open_book", "settings"),
    ("ingest/excel.py", "read_workbook", "settings"),
}


def _subject(rel: str, function: str) -> bool:
    names = SUBJECT.get(rel, set())
    return rel in SUBJECT and (names is None or function in names)


def _functions(tree: ast.Module):
    """(qualified name, def) of the module's public functions and its public classes' methods
    (``__init__`` included; nested functions are no API)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def _currency_fields(tree: ast.Module):
    """(qualified name, line) of public classes' ``currency`` fields given a currency code as
    default (``currency: str = "USD"``)."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if (
                    isinstance(item, ast.AnnAssign)
                    and isinstance(item.target, ast.Name)
                    and item.target.id == "currency"
                    and isinstance(item.value, ast.Constant)
                    and isinstance(item.value.value, str)
                ):
                    yield f"{node.name}.currency", item.lineno


def option_problems(tree: ast.Module, rel: str) -> list[str]:
    """``file:line function(option): problem`` for every public function or method that defaults
    ``settings``/``currency`` or takes them positionally, and every public class field
    ``currency`` with a currency code as default."""
    found = []
    for name, node in _functions(tree):
        if name.split(".")[-1].startswith("_") and not name.endswith("__init__"):
            continue
        a = node.args
        positional = a.posonlyargs + a.args
        defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        params = [(p, d, False) for p, d in zip(positional, defaults, strict=True)]
        params += [(p, d, True) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
        for param, default, keyword_only in params:
            if param.arg not in OPTIONS:
                continue
            where = f"{rel}:{node.lineno} {name}({param.arg})"
            data_default = (
                (rel, name, param.arg) in FROM_THE_DATA
                and isinstance(default, ast.Constant)
                and default.value is None
            )
            if default is not None and not data_default:
                found.append(f"{where}: defaults to {ast.unparse(default)}")
            if not keyword_only and not _subject(rel, name):
                found.append(f"{where}: positional (make it keyword-only)")
    found += [f"{rel}:{line} {name}: has a default" for name, line in _currency_fields(tree)]
    return found


def test_no_public_function_defaults_or_positions_its_settings_or_currency():
    problems = [
        problem
        for path in sorted(HELPERS.rglob("*.py"))
        for problem in option_problems(
            ast.parse(path.read_text("utf-8")), path.relative_to(HELPERS).as_posix()
        )
    ]
    assert problems == [], "\n".join(problems)


def test_the_checker_sees_each_way_of_breaking_the_convention():
    code = """
def a(book, quarter, settings=None): ...
def b(raw, *, settings: Settings = Settings()): ...
def c(metrics, *, currency: str = "USD"): ...
def d(raw, settings): ...
def fine(book, quarter, *, settings, currency: str): ...
def _private(raw, settings=None): ...
class Scenario:
    currency: str = "USD"
    column: str | None = None
class Explorer:
    def __init__(self, source, *, settings=None): ...
"""
    assert option_problems(ast.parse(code), "x.py") == [
        "x.py:2 a(settings): defaults to None",
        "x.py:2 a(settings): positional (make it keyword-only)",
        "x.py:3 b(settings): defaults to Settings()",
        "x.py:4 c(currency): defaults to 'USD'",
        "x.py:5 d(settings): positional (make it keyword-only)",
        "x.py:12 Explorer.__init__(settings): defaults to None",
        "x.py:9 Scenario.currency: has a default",
    ]
    # a formatter's currency is its data (positional, never defaulted); the waterfall's None
    # means the scenario's own
    formatter = "def format_money(x, currency): ...\ndef exact_money(x, currency='USD'): ...\n"
    assert option_problems(ast.parse(formatter), "present/format.py") == [
        "present/format.py:2 exact_money(currency): defaults to 'USD'"
    ]
    waterfall = "def plot_margin_waterfall(data, *, currency=None): ...\n"
    assert option_problems(ast.parse(waterfall), "plots/waterfall.py") == []
