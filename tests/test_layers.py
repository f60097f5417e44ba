"""The package's stages import down the pipeline, never up (docs/ARCHITECTURE.md)."""

import ast
from pathlib import Path

import helpers

#: The stages in pipeline order; a module may import its own stage or an earlier one.
STAGES = [
    ("errors", "book"),
    ("ingest",),
    ("audit",),
    ("forecast",),
    ("decide",),
    ("present", "plots"),
    ("widgets",),
    ("report",),
    ("cli", "__main__"),
]
LEVEL = {name: i for i, names in enumerate(STAGES) for name in names}
#: A leaf every stage may use: money and number formats (the rules' reasons and the offboarding
#: letters are written in words too). It imports nothing from the package.
LEAVES = {"helpers.present.format"}
ROOT = Path(helpers.__file__).parent


def _stage(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _imports(path: Path):
    """Every ``helpers.*`` module that ``path`` imports, lazily inside functions too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers."):
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("helpers."):
                    yield node.lineno, alias.name


def upward_imports(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        here = parts[0]
        if here == "__init__":
            continue
        for line, module in _imports(path):
            there = _stage(module)
            if LEVEL[there] > LEVEL[here] and module not in LEAVES:
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


def test_every_stage_is_known():
    stages = {p.relative_to(ROOT).with_suffix("").parts[0] for p in ROOT.rglob("*.py")}
    assert stages - {"__init__"} <= set(LEVEL), stages - set(LEVEL)


def test_no_import_runs_from_a_lower_stage_to_a_higher_one():
    assert upward_imports() == []


def test_the_layering_check_sees_an_upward_import(tmp_path):
    fake = tmp_path / "helpers"
    (fake / "book").mkdir(parents=True)
    (fake / "book" / "bad.py").write_text("def f():\n    from helpers.report.render import x\n")
    assert upward_imports(fake) == ["book/bad.py:2 imports helpers.report.render"]


def test_the_leaves_import_nothing_from_the_package():
    for leaf in LEAVES:
        path = ROOT.joinpath(*leaf.split(".")[1:]).with_suffix(".py")
        assert list(_imports(path)) == [], leaf
