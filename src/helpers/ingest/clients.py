"""Client identity across exports: normalised names, stable slugs, the optional mapping.

Two spellings are the same client when their normalised names are equal: case, accents,
punctuation, '&'/'and', trailing legal suffixes (Ltd, LLC, Inc, GmbH, ...) and QuickBooks'
`` (deleted)`` mark are ignored (the name shown keeps the mark).
``client_id`` is the slug of the normalised name, so it is stable across imports. Nothing is
merged by similarity: names that appear in one kind of export only (time or invoices) are
listed in the summary, and a ``clients.csv`` mapping (``name,client_id,size,owner,industry``)
can join them explicitly and supply the other fields.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from helpers.errors import BookError
from helpers.ingest.read import read_side_csv

LEGAL_SUFFIXES = frozenset(
    {
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "kg",
        "plc",
        "llp",
        "lp",
        "pty",
        "pte",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "aps",
        "as",
        "sl",
        "kk",
        "pc",
        "pllc",
    }
)
MAPPING_COLUMNS = ("name", "client_id", "size", "owner", "industry")
#: QuickBooks marks a deleted customer or job so: ignored when matching names.
DELETED = re.compile(r"\s*\(deleted\)\s*(?=:|$)", re.IGNORECASE)


def normalise(names: pd.Series) -> pd.Series:
    """'ACME Widgets, Ltd.' -> 'acme widgets' (the key that decides two names are one client)."""

    def one(name: str) -> str:
        text = DELETED.sub("", str(name))
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        text = text.lower().replace("&", " and ").replace("'", "").replace(".", "")
        words = "".join(c if c.isalnum() else " " for c in text).split()
        while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
            words.pop()
        return " ".join(words)

    return names.map(one)


def slug(keys: pd.Series) -> pd.Series:
    """The client_id of a normalised name: 'acme widgets' -> 'acme-widgets'."""
    return keys.str.replace(" ", "-", regex=False)


def read_mapping(path: str | Path) -> pd.DataFrame:
    """The clients.csv mapping (name, client_id, size, owner, industry[, since]) with its keys."""
    path = Path(path)
    mapping = read_side_csv(
        path,
        missing="client mapping not found",
        unreadable="cannot be read as a CSV client mapping",
    )
    mapping.columns = [c.strip() for c in mapping.columns]
    if "name" not in mapping.columns:
        raise BookError(
            f"the client mapping needs a 'name' column (found: {', '.join(mapping.columns)})",
            file=path,
            column="name",
        )
    mapping = mapping.apply(lambda s: s.str.strip())
    for column in (*MAPPING_COLUMNS, "since"):
        if column not in mapping.columns:
            mapping[column] = ""
    keys = normalise(mapping["name"])
    return mapping.assign(
        key=keys, client_id=mapping["client_id"].where(mapping["client_id"].ne(""), slug(keys))
    )


def build_clients(
    seen: pd.DataFrame, mapping: pd.DataFrame | None
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """(clients text frame, raw name -> client_id, notes) from the names the exports use.

    ``seen`` has one row per (raw name, kind) with ``rows`` and ``first`` (earliest ISO date).
    """
    seen = seen.assign(key=normalise(seen["name"]))
    seen = seen.loc[seen["key"].ne("")]
    mapped = mapping.drop_duplicates("key") if mapping is not None else None
    client_id = slug(seen["key"])
    if mapped is not None:
        client_id = seen["key"].map(mapped.set_index("key")["client_id"]).fillna(client_id)
    seen = seen.assign(client_id=client_id)
    spelling = (
        seen.groupby(["client_id", "name"], sort=False)["rows"]
        .sum()
        .reset_index()
        .sort_values("rows", ascending=False, kind="stable")
        .drop_duplicates("client_id")
        .set_index("client_id")["name"]
    )
    firsts = seen.loc[seen["first"].ne("")].groupby("client_id")["first"].min()
    clients = pd.DataFrame({"client_id": spelling.index.to_numpy()})
    clients = clients.assign(
        name=clients["client_id"].map(spelling),
        industry="",
        size="",
        owner="",
        since=clients["client_id"].map(firsts).fillna(""),
    )
    notes = []
    if mapped is not None:
        fields = mapped.drop_duplicates("client_id").set_index("client_id")
        for column in ("name", "industry", "size", "owner", "since"):
            value = clients["client_id"].map(fields[column]).fillna("")
            clients[column] = value.where(value.ne(""), clients[column])
        unused = mapped.loc[~mapped["key"].isin(seen["key"]), "name"].tolist()
        if unused:
            notes.append(
                f"{len(unused)} name(s) in the client mapping match no export: " + _listing(unused)
            )
    both = {"time_entries", "invoices"}
    kinds = seen.groupby("client_id")["kind"].agg(frozenset) if set(seen["kind"]) >= both else []
    if set().union(*kinds) >= both:
        for kind, label in (
            ("time_entries", "time exports only"),
            ("invoices", "invoice exports only"),
        ):
            alone = kinds.index[kinds.map(lambda k, kind=kind: k == {kind}).to_numpy()]
            if len(alone):
                names = clients.set_index("client_id").loc[alone, "name"].tolist()
                notes.append(
                    f"{len(names)} client(s) found in {label}, matched with no name "
                    "in the other exports (map them in --clients if they are the same "
                    "client): " + _listing(names)
                )
    lookup = dict(zip(seen["name"], seen["client_id"], strict=True))
    return clients, lookup, notes


def _listing(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
