"""The canonical client book: its tables, their columns, types, ranges and vocabularies.

One declarative table of rules drives loading, validation, the README and the report's
methodology section, so the schema is written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

SIZES = ("small", "medium", "large")
CLIENT_EVENT_KINDS = ("scope_creep", "after_hours", "rush", "complaint", "dispute", "abuse")
OUR_EVENT_KINDS = ("rework", "missed_deadline")
EVENT_KINDS = CLIENT_EVENT_KINDS + OUR_EVENT_KINDS
#: What the partners may record in the decisions journal: an action code of the rules (the
#: registry in ``helpers.audit.rules``; the book stage cannot import it, a test keeps the two
#: equal), ``KEEP`` also meaning "overrule the recommendation".
DECISION_ACTIONS = (
    "GROW",
    "KEEP",
    "NURTURE",
    "REPRICE",
    "RESCOPE",
    "INVOICE_MORE_OFTEN",
    "REASSIGN_OWNER",
    "IMPROVE_DELIVERY",
    "COLLECT",
    "PRUNE",
    "REVIEW",
)
BOOLEAN_WORDS = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
    "t": True,
    "f": False,
}


@dataclass(frozen=True)
class Column:
    """One column: its kind (``str``, ``date``, ``number``, ``bool``, ``choice``) and its rules."""

    name: str
    kind: str = "str"
    required: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] = ()
    unique: bool = False
    default: object = None
    integer: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "clients",
            (
                Column("client_id", required=True, unique=True),
                Column("name", required=True),
                Column("industry"),
                Column("size", "choice", choices=SIZES),
                Column("owner"),
                Column("since", "date"),
                # the contract's notice period in days; blank = settings.notice_days
                Column("notice_days", "number", min=0, max=365, integer=True),
            ),
            required=True,
        ),
        Table(
            "people",
            (
                Column("person", required=True, unique=True),
                Column("cost_rate", "number", required=True, min=0),
            ),
        ),
        Table(
            "time_entries",
            (
                Column("date", "date", required=True),
                Column("client_id", required=True),
                Column("person", required=True),
                Column("hours", "number", required=True, min=0, min_exclusive=True, max=24),
                Column("billable", "bool", default=True),
                # the entry's billable value in the base currency (what the time tracker bills for
                # it); blank when the export has no amounts. Revenue of clients without invoices.
                Column("billable_amount", "number", min=0),
            ),
            required=True,
        ),
        Table(
            "invoices",
            (
                Column("invoice_id", required=True, unique=True),
                Column("client_id", required=True),
                Column("issue_date", "date", required=True),
                Column("due_date", "date", required=True),
                Column("amount", "number", required=True),
                Column("currency"),
                Column("paid_date", "date"),
            ),
            required=True,
        ),
        Table(
            "events",
            (
                Column("date", "date", required=True),
                Column("client_id", required=True),
                Column("kind", "choice", required=True, choices=EVENT_KINDS),
                Column("severity", "number", min=1, max=3, default=1, integer=True),
                Column("note"),
            ),
        ),
        Table(
            "assessments",
            (
                Column("date", "date", required=True),
                Column("client_id", required=True),
                Column("assessor", required=True),
                *(
                    Column(c, "number", required=True, min=1, max=5)
                    for c in ("alignment", "transparency", "respect", "fit")
                ),
            ),
        ),
        Table(
            "fx",
            (
                Column("currency", required=True),
                Column("rate_to_base", "number", required=True, min=0, min_exclusive=True),
                Column("date", "date"),
            ),
        ),
        Table(
            "decisions",
            (
                Column("date", "date", required=True),
                Column("client_id", required=True),
                Column("action", required=True),  # a DECISION_ACTIONS code (checked on load)
                Column("decided_by"),
                Column("note"),
                Column("until", "date"),  # KEEP: the overrule holds until this day
            ),
        ),
    )
}

#: Tables in load order: references point to tables loaded earlier.
LOAD_ORDER = (
    "clients",
    "people",
    "fx",
    "time_entries",
    "invoices",
    "events",
    "assessments",
    "decisions",
)

#: Columns that must name a known client.
CLIENT_REFERENCES = ("time_entries", "invoices", "events", "assessments", "decisions")

#: The rejects ledger: one row per input row left out, with the reason.
LEDGER_COLUMNS = ("table", "source_file", "row", "column", "value", "reason")
