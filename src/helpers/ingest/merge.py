"""Merging the parts of several exports into one validated canonical book.

Order of work: drop entries repeated across overlapping exports of the same tool (listed in the
ledger), fill paid dates, assign client ids, then validate every table with the canonical
rules of :mod:`helpers.book.validate` (time entries per distinct value, so a million rows stay
cheap). Every file row ends up in the book or in the ledger with its file and row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import union_categoricals

from helpers.book.load import Book, reference_rules, with_base_amounts
from helpers.book.schema import LEDGER_COLUMNS, LOAD_ORDER, TABLES, Table
from helpers.book.validate import RowChecks, coerce_column, empty_ledger, validate_table
from helpers.ingest import values
from helpers.ingest.clients import build_clients
from helpers.ingest.invoicing import NOTE_PAID_UNKNOWN
from helpers.ingest.part import (
    DETAIL,
    Part,
    Rejects,
    concat_ledgers,
    empty_notes,
    empty_part_ledger,
    ledger_frame,
    note_frame,
)

IMPORT_SOURCE = "(import)"
NOTE_REUSED = "invoice number re-used by another invoice: this one's id made unique"


@dataclass(frozen=True)
class Merged:
    """The book and, per part, what became of its rows (for the summary)."""

    book: Book
    ledger: pd.DataFrame  # with part_index, file_hours, file_amount, duplicate
    used: pd.DataFrame  # per part: rows, hours, amount (and unpaid money) in the book
    notes: tuple[str, ...]
    rows: pd.DataFrame  # every data row used: part, row (what is in the book)
    assumed: (
        pd.DataFrame
    )  # the notes on used rows (the book's ``notes``) with part_index, note_kind


def _tag(ledger: pd.DataFrame, part: int) -> pd.DataFrame:
    duplicate = ledger["duplicate"].fillna(False) if "duplicate" in ledger else False
    return ledger.assign(part_index=part, duplicate=duplicate)


# ----------------------------------------------------------------------------- duplicates


def _several_files_per_format(parts: list[Part]) -> list[list[int]]:
    """The positions of the parts of each export format read from two files or more: repeats
    across files (overlapping exports) are looked for among them only."""
    by_format: dict[str, list[int]] = {}
    for i, part in enumerate(parts):
        by_format.setdefault(part.format, []).append(i)
    return [members for members in by_format.values() if len(members) >= 2]


def _entry_key(frame: pd.DataFrame, common: set[str]) -> np.ndarray:
    columns = ["date", "client", "person", "hours", "billable", *sorted(common)]
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def _copies(frame: pd.DataFrame, repeat: np.ndarray, keys: list[str], row: str, members):
    """Per part of ``members`` with rows marked ``repeat`` (a later copy of an earlier row with
    the same ``keys``): the part, those rows, and where each row's kept copy is (its ``part`` and
    ``row``)."""
    firsts = frame.loc[~repeat].set_index(keys)[["part", row]]
    for i in members:
        mine = frame.loc[repeat & (frame["part"] == i).to_numpy()]
        if not mine.empty:
            yield i, mine, firsts.loc[pd.MultiIndex.from_frame(mine[keys])]


def drop_repeats(parts: list[Part], key_of) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Frames without the rows an earlier file of the same tool already had, and their ledger.

    Within one file nothing is dropped (two equal entries can be real); across files the n-th
    copy of an entry is dropped when an earlier file had at least n copies.
    """
    frames = [p.frame for p in parts]
    ledgers = [empty_part_ledger() for _ in parts]
    for members in _several_files_per_format(parts):
        keyed = []
        common = set.intersection(
            *({c for c in frames[i].columns if c.startswith(DETAIL)} for i in members)
        )
        for i in members:
            key = key_of(frames[i], common)
            occurrence = pd.Series(key).groupby(key).cumcount().to_numpy()
            keyed.append(
                pd.DataFrame(
                    {
                        "key": key,
                        "n": occurrence,
                        "part": i,
                        "pos": np.arange(len(key)),
                        "row": frames[i]["file_row"].to_numpy(),
                    }
                )
            )
        allrows = pd.concat(keyed, ignore_index=True)
        repeat = allrows.duplicated(["key", "n"], keep="first").to_numpy()
        for i, mine, origin in _copies(allrows, repeat, ["key", "n"], "row", members):
            where = [
                f"{parts[p].file} row {r}"
                for p, r in zip(origin["part"], origin["row"], strict=True)
            ]
            dropped = frames[i].iloc[mine["pos"].to_numpy()]
            ledgers[i] = ledger_frame(
                table=parts[i].table,
                file=parts[i].file,
                rows=mine["row"].to_numpy(),
                column="",
                value="",
                reason=np.array(
                    [f"duplicate: same entry as {w} (overlapping exports)" for w in where],
                    dtype=object,
                ),
                hours=dropped["file_hours"].to_numpy() if "file_hours" in dropped else np.nan,
                amount=dropped["file_amount"].to_numpy(),
            )
            keep = np.ones(len(frames[i]), dtype=bool)
            keep[mine["pos"].to_numpy()] = False
            frames[i] = frames[i].loc[keep].reset_index(drop=True)
    return frames, ledgers


