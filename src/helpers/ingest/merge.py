"""Merging the parts of several exports into one validated canonical book.

Order of work: drop entries repeated across overlapping exports of the same tool (listed in the
ledger), fill paid dates, assign client ids, then validate every table with the canonical
rules of :mod:`helpers.book.validate` (time entries per distinct value, so a million rows stay
cheap). Every file row ends up in the book or in the ledger with its file and row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from helpers.ingest.part import Part, Rejects, concat_ledgers, empty_part_ledger, ledger_frame

IMPORT_SOURCE = "(import)"
KEPT = " (kept)"  # ledger table suffix for notes on rows that stay in the book


@dataclass(frozen=True)
class Merged:
    """The book and, per part, what became of its rows (for the summary)."""

    book: Book
    ledger: pd.DataFrame  # with _part, _hours, _amount, _duplicate
    used: pd.DataFrame  # per part: rows, hours, amount in the book
    notes: tuple[str, ...]


def _tag(ledger: pd.DataFrame, part: int) -> pd.DataFrame:
    return ledger.assign(_part=part, _duplicate=False)


# ----------------------------------------------------------------------------- duplicates


def _entry_key(frame: pd.DataFrame, common: set[str]) -> np.ndarray:
    columns = ["date", "client", "person", "hours", "billable", *sorted(common)]
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def drop_repeats(parts: list[Part], key_of) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Frames without the rows an earlier file of the same tool already had, and their ledger.

    Within one file nothing is dropped (two equal entries can be real); across files the n-th
    copy of an entry is dropped when an earlier file had at least n copies.
    """
    frames = [p.frame for p in parts]
    ledgers = [empty_part_ledger() for _ in parts]
    by_format: dict[str, list[int]] = {}
    for i, part in enumerate(parts):
        by_format.setdefault(part.format, []).append(i)
    for members in by_format.values():
        if len(members) < 2:
            continue
        keyed = []
        common = set.intersection(
            *({c for c in frames[i].columns if c.startswith("_detail ")} for i in members)
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
                        "row": frames[i]["_row"].to_numpy(),
                    }
                )
            )
        allrows = pd.concat(keyed, ignore_index=True)
        repeat = allrows.duplicated(["key", "n"], keep="first").to_numpy()
        firsts = allrows.loc[~repeat].set_index(["key", "n"])[["part", "row"]]
        for i in members:
            mine = allrows.loc[repeat & (allrows["part"] == i).to_numpy()]
            if mine.empty:
                continue
            origin = firsts.loc[pd.MultiIndex.from_frame(mine[["key", "n"]])]
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
                hours=dropped["_hours"].to_numpy() if "_hours" in dropped else np.nan,
                amount=dropped["_amount"].to_numpy(),
            )
            keep = np.ones(len(frames[i]), dtype=bool)
            keep[mine["pos"].to_numpy()] = False
            frames[i] = frames[i].loc[keep].reset_index(drop=True)
    return frames, ledgers


def _invoice_key(frame: pd.DataFrame, common: set[str]) -> np.ndarray:
    return pd.util.hash_pandas_object(frame["invoice_id"], index=False).to_numpy()


# ----------------------------------------------------------------------------- paid dates


