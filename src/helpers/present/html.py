"""HTML and Markdown for the page: escaping client text, and the one HTML table renderer.

Everything a client provided (names, notes, rejected values) is escaped here, once: a table goes
through :func:`table_html` (every cell and header escaped), Markdown built from data goes through
:func:`md_text`. A display table (:class:`helpers.present.tables.Table`) carries its data, its
column formats and its labels; :func:`render` and :func:`show` turn it into HTML, as
great_tables separates the data, the formatting and the rendering.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.present.format import (
    format_count,
    format_money,
    format_number,
    format_percent,
    money_formatter,
)

if TYPE_CHECKING:
    from helpers.present.tables import Table

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~$])")


def md_text(value: object) -> str:
    """A client-provided string made safe for Markdown inside a sentence: emphasis, link, code
    and math characters backslash-escaped, then ``&``, ``<`` and ``>`` HTML-escaped, so
    ``<script>`` shows as text and ``*x*`` or ``$x$`` stay as typed.

    >>> md_text("<b>A*B</b>")
    '&lt;b&gt;A\\\\*B&lt;/b&gt;'
    """
    return defang(html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", str(value)), quote=False))


def defang(escaped: str) -> str:
    """``://`` as ``:&#47;&#47;`` in escaped text: it reads the same, but a client's string can
    never put a URL in the page (the renderer refuses any ``http://`` in a report)."""
    return escaped.replace("://", ":&#47;&#47;")


def md_money(currency: str) -> Callable[[float], str]:
    """Money for Markdown: ``$`` escaped (nbconvert reads ``$...$`` as math)."""
    return lambda x: format_money(x, currency).replace("$", "\\$")


# ----------------------------------------------------------------------------- tables


#: Readable headers for the raw column names that reach a table.
LABELS: Mapping[str, str] = {
    "revenue_q": "revenue (quarter)",
    "revenue_ttm": "revenue (TTM)",
    "margin_ttm": "margin (TTM)",
    "hours_ttm": "hours (TTM)",
    "share": "share of clients",
    "median_days_late": "median days late",
    "late_share": "invoices paid late (mean)",
    "overdue": "overdue",
    "over_90_days": "over 90 days past due",
    "source_file": "file",
    "balanced": "read = accepted + rejected",
}


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, float | np.floating):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _formatters(currency: str) -> dict[str, Callable[[object], str]]:
    """The column formats a table may ask for: ``money``, ``rate`` (money per hour: ``$95/h``),
    ``pct``, ``int``, ``num1``, ``count`` (whole numbers: 2,310) and ``hours`` (a number of
    hours: up to two decimals, as a plain number cell)."""
    money = money_formatter(currency)
    return {
        "money": money,
        "rate": lambda x: f"{money(x)}/h",
        "pct": format_percent,
        "int": format_number,
        "num1": lambda x: format_number(x, 1),
        "count": lambda x: "–" if pd.isna(x) else format_count(x),
        "hours": _cell_text,
    }


def _formatted(column: pd.Series, kind: str | Sequence[str], kinds: Mapping) -> pd.Series:
    """A column's cells as text: one format for the column, or one per row (a sequence)."""
    if isinstance(kind, str):
        return column.map(kinds[kind])
    return pd.Series(
        [kinds[k](v) for k, v in zip(kind, column, strict=True)], index=column.index, dtype=object
    )


def table_html(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str | Sequence[str]] | None = None,
    currency: str,
    empty: str = "None.",
    labels: Mapping[str, str] | None = None,
    sortable: bool = False,
) -> str:
    """An HTML table with every cell and header escaped, numbers formatted and right-aligned.

    ``formats`` maps a column to ``money``, ``pct``, ``int``, ``num1`` or ``hours`` (or to one
    of them per row); ``labels`` renames headers. Reasons joined with " | " become line breaks,
    inserted after escaping so they cannot smuggle markup. ``sortable`` marks the table for the
    report's sort and search (class ``pumpkin-sortable``, see :mod:`helpers.report.sortable`) and
    gives each number cell its raw value in ``data-order``, so ``$1.2M`` sorts above ``$950k``
    and blanks sort last.
    """
    if frame.empty:
        return f'<p class="note">{defang(html.escape(empty))}</p>'
    kinds = _formatters(currency)
    formats, labels = dict(formats or {}), {**LABELS, **(labels or {})}
    numeric = {
        c
        for c in frame.columns
        if c in formats
        or (pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
    }

    def cls(column: object) -> str:
        return ' class="num"' if column in numeric else ""

    head = "".join(
        f"<th{cls(c)}>{defang(html.escape(str(labels.get(c, c))))}</th>" for c in frame.columns
    )
    columns = [
        _formatted(frame[c], formats[c], kinds) if c in formats else frame[c].map(_cell_text)
        for c in frame.columns
    ]
    order = {c: _order_values(frame[c]) for c in frame.columns if sortable and c in numeric}
    rows = []
    for i, values in enumerate(zip(*columns, strict=True)):
        cells = "".join(
            f"<td{cls(c)}{order[c][i] if c in order else ''}>"
            f"{defang(html.escape(str(v))).replace(' | ', '<br>')}</td>"
            for c, v in zip(frame.columns, values, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    table_class = "pumpkin-table pumpkin-sortable" if sortable else "pumpkin-table"
    return (
        f'<div class="table-wrap"><table class="{table_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _order_values(column: pd.Series) -> list[str]:
    """`` data-order="…"`` attributes: the raw number (repr, so nothing is rounded away), or an
    empty order for a blank, which sorts below every number."""
    values = pd.to_numeric(column, errors="coerce").astype("float64")
    return [' data-order=""' if np.isnan(v) else f' data-order="{v!r}"' for v in values]


def formatted(table: Table, *, currency: str) -> pd.DataFrame:
    """A display table's rows as text in its formats, under its labels (not escaped: for a
    renderer that escapes, such as ``DataFrame.to_html``, in the widgets)."""
    kinds = _formatters(currency)
    frame = table.frame.assign(
        **{
            str(c): _formatted(table.frame[c], kind, kinds)
            for c, kind in table.formats.items()
            if c in table.frame.columns
        }
    )
    return frame.rename(columns={**LABELS, **table.labels})


def render(table: Table, *, currency: str) -> str:
    """A display table (:class:`helpers.present.tables.Table`) as HTML with its own formats,
    labels, empty message and sortability; money in ``currency``."""
    return table_html(
        table.frame,
        formats=table.formats,
        currency=currency,
        empty=table.empty,
        labels=table.labels,
        sortable=table.sortable,
    )


def show(content: str | Table, *, currency: str):
    """An IPython ``HTML`` object for a notebook cell (imported lazily): HTML text as it is, or
    a display table rendered by :func:`render`."""
    from IPython.display import HTML

    return HTML(content if isinstance(content, str) else render(content, currency=currency))