# ----------------------------------------------------------------------------- invoices


def invoice_part(part: Part) -> Part:
    """An invoice part with the group columns and ``lines`` (canonical workbooks lack them:
    one row, one invoice)."""
    if part.lines is not None:
        return part
    frame = part.frame
    groups = np.arange(len(frame))
    frame = frame.assign(
        invoice_group=groups,
        base_id=frame["invoice_id"],
        id_suffix="",
        file_number=frame["invoice_id"],
        export_as_of="",
        identity=pd.util.hash_pandas_object(
            frame[["invoice_id", "client", "issue_date", "due_date", "amount", "currency"]],
            index=False,
        ).to_numpy(),
    )
    lines = pd.DataFrame(
        {
            "row": frame["file_row"].to_numpy(dtype="int64"),
            "money": frame["file_amount"].to_numpy(dtype=float),
            "open": np.nan,
            "inv": groups,
            "adjustment": False,
        }
    )
    return replace(
        part, frame=frame, lines=lines, extra={"number_column": "invoice_id", **part.extra}
    )


def drop_repeated_invoices(parts: list[Part]) -> tuple[list[pd.DataFrame], list[dict]]:
    """Frames without the invoices an earlier file of the same tool already had.

    An invoice is the same when its number, client, dates, amount and currency are (its open
    balance may have moved between the two exports: the copy from the export with the latest
    report date is kept, else the first file's). Within one file nothing is dropped here (rows
    repeating every field were dropped by the conversion); across files the n-th copy of an
    invoice is dropped when another file had at least n copies.
    Returns the frames and, per part, {group: reason} of the groups dropped.
    """
    frames = [p.frame for p in parts]
    dropped: list[dict] = [{} for _ in parts]
    for members in _several_files_per_format(parts):
        keyed = []
        for i in members:
            groups = frames[i].drop_duplicates("invoice_group")[
                ["invoice_group", "identity", "file_row"]
            ]
            keyed.append(
                groups.assign(
                    n=groups.groupby("identity").cumcount().to_numpy(), part=i
                ).reset_index(drop=True)
            )
        allgroups = pd.concat(keyed, ignore_index=True)
        # the copy kept is the one from the export with the latest report date (its open
        # balance knows the most), else the first file's
        as_of = np.array([parts[i].extra.get("as_of") or "" for i in allgroups["part"]])
        newest = allgroups.assign(as_of=as_of).sort_values("as_of", ascending=False, kind="stable")
        repeat = (
            newest.duplicated(["identity", "n"], keep="first").reindex(allgroups.index).to_numpy()
        )
        keys = ["identity", "n"]
        for i, mine, origin in _copies(allgroups, repeat, keys, "file_row", members):
            dropped[i] = {
                int(g): f"duplicate: the same invoice as {parts[p].file} row {r} "
                "(overlapping exports)"
                for g, p, r in zip(
                    mine["invoice_group"], origin["part"], origin["file_row"], strict=True
                )
            }
            frames[i] = frames[i].loc[~frames[i]["invoice_group"].isin(list(dropped[i]))]
            frames[i] = frames[i].reset_index(drop=True)
    return frames, dropped


