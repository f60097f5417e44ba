"""The export formats' protocol (helpers.ingest.source): every known format satisfies it."""

from __future__ import annotations

import ast
import types
from pathlib import Path

from helpers import ingest
from helpers.book.schema import LEDGER_COLUMNS, TABLES
from helpers.ingest import detect, harvest, read_import, source, toggl
from helpers.ingest.part import DETAIL, INTERMEDIATE_COLUMNS
from helpers.ingest.source import Converter, ExportFormat, ReadsSomeColumns


def test_every_known_format_is_an_export_format():
    for fmt in detect.SOURCES:
        assert isinstance(fmt, ExportFormat), fmt.__name__


def test_every_format_documents_its_public_functions():
    for fmt in detect.SOURCES:
        for name in ("detect", "convert", "columns_used", "columns_numeric", "paid_dates"):
            if hasattr(fmt, name):
                assert getattr(fmt, name).__doc__, f"{fmt.__name__}.{name} has no docstring"


def test_converters_and_column_readers_are_recognised_by_their_members():
    converters = {f.NAME for f in detect.SOURCES if isinstance(f, Converter)}
    assert converters == {"harvest", "toggl", "clockify", "xero", "quickbooks", "freshbooks"}
    readers = {f.NAME for f in detect.SOURCES if isinstance(f, ReadsSomeColumns)}
    assert readers == {"harvest", "toggl", "clockify"}
    assert not isinstance(types.SimpleNamespace(NAME="x", TABLE="y"), ExportFormat)
    assert source.__doc__


def test_time_tools_read_only_the_columns_their_spec_names():
    header = ["Date", "Client", "Project", "Task", "Notes", "Hours", "First Name", "Last Name"]
    assert harvest.detect(header) == "current"
    used = harvest.columns_used(header, detail=False)
    assert set(used) <= set(header) and "Hours" in used and "Task" not in used
    assert "Task" in harvest.columns_used(header, detail=True)
    assert harvest.columns_numeric(header) == []  # no Billable Amount column
    toggl_header = ["User", "Client", "Project", "Start date", "Duration", "Amount (USD)"]
    assert toggl.columns_numeric(toggl_header) == ["Amount (USD)"]


# ----------------------------------------------------------------------------- the house rules

INGEST = Path(ingest.__file__).parent
FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def _public_definitions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            yield node.name, node
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef) and not member.name.startswith("_"):
                        yield f"{node.name}.{member.name}", member


def test_every_public_function_and_class_of_ingest_has_a_docstring():
    missing = [
        f"{path.name}: {name}"
        for path in sorted(INGEST.glob("*.py"))
        for name, node in _public_definitions(ast.parse(path.read_text(encoding="utf-8")))
        if not ast.get_docstring(node)
    ]
    assert missing == []


def test_no_capability_is_found_by_getattr_or_hasattr():
    probes = [
        f"{path.name}:{node.lineno}"
        for path in sorted(INGEST.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr")
    ]
    assert probes == []


def test_frames_between_ingest_modules_carry_only_documented_columns():
    imported = read_import([FIXTURES], jobs_as_clients=True)
    canonical = set(LEDGER_COLUMNS) | {c.name for t in TABLES.values() for c in t.columns}
    canonical.add("client")  # a part's client is still a name
    frames = {"merged.ledger": imported.merged.ledger, "merged.assumed": imported.merged.assumed}
    for part in imported.parts:
        frames |= {f"{part.file} frame": part.frame, f"{part.file} ledger": part.ledger}
        if part.assumed is not None:
            frames[f"{part.file} assumed"] = part.assumed
    undocumented = {
        f"{name}: {column}"
        for name, frame in frames.items()
        for column in frame.columns
        if column not in canonical
        and column not in INTERMEDIATE_COLUMNS
        and not column.startswith(DETAIL)
    }
    assert undocumented == set()
    used = {c for frame in frames.values() for c in frame.columns}
    assert {"file_row", "file_hours", "file_amount", "invoice_group", "part_index"} <= used
