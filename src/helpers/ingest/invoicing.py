"""The shared conversion of an invoicing export: data rows -> invoices, nothing lost.

Each tool maps its columns onto ``lines`` (one row per data row of the file); this module
decides what becomes of every row, in this order:

1. **Money per row**, before anything is dropped: the row's amount (``amount_rule="sum"``:
   QuickBooks rows, FreshBooks line totals) or, where every line repeats the invoice total
   (Xero), the total on the invoice's first line and 0 on the others. The file's money is the
   sum of these, so the file = book + ledger whatever is left out.
2. **True duplicates**: a row is dropped as a duplicate only when every field of the file
   repeats an earlier row's (two exports pasted into one file).
3. **Invoices**: rows with the same number *and* the same invoice fields (client, dates,
   status, ...) are the lines of one invoice; the same number with other fields is another
   invoice (a re-used number: the merge makes its id unique, with a note). A blank number gets
   an id naming its row.
4. **Checks**, per invoice, each failure listing every line of it in the ledger: not issued,
   no client (or QuickBooks' placeholder customer ``.``), not a date, not an amount, and voids
   (a status or memo saying voided, or amount 0): a void adds nothing and, being left out, never
   takes the number from the invoice that carries the money.
5. **Open balances** (QuickBooks): what is still open at the report's date is an unpaid
   invoice, the rest a paid one (an invoice partly paid becomes two: ``N`` open and
   ``N (paid part)``); payments, journal entries and refund checks still open are applied to
   the same customer's open items, oldest first, when they can be in full, else ledgered.

What was assumed about a row that is used (no paid date, a blank or earlier due date, a
guessed date order, a job kept as a project, ...) is a *note* (``notes.csv``), never a reject.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.ingest import dates, values
from helpers.ingest.clients import normalise
from helpers.ingest.part import (
    Part,
    empty_notes,
    empty_part_ledger,
    file_part,
    ledger_frame,
    note_frame,
)
from helpers.ingest.read import RawFile

TABLE = "invoices"
#: What a source module gives per data row (``customer``, ``project``, ``open``, ``kind`` and
#: ``void`` may be left out: :func:`convert_invoices` fills them).
LINE_COLUMNS = (
    "invoice_id",
    "client",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "paid",
    "paid_date",
    "status_reason",
)
#: QuickBooks' stand-in customer for transactions without one.
PLACEHOLDER_CUSTOMERS = frozenset({"."})
PAID_PART = " (paid part)"
TOLERANCE = 0.005  # money compared to the cent

# the short kinds of notes (the summary counts them)
NOTE_NO_NUMBER = "blank invoice number: id made from the row"
NOTE_DUE_BLANK = "blank due date read as the issue date"
NOTE_DUE_EARLY = "due date before the invoice date: read as the invoice date"
NOTE_ORDER = "date order inferred, not given"
NOTE_SPLIT = "partly paid: split into the open and the paid part"
NOTE_APPLIED = "payment or adjustment applied to an open item"
NOTE_PAID_UNKNOWN = "paid, no paid date in the export: due date used"


def convert_by_status(
    raw: RawFile, text: pd.DataFrame, *, void_statuses, line_columns: dict, **options
) -> Part:
    """:func:`convert_invoices` for a tool whose lines carry a ``status`` and a ``currency`` text
    column (Xero, FreshBooks): a status in ``void_statuses`` (lower case) voids the line, the
    status text is the value the ledger shows, the currency is upper case. ``line_columns`` are
    the tool's own line columns (``amount``, ``paid``, ``status_reason``, ...); ``options`` go to
    :func:`convert_invoices`."""
    lines = text.assign(
        **line_columns,
        void=text["status"].str.lower().isin(void_statuses),
        void_text=text["status"],
        status_value=text["status"],
        currency=text["currency"].str.upper(),
        file_row=raw.rows,
    )
    return convert_invoices(raw, lines, **options)


def convert_invoices(
    raw: RawFile,
    lines: pd.DataFrame,
    *,
    fmt: str,
    variant: str,
    date_order: str | None,
    columns: dict[str, str],
    amount_rule: str = "first",
    per_row: bool = False,
    invoice_fields: tuple[str, ...] = (),
    default_order: str | None = None,
    skipped: int = 0,
    notes: tuple[str, ...] = (),
    total_line: dict[str, float] | None = None,
    as_of: str | None = None,
    assumed: pd.DataFrame | None = None,
) -> Part:
    """Invoices from data rows. ``columns`` names the file column of each canonical field.

    ``amount_rule`` is ``first`` (invoice total repeated on each line) or ``sum`` (line
    totals); ``per_row`` makes every row its own invoice (QuickBooks lists transactions);
    ``invoice_fields`` are further line columns that belong to the invoice (its lines repeat
    them). ``total_line`` holds the figures of the file's own total line (``money``,
    ``open``); ``as_of`` (ISO) is the date the open balances are at. ``assumed`` holds notes
    the source module made per line (``line_index`` = position in ``lines``).
    """
    lines = _with_defaults(lines)
    n = len(lines)
    rows = lines["file_row"].to_numpy(dtype="int64")
    amount = lines["amount"].to_numpy(dtype="float64")
    adjustment = lines["kind"].eq("adjustment").to_numpy()

    # 1. invoice groups over every row, and each row's money before anything is dropped
    if per_row:
        group = np.arange(n)
    else:
        keys = ["invoice_id", "client", "issue_date", "due_date", "currency", "paid"]
        keys += ["paid_date", "status_reason", "void", "kind", *invoice_fields]
        keys += ["amount"] if amount_rule == "first" else []
        hashed = pd.util.hash_pandas_object(lines[keys].astype(str), index=False).to_numpy()
        group = pd.factorize(hashed)[0] if n else np.zeros(0, dtype="int64")
    first_line = ~pd.Series(group).duplicated().to_numpy()
    money = amount if amount_rule == "sum" or per_row else np.where(first_line, amount, 0.0)
    open_ = lines["open"].to_numpy(dtype="float64")

    # 2. true duplicates: every field of the file repeats an earlier row's
    duplicate, original = _exact_repeats(raw.frame, rows)
    dup_ledger = (
        ledger_frame(
            table=TABLE,
            file=raw.label,
            rows=rows[duplicate],
            column="",
            value="",
            reason=np.array(
                [f"duplicate: every field repeats row {r}" for r in original[duplicate]],
                dtype=object,
            ),
            amount=money[duplicate],
        ).assign(duplicate=True)
        if duplicate.any()
        else empty_part_ledger()
    )

    # 3. one row per invoice group (its live lines)
    live = ~duplicate
    invoices = _groups(lines.loc[live], group[live], money[live])
    # 4. checks per group
    order, order_note = dates.infer_order(
        _all_dates(invoices),
        file=raw.label,
        column=columns["issue_date"],
        date_order=date_order,
        default=default_order,
    )
    checked = _check(invoices, columns, order)
    reasons, fail_column, fail_value = checked["reason"], checked["column"], checked["value"]
    iso = checked["iso"]
    ok = reasons.isna().to_numpy()

    # 5. open balances: adjustments applied, invoices split into open and paid parts
    line_inv = np.full(n, -1, dtype="int64")
    group_ok = pd.Series(ok, index=invoices["invoice_group"].to_numpy())
    accepted_line = live & group_ok.reindex(group).fillna(False).to_numpy(dtype=bool)
    line_inv[accepted_line] = group[accepted_line]
    is_adjustment = invoices["kind"].eq("adjustment").to_numpy()
    settled = _settle(invoices.assign(**iso), ok & ~is_adjustment, ok & is_adjustment, as_of)
    # adjustments that could not be applied go to the ledger with their reason
    for g, reason in settled["unapplied"].items():
        position = invoices.index[invoices["invoice_group"].eq(g)][0]
        reasons.iloc[position] = reason
        fail_column.iloc[position] = columns.get("open", "")
        fail_value.iloc[position] = _fmt(invoices["open"].iloc[position])
    ok = reasons.isna().to_numpy()
    for g, target in settled["applied"].items():
        mine = live & (group == g)
        line_inv[mine] = target
    rejected_groups = set(invoices.loc[~ok, "invoice_group"])
    line_inv[np.isin(group, list(rejected_groups))] = -1

    # the ledger: every line of every group left out
    ledger_lines = live & np.isin(group, list(rejected_groups))
    where = _where(invoices).set_axis(invoices["invoice_group"])
    group_ledger = (
        ledger_frame(
            table=TABLE,
            file=raw.label,
            rows=rows[ledger_lines],
            column=fail_column.set_axis(invoices["invoice_group"])
            .reindex(group[ledger_lines])
            .to_numpy(),
            value=fail_value.set_axis(invoices["invoice_group"])
            .reindex(group[ledger_lines])
            .to_numpy(),
            reason=(reasons.fillna("").set_axis(invoices["invoice_group"]) + where)
            .reindex(group[ledger_lines])
            .to_numpy(),
            amount=money[ledger_lines],
        )
        if ledger_lines.any()
        else empty_part_ledger()
    )

    # the invoices (pieces) that go on to the merge
    keep = ok & ~is_adjustment
    frame = _pieces(invoices.loc[keep], {c: iso[c].loc[keep] for c in iso}, settled, as_of)

    # notes on used rows
    remaining = settled["remaining"].reindex(invoices["invoice_group"].to_numpy()).to_numpy()
    open_part = np.abs(np.nan_to_num(remaining)) >= TOLERANCE
    paid_part = np.abs(np.nan_to_num(invoices["money"].to_numpy(dtype=float) - remaining))
    split = np.isfinite(remaining) & open_part & (paid_part >= TOLERANCE)
    checked["notes"].append(
        (split, columns.get("open", ""), _open_texts(invoices, remaining, split), NOTE_SPLIT)
    )
    note_frames = [
        _notes_of(invoices, keep, checked["notes"], raw.label),
        settled["notes"].assign(table=TABLE, source_file=raw.label),
    ]
    if order_note and date_order is None:
        note_frames.append(_order_notes(invoices, keep, columns, order, order_note, raw.label))
    if assumed is not None and len(assumed):
        line_group = group[assumed["line_index"].to_numpy()]
        mine = assumed.assign(
            invoice_group=line_group,
            row=rows[assumed["line_index"].to_numpy()],
            source_file=raw.label,
        ).drop(columns="line_index")
        note_frames.append(mine.loc[accepted_line[assumed["line_index"].to_numpy()]])
    assumed_notes = pd.concat(
        [empty_notes(), *[f for f in note_frames if len(f)]], ignore_index=True
    )

    currencies = sorted(set(frame["currency"]) - {""})
    part_lines = pd.DataFrame(
        {
            "row": rows,
            "money": money,
            "open": open_,
            "inv": line_inv,
            "adjustment": adjustment,
        }
    )
    return file_part(
        raw,
        fmt=fmt,
        variant=variant,
        table=TABLE,
        frame=frame,
        ledgers=[dup_ledger, group_ledger],
        rows=n,
        notes=notes,
        order_note=order_note,
        currencies=currencies,
        skipped=skipped,
        extra={
            "invoices": int(frame["invoice_group"].nunique()),
            "currencies": currencies,
            "total_line": total_line or {},
            "as_of": as_of,
            "number_column": columns["invoice_id"],
            "has_open": bool(np.isfinite(open_).any()),
        },
        lines=part_lines,
        assumed=assumed_notes,
    )


# ----------------------------------------------------------------------------- steps


def _with_defaults(lines: pd.DataFrame) -> pd.DataFrame:
    defaults = {
        "customer": lambda d: d["client"],
        "project": "",
        "open": np.nan,
        "kind": "invoice",
        "void": False,
        "type": "",
    }
    missing = {k: v for k, v in defaults.items() if k not in lines.columns}
    lines = lines.assign(**missing).reset_index(drop=True)
    return lines.assign(amount=pd.to_numeric(lines["amount"], errors="coerce").astype(float))


def _exact_repeats(frame: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row repeats an earlier row in every field, the row number of that earlier row)."""
    if not len(frame):
        return np.zeros(0, dtype=bool), np.zeros(0, dtype="int64")
    hashed = pd.util.hash_pandas_object(frame.astype(str), index=False)
    duplicate = hashed.duplicated().to_numpy()
    first = pd.Series(rows).groupby(hashed.to_numpy()).transform("first").to_numpy()
    return duplicate, first