def unique_ids(parts: list[Part], frames: list[pd.DataFrame]) -> tuple[list, pd.DataFrame]:
    """Invoice ids made unique across the import: the first invoice with a number keeps it, a
    later *different* invoice with the same number (a re-used number) gets ``N (2)``, with a
    note. Ids of parts (``N (paid part)``) follow their invoice's."""
    if not frames:
        return frames, pd.DataFrame()
    groups = pd.concat(
        [
            f.drop_duplicates("invoice_group")[["invoice_group", "base_id", "file_row"]].assign(
                part=k
            )
            for k, f in enumerate(frames)
        ],
        ignore_index=True,
    )
    taken = set(groups["base_id"])
    nth = groups.groupby("base_id", sort=False).cumcount().to_numpy()
    later = groups.loc[nth > 0]
    renamed = {}
    notes = []
    if len(later):
        heads = groups.loc[nth == 0]
        first = dict(
            zip(heads["base_id"], zip(heads["part"], heads["file_row"], strict=True), strict=True)
        )
        for k, g, base, row, n in zip(
            later["part"],
            later["invoice_group"],
            later["base_id"],
            later["file_row"],
            nth[nth > 0] + 1,
            strict=True,
        ):
            while f"{base} ({n})" in taken:
                n += 1
            new = f"{base} ({n})"
            taken.add(new)
            renamed[(k, g)] = new
            origin_part, origin_row = first[base]
            notes.append(
                {
                    "table": "invoices",
                    "source_file": parts[k].file,
                    "row": row,
                    "column": parts[k].extra.get("number_column", "invoice_id"),
                    "value": new,
                    "reason": NOTE_REUSED
                    + f" (first at {parts[origin_part].file} row {origin_row})",
                    "note_kind": NOTE_REUSED,
                    "invoice_group": g,
                    "part_index": k,
                }
            )
    out = []
    for k, frame in enumerate(frames):
        mine = {g: new for (p, g), new in renamed.items() if p == k}
        new_base = frame["base_id"].astype(object)
        if mine:
            new_base = frame["invoice_group"].map(mine).fillna(new_base).astype(object)
        out.append(frame.assign(invoice_id=new_base + frame["id_suffix"], base_id=new_base))
    return out, pd.DataFrame(notes)


