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

# %% [markdown] tags=["remove-cell"]
# # Quarterly report (template of `pumpkin report`)
#
# One quarter of a client book, rendered by `pumpkin report --data DIR --quarter 2025Q2` into a
# self-contained HTML page (code, this cell and the parameters are removed) and an Excel action
# list. Run it here to iterate on the content; keep each cell short and the logic in `helpers`.

# %% tags=["parameters"]
quarter: str = "2025Q4"  # the quarter to report on, as of its last day
data_dir: str = "../data/sample"  # the book: a folder of tables or an .xlsx workbook
settings_file: str = ""  # a settings TOML (empty: settings.toml in data_dir, else defaults)
anonymise: bool = False  # replace client names with stable pseudonyms (Client 017)
shared_dir: str = ""  # set by pumpkin report: work shared by a run's quarters (empty: none)

# %%
import warnings

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from helpers.audit.rules import clients_who_left
from helpers.audit.scores import thresholds
from helpers.book.load import load_book
from helpers.book.quarters import parse_quarter, shift_quarter
from helpers.book.rejects import book_rejects_lines
from helpers.book.settings import settings_for_book
from helpers.decide.contract import segment_movement
from helpers.plots.calibration import plot_forecast_check
from helpers.plots.movement import plot_segment_movement
from helpers.plots.patch import plot_patch
from helpers.plots.payment import plot_aging, plot_payment_behaviour
from helpers.plots.ranking import plot_rate_ranking
from helpers.plots.realisation import plot_realisation
from helpers.plots.style import apply_house_style
from helpers.plots.whale import plot_whale_curve
from helpers.present import tables, text
from helpers.present.anonymise import anonymise_book
from helpers.present.export import export_payload, publish_export
from helpers.present.html import md_text, show
from helpers.report.figures import show_figures_as_png
from helpers.report.params import check_parameters
from helpers.report.shared import quarter_backtest, quarter_metrics

check_parameters(globals(), notebook="quarterly_report")  # papermill does not cast types
warnings.filterwarnings("ignore", category=DeprecationWarning)
apply_house_style()
# every figure uses constrained layout, so the "tight" crop (IPython's default) only costs a second
# layout pass and adds a border; each figure is drawn once, at 110 dpi, its axes placed in one
# layout pass, its PNG written at zlib level 1 (helpers.report.figures)
show_figures_as_png(dpi=110, layout_passes=1, compress_level=1)

quarter = str(parse_quarter(str(quarter)))
settings = settings_for_book(data_dir, settings_file)
book = load_book(data_dir, settings=settings)
quarter = book.check_quarter(quarter)  # any quarter with activity in the book
book = anonymise_book(book) if anonymise else book
currency = settings.base_currency
previous = shift_quarter(quarter, -1)
run = {"data_dir": data_dir, "settings_file": settings_file, "anonymise": anonymise}
# the potential's method, chosen on the book's last year (shared by the run, else computed here)
checked = quarter_backtest(book, quarter, shared_dir=shared_dir, run=run)
both, metrics, before = quarter_metrics(
    book, quarter, settings=settings, shared_dir=shared_dir, run=run, backtests={quarter: checked}
)
has_previous = not before.empty
value_cut, headache_cut = thresholds(metrics, settings=settings)

# %% [markdown]
# ## Summary

# %%
end = "the data quality section at the end"
for line in book_rejects_lines(book, see=end, import_see=end):
    display(Markdown(f"**{line}**"))
display(Markdown(text.summary_markdown(metrics, quarter=quarter, currency=currency)))
if note := text.coverage_note(book, quarter=quarter):
    display(Markdown(f"*{note}*"))

# %%
if not book.has_revenue():  # what a book without revenue can still show: the hours
    display(show(tables.hours_table(metrics), currency=currency))

