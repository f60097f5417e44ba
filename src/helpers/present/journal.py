"""The report's "Decisions and what happened": the journal's verdicts and figures as tables and a
sentence (the figures come from :func:`helpers.decide.journal.decision_outcomes`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.decide.journal import VERDICTS
from helpers.present.format import format_money
from helpers.present.tables import Table


def _figure(value: float, unit: str, currency: str) -> str:
    """One before/after figure with its unit, in words ('no data' when there is none)."""
    if value is None or not np.isfinite(value):
        return "no data"
    if unit == currency:
        return format_money(value, currency)
    if unit.endswith("per hour"):
        return f"{format_money(value, currency)}/h"
    if unit == "days":
        return f"{value:,.0f} days"
    if unit == "hours":
        return f"{value:,.0f} h"
    if unit == "of 5":
        return f"{value:.1f} of 5"
    return f"{value:,.1f}"


def decisions_table(outcomes: pd.DataFrame, *, currency: str) -> Table:
    """One row per decision, most recent first: when, client, what, who and why, the figure its
    action is meant to move before and after, the verdict and what happened in words."""
    if outcomes.empty:
        return Table(
            pd.DataFrame(
                columns=["decided", "client", "action", "by", "why", "figure", "before", "after",
                         "verdict", "what happened"]
            ),
            empty="No decisions.",
        )  # fmt: skip
    frame = outcomes.sort_values(["date", "client_id"], ascending=[False, True], kind="stable")
    until = frame["until"].map(lambda d: f", until {d:%Y-%m-%d}" if pd.notna(d) else "")
    table = pd.DataFrame(
        {
            "decided": frame["date"].dt.strftime("%Y-%m-%d")
            + " ("
            + frame["decided_quarter"]
            + ")",
            "client": frame["name"].fillna(frame["client_id"]),
            "action": frame["action"] + until,
            "by": frame["decided_by"].fillna(""),
            "why": frame["note"].fillna(""),
            "figure": frame["measure"],
            "before": [
                _figure(v, u, currency) for v, u in zip(frame["before"], frame["unit"], strict=True)
            ],
            "after": [
                _figure(v, u, currency) for v, u in zip(frame["after"], frame["unit"], strict=True)
            ],
            "verdict": frame["verdict"],
            "what happened": frame["what_happened"],
        }
    ).reset_index(drop=True)
    return Table(table, empty="No decisions.")


def decisions_markdown(outcomes: pd.DataFrame, metrics: pd.DataFrame, *, quarter: str) -> str:
    """One paragraph: how many decisions, their verdicts, and the clients kept on purpose."""
    if outcomes.empty:
        return (
            f"No decision recorded up to {quarter}. Record one with `pumpkin decide` or the "
            "explorer's client card; the next report says what happened since."
        )
    counts = outcomes["verdict"].value_counts()
    verdicts = ", ".join(f"{int(counts[v])} {v}" for v in VERDICTS if v in counts)
    n = len(outcomes)
    text = (
        f"{n} decision{'s' if n != 1 else ''} recorded up to {quarter}: {verdicts}. Each figure "
        "is measured from the book over the four quarters before the decision's quarter and the "
        "quarters since (at most the last four); a decision needs a full quarter before it can "
        "be judged, and two before 'did not work'."
    )
    kept = int(metrics.get("kept_on_purpose", pd.Series(dtype=bool)).fillna(False).sum())
    if kept:
        text += (
            f" {kept} client{'s are' if kept != 1 else ' is'} kept on purpose: the partners "
            "overruled the recommendation, and the cost is shown below."
        )
    return text


_KEPT_EMPTY = "No client kept on purpose."


def kept_table(metrics: pd.DataFrame) -> Table:
    """The clients kept on purpose: until when, what the rules would say, and what they cost."""
    if "kept_on_purpose" not in metrics:
        return Table(pd.DataFrame(), empty=_KEPT_EMPTY)
    kept = metrics[metrics["kept_on_purpose"].fillna(False).astype(bool)]
    table = pd.DataFrame(
        {
            "client": kept["name"],
            "until": kept["kept_until"].map(lambda d: f"{d:%Y-%m-%d}" if pd.notna(d) else "open"),
            "the rules would say": kept["overruled_actions"].str.replace(";", ", "),
            "revenue (TTM)": kept["revenue_ttm"],
            "margin (TTM)": kept["margin_ttm"],
            "revenue / hour": kept["effective_rate_ttm"],
        }
    ).reset_index(drop=True)
    money = {c: "money" for c in ("revenue (TTM)", "margin (TTM)", "revenue / hour")}
    return Table(table, money, empty=_KEPT_EMPTY)