def fill_paid_dates(
    frame: pd.DataFrame, file: str, paid: pd.DataFrame | None, table: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paid invoices without a date: from the payments file, else the due date (with a note).

    A report's open balances are at a date (``export_as_of``): what was paid by then was paid on or
    before it, so the due date is taken only up to that date.
    """
    unknown = frame["paid_unknown"].to_numpy(dtype=bool)
    if not unknown.any():
        return frame, empty_notes()
    found = (
        frame["base_id"].map(paid.set_index("invoice_id")["paid_date"])  # N (paid part) too
        if paid is not None and len(paid)
        else pd.Series(None, index=frame.index)
    )
    from_payments = unknown & found.notna().to_numpy()
    still = unknown & ~from_payments
    cap = frame["export_as_of"].where(frame["export_as_of"].ne(""), frame["due_date"])
    due = frame["due_date"].where(frame["due_date"] <= cap, cap)
    filled = frame["paid_date"].mask(from_payments, found).mask(still, due)
    notes = note_frame(
        table=table,
        file=file,
        rows=frame["file_row"].to_numpy()[still],
        column="paid_date",
        value=frame["invoice_id"].to_numpy()[still],
        reason=NOTE_PAID_UNKNOWN
        + " (or the report's date when that is earlier), so lateness cannot be measured for "
        "this invoice (pass --payments to give it)",
        kind=NOTE_PAID_UNKNOWN,
        inv=frame["invoice_group"].to_numpy()[still],
    )
    return frame.assign(paid_date=filled), notes


def _line_ledger(part: Part, left_out: dict, *, duplicate: bool = False) -> pd.DataFrame:
    """Ledger rows for every line of the groups ``left_out`` ({group: (column, value, reason)}),
    payments applied to them included."""
    if not left_out:
        return empty_part_ledger()
    lines = part.lines.loc[part.lines["inv"].isin(list(left_out))]
    found = [left_out[g] for g in lines["inv"]]
    return ledger_frame(
        table="invoices",
        file=part.file,
        rows=lines["row"].to_numpy(),
        column=np.array([f[0] for f in found], dtype=object),
        value=np.array([f[1] for f in found], dtype=object),
        reason=np.array([f[2] for f in found], dtype=object),
        amount=lines["money"].to_numpy(),
    ).assign(duplicate=duplicate)


# ----------------------------------------------------------------------------- validation


def validate_coded(frame: pd.DataFrame, table: Table) -> tuple[pd.DataFrame, Rejects]:
    """Typed columns and the failing rows (first failing column each), per distinct value.

    Every time-entry rule is about one value, so :func:`helpers.book.validate.coerce_column` (the
    canonical rules) runs on each column's distinct values and the verdicts are broadcast to
    the rows, in column order like ``validate_table``.
    """
    failures = Rejects(len(frame))
    typed = {}
    for col in table.columns:
        codes, uniques = values.coded(frame[col.name])
        raw = pd.DataFrame({col.name: uniques.astype(str)})
        checks = RowChecks(raw)
        typed_unique = coerce_column(raw[col.name], col, checks, None)
        typed[col.name] = _broadcast(typed_unique.where(checks.ok), codes, col.kind)
        if not checks.ok.all():
            row_reason = checks.reason.to_numpy(dtype=object)[codes]
            failures.fail(
                pd.notna(row_reason), col.name, row_reason, uniques.to_numpy(dtype=object)[codes]
            )
    out = pd.DataFrame(typed, copy=False)  # fresh arrays: no need to copy them again
    kinds = {"date": "datetime64[ns]", "number": "float64"}
    out = out.astype({c.name: kinds[c.kind] for c in table.columns if c.kind in kinds})
    return out, failures


def _broadcast(unique: pd.Series, codes: np.ndarray, kind: str):
    """Per-row values from per-distinct-value ones (text through Arrow: no Python objects)."""
    if kind == "str":
        texts = pa.array(unique.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        return texts.take(pa.array(codes)).to_pandas()
    return unique.to_numpy()[codes]


def _concat_coded(frames: list[pd.DataFrame], columns) -> pd.DataFrame:
    """Time frames concatenated, categorical columns kept categorical."""
    if len(frames) == 1:
        return frames[0]
    out = {}
    for name in columns:
        pieces = [f[name] for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
            out[name] = pd.Series(union_categoricals([p.array for p in pieces]))
        else:
            out[name] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(out)


def _time_entries(
    parts, frames, lookup, accepted_clients
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Typed time entries, their ledger, and the part and file row of each accepted row."""
    columns = [
        "date",
        "client",
        "person",
        "hours",
        "billable",
        "file_row",
        "file_hours",
        "file_amount",
        "file_currency",
    ]
    tagged = [
        (f if "file_currency" in f else f.assign(file_currency="")).loc[:, columns] for f in frames
    ]
    if not tagged:
        empty = pd.DataFrame(
            {c.name: pd.Series(dtype="object") for c in TABLES["time_entries"].columns}
        ).assign(file_currency=pd.Series(dtype="object"))
        return (
            validate_table(empty, TABLES["time_entries"], source="", rows=np.zeros(0))[0],
            empty_part_ledger().assign(part_index=0, duplicate=False),
            np.zeros(0, dtype=int),
            np.zeros(0, dtype="int64"),
        )
    part_of = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)])
    merged = _concat_coded(tagged, columns)
    client_id = values.recode(merged["client"], lambda u: _client_ids(u, lookup))
    text = pd.DataFrame(
        {
            "date": merged["date"],
            "client_id": client_id,
            "person": merged["person"],
            "hours": merged["hours"],
            "billable": merged["billable"],
        }
    )
    typed, failures = validate_coded(text, _TIME_TEXT)
    typed = typed.assign(  # checked by the importer (numbers >= 0); converted by the merge
        billable_amount=merged["file_amount"].to_numpy(dtype=float),
        file_currency=merged["file_currency"],
    )
    id_codes, ids = values.coded(text["client_id"])
    known = ids.isin(list(accepted_clients)).to_numpy()
    if not known.all():  # per distinct id first: most books reject no client
        unknown = ~known[id_codes]
        failures.fail(
            unknown,
            "client_id",
            "client rejected in the clients table (see its ledger row)",
            ids.to_numpy(dtype=object)[id_codes] if unknown.any() else None,
        )
    ok = failures.ok
    if ok.all():
        ledger = empty_part_ledger().assign(part_index=0, duplicate=False)
    else:
        files = np.array([p.file for p in parts], dtype=object)
        ledger = ledger_frame(
            table="time_entries",
            file=files[part_of[~ok]],
            rows=merged["file_row"].to_numpy()[~ok],
            column=failures.column[~ok],
            value=failures.value[~ok],
            reason=failures.reason[~ok],
            hours=merged["file_hours"].to_numpy()[~ok],
            amount=merged["file_amount"].to_numpy()[~ok],
        ).assign(part_index=part_of[~ok], duplicate=False)
    entries = typed.loc[ok].reset_index(drop=True) if not ok.all() else typed
    entries = entries.assign(billable=entries["billable"].astype(object))
    file_rows = merged["file_row"].to_numpy(dtype="int64")
    if ok.all():
        return entries, ledger, part_of, file_rows
    return entries, ledger, part_of[ok], file_rows[ok]


#: The time-entry columns validated per distinct value (the billable amount arrives as a number).
_TIME_TEXT = Table(
    "time_entries",
    tuple(c for c in TABLES["time_entries"].columns if c.name != "billable_amount"),
)