def fill_paid_dates(
    frame: pd.DataFrame, file: str, paid: pd.DataFrame | None, table: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paid invoices without a date: from the payments file, else the due date (with a note)."""
    unknown = frame["_paid_unknown"].to_numpy(dtype=bool)
    if not unknown.any():
        return frame, empty_part_ledger()
    found = (
        frame["invoice_id"].map(paid.set_index("invoice_id")["paid_date"])
        if paid is not None and len(paid)
        else pd.Series(None, index=frame.index)
    )
    from_payments = unknown & found.notna().to_numpy()
    still = unknown & ~from_payments
    filled = frame["paid_date"].mask(from_payments, found).mask(still, frame["due_date"])
    notes = ledger_frame(
        table=table + KEPT,
        file=file,
        rows=frame["_row"].to_numpy()[still],
        column="paid_date",
        value=frame["invoice_id"].to_numpy()[still],
        reason="paid, but the export has no paid date: paid_date set to the due date, so "
        "lateness cannot be measured for this invoice (pass --payments to give it)",
        amount=0.0,
    )
    return frame.assign(paid_date=filled), notes


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
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Typed time entries, their ledger, and the part of each accepted row."""
    columns = [
        "date",
        "client",
        "person",
        "hours",
        "billable",
        "_row",
        "_hours",
        "_amount",
        "_currency",
    ]
    tagged = [(f if "_currency" in f else f.assign(_currency="")).loc[:, columns] for f in frames]
    if not tagged:
        empty = pd.DataFrame(
            {c.name: pd.Series(dtype="object") for c in TABLES["time_entries"].columns}
        ).assign(_currency=pd.Series(dtype="object"))
        return (
            validate_table(empty, TABLES["time_entries"], source="", rows=np.zeros(0))[0],
            empty_part_ledger().assign(_part=0, _duplicate=False),
            np.zeros(0, dtype=int),
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
        billable_amount=merged["_amount"].to_numpy(dtype=float), _currency=merged["_currency"]
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
        ledger = empty_part_ledger().assign(_part=0, _duplicate=False)
    else:
        files = np.array([p.file for p in parts], dtype=object)
        ledger = ledger_frame(
            table="time_entries",
            file=files[part_of[~ok]],
            rows=merged["_row"].to_numpy()[~ok],
            column=failures.column[~ok],
            value=failures.value[~ok],
            reason=failures.reason[~ok],
            hours=merged["_hours"].to_numpy()[~ok],
            amount=merged["_amount"].to_numpy()[~ok],
        ).assign(_part=part_of[~ok], _duplicate=False)
    entries = typed.loc[ok].reset_index(drop=True) if not ok.all() else typed
    entries = entries.assign(billable=entries["billable"].astype(object))
    return entries, ledger, part_of[ok] if not ok.all() else part_of


#: The time-entry columns validated per distinct value (the billable amount arrives as a number).
_TIME_TEXT = Table(
    "time_entries",
    tuple(c for c in TABLES["time_entries"].columns if c.name != "billable_amount"),
)


def billable_in_base(
    entries: pd.DataFrame, fx: pd.DataFrame, base_currency: str
) -> tuple[pd.DataFrame, list[str]]:
    """Time entries with ``billable_amount`` in the base currency (from the file's currency
    in ``_currency``), converted like invoices: the fx rate on or before the entry's date.
    An amount in a currency without a rate is left blank, and a note says how many."""
    given = entries["_currency"] if "_currency" in entries else pd.Series("", index=entries.index)
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
    out = entries.drop(columns="_currency", errors="ignore")
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
        _part=parts[where],
        _duplicate=False,
        _hours=np.nan,
        _amount=pd.to_numeric(frame["amount"], errors="coerce").to_numpy()[where]
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
    time_idx = [i for i, p in enumerate(parts) if p.table == "time_entries"]
    inv_idx = [i for i, p in enumerate(parts) if p.table == "invoices"]
    ledgers = [_tag(p.ledger, i) for i, p in enumerate(parts)]
    time_frames, dup = drop_repeats([parts[i] for i in time_idx], _entry_key)
    ledgers += [_tag(d, i).assign(_duplicate=True) for i, d in zip(time_idx, dup, strict=True)]
    inv_frames, dup = drop_repeats([parts[i] for i in inv_idx], _invoice_key)
    ledgers += [_tag(d, i).assign(_duplicate=True) for i, d in zip(inv_idx, dup, strict=True)]
    filled = []
    for i, frame in zip(inv_idx, inv_frames, strict=True):
        frame, notes = fill_paid_dates(frame, parts[i].file, paid, "invoices")
        filled.append(frame)
        ledgers.append(_tag(notes, i))
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

    entries, time_ledger, time_parts = _time_entries(
        [parts[i] for i in time_idx], time_frames, lookup, set(clients["client_id"])
    )
    fx = _book_table(books, "fx")
    entries, money_notes = billable_in_base(entries, fx, base_currency)
    ledgers.append(
        time_ledger.assign(
            _part=np.asarray(time_idx)[time_ledger["_part"]] if len(time_ledger) else -1
        )
    )
    time_parts = np.asarray(time_idx)[time_parts] if len(time_parts) else time_parts

    invoices, invoice_ledger, invoice_parts = _invoices(
        parts, inv_idx, inv_frames, lookup, clients, fx, base_currency
    )
    ledgers.append(invoice_ledger)
    people, people_ledger = _people(parts, books)
    ledgers.append(people_ledger)

    ledger = concat_ledgers(ledgers)
    ledger = ledger.assign(
        _part=ledger.get("_part", -1), _duplicate=ledger.get("_duplicate", False)
    )
    ledger = ledger.assign(
        _part=ledger["_part"].fillna(-1).astype(int),
        _duplicate=ledger["_duplicate"].fillna(False).astype(bool),
    )
    tables = {
        "clients": clients,
        "people": people,
        "fx": fx,
        "time_entries": entries,
        "invoices": with_base_amounts(invoices, fx, base_currency),
        "events": _book_table(books, "events"),
        "assessments": _book_table(books, "assessments"),
        "decisions": _book_table(books, "decisions"),
    }
    public = ledger.loc[:, list(LEDGER_COLUMNS)]  # notes on kept rows too ("invoices (kept)")
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
    )
    used = _used(
        len(parts),
        time_parts,
        entries["hours"].to_numpy(),
        invoice_parts,
        invoices["amount"].to_numpy(dtype=float),
        _invoice_lines(inv_idx, inv_frames, invoices, invoice_parts),
    )
    book_notes = [
        f"canonical workbook {name}: {len(b.time_entries)} time entries, {len(b.invoices)} invoices"
        for name, b in books
    ]
    return Merged(book=book, ledger=ledger, used=used, notes=(*notes, *book_notes, *money_notes))


def _used(n, time_parts, hours, invoice_parts, amounts, lines) -> pd.DataFrame:
    """Per part: file rows, hours and money that made it into the book."""
    time_parts = np.asarray(time_parts, dtype=int)
    invoice_parts = np.asarray(invoice_parts, dtype=int)
    return pd.DataFrame(
        {
            "rows": np.bincount(time_parts, minlength=n)
            + np.bincount(invoice_parts, weights=lines, minlength=n).astype(int),
            "hours": np.bincount(time_parts, weights=hours, minlength=n),
            "amount": np.bincount(invoice_parts, weights=amounts, minlength=n),
        }
    )


def _invoice_lines(inv_idx, inv_frames, invoices, invoice_parts) -> np.ndarray:
    """Lines of the file behind each accepted invoice (1 for canonical rows)."""
    lines = {
        (i, r): n
        for i, f in zip(inv_idx, inv_frames, strict=True)
        for r, n in zip(f["invoice_id"], f["_lines"], strict=True)
    }
    return np.array(
        [lines.get((p, r), 1) for p, r in zip(invoice_parts, invoices["invoice_id"], strict=True)],
        dtype=int,
    )


def _invoices(parts, inv_idx, inv_frames, lookup, clients, fx, base_currency):
    columns = [c.name for c in TABLES["invoices"].columns]
    if not inv_frames:
        clean = empty_table("invoices")
        return clean, empty_part_ledger().assign(_part=0, _duplicate=False), np.zeros(0, int)
    merged = pd.concat(
        [f.assign(_part=i) for i, f in zip(inv_idx, inv_frames, strict=True)], ignore_index=True
    )
    text = merged.assign(client_id=_client_ids(merged["client"], lookup))[columns]
    files = np.array([parts[i].file for i in merged["_part"]], dtype=object)
    loaded = {"clients": clients, "fx": fx}
    clean, ledger, kept_parts = _validate_small(
        text,
        "invoices",
        files=files,
        rows=merged["_row"].to_numpy(),
        parts=merged["_part"].to_numpy(),
        extra=reference_rules("invoices", loaded, base_currency),
    )
    return clean, ledger, kept_parts


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
    found = [p.people.assign(_file=p.file) for p in parts if p.people is not None]
    found += [b.people.assign(date="", _file=name) for name, b in books if len(b.people)]
    if not found:
        return _book_table([], "people"), empty_part_ledger().assign(_part=-1, _duplicate=False)
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
        files=latest["_file"].to_numpy(dtype=object),
        rows=np.zeros(len(latest), dtype=int),
        parts=np.full(len(latest), -1),
    )
    return clean, ledger
