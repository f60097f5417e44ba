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
# # 1. Import the client book
# Point `data_dir` at a canonical book (a folder of `clients.csv`, `time_entries.csv`, ... or an
# `.xlsx` workbook) or at a folder of exports from time-tracking and invoicing tools. The book is
# validated row by row: rows with problems go to the rejects ledger, never silently dropped.

# %% tags=["parameters"]
data_dir: str = "../data/sample"  # a canonical book, or a folder of tool exports
out_dir: str = "../data/processed"  # where the canonical book is saved (git-ignored)
settings_file: str = ""  # empty: settings.toml beside the book, else the defaults
strict: bool = False  # True: refuse a canonical book at the first bad row
clients_file: str = ""  # exports only: CSV mapping client names to ids, sizes, owners
payments_file: str = ""  # exports only: CSV of invoice numbers and payment dates
date_order: str = ""  # exports only: "dmy" or "mdy" when dates are ambiguous
jobs_as_clients: bool = False  # exports only: QuickBooks Customer:Job, each job a client

# %%
from helpers.book.load import write_book
from helpers.book.rejects import book_rejects_lines
from helpers.ingest import open_book
from helpers.report.params import check_parameters, settings_from_parameters

params = check_parameters(globals(), notebook="01_import")
settings = settings_from_parameters(params)

# %% [markdown]
# ## Read and validate

# %%
book = open_book(
    data_dir,
    settings=settings,
    strict=strict,
    clients=clients_file or None,
    payments=payments_file or None,
    date_order=date_order or None,
    jobs_as_clients=jobs_as_clients,
)
for line in book_rejects_lines(book, see="the rejects ledger below"):
    print(line)
print(f"book: {book.source}; base currency {book.base_currency}")
print(f"complete quarters: {', '.join(book.complete_quarters()) or 'none'}")

# %% [markdown]
# What was read, per table (accepted + rejected = read):

# %%
book.reconciliation()

# %% [markdown]
# ## The rejects ledger
# Each rejected row with the file, row, column, value and the reason.

# %%
book.rejects.groupby(["table", "reason"]).size().rename("rows").reset_index() if len(
    book.rejects
) else "no rejected rows"

# %%
book.rejects.head(20)

# %% [markdown]
# ## Notes on rows used
# What the import assumed about rows that are in the book (written to `notes.csv`, never to the
# rejects ledger): a paid invoice without a paid date gets its due date, a blank due date is the
# issue date, a date order was inferred, a QuickBooks job is kept as a project, ...

# %%
book.notes.groupby(["table", "column", "reason"]).size().rename("rows").reset_index() if len(
    book.notes
) else "no notes: nothing was assumed about the rows used"

# %% [markdown]
# ## Save the canonical book

# %%
saved = write_book(book, out_dir)
sorted(p.name for p in saved.iterdir())