def billable_in_base(
    entries: pd.DataFrame, fx: pd.DataFrame, base_currency: str
) -> tuple[pd.DataFrame, list[str]]:
    """Time entries with ``billable_amount`` in the base currency (from the file's currency
    in ``file_currency``), converted like invoices: the fx rate on or before the entry's date.
    An amount in a currency without a rate is left blank, and a note says how many."""
    given = (
        entries["file_currency"]
        if "file_currency" in entries
        else pd.Series("", index=entries.index)
    )
    currency = given.astype(object).fillna("").astype(str).str.upper()
    amount = entries["billable_amount"].to_numpy(dtype=float)
    foreign = (currency.ne("") & currency.ne(base_currency.upper())).to_numpy() & ~np.isnan(amount)
    notes = []
    if foreign.any():
        rows = pd.DataFrame(
            {
                "currency": currency[foreign].to_numpy(),
                "issue_date": entries["date"].to_numpy()[foreign],
                "amount": amount[foreign],
            }
        )
        converted = (
            with_base_amounts(rows, fx, base_currency)["amount_base"].to_numpy(dtype=float)
            if len(fx)
            else np.full(len(rows), np.nan)  # no rate for any currency
        )
        amount = amount.copy()
        amount[foreign] = converted
        missing = rows.loc[np.isnan(converted), "currency"].value_counts()
        notes = [
            f"{count} billable amount(s) in {code} left blank: no fx rate for {code} "
            f"(base {base_currency}; add the rate to the fx table)"
            for code, count in missing.items()
        ]
    out = entries.drop(columns="file_currency", errors="ignore")
    return out.assign(billable_amount=amount), notes


