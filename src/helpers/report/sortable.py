"""Sort and search for the report's tables, offline: itables' DataTables bundle embedded once.

A table written by :func:`helpers.present.html.table_html` with ``sortable=True`` is an ordinary
HTML table (class ``pumpkin-sortable``, every number cell with its raw value in ``data-order``),
readable and printable without any script. When the page has one, the renderer appends
:func:`sortable_tables_html` to the page: itables' offline loader (the DataTables bundle that
ships with the ``itables`` package, base64-encoded inside the page, so nothing is fetched and the
page stays one file) and a module script that turns each such table into a DataTable on the
page's own cells.

Choices, all in :data:`DATATABLE_OPTIONS`:

* no paging and no scroll box: every row stays in the page, so printing shows every row;
* the rows keep the order the list gave them until a header is clicked (``order: []``);
* columns whose header has the class ``num`` sort as numbers, from ``data-order``;
* the search box filters rows on any cell's text (client names first of all); it is cleared
  before printing, so a filtered table never hides rows on paper.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

#: The class that marks a table for sort and search (set by ``table_html(sortable=True)``).
SORTABLE_CLASS = "pumpkin-sortable"
#: The attribute that marks the page's own scripts (tests check no other script is there).
SCRIPT_MARK = 'data-pumpkin="tables"'

DATATABLE_OPTIONS: dict[str, Any] = {
    "paging": False,
    "order": [],
    "autoWidth": False,
    "info": True,
    "layout": {"topStart": None, "topEnd": "search", "bottomStart": "info", "bottomEnd": None},
    "columnDefs": [{"targets": "num", "type": "num"}],
    "language": {
        "search": "Search:",
        "searchPlaceholder": "client, segment, action…",
        "info": "_TOTAL_ rows",
        "infoEmpty": "no row",
        "infoFiltered": "(of _MAX_)",
        "zeroRecords": "No row matches the search.",
    },
}

#: Cleared searches before printing: a filtered table would leave rows off the paper.
_BEFORE_PRINT = (
    'window.addEventListener("beforeprint", () => {{'
    ' document.querySelectorAll("table.{cls}").forEach(t => {{'
    " const $ = window.$, dt = $ && $.fn.dataTable && $.fn.dataTable.isDataTable(t)"
    " ? $(t).DataTable() : null;"
    ' if (dt && dt.search() !== "") dt.search("").draw(); }}); }});'
)


def _mark_scripts(html: str) -> str:
    return html.replace("<script>", f"<script {SCRIPT_MARK}>").replace(
        '<script type="module">', f'<script type="module" {SCRIPT_MARK}>'
    )


@lru_cache(maxsize=1)
def sortable_tables_html() -> str:
    """The loader and the init script, once per page (about 1 MB, almost all the bundle)."""
    from itables import options
    from itables.javascript import generate_init_offline_itables_html, read_package_file

    loader = generate_init_offline_itables_html(options.dt_bundle)
    # the trailing <noscript> note is for notebooks ("is your notebook trusted?"): not here
    loader = loader[: loader.index('\n<div style="vertical-align:middle')]
    # itables' own per-table template, pointed at every sortable table instead of one id
    init = read_package_file("html/datatables_template_offline.html")
    version = re.search(r"window\.(_itables_[0-9a-z_]+)", loader).group(1)
    ready = re.search(r'new Event\("([^"]+)"\)', loader).group(1)
    init = (
        init.replace('<table id="table_id"></table>\n', "")
        .replace("<!--| quarto-html-table-processing: none -->\n", "")
        .replace("_itables_underscore_version", version)
        .replace("itables-version-ready", ready)
        .replace("#table_id:not(.dataTable)", f"table.{SORTABLE_CLASS}:not(.dataTable)")
        .replace("let dt_args = {};", f"let dt_args = {json.dumps(DATATABLE_OPTIONS)};")
    )
    if f"table.{SORTABLE_CLASS}" not in init or "let dt_args = {}" in init:
        raise RuntimeError("itables' offline template changed: check helpers.report.sortable")
    printing = f"<script>{_BEFORE_PRINT.format(cls=SORTABLE_CLASS)}</script>"
    return _mark_scripts(f"{loader}\n{init}\n{printing}\n")


def has_sortable_table(nb) -> bool:
    """Does any output of the executed notebook hold a sortable table?"""
    marker = SORTABLE_CLASS
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            if marker in str(output.get("data", {}).get("text/html", "")):
                return True
    return False
