# Pumpkin Patch: every target sets itself up from a fresh clone (Python 3.11 and make).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DATA ?= data/sample
REPORTS ?= reports
PORT ?= 8866
HOST ?= 127.0.0.1
NOTEBOOK ?= explorer
QUARTER ?=

.PHONY: help report app test lint format lab bench sample clean sync-notebooks chromium

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

# The virtual environment: rebuilt only when a requirements file or pyproject.toml changes.
$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (pumpkin)" >/dev/null
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

chromium:  ## Debian's chromium for the browser tests (skipped when present)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

report: $(VENV)/.runtime  ## render every quarter of the demo book into reports/
	$(BIN)/pumpkin report --data $(DATA) --all --out $(REPORTS)

# The explorer (NOTEBOOK=planner: the pruning planner) as a web page without code, served by Voila
# on this machine only unless HOST says otherwise (see the README before sharing it).
app: $(VENV)/.runtime  ## the patch explorer as a web app on http://127.0.0.1:8866 (PORT=, DATA=, QUARTER=)
	$(BIN)/pumpkin app --data $(DATA) --port $(PORT) --host $(HOST) --notebook $(NOTEBOOK) $(if $(QUARTER),--quarter $(QUARTER),)

test: $(VENV)/.dev chromium  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --timeout 900

lint:  $(VENV)/.dev  ## ruff lint and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(VENV)/.dev  ## ruff fix and format
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

lab: $(VENV)/.runtime  ## JupyterLab on the notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(VENV)/.dev  ## the speed benchmarks, each ratio against its target (figures go in the README)
	@set -e; run() { echo "== $$*"; $(PY) "$$@"; }; \
	run benchmarks/bench_metrics.py; \
	run benchmarks/bench_metrics.py --entries 10000000 --repeat 1; \
	run benchmarks/bench_import.py; \
	run benchmarks/bench_report.py; \
	run benchmarks/bench_figures.py; \
	run benchmarks/bench_widgets.py --clients 10000; \
	run benchmarks/bench_widgets.py --clients 150

sample: $(VENV)/.runtime  ## regenerate the committed demo book
	$(BIN)/pumpkin sample --clients 150 --years 3 --seed 7 --out $(DATA)

sync-notebooks: $(VENV)/.runtime  ## pair .ipynb with py:percent and strip outputs
	$(BIN)/jupytext --sync notebooks/*.ipynb
	$(BIN)/nbstripout --extra-keys "metadata.papermill cell.metadata.papermill cell.metadata.execution" notebooks/*.ipynb

clean:  ## remove the environment, caches and rendered reports
	rm -rf $(VENV) .pytest_cache .ruff_cache benchmarks/out
	find . -name __pycache__ -prune -exec rm -rf {} +
	find $(REPORTS) -mindepth 1 ! -name .gitkeep -delete
