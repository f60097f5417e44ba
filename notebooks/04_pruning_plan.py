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
# scenario with stated assumptions), an offboarding plan per client said per cause, the notice
# periods and the month's cash, and a screen for new prospects with seed 000's questions. It
# informs decisions; the partner makes them.

# %% tags=["parameters"]
quarter: str = "2025Q4"  # the quarter audited, as of its last day
data_dir: str = "../data/sample"  # the book: a folder of tables or an .xlsx workbook
start_date: str = "2026-01-12"  # first offboarding meeting (dates roll to business days)
prune_percentile: float = 10.0  # bottom X% of revenue per hour are prune candidates
utilisation: float = 0.5  # share of the freed hours resold to GROW clients
plans_dir: str = ""  # folder for the plans (Markdown, HTML, offboarding.xlsx); empty: none
answers_dir: str = "../reports/plans"  # where can't-or-won't answers are saved if no plans_dir
prospect_industry: str = "Retail"  # the prospect to screen
prospect_size: str = "small"  # small, medium or large
prospect_hours: float = 200.0  # hours a year we expect to spend on the prospect; 0: unknown
prospect_fees: float = 15000.0  # fees a year we expect to invoice; 0: unknown
prospect_value_proposition: str = ""  # understood / not-understood / "" (not asked)
prospect_service: str = ""  # wanted / not-wanted / ""
prospect_role: str = ""  # clear / blurred (wants to sell to us too) / ""
prospect_people: str = ""  # respectful / mistreated (declined whatever the figures) / ""
prospect_cant_or_wont: str = ""  # if we lean to no: cant / wont / ""

# %%
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from matplotlib_inline.backend_inline import set_matplotlib_formats

from helpers.audit.rules import classify
from helpers.book.load import load_book
from helpers.book.quarters import parse_quarter
from helpers.book.rejects import book_rejects_lines
from helpers.book.settings import settings_for_book
from helpers.decide import offboarding
from helpers.decide.contract import raw_metrics
from helpers.decide.journal import with_journal
from helpers.decide.offboarding import (
    exit_calendar,
    load_answers,
    offboarding_plans,
    plans_frame,
)
from helpers.decide.prospects import ProspectAnswers, screen_prospect
from helpers.decide.prune import (
    prune_candidates,
    robust_candidates,
    robustness_sentence,
    simulate,
)
from helpers.plots.exits import plot_exit_calendar
from helpers.plots.style import apply_house_style
from helpers.plots.waterfall import plot_margin_waterfall
from helpers.present import html, text
from helpers.report.params import check_parameters
from helpers.report.plans import write_offboarding
from helpers.widgets.forms import CantOrWontForm, ProspectForm, screen_html
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
for line in book_rejects_lines(book, see="notebook 01 or `pumpkin validate` for the ledger"):
    display(Markdown(f"**{line}**"))
if note := text.coverage_note(book, quarter=quarter):
    display(Markdown(f"*{note}*"))
raw = raw_metrics(book, quarter, settings=settings)
metrics = with_journal(
    classify(raw, settings=settings), book, quarter, settings=settings
)  # KEEP overrules
currency = settings.base_currency
answers_path = Path(plans_dir or answers_dir) / offboarding.ANSWERS_FILE
prospect_answers = ProspectAnswers(
    value_proposition=prospect_value_proposition,
    service=prospect_service,
    role=prospect_role,
    people=prospect_people,
    cant_or_wont=prospect_cant_or_wont,
)


def show(frame):
    """A table with client text escaped and numbers rounded for reading."""
    return html.show(html.table_html(frame, currency=currency), currency=currency)


# %% [markdown]
# ## The prune candidates and why
#
# A client is a candidate only for the seeds' four reasons: it abused our people, won't pay
# (money more than 60 days past due), sits in the bottom `prune_percentile` % of the book on
# revenue per hour with a margin below the target and nothing fixable (the seed's cut), or
# costs more per hour than it pays by more than the largest price rise we ask (reprice or
# exit: the offer comes first). "why" names the reason; the reasons are the audit's own words.

