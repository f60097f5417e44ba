"""Stable pseudonyms for a book shared outside the firm (``pumpkin report --anonymise``).

Each client gets ``Client 017`` (and the id ``C017``) from its position in the clients table
ordered by ``since`` then ``client_id``, so the same client keeps the same pseudonym in every
quarter rendered from the book, and a client added later does not renumber the older ones unless
it predates them. Client ids are replaced too (they are often built from names), client notes
are withheld, and the rejects ledger loses any value that could carry a name. The figures are
untouched: an anonymised report has the same numbers as the named one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers.book.schema import CLIENT_REFERENCES

NOTE_WITHHELD = "(note withheld)"
VALUE_WITHHELD = "(withheld)"
#: Ledger columns whose rejected values may be a client's own words or name.
_SENSITIVE_LEDGER_COLUMNS = frozenset(
    {"", "client_id", "name", "note", "industry", "owner", "project"}  # project: a job's name
)


def pseudonyms(clients: pd.DataFrame) -> pd.DataFrame:
    """One row per client: client_id, pseudonym (``Client 017``) and pseudo_id (``C017``).

    >>> frame = pd.DataFrame({"client_id": ["b", "a"], "since": pd.to_datetime(["2020", "2021"])})
    >>> pseudonyms(frame)["pseudonym"].tolist()
    ['Client 001', 'Client 002']
    """
    ordered = clients.sort_values(["since", "client_id"], na_position="last", kind="stable")
    width = max(3, len(str(len(ordered))))
    numbers = pd.Series(np.arange(1, len(ordered) + 1), index=ordered.index).astype(str)
    padded = numbers.str.zfill(width)
    return pd.DataFrame(
        {
            "client_id": ordered["client_id"].to_numpy(),
            "pseudonym": ("Client " + padded).to_numpy(),
            "pseudo_id": ("C" + padded).to_numpy(),
        }
    )


def _replace_ids(frame: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    if "client_id" not in frame.columns:
        return frame
    mapped = frame["client_id"].map(ids)
    return frame.assign(client_id=mapped.where(mapped.notna(), VALUE_WITHHELD))


def _scrub_ledger(
    rejects: pd.DataFrame, known: pd.Series, *, every_column: bool = False
) -> pd.DataFrame:
    """Ledger values: known names/ids become pseudonyms, other free text is withheld (with
    ``every_column``, every value that is not a known name or id: an import's ledger names the
    exports' own columns, "Client", "ContactName", "Customer", ..., not the book's)."""
    value = rejects["value"].astype("object")
    mapped = value.map(known)
    sensitive = (
        pd.Series(True, index=rejects.index)
        if every_column
        else rejects["column"].fillna("").isin(_SENSITIVE_LEDGER_COLUMNS)
    )
    scrubbed = mapped.where(mapped.notna(), value.where(~sensitive, VALUE_WITHHELD))
    return rejects.assign(value=scrubbed)


def anonymise_book(book):
    """A copy of ``book`` with pseudonyms for client names and ids, and client notes withheld."""
    names = pseudonyms(book.clients)
    ids = names.set_index("client_id")["pseudo_id"]
    by_name = book.clients[["client_id", "name"]].merge(names, on="client_id")
    known = pd.concat(
        [
            ids,
            by_name.set_index("name")["pseudonym"],
        ]
    )
    known = known[~known.index.duplicated()]
    clients = book.clients.assign(
        name=book.clients["client_id"].map(names.set_index("client_id")["pseudonym"]),
        client_id=book.clients["client_id"].map(ids),
    )
    changes = {
        "clients": clients,
        "rejects": _scrub_ledger(book.rejects, known),
        "notes": _scrub_ledger(book.notes, known),  # the import's notes (job names withheld)
        "import_rejects": _scrub_ledger(book.import_rejects, known, every_column=True),
        "source": "(anonymised book)",
    }
    for table in CLIENT_REFERENCES:
        changes[table] = _replace_ids(book.table(table), ids)
    for table in ("events", "decisions"):  # free text: may name the client
        frame = changes[table]
        if "note" in frame.columns:
            changes[table] = frame.assign(
                note=frame["note"].where(frame["note"].isna(), NOTE_WITHHELD)
            )
    return dataclasses.replace(book, **changes)
