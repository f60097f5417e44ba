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
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Pruning the patch: who to let go, what it frees, how to do it
#
# Seed 002's farmer prunes the vines that are not growing so the energy goes to the pumpkins
# that are. This notebook turns the audit's prune candidates into a plan: why each one is a
# candidate, how robust that is to the settings, what letting them go would cost and free (a
# scenario with stated assumptions), an offboarding plan per client, and a screen for new
# prospects that look like the clients we let go. It informs decisions; it does not make them.

# %% tags=["parameters"]
quarter: str = "2025Q4"  # the quarter audited, as of its last day
data_dir: str = "../data/sample"  # the book: a folder of tables or an .xlsx workbook
start_date: str = "2026-01-12"  # first offboarding meeting (dates roll to business days)
prune_percentile: float = 10.0  # bottom X% of revenue per hour are prune candidates
utilisation: float = 0.5  # share of the freed hours resold to GROW clients
plans_dir: str = ""  # folder for one offboarding page per client; empty: write nothing
plans_format: str = "md"  # md or html
prospect_industry: str = "Retail"  # the prospect to screen
prospect_size: str = "small"  # small, medium or large
prospect_hours: float = 200.0  # hours a year we expect to spend on the prospect; 0: unknown
prospect_fees: float = 15000.0  # fees a year we expect to invoice; 0: unknown

# %%
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from matplotlib_inline.backend_inline import set_matplotlib_formats

from helpers.audit.rules import classify
from helpers.book.load import load_book
from helpers.book.quarters import parse_quarter
from helpers.book.rejects import rejects_line
from helpers.book.settings import settings_for_book
from helpers.decide.contract import raw_metrics
from helpers.decide.journal import with_journal
from helpers.decide.offboarding import offboarding_plans, plans_frame, write_plans
from helpers.decide.prospects import screen_prospect
from helpers.decide.prune import robust_candidates, robustness_sentence, simulate
from helpers.plots.style import apply_house_style
from helpers.plots.waterfall import plot_margin_waterfall
from helpers.present import text
from helpers.present.tables import write_workbook
from helpers.report.params import check_parameters
from helpers.widgets.planner import PruningPlanner, before_after_figure

check_parameters(globals(), notebook="04_pruning_plan")
warnings.filterwarnings("ignore", category=DeprecationWarning)
apply_house_style()
set_matplotlib_formats("png", dpi=110, bbox_inches="tight")
quarter = str(parse_quarter(quarter))
settings = settings_for_book(data_dir).replace(
    prune_percentile=float(prune_percentile), utilisation=float(utilisation)
)
book = load_book(data_dir, settings=settings)
quarter = book.check_quarter(quarter)  # any quarter with activity in the book
if line := rejects_line(book.rejects, see="notebook 01 or `pumpkin validate` for the ledger"):
    display(Markdown(f"**{line}**"))
if note := text.coverage_note(book, quarter=quarter):
    display(Markdown(f"*{note}*"))
raw = raw_metrics(book, quarter, settings)
metrics = with_journal(classify(raw, settings), book, quarter, settings)  # KEEP overrules
currency = settings.base_currency


def show(frame):
    """A table with client text escaped and numbers rounded for reading."""
    return text.show(text.table_html(frame, currency=currency))


# %% [markdown]
# ## The prune candidates and why
#
# A client is a candidate when it abused our people, won't pay, sits in the bottom
# `prune_percentile` % of the book on revenue per hour with nothing fixable, or is a weed with
# no fixable cause. The reasons are the audit's own words.

# %%
candidates = metrics[metrics["prune"]].sort_values("rate_percentile")
display(
    Markdown(
        f"**{len(candidates)} of {len(metrics)} clients** are prune candidates in "
        f"{quarter} (prune percentile {settings.prune_percentile:g}%)."
    )
)
show(
    candidates[
        [
            "client_id",
            "name",
            "segment",
            "revenue_ttm",
            "effective_rate_ttm",
            "rate_percentile",
            "overdue_amount",
            "reasons",
        ]
    ]
)

# %% [markdown]
# ## Robust or borderline?
#
# Each candidate is re-tested under a grid of plausible settings: the prune percentile from 5 to
# 15 %, and each score weight at half, the same or one and a half times its setting. A robust
# candidate stays a candidate in most of them; a borderline one depends on the settings.

# %%
robust = robust_candidates(metrics, settings=settings)
display(Markdown(robustness_sentence(robust, settings=settings)))
show(robust)

# %% [markdown]
# ## What letting them go would do (a scenario)

# %%
scenario = simulate(metrics, settings=settings, book=book)
display(show(scenario.summary()), Markdown(f"*{scenario.assumptions}*"))
display(Markdown("Hours and revenue of the clients let go, quarter by quarter:"))
display(show(scenario.per_quarter), show(scenario.segments))
display(before_after_figure(metrics, scenario, settings=settings))
plot_margin_waterfall(scenario)
plt.show()

# %% [markdown]
# ## Try other choices
#
# Move the sliders (prune percentile, utilisation), untick a client to keep it or add any other
# client from the list; the figures follow. **Record decision** writes what the partners decided
# (PRUNE, or KEEP to overrule the list, with an end date) to `decisions.csv` beside the book; the
# next report says what happened. Needs a running kernel (a static page shows the default
# choices).

# %%
planner = PruningPlanner(raw, settings, book=book)
planner.widget

# %% [markdown]
# ## Offboarding plans
#
# One plan per client to let go, following seed 002's four steps (communicate clearly, be
# honest but diplomatic, offer support, follow up), with dates from `start_date`, the open
# invoices to collect first and who leads the conversation (seed 001: someone else when the
# owner's dislike looks personal). Fill in the referral before sending anything.

# %%
plans = offboarding_plans(metrics, start_date=start_date, book=book, settings=settings)
display(show(plans_frame(plans).drop(columns=["reason", "referral"])))
if plans:
    display(Markdown(plans[0].to_markdown().replace("\n# ", "\n### ")))
if plans_dir:
    pages = write_plans(plans, plans_dir, fmt=plans_format)
    sheet = write_workbook(
        {"offboarding": plans_frame(plans)}, Path(plans_dir) / "offboarding.xlsx"
    )
    display(Markdown(f"Wrote {len(pages)} page(s) and `{sheet.name}` to `{plans_dir}`."))

# %% [markdown]
# ## Screening a prospect
#
# Seed 000: sometimes you must say no before it starts. How have the book's clients of the same
# industry and size turned out? The screen informs; it does not decide.

# %%
screen = screen_prospect(
    metrics,
    industry=prospect_industry,
    size=prospect_size,
    expected_hours=prospect_hours or None,
    expected_fees=prospect_fees or None,
    settings=settings,
    events=book.events,
)
display(Markdown(screen.summary.replace("\n", "\n\n")))
display(show(screen.segments))
show(screen.lookalikes)