def _groups(lines: pd.DataFrame, group: np.ndarray, money: np.ndarray) -> pd.DataFrame:
    """One row per invoice group: its fields (first line), rows, money and open balance."""
    if not len(lines):
        return pd.DataFrame(
            columns=[
                *lines.columns,
                "invoice_group",
                "first_row",
                "last_row",
                "line_count",
                "money",
            ]
        )
    grouped = lines.assign(invoice_group=group, line_money=money).groupby(
        "invoice_group", sort=False
    )
    out = grouped.first()
    out = out.assign(
        first_row=grouped["file_row"].min(),
        last_row=grouped["file_row"].max(),
        line_count=grouped.size(),
        money=grouped["line_money"].sum(min_count=1),
        open=grouped["open"].sum(min_count=1),
    )
    return out.reset_index().sort_values("first_row", kind="stable").reset_index(drop=True)


def _all_dates(invoices: pd.DataFrame) -> pd.Series:
    found = pd.concat([invoices["issue_date"], invoices["due_date"], invoices["paid_date"]])
    return found[found.astype(str).ne("")].drop_duplicates().reset_index(drop=True)


def _check(invoices: pd.DataFrame, columns: dict[str, str], order: str | None) -> dict:
    """Each group's first failing rule (reason, column, value), ISO dates and notes."""
    n = len(invoices)
    reason = pd.Series([None] * n, dtype=object)
    column = pd.Series([""] * n, dtype=object)
    value = pd.Series([""] * n, dtype=object)
    notes: list[tuple[np.ndarray, str, object, str]] = []  # mask, column, value, kind

    def fail(mask, col, why, values) -> None:
        mask = np.asarray(mask, dtype=bool) & reason.isna().to_numpy()
        if not mask.any():
            return
        reason[mask] = why[mask] if isinstance(why, np.ndarray) else why
        column[mask] = col
        value[mask] = np.asarray(values, dtype=object)[mask]

    status = invoices["status_reason"]
    shown = invoices.get("status_value", status)
    fail(status.notna().to_numpy(), columns.get("status", ""), status.to_numpy(), shown)
    client = invoices["client"].astype(str)
    fail(client.eq("").to_numpy(), columns["client"], "missing client name", client)
    fail(
        client.isin(PLACEHOLDER_CUSTOMERS).to_numpy(),
        columns["client"],
        "no customer: '.' is QuickBooks' placeholder name, not a client",
        client,
    )
    iso = {c: distinct(invoices[c], lambda u: dates.to_iso(u, order)) for c in DATE_FIELDS}
    fail(
        invoices["issue_date"].eq("").to_numpy(),
        columns["issue_date"],
        "missing invoice date",
        invoices["issue_date"],
    )
    for name in ("issue_date", "due_date", "paid_date"):
        bad = iso[name].isna() & invoices[name].astype(str).ne("")
        fail(
            bad.to_numpy(),
            columns.get(name, name),
            f"not a date (expected {dates.expected(order)})",
            invoices[name],
        )
    money = invoices["money"].to_numpy(dtype="float64")
    fail(
        np.isnan(money),
        columns["amount"],
        "not an amount",
        invoices["amount"].astype(str),
    )
    invoice = invoices["kind"].eq("invoice").to_numpy()
    void = invoices["void"].to_numpy(dtype=bool) & invoice
    fail(
        void,
        columns.get("void", columns.get("status", "")),
        "voided: a void adds nothing (the invoice that carries the money keeps the number)",
        invoices.get("void_text", invoices["invoice_id"]),
    )
    zero = invoice & (np.abs(np.nan_to_num(money, nan=1.0)) < TOLERANCE)
    fail(
        zero,
        columns["amount"],
        "amount 0.00: a void or an empty invoice adds nothing "
        "(the invoice that carries the money keeps the number)",
        np.array([_fmt(m) for m in np.nan_to_num(money)], dtype=object),
    )
    # assumptions about the invoices that pass
    due_blank = invoices["due_date"].astype(str).eq("") & iso["issue_date"].notna() & invoice
    iso["due_date"] = iso["due_date"].mask(due_blank, iso["issue_date"])
    notes.append((due_blank.to_numpy(), columns.get("due_date", "due_date"), "", NOTE_DUE_BLANK))
    early = (iso["due_date"] < iso["issue_date"]).fillna(False).to_numpy(dtype=bool) & invoice
    notes.append((early, columns.get("due_date", "due_date"), invoices["due_date"], NOTE_DUE_EARLY))
    iso["due_date"] = iso["due_date"].mask(early, iso["issue_date"])
    blank_number = invoice & invoices["invoice_id"].astype(str).eq("").to_numpy()
    notes.append((blank_number, columns["invoice_id"], "", NOTE_NO_NUMBER))
    return {"reason": reason, "column": column, "value": value, "iso": iso, "notes": notes}