# %%
candidates = prune_candidates(metrics, order="book").sort_values("rate_percentile")
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
            "why",
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
# 15 %, each score weight at half, the same or one and a half times its setting, the target
# margin 10 points either side and the largest price rise at half or one and a half. A robust
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
# next report says what happened. For every chosen client let go for the seed's cut or after a
# review, answer "can't or won't?" and save: the answers go beside the plans. Needs a running
# kernel (a static page shows the default choices).

# %%
planner = PruningPlanner(raw, settings=settings, book=book, answers_path=answers_path)
planner.widget

# %% [markdown]
# ## Offboarding plans
#
# One plan per client to let go, in seed 002's four steps (communicate clearly, be honest but
# diplomatic, offer support, follow up), said per cause: for abuse the behaviour, its dates and
# that it concerns our people, with no negotiation; for a non-payer the overdue money and a
# settlement proposal; for reprice or exit the rate and the date of the offer (the first step);
# for the seed's cut the audit's reasons of profitability, fit and growth. Each plan carries the
# open invoices to collect first, who leads the conversation (seed 001: someone else when the
# owner's dislike looks personal) and a follow-up letter. Fill in the referral before sending.

# %%
answers = load_answers(answers_path, quarter=quarter)
plans = offboarding_plans(
    metrics, start_date=start_date, book=book, settings=settings, answers=answers
)
display(
    show(
        plans_frame(plans)[
            ["client_id", "name", "cause", "lead", "notice_days", "meeting_date", "exit_date"]
            + ["open_amount", "cant_or_wont"]
        ]
    )
)
for cause in dict.fromkeys(p.cause for p in plans):
    first = next(p for p in plans if p.cause == cause)
    display(Markdown(f"---\n\n**The first `{cause}` plan:**"))
    display(Markdown(first.to_markdown().replace("\n# ", "\n### ").replace("# ", "### ", 1)))

# %% [markdown]
# ## Before acting: can't or won't?
#
# Seed 000, turned on ourselves: before letting a client go for the seed's cut or after a
# review, is the gap something we have not done or something we do not want to do, and would
# training, practice, capability or more staff fix it? Answer for each plan that asks and save:
# the answers are written beside the plans and printed in them (and `pumpkin plans` reads them).

# %%
asking = [(p.client_id, p.name) for p in plans if p.questions]
CantOrWontForm(asking, quarter=quarter, path=answers_path).widget

# %% [markdown]
# ## Notice and the month's cash
#
# Each plan's dates respect the client's notice period (`notice_days` in the clients table, else
# the `notice_days` setting). Exits for abuse or non-payment are never delayed; the others are
# spread over `exit_spread_days` so the revenue does not stop all at once. Month by month: who
# leaves, the revenue that stops with them, and the revenue lost and hours freed in the month
# (reprice offers counted as declined: the most parting could cost).

# %%
calendar = exit_calendar(plans)
display(show(calendar))
plot_exit_calendar(calendar, currency=currency)
plt.show()

# %%
if plans_dir:
    written = write_offboarding(plans, plans_dir)
    display(
        Markdown(
            f"Wrote {len(written.pages)} page(s) and `{written.workbook.name}` to `{plans_dir}`."
        )
    )

# %% [markdown]
# ## Screening a prospect
#
# Seed 000: sometimes you must say no before it starts. The screen asks the seed's questions
# (does the prospect understand our value proposition; is the service one we want to provide;
# does it keep the roles clear; how did it treat our people; can't or won't) and combines them
# with how the book's clients of the same industry and size turned out. The answer is take, take
# with conditions or decline, with its reasons. A prospect who mistreated our people is declined
# whatever the figures. The form below needs a running kernel; the parameters give the static
# answer.

# %%
screen = screen_prospect(
    metrics,
    industry=prospect_industry,
    size=prospect_size,
    expected_hours=prospect_hours or None,
    expected_fees=prospect_fees or None,
    settings=settings,
    events=book.events,
    answers=prospect_answers,
)
display(html.show(screen_html(screen), currency=currency), show(screen.segments))
show(screen.lookalikes)

# %%
ProspectForm(
    metrics,
    settings=settings,
    events=book.events,
    industry=prospect_industry,
    size=prospect_size,
    expected_hours=prospect_hours,
    expected_fees=prospect_fees,
    answers=prospect_answers,
).widget