def _validate_small(
    frame: pd.DataFrame,
    name: str,
    *,
    files: np.ndarray,
    rows: np.ndarray,
    parts: np.ndarray,
    extra=None,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """validate_table on a small merged table; ledger rows point back to each file and row."""
    position = np.arange(len(frame))
    clean, ledger = validate_table(
        frame.reset_index(drop=True), TABLES[name], source="", rows=position, extra=extra
    )
    where = ledger["row"].to_numpy(dtype=int)

    def first_at(match: re.Match) -> str:
        p = int(match.group(1))
        return f"first at {files[p]} row {rows[p]}"

    ledger = ledger.assign(
        source_file=files[where],
        row=rows[where],
        reason=ledger["reason"]
        .astype(str)
        .str.replace(r"first at row (\d+)", first_at, regex=True),
        part_index=parts[where],
        duplicate=False,
        file_hours=np.nan,
        file_amount=pd.to_numeric(frame["amount"], errors="coerce").to_numpy()[where]
        if "amount" in frame
        else np.nan,
    )
    kept = np.setdiff1d(position, where)
    return clean, ledger, parts[kept]


# ----------------------------------------------------------------------------- public


def merge_parts(
    parts: list[Part],
    *,
    mapping: pd.DataFrame | None,
    paid: pd.DataFrame | None,
    base_currency: str,
    books: list[tuple[str, Book]] = (),
) -> Merged:
    """One validated book from the parts (and canonical books) of an import."""
    parts = [invoice_part(p) if p.table == "invoices" else p for p in parts]
    time_idx = [i for i, p in enumerate(parts) if p.table == "time_entries"]
    inv_idx = [i for i, p in enumerate(parts) if p.table == "invoices"]
    ledgers = [_tag(p.ledger, i) for i, p in enumerate(parts)]
    assumed = [p.assumed.assign(part_index=i) for i, p in enumerate(parts) if p.assumed is not None]
    time_frames, dup = drop_repeats([parts[i] for i in time_idx], _entry_key)
    ledgers += [_tag(d, i).assign(duplicate=True) for i, d in zip(time_idx, dup, strict=True)]
    inv_frames, dropped = drop_repeated_invoices([parts[i] for i in inv_idx])
    left_out = {
        i: {g: ("", "", r) for g, r in d.items()} for i, d in zip(inv_idx, dropped, strict=True)
    }
    ledgers += [_tag(_line_ledger(parts[i], left_out[i], duplicate=True), i) for i in inv_idx]
    inv_frames, reused = unique_ids([parts[i] for i in inv_idx], inv_frames)
    if len(reused):
        assumed.append(
            reused.assign(part_index=np.asarray(inv_idx)[reused["part_index"].to_numpy()])
        )
    filled = []
    for i, frame in zip(inv_idx, inv_frames, strict=True):
        frame, notes = fill_paid_dates(frame, parts[i].file, paid, "invoices")
        filled.append(frame)
        assumed.append(notes.assign(part_index=i))
    inv_frames = filled

    mapping = _with_book_clients(mapping, books)
    clients_text, lookup, notes = build_clients(
        _names_seen(parts, time_idx, time_frames, inv_idx, inv_frames), mapping
    )
    n_clients = len(clients_text)
    clients, client_ledger, _ = _validate_small(
        clients_text,
        "clients",
        files=np.full(n_clients, IMPORT_SOURCE, dtype=object),
        rows=np.arange(n_clients) + 2,
        parts=np.full(n_clients, -1),
    )
    ledgers.append(client_ledger)

    entries, time_ledger, time_parts, time_rows = _time_entries(
        [parts[i] for i in time_idx], time_frames, lookup, set(clients["client_id"])
    )
    fx = _book_table(books, "fx")
    entries, money_notes = billable_in_base(entries, fx, base_currency)
    ledgers.append(
        time_ledger.assign(
            part_index=np.asarray(time_idx)[time_ledger["part_index"]] if len(time_ledger) else -1
        )
    )
    time_parts = np.asarray(time_idx)[time_parts] if len(time_parts) else time_parts

    invoices, failed, invoice_parts, invoice_groups = _invoices(
        parts, inv_idx, inv_frames, lookup, clients, fx, base_currency
    )
    ledgers += [_tag(_line_ledger(parts[i], g), i) for i, g in failed.items()]
    people, people_ledger = _people(parts, books)
    ledgers.append(people_ledger)

    ledger = concat_ledgers(ledgers)
    ledger = ledger.assign(
        part_index=ledger.get("part_index", -1), duplicate=ledger.get("duplicate", False)
    )
    ledger = ledger.assign(
        part_index=ledger["part_index"].fillna(-1).astype(int),
        duplicate=ledger["duplicate"].fillna(False).astype(bool),
    )
    rows = _rows_used(parts, inv_idx, invoice_parts, invoice_groups, time_parts, time_rows)
    notes_used = _notes_on(pd.concat([empty_notes(), *assumed], ignore_index=True), rows)
    invoices = with_base_amounts(invoices, fx, base_currency)
    tables = {
        "clients": clients,
        "people": people,
        "fx": fx,
        "time_entries": entries,
        "invoices": invoices,
        "events": _book_table(books, "events"),
        "assessments": _book_table(books, "assessments"),
        "decisions": _book_table(books, "decisions"),
    }
    public = ledger.loc[:, list(LEDGER_COLUMNS)]
    book_rejects = [b.rejects for _, b in books]
    rejects = pd.concat([empty_ledger(), public, *book_rejects], ignore_index=True)
    rejected = rejects.groupby("table").size()
    rows_read = {t: len(tables[t]) + int(rejected.get(t, 0)) for t in LOAD_ORDER}
    book = Book(
        **tables,
        rejects=rejects.astype({"row": "int64"}),
        rows_read=MappingProxyType(rows_read),
        source=IMPORT_SOURCE,
        base_currency=base_currency,
        notes=notes_used.loc[:, list(LEDGER_COLUMNS)].reset_index(drop=True),
    )
    used = _used(parts, time_parts, entries["hours"].to_numpy(), invoice_parts, invoices, rows)
    book_notes = [
        f"canonical workbook {name}: {len(b.time_entries)} time entries, {len(b.invoices)} invoices"
        for name, b in books
    ]
    return Merged(
        book=book,
        ledger=ledger,
        used=used,
        notes=(*notes, *book_notes, *money_notes),
        rows=rows,
        assumed=notes_used,
    )


def _rows_used(parts, inv_idx, invoice_parts, invoice_groups, time_parts, time_rows):
    """(part, row) of every data row in the book: time entries accepted, and the lines of
    invoices accepted (payments applied to them included)."""
    frames = [pd.DataFrame({"part": np.asarray(time_parts, dtype="int64"), "row": time_rows})]
    accepted = pd.DataFrame({"part": invoice_parts, "inv": invoice_groups}).drop_duplicates()
    for i in inv_idx:
        groups = accepted.loc[accepted["part"].eq(i), "inv"].to_numpy()
        lines = parts[i].lines
        mine = lines.loc[lines["inv"].isin(groups), "row"].to_numpy(dtype="int64")
        frames.append(pd.DataFrame({"part": i, "row": mine}))
    return pd.concat(frames, ignore_index=True)


def _notes_on(notes: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The notes about rows that are in the book (a row left out has its reason instead)."""
    if notes.empty:
        return notes.assign(part_index=pd.Series(dtype="int64"))
    notes = notes.assign(
        part_index=notes["part_index"].astype("int64"), row=notes["row"].astype("int64")
    )
    used = pd.MultiIndex.from_frame(rows[["part", "row"]])
    keep = pd.MultiIndex.from_frame(notes[["part_index", "row"]]).isin(used)
    return notes.loc[keep].sort_values(["part_index", "row"], kind="stable").reset_index(drop=True)


def _used(parts, time_parts, hours, invoice_parts, invoices, rows) -> pd.DataFrame:
    """Per part: data rows in the book, their hours, money and the money still unpaid at the
    report's date (money = the book's invoices plus payments applied to them)."""
    n = len(parts)
    time_parts = np.asarray(time_parts, dtype=int)
    invoice_parts = np.asarray(invoice_parts, dtype=int)
    amounts = invoices["amount"].to_numpy(dtype=float)
    applied = np.zeros(n)
    unpaid = np.zeros(n)
    for i, part in enumerate(parts):
        if part.table != "invoices":
            continue
        lines = part.lines
        used_rows = rows.loc[rows["part"].eq(i), "row"]
        adjust = lines.loc[lines["adjustment"] & lines["row"].isin(used_rows), "money"]
        applied[i] = adjust.sum()
        as_of = pd.Timestamp(part.extra["as_of"]) if part.extra.get("as_of") else pd.NaT
        mine = invoices.loc[invoice_parts == i]
        open_ = mine["paid_date"].isna() | (
            (mine["paid_date"] > as_of) if pd.notna(as_of) else False
        )
        unpaid[i] = mine.loc[open_, "amount"].sum()
    return pd.DataFrame(
        {
            "rows": np.bincount(rows["part"].to_numpy(dtype=int), minlength=n),
            "hours": np.bincount(time_parts, weights=hours, minlength=n),
            "amount": np.bincount(invoice_parts, weights=amounts, minlength=n) + applied,
            "applied": applied,
            "unpaid": unpaid,
        }
    )


def _invoices(parts, inv_idx, inv_frames, lookup, clients, fx, base_currency):
    """Validated invoices; the groups failing (any of their parts) with their first reason."""
    columns = [c.name for c in TABLES["invoices"].columns]
    if not inv_frames or not sum(len(f) for f in inv_frames):
        return empty_table("invoices"), {}, np.zeros(0, int), np.zeros(0, int)
    merged = pd.concat(
        [f.assign(part_index=i) for i, f in zip(inv_idx, inv_frames, strict=True)],
        ignore_index=True,
    )
    text = merged.assign(client_id=_client_ids(merged["client"], lookup))[columns]
    loaded = {"clients": clients, "fx": fx}
    position = np.arange(len(text))
    clean, ledger = validate_table(
        text,
        TABLES["invoices"],
        source="",
        rows=position,
        extra=reference_rules("invoices", loaded, base_currency),
    )
    failed = ledger["row"].to_numpy(dtype=int)
    left_out: dict[int, dict] = {}
    for where, column, value, reason in zip(
        failed, ledger["column"], ledger["value"], ledger["reason"], strict=True
    ):
        part, group = (
            int(merged["part_index"].iloc[where]),
            int(merged["invoice_group"].iloc[where]),
        )
        left_out.setdefault(part, {}).setdefault(group, (column, value, reason))
    kept = np.setdiff1d(position, failed)
    # a group whose other part passed is left out whole (its lines cannot be both)
    whole = np.array(
        [
            int(g) not in left_out.get(int(p), {})
            for p, g in zip(
                merged["part_index"].to_numpy()[kept],
                merged["invoice_group"].to_numpy()[kept],
                strict=True,
            )
        ],
        dtype=bool,
    )
    clean = clean.loc[whole].reset_index(drop=True)
    kept = kept[whole]
    return (
        clean,
        left_out,
        merged["part_index"].to_numpy()[kept],
        merged["invoice_group"].to_numpy()[kept],
    )


def _client_ids(names: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """The client_id of each raw name ('' for a name without one)."""
    return pd.Series([lookup.get(n, "") for n in names], index=names.index, dtype=object)


def _names_seen(parts, time_idx, time_frames, inv_idx, inv_frames) -> pd.DataFrame:
    """Each raw client name per kind of export, with its row count and first date."""
    seen = []
    for frame in time_frames:
        codes, names = values.coded(frame["client"])
        date_codes, days = values.coded(frame["date"])
        ranks = days.rank(method="dense").to_numpy()  # ISO sorts as dates
        first_rank = _smallest_per_code(codes, date_codes, np.nan_to_num(ranks), len(names))
        by_rank = pd.Series(days.to_numpy(), index=ranks)
        by_rank = by_rank[~by_rank.index.duplicated()]
        firsts = first_rank.map(by_rank).reindex(range(len(names))).fillna("")
        counts = np.bincount(codes, minlength=len(names))
        seen.append(
            pd.DataFrame(
                {"name": names, "kind": "time_entries", "rows": counts, "first": firsts.to_numpy()}
            )
        )
    for frame in inv_frames:
        grouped = frame.groupby("client")
        seen.append(
            pd.DataFrame(
                {
                    "name": grouped.size().index,
                    "kind": "invoices",
                    "rows": grouped.size().to_numpy(),
                    "first": grouped["issue_date"].min().to_numpy(),
                }
            )
        )
    if not seen:
        return pd.DataFrame({"name": pd.Series(dtype=object), "kind": "", "rows": 0, "first": ""})
    out = pd.concat(seen, ignore_index=True)
    out = out.assign(first=out["first"].fillna("").astype(str))
    return out.loc[out["name"].astype(str).str.strip().ne("")]


def _smallest_per_code(
    codes: np.ndarray, value_codes: np.ndarray, values_: np.ndarray, n: int
) -> pd.Series:
    """The smallest of ``values_[value_codes]`` per code (codes without rows left out).

    Few names times few distinct values (the usual export): mark which pairs occur, one
    counting pass over the rows, and take the minimum over the small pairs table.
    """
    n_values = len(values_)
    if not len(codes) or n * n_values > 1 << 22:
        return pd.Series(values_[value_codes]).groupby(codes).min()
    pair = codes.astype(np.int64) * n_values + value_codes
    present = np.bincount(pair, minlength=n * n_values).reshape(n, n_values) > 0
    smallest = np.where(present, values_, np.inf).min(axis=1)
    has = present.any(axis=1)
    return pd.Series(smallest[has], index=np.flatnonzero(has))


def _with_book_clients(mapping, books) -> pd.DataFrame | None:
    """Canonical workbooks' clients join the mapping (their ids and fields win over slugs)."""
    from helpers.ingest.clients import normalise

    extra = []
    for _, book in books:
        clients = book.clients.assign(since=book.clients["since"].dt.strftime("%Y-%m-%d"))
        extra.append(
            clients.astype(object).fillna("").astype(str).assign(key=lambda d: normalise(d["name"]))
        )
    if not extra:
        return mapping
    frames = ([mapping] if mapping is not None else []) + extra
    return pd.concat(frames, ignore_index=True).fillna("")


def empty_table(name: str) -> pd.DataFrame:
    """A table with no rows and the typed columns load_book gives."""
    kinds = {"date": "datetime64[ns]", "number": "float64"}
    return pd.DataFrame(
        {c.name: pd.Series(dtype=kinds.get(c.kind, "object")) for c in TABLES[name].columns}
    )


def _book_table(books, name: str) -> pd.DataFrame:
    """A table from the canonical workbooks (empty with the right columns when none)."""
    frames = [b.table(name) for _, b in books if len(b.table(name))]
    if frames:
        return pd.concat(frames, ignore_index=True)
    clean = empty_table(name)
    if name == "events":
        clean = clean.assign(caused_by=pd.Series(dtype=object))
    return clean


def _people(parts, books) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each person's latest cost rate from the exports that give one (and canonical books)."""
    found = [p.people.assign(source_file=p.file) for p in parts if p.people is not None]
    found += [b.people.assign(date="", source_file=name) for name, b in books if len(b.people)]
    if not found:
        return _book_table([], "people"), empty_part_ledger().assign(part_index=-1, duplicate=False)
    latest = (
        pd.concat(found, ignore_index=True)
        .assign(date=lambda d: d["date"].fillna("").astype(str))
        .sort_values("date", kind="stable")
        .drop_duplicates("person", keep="last")
        .reset_index(drop=True)
    )
    text = latest.assign(cost_rate=latest["cost_rate"].astype(str))[["person", "cost_rate"]]
    clean, ledger, _ = _validate_small(
        text,
        "people",
        files=latest["source_file"].to_numpy(dtype=object),
        rows=np.zeros(len(latest), dtype=int),
        parts=np.full(len(latest), -1),
    )
    return clean, ledger