def _where(invoices: pd.DataFrame) -> pd.Series:
    """' (3 lines, rows 4-6)' for an invoice of several lines, '' for one line."""
    several = invoices["line_count"].gt(1)
    text = (
        " ("
        + invoices["line_count"].astype(str)
        + " lines, rows "
        + invoices["first_row"].astype(str)
        + "-"
        + invoices["last_row"].astype(str)
        + ")"
    )
    return text.where(several, "")


def _settle(invoices: pd.DataFrame, items: np.ndarray, adjustments: np.ndarray, as_of):
    """Adjustments applied to open items of the same customer (oldest first), in full or not
    at all; each item's remaining open balance and the latest date paid into it."""
    remaining = invoices["open"].to_numpy(dtype="float64").copy()
    remaining[~items] = np.nan
    paid_on = np.full(len(invoices), None, dtype=object)
    applied: dict[int, int] = {}
    unapplied: dict[int, str] = {}
    note_rows: list[dict] = []
    if not adjustments.any():  # nothing to apply: every item keeps its own open balance
        remaining = invoices["open"].to_numpy(dtype="float64").copy()
        remaining[~items] = np.nan
        empty = pd.Series([None] * len(invoices), index=invoices["invoice_group"].to_numpy())
        return {
            "remaining": pd.Series(remaining, index=invoices["invoice_group"].to_numpy()),
            "paid_on": empty,
            "applied": {},
            "unapplied": {},
            "notes": empty_notes().drop(columns=["table"]),
        }
    customers = distinct(invoices["customer"], normalise).to_numpy()
    issue = invoices["issue_date"].fillna("").astype(str).to_numpy()
    order = np.lexsort((invoices["first_row"].to_numpy(), issue))
    by_customer: dict[str, list[int]] = {}
    for t in order[items[order]]:  # each customer's open items, oldest first
        by_customer.setdefault(customers[t], []).append(int(t))
    for position in np.flatnonzero(adjustments)[np.argsort(issue[adjustments], kind="stable")]:
        left = invoices["open"].iloc[position]
        kind = invoices["type"].iloc[position] or "adjustment"
        g = int(invoices["invoice_group"].iloc[position])
        if not np.isfinite(left) or abs(left) < TOLERANCE:
            unapplied[g] = (
                f"{kind} with nothing left to apply (open balance 0.00): already applied "
                "in QuickBooks to invoices whose own rows show it"
            )
            continue
        sign = 1.0 if left < 0 else -1.0  # a negative balance pays positive items
        targets = [
            t
            for t in by_customer.get(customers[position], [])
            if np.isfinite(remaining[t]) and remaining[t] * sign > TOLERANCE
        ]
        available = sum(abs(remaining[t]) for t in targets)
        if available + TOLERANCE < abs(left):
            what = "open invoices" if left < 0 else "open credits"
            unapplied[g] = (
                f"{kind} not applied: its open balance {_fmt(left)} is more than this "
                f"customer's {what} in the report ({_fmt(available)})"
            )
            continue
        need = abs(left)
        for t in targets:
            take = min(abs(remaining[t]), need)
            remaining[t] -= take * sign
            need -= take
            # paid on the payment's date, not before the item was issued
            paid_on[t] = max(filter(None, [paid_on[t], issue[position], issue[t]]))
            note_rows.append(
                {
                    "row": int(invoices["first_row"].iloc[position]),
                    "column": "Open balance",
                    "value": str(invoices["invoice_id"].iloc[t])
                    or f"row {invoices['first_row'].iloc[t]}",
                    "reason": f"{kind} applied to this customer's open item",
                    "note_kind": NOTE_APPLIED,
                    "invoice_group": int(invoices["invoice_group"].iloc[t]),
                }
            )
            if need <= TOLERANCE:
                break
        applied[g] = int(invoices["invoice_group"].iloc[targets[0]])
    notes = pd.DataFrame(note_rows) if note_rows else empty_notes().drop(columns=["table"])
    return {
        "remaining": pd.Series(remaining, index=invoices["invoice_group"].to_numpy()),
        "paid_on": pd.Series(paid_on, index=invoices["invoice_group"].to_numpy()),
        "applied": applied,
        "unapplied": unapplied,
        "notes": notes,
    }


