# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Value and headache, client by client
# For one quarter (measures over the trailing twelve months): what each client is worth, what it
# costs us beyond its hours, the seed's indicator (revenue per hour) with its bottom cut, payment
# behaviour by client size, the whale curve and one client's scorecard.

# %% tags=["parameters"]
quarter: str = "2025Q4"  # the quarter to audit (measures over the 12 months ending with it)
data_dir: str = "../data/sample"  # the canonical book
settings_file: str = ""  # empty: settings.toml beside the book, else the defaults
prune_percentile: float | None = None  # bottom % of revenue per hour cut; None: from settings
value_threshold: float | None = None  # None: from settings (the median score)
headache_threshold: float | None = None  # None: from settings (the median score)
history_quarters: int = 4  # quarters shown in the movement chart and the scorecard

# %%
from helpers.report.params import check_parameters, settings_from_parameters

params = check_parameters(globals(), notebook="02_metrics")
settings = settings_from_parameters(params)

# %%
import pandas as pd

from helpers import plots
from helpers.audit.measures import segment_counts
from helpers.book.load import load_book, revenue_warning
from helpers.book.rejects import book_rejects_lines
from helpers.decide.contract import quarter_and_history
from helpers.forecast.backtest import backtest
from helpers.plots.payment import lateness_by_size
from helpers.present.text import coverage_note

plots.apply_house_style()
book = load_book(data_dir, settings=settings)
quarter = book.check_quarter(params["quarter"])  # any quarter with activity in the book
for line in book_rejects_lines(book, see="notebook 01 or `pumpkin validate` for the ledger"):
    print(line)
currency = book.base_currency
# the potential's backtest (which forecast method to trust), then this quarter and the ones
# before it in one pass (the movement chart and scorecard use them)
checked = backtest(book, quarter)
history, metrics, _ = quarter_and_history(
    book, quarter, settings=settings, n=history_quarters, backtests={quarter: checked}
)
print(f"{len(metrics)} clients in {quarter}; base currency {currency}")
# a book without revenue is said, not drawn: the value charts below are left out
if no_revenue := revenue_warning(book):
    print(no_revenue)
valued = not no_revenue
if note := coverage_note(book, quarter=quarter):
    print(note)

# %% [markdown]
# ## Value and headache
# Scores are 0-100 (percentile ranks within the book, weighted by the settings).

# %%
segment_counts(metrics)

# %%
metrics[
    [
        "name",
        "revenue_ttm",
        "margin_ttm",
        "effective_rate_ttm",
        "days_late_avg",
        "incidents_ttm",
        "value_score",
        "headache_score",
        "segment",
        "actions",
    ]
].sort_values("value_score", ascending=False).head(10)

# %% [markdown]
# ## Revenue per hour: the top and the bottom
# The seed: clients 5-10% behind on this indicator may not be worth the effort.

# %%
rate_columns = [
    "name",
    "revenue_ttm",
    "hours_ttm",
    "effective_rate_ttm",
    "rate_rank",
    "rate_percentile",
]
ranked = metrics.dropna(subset=["effective_rate_ttm"]).sort_values(
    "effective_rate_ttm", ascending=False
)
pd.concat({"top": ranked.head(5)[rate_columns], "bottom": ranked.tail(5)[rate_columns]})

# %%
if valued:
    ax = plots.plot_rate_ranking(
        metrics, cut_percentile=settings.prune_percentile, currency=currency
    )

# %% [markdown]
# ## Realisation: invoiced against what the hours bill
# For clients with invoices and billable amounts on their time entries (the time tracker's rates):
# the ones that bill least of what they work. A low realisation is a price or a scope to fix, not
# a reason to let the client go.

# %%
from IPython.display import Markdown, display

from helpers.present.tables import realisation_table
from helpers.present.text import realisation_markdown

display(Markdown(realisation_markdown(metrics, currency=currency)))
realisation_table(metrics).frame

# %%
if metrics["realisation_ttm"].notna().any():
    ax = plots.plot_realisation(metrics, currency=currency)

# %% [markdown]
# ## Payment behaviour by client size
# Large clients often pay late because of their finance departments; small ones paying late is a
# reason to invoice more often.

# %%
lateness_by_size(metrics)

# %%
if valued:
    ax = plots.plot_payment_behaviour(metrics)

# %%
if valued:
    ax = plots.plot_aging(metrics, currency=currency)

# %% [markdown]
# ## The whale curve

# %%
if valued:
    ax = plots.plot_whale_curve(metrics, currency=currency)

# %% [markdown]
# ## Segment movement and a scorecard

# %%
if valued:
    ax = plots.plot_segment_movement(history)

# %%
biggest = metrics.sort_values("revenue_ttm", ascending=False)["client_id"].iloc[0]
if valued:
    ax = plots.plot_scorecard(history, client_id=biggest, currency=currency)

# %%
metrics.loc[metrics["client_id"] == biggest, ["name", "segment", "actions", "reasons"]]

# %% [markdown]
# ## Prune candidates and their reasons
# Only the seeds' four reasons let a client go: abuse, won't pay, the seed's cut (bottom of the
# book on revenue per hour with a thin margin and nothing to fix), and reprice or exit.

# %%
from helpers.audit.rules import PRUNE_COLUMNS, clients_who_left

metrics.loc[
    metrics["prune"], ["name", *PRUNE_COLUMNS, "effective_rate_ttm", "target_rate", "reasons"]
]

# %% [markdown]
# ## Clients who left
# No hours and no invoices in the last four quarters: outside the four fields. What preceded
# their going quiet, over the four quarters to their last activity (seed 001: most clients leave
# over service).

# %%
clients_who_left(book, metrics, settings=settings)

# %% [markdown]
# ## Future potential: which forecast to trust, and how far
# Every forecast method is fitted on the book up to four quarters before this one and compared
# with what the clients were invoiced since (a backtest): error = how far off, as a share of the
# revenue; bias = which way. The method with the lowest error gives `expected_revenue_next_4q`, and
# its misses give each client's 80% band (`expected_revenue_next_4q_low` / `_high`).

# %%
print(checked.reason)
checked.methods

# %%
if checked.ran:
    ax = plots.plot_forecast_check(
        checked.per_client, method=checked.chosen, band=checked.band, currency=currency
    )

# %%
metrics[
    [
        "name",
        "revenue_ttm",
        "expected_revenue_next_4q",
        "expected_revenue_next_4q_low",
        "expected_revenue_next_4q_high",
        "potential_method",
    ]
].sort_values("expected_revenue_next_4q", ascending=False).head(10)
