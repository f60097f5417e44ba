"""Bill rates for time exports without amounts (``pumpkin import --bill-rates FILE``).

A Toggl export without rates (or Clockify's ``0.00`` when no rate is set) leaves the book without
revenue. A small CSV of hourly rates values the billable hours instead::

    client,person,rate
    Acme Widgets,,150          # every billable hour for Acme
    ,Ann Lee,120               # Ann's billable hours for any other client
    Acme Widgets,Ann Lee,180   # Ann's hours for Acme (the most specific row wins)

Rates are in the base currency. Clients are matched like exports' names (case, punctuation and
legal suffixes ignored) or by ``client_id``; people by name, case and spaces ignored. Only
billable entries without an amount (blank or 0) are valued; amounts from the export stay.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import BookError
from helpers.ingest.clients import normalise
from helpers.ingest.read import read_side_csv

RATE_COLUMNS = ("rate", "hourly_rate", "bill_rate", "billable_rate")


def read_bill_rates(path: str | Path) -> pd.DataFrame:
    """The rates file as ``client``, ``person``, ``rate`` and ``row`` (its spreadsheet row);
    a rate that is not a number >= 0, or a row naming neither client nor person, stops with one
    line naming the file, row and column."""
    path = Path(path)
    frame = read_side_csv(
        path,
        missing="bill rates file not found",
        unreadable="cannot be read as a CSV of bill rates",
    )
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    rate_column = next((c for c in RATE_COLUMNS if c in frame.columns), None)
    keys = [c for c in ("client", "person") if c in frame.columns]
    if rate_column is None or not keys:
        raise BookError(
            "bill rates need a 'client' and/or 'person' column and a 'rate' column "
            f"(found: {', '.join(frame.columns) or 'none'})",
            file=path,
            column=rate_column or "client",
        )
    frame = frame.apply(lambda s: s.str.strip())
    out = pd.DataFrame(
        {
            "client": frame.get("client", ""),
            "person": frame.get("person", ""),
            "rate": pd.to_numeric(frame[rate_column], errors="coerce"),
            "row": np.arange(len(frame)) + 2,
        }
    )
    bad = out["rate"].isna() | (out["rate"] < 0)
    if bad.any():
        first = out.index[bad][0]
        raise BookError(
            f"not an hourly rate >= 0: {frame.at[first, rate_column]!r}",
            file=path,
            row=int(out.at[first, "row"]),
            column=rate_column,
        )
    unnamed = out["client"].eq("") & out["person"].eq("")
    if unnamed.any():
        raise BookError(
            "a rate needs a client or a person", file=path, row=int(out.loc[unnamed, "row"].iloc[0])
        )
    return out


def _person_key(names: pd.Series) -> pd.Series:
    return names.fillna("").astype(str).str.split().str.join(" ").str.casefold()


def with_bill_rates(book, rates: pd.DataFrame):
    """``(book, notes)``: the book's billable entries without an amount valued at
    hours x the most specific matching rate (client and person, then client, then person)."""
    clients = book.clients
    by_name = dict(zip(normalise(clients["name"]), clients["client_id"], strict=True))
    ids = set(clients["client_id"])
    client_id = rates["client"].map(
        lambda c: "" if c == "" else (c if c in ids else by_name.get(normalise(pd.Series([c]))[0]))
    )
    rates = rates.assign(client_id=client_id, person_key=_person_key(rates["person"]))
    unmatched = rates.loc[rates["client_id"].isna(), "client"].tolist()
    rates = rates.loc[rates["client_id"].notna()]

    entries = book.time_entries
    person = _person_key(entries["person"])
    rate = pd.Series(np.nan, index=entries.index)
    for with_client, with_person in ((True, True), (True, False), (False, True)):
        chosen = rates.loc[
            rates["client_id"].ne("").eq(with_client) & rates["person_key"].ne("").eq(with_person)
        ].drop_duplicates(["client_id", "person_key"], keep="last")
        if chosen.empty:
            continue
        key = (
            (entries["client_id"] if with_client else "") + "\x1f" + (person if with_person else "")
        )
        table = chosen.set_index(chosen["client_id"] + "\x1f" + chosen["person_key"])["rate"]
        rate = rate.fillna(key.map(table))

    current = entries.get("billable_amount", np.nan)
    amount = pd.Series(current, index=entries.index, dtype="float64")
    billable = entries["billable"].fillna(True).astype(bool)
    wanted = billable & (amount.isna() | amount.eq(0))
    valued = wanted & rate.notna()
    amount = amount.mask(valued, entries["hours"] * rate)
    notes = [
        f"bill rates valued {int(valued.sum())} billable entries "
        f"({entries.loc[valued, 'hours'].sum():,.2f} h, {amount[valued].sum():,.2f} "
        f"{book.base_currency})"
    ]
    if (left := int((wanted & ~valued).sum())) > 0:
        notes.append(f"{left} billable entries match no bill rate and have no amount")
    if unmatched:
        notes.append(
            f"{len(unmatched)} client(s) in the bill rates match no client of the book: "
            + ", ".join(f"'{c}'" for c in unmatched[:12])
        )
    entries = entries.assign(billable_amount=amount)
    return dataclasses.replace(book, time_entries=entries), notes