# %% tags=["needs-revenue"]
show(tables.segment_table(metrics), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## The pumpkin patch
#
# Each dot is a client: value across, headache up, area = revenue over the last four quarters.
# The lines are the thresholds that split the four segments.

# %% tags=["needs-revenue"]
plot_patch(
    metrics,
    currency=currency,
    quarter=quarter,
    value_threshold=value_cut,
    headache_threshold=headache_cut,
)
plt.show()

# %% [markdown] tags=["needs-revenue"]
# ## Revenue per hour ranking
#
# Clients ranked by revenue per hour over the last four quarters, best first; the shaded part is
# below the cut (the bottom share of the book named in the methodology).

# %% tags=["needs-revenue"]
plot_rate_ranking(metrics, cut_percentile=settings.prune_percentile, currency=currency)
plt.show()

# %% [markdown] tags=["needs-revenue"]
# ## Whale curve

# %% tags=["needs-revenue"]
plot_whale_curve(metrics, currency=currency)
plt.show()

# %% [markdown] tags=["needs-revenue"]
# ## Prune list
#
# Candidates to let go, with the reasons. A candidate is a question for the partners, not a
# decision: check the relationship before acting.

# %% tags=["needs-revenue"]
show(tables.prune_list(metrics), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## Fix list
#
# Clients to keep, with something to fix: reprice, rescope, invoice more often, reassign the
# owner, improve our delivery, or collect overdue money; and weeds with no reason to let go, to
# review with their owner.

# %% tags=["needs-revenue"]
display(show(tables.fix_counts(metrics), currency=currency))
show(tables.fix_list(metrics), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## All clients
#
# Every active client with its segment, actions, revenue, margin, rate and lateness. Click a
# column's arrows to sort, type in the search box to find a client.

# %% tags=["needs-revenue"]
show(tables.client_table(metrics), currency=currency)

# %% [markdown]
# ## Decisions and what happened
#
# What the partners decided (the book's `decisions` table) and what the figures did since; a
# client kept on purpose is not recommended again until its date, and its cost is shown.

# %%
from helpers.decide.journal import decision_outcomes
from helpers.present.journal import decisions_markdown, decisions_table, kept_table

outcomes = decision_outcomes(book, quarter, settings=settings, metrics=metrics)
display(Markdown(decisions_markdown(outcomes, metrics, quarter=quarter)))
display(show(decisions_table(outcomes, currency=currency), currency=currency))
show(kept_table(metrics), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## Realisation
#
# What each client was invoiced over the last four quarters against what its hours bill at their
# billable rates (the time tracker's billable amounts), lowest first: the clients that bill least
# of what they work. Write-offs are fixed with price or scope.

# %% tags=["needs-revenue"]
display(Markdown(text.realisation_markdown(metrics, currency=currency)))
if metrics["realisation_ttm"].notna().any():
    plot_realisation(metrics, currency=currency)
    plt.show()
    display(show(tables.realisation_table(metrics), currency=currency))

# %% [markdown] tags=["needs-revenue"]
# ## Payment behaviour

# %% tags=["needs-revenue"]
plot_payment_behaviour(metrics)
plt.show()
plot_aging(metrics, currency=currency)
plt.show()
show(tables.payment_table(metrics), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## Movement between segments

# %% tags=["needs-revenue"]
if has_previous:
    plot_segment_movement(both)
    plt.show()
    moves = segment_movement(
        book, [previous, quarter], settings=settings, per_client=True, metrics=both
    )
    display(show(tables.movement_table(moves), currency=currency))
    display(show(tables.moved_clients(moves, metrics), currency=currency))
else:
    display(Markdown(f"{md_text(previous)} is before the book starts: no movement yet."))

# %% [markdown]
# ## Clients who left
#
# Clients with no hours and no invoices in the last four quarters, with what preceded their going
# quiet over the four quarters to their last activity.

# %%
left = clients_who_left(book, metrics, settings=settings)
display(Markdown(text.left_markdown(left)))
show(tables.left_table(left), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## Future potential
#
# Each forecast method was fitted on the book up to four quarters ago and compared with what the
# clients were invoiced since: error is how far off it was (share of the revenue), bias which way.
# The one with the lowest error is used; the dots below are that method's forecasts per client.

# %% tags=["needs-revenue"]
display(Markdown(text.potential_markdown(metrics, currency=currency)))
display(Markdown(text.backtest_markdown(checked, metrics, currency=currency)))
display(show(tables.backtest_table(checked), currency=currency))
if checked.ran:
    plot_forecast_check(
        checked.per_client, method=checked.chosen, band=checked.band, currency=currency
    )
    plt.show()
show(tables.potential_table(metrics), currency=currency)

# %% [markdown] tags=["needs-revenue"]
# ## Pruning scenario

# %% tags=["needs-revenue"]
try:  # the simulator's section (helpers.decide.prune); skipped when the module is not there
    from helpers.decide.prune import simulate
except ImportError:
    simulate = None
scenario = None  # reused by the overview below
if simulate is not None and metrics["prune"].any():
    scenario = simulate(metrics, settings=settings)
    display(show(tables.Table(scenario.summary()), currency=currency))
    display(Markdown(md_text(scenario.assumptions)))
else:
    display(Markdown("No pruning scenario: no prune candidate or no simulator."))

# %% tags=["needs-revenue"]
from helpers.present.pruning import (
    prune_overview,  # robust vs borderline candidates, waterfall, whale
)

candidates, prune_figure, robust_note = prune_overview(
    metrics, settings=settings, scenario=scenario
)
display(Markdown(robust_note), prune_figure)
show(candidates, currency=currency)

# %% [markdown]
# ## Data quality
#
# Rows read, accepted and rejected per table (accepted + rejected = read), the reasons for the
# rejections, and the book's totals against the totals in this report.

# %%
display(show(tables.Table(book.reconciliation()), currency=currency))
display(show(tables.reconciliation_totals(book, metrics, quarter=quarter), currency=currency))
display(show(tables.rejects_by_reason(book.rejects), currency=currency))
show(tables.Table(book.rejects.head(25), empty="The rejects ledger is empty."), currency=currency)

# %% [markdown]
# The rows of the tools' exports left out when this book was imported (the book folder's
# `rejects.csv`: time without a client, a voided invoice, ...): they are in no figure above.

# %%
show(
    tables.rejects_by_reason(
        book.import_rejects,
        empty="No rows of the exports were left out, or the book was not made from tool exports.",
    ),
    currency=currency,
)

# %% [markdown]
# What the importer assumed about rows it *used* (its `notes.csv`: a paid invoice without a paid
# date, a blank due date, a date order inferred, a QuickBooks job kept as a project, ...). These
# rows are in the book; the figures above count them.

# %%
show(
    tables.rejects_by_reason(
        book.notes,
        empty="No notes: the importer assumed nothing about the rows it used, or the book "
        "was not imported from tool exports.",
    ),
    currency=currency,
)

# %% [markdown]
# ## Methodology

# %%
Markdown(
    text.methodology_markdown(
        settings=settings,
        value_threshold=value_cut,
        headache_threshold=headache_cut,
        sources=text.revenue_sources(metrics),
    )
)

# %% tags=["export"]
publish_export(export_payload(metrics, book, quarter=quarter, settings=settings))