def _pieces(invoices: pd.DataFrame, iso: dict, settled: dict, as_of: str | None) -> pd.DataFrame:
    """The canonical invoices: one per group, or two when it is partly paid (open, paid)."""
    groups = invoices["invoice_group"].to_numpy()
    amount = invoices["money"].to_numpy(dtype="float64")
    remaining = settled["remaining"].reindex(groups).to_numpy(dtype="float64")
    paid_on = settled["paid_on"].reindex(groups).to_numpy(dtype=object)
    has_open = np.isfinite(remaining)
    number = invoices["invoice_id"].astype(str).to_numpy()
    ids = np.where(
        number == "", "(no number, row " + invoices["first_row"].astype(str) + ")", number
    )
    given_paid = iso["paid_date"].fillna("").to_numpy(dtype=object)
    paid_flag = invoices["paid"].to_numpy(dtype=bool)
    identity = pd.util.hash_pandas_object(
        pd.DataFrame(
            {
                "n": number,
                "c": invoices["client"].astype(str).to_numpy(),
                "i": iso["issue_date"].fillna("").to_numpy(),
                "d": iso["due_date"].fillna("").to_numpy(),
                "a": np.round(amount, 2),
                "k": invoices["currency"].astype(str).to_numpy(),
            }
        ),
        index=False,
    ).to_numpy()
    base = pd.DataFrame(
        {
            "invoice_id": ids,
            "client": invoices["client"].to_numpy(),
            "issue_date": iso["issue_date"].to_numpy(),
            "due_date": iso["due_date"].to_numpy(),
            "currency": invoices["currency"].to_numpy(),
            "file_row": invoices["first_row"].to_numpy(dtype="int64"),
            "invoice_group": groups,
            "file_number": number,
            "identity": identity,
            "export_as_of": as_of or "",
        }
    )
    # without open balances: one invoice, paid per the tool's own flag and date
    closed = base.assign(
        file_amount=amount,
        paid_date=given_paid,
        paid_unknown=paid_flag & (given_paid == ""),
        id_suffix="",
    ).loc[~has_open]
    # with open balances: the open part, and the part paid by the report's date
    open_amount = np.where(has_open, remaining, 0.0)
    paid_amount = np.where(has_open, amount - open_amount, 0.0)
    open_part = base.assign(
        file_amount=open_amount, paid_date="", paid_unknown=False, id_suffix=""
    ).loc[has_open & (np.abs(open_amount) >= TOLERANCE)]
    whole_paid = has_open & (np.abs(open_amount) < TOLERANCE)
    paid_part = base.assign(
        file_amount=paid_amount,
        paid_date=np.where(pd.isna(paid_on), "", paid_on),
        paid_unknown=pd.isna(paid_on),
        id_suffix=np.where(whole_paid, "", PAID_PART),
    ).loc[has_open & (np.abs(paid_amount) >= TOLERANCE)]
    frame = pd.concat([closed, open_part, paid_part], ignore_index=True)
    frame = frame.sort_values(["file_row", "id_suffix"], kind="stable").reset_index(drop=True)
    frame = frame.assign(
        base_id=frame["invoice_id"],
        invoice_id=frame["invoice_id"] + frame["id_suffix"],
        amount=frame["file_amount"].astype(float).astype(str),
        paid_date=frame["paid_date"].fillna("").astype(str),
        paid_unknown=frame["paid_unknown"].astype(bool),
    )
    return frame


