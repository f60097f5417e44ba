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
# # 3. The pumpkin patch, interactive
# Move the sliders: the clients are re-scored and re-classified at once. **Save settings** writes
# them to the settings file, so the quarterly report renders with what you chose.

# %% tags=["parameters"]
quarter: str = "2025Q4"  # the quarter shown first (the dropdown switches)
data_dir: str = "../data/sample"  # the canonical book
settings_file: str = ""  # empty: settings.toml beside the book (also where Save writes)
prune_percentile: float | None = None  # None: from settings
value_threshold: float | None = None  # None: from settings (the median score)
headache_threshold: float | None = None  # None: from settings (the median score)

# %%
from pathlib import Path

from helpers.report.params import check_parameters, settings_from_parameters

params = check_parameters(globals(), notebook="03_pumpkin_patch")
settings = settings_from_parameters(params)

# %%
from helpers.book.load import load_book
from helpers.book.rejects import book_rejects_lines
from helpers.widgets.explorer import PatchExplorer

book = load_book(data_dir, settings=settings)
quarter = book.check_quarter(params["quarter"])  # any quarter with activity in the book
for line in book_rejects_lines(book, see="notebook 01 or `pumpkin validate` for the ledger"):
    print(line)
explorer = PatchExplorer(
    book,
    quarter=quarter,
    settings=settings,
    settings_file=settings_file or Path(data_dir) / "settings.toml",
)
explorer
