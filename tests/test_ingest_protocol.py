"""The export formats' protocol (helpers.ingest.source): every known format satisfies it."""

from __future__ import annotations

import types

from helpers.ingest import detect, harvest, source, toggl
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