def _notes_of(invoices, keep, notes, file) -> pd.DataFrame:
    frames = []
    for mask, column, value, kind in notes:
        mask = np.asarray(mask, dtype=bool) & keep
        if not mask.any():
            continue
        values = (
            np.asarray(value, dtype=object)[mask]
            if isinstance(value, pd.Series | np.ndarray)
            else value
        )
        frames.append(
            note_frame(
                table=TABLE,
                file=file,
                rows=invoices["first_row"].to_numpy()[mask],
                column=column,
                value=values,
                reason=kind,
                kind=kind,
                inv=invoices["invoice_group"].to_numpy()[mask],
            )
        )
    return pd.concat([empty_notes(), *frames], ignore_index=True)


def _order_notes(invoices, keep, columns, order, order_note, file) -> pd.DataFrame:
    """A note on each used invoice whose dates read differently in the other order."""
    ambiguous = np.zeros(len(invoices), dtype=bool)
    column = np.full(len(invoices), "", dtype=object)
    value = np.full(len(invoices), "", dtype=object)
    for name in ("paid_date", "due_date", "issue_date"):  # the issue date's column wins
        parts = distinct(invoices[name], lambda u: dates.date_part(u).str.extract(dates.SLASHED))
        first = pd.to_numeric(parts[0], errors="coerce")
        second = pd.to_numeric(parts[1], errors="coerce")
        hit = ((first <= 12) & (second <= 12) & (first != second)).to_numpy()
        column[hit] = columns.get(name, name)
        value[hit] = invoices[name].astype(str).to_numpy()[hit]
        ambiguous |= hit
    mask = ambiguous & keep
    return note_frame(
        table=TABLE,
        file=file,
        rows=invoices["first_row"].to_numpy()[mask],
        column=column[mask],
        value=value[mask],
        reason=f"{NOTE_ORDER}: read as {order_note.split(': ', 1)[-1]}",
        kind=NOTE_ORDER,
        inv=invoices["invoice_group"].to_numpy()[mask],
    )


def _open_texts(invoices: pd.DataFrame, remaining: np.ndarray, split: np.ndarray) -> np.ndarray:
    """'1,500.00 open of 5,000.00' for the invoices split (blank for the others)."""
    money = invoices["money"].to_numpy(dtype=float)
    out = np.full(len(invoices), "", dtype=object)
    out[split] = [
        f"{_fmt(o)} open of {_fmt(m)}" for m, o in zip(money[split], remaining[split], strict=True)
    ]
    return out


DATE_FIELDS = ("issue_date", "due_date", "paid_date")


def distinct(texts: pd.Series, func):
    """``func`` (Series -> Series or DataFrame) run once per distinct text, taken to the rows."""
    codes, uniques = pd.factorize(texts.astype(str), use_na_sentinel=False)
    found = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    out = found.iloc[codes] if len(codes) else found.iloc[:0]
    return out.set_axis(texts.index)


def _fmt(value: float) -> str:
    return f"{value:,.2f}"


def text_columns(raw: RawFile, mapping: dict[str, str]) -> pd.DataFrame:
    """The file columns named in ``mapping`` as plain stripped text, renamed to its keys."""
    return pd.DataFrame(
        {
            key: raw.column(name).astype(object).fillna("").astype(str).str.strip().to_numpy()
            if name
            else np.full(len(raw.frame), "", dtype=object)
            for key, name in mapping.items()
        }
    )


TOTAL_WORDS = frozenset({"total", "totals", "grand total"})


def split_total_line(raw: RawFile, text: pd.DataFrame, money_column: str):
    """(raw, text) without a trailing total line, its figures, and the lines skipped.

    A total line is a row whose first cell says "Total" and that has no invoice number; its
    money is the ``money_column`` figure. Exports of Xero and FreshBooks have none, but a file
    saved from a spreadsheet often gains one.
    """
    first = text_columns(raw, {"first": raw.columns[0]})["first"].str.lower()
    total = (first.isin(TOTAL_WORDS) & text["invoice_id"].eq("")).to_numpy()
    if not total.any():
        return raw, text, {}, 0

    figure = values.money(text.loc[total, money_column]).iloc[-1]
    kept = replace(raw, frame=raw.frame.loc[~total].reset_index(drop=True), rows=raw.rows[~total])
    found = {"money": float(figure)} if pd.notna(figure) else {}
    return kept, text.loc[~total].reset_index(drop=True), found, int(total.sum())
