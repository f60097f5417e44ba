"""Work that every quarter of a ``pumpkin report`` run repeats, done once for the whole run.

Each quarter's report shows the quarter and the one before it (the movement between segments),
so rendering every quarter separately measures each quarter twice, and every kernel would load
the book again. :func:`share_quarter` computes a quarter's metrics once, in the rendering process,
into a folder of the run (``shared_dir``, a notebook parameter); the notebook's
:func:`quarter_metrics` reads them from there and computes them itself when the folder is
empty, absent (a notebook run by hand: its parameters alone), or was made for other parameters.

Files are pickles written by this process into a private temporary folder that lives as long as
the run.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.audit.measures import split_history
from helpers.forecast.choice import Backtest

# helpers.decide.contract and helpers.forecast.backtest are imported where they are used: they bring
# in the potential model's scipy, which a kernel given the shared metrics never needs (about 0.3 s
# of its start); a shared Backtest unpickles with helpers.forecast.choice alone.

_MANIFEST = "run.json"


def new_run_folder(parameters: Mapping[str, Any]) -> Path:
    """A private folder for one run, labelled with the parameters every quarter shares (the
    book, the settings file, anonymise): a notebook given other parameters ignores it."""
    folder = Path(tempfile.mkdtemp(prefix="pumpkin-run-"))
    (folder / _MANIFEST).write_text(json.dumps(_run_label(parameters)), encoding="utf-8")
    return folder


def _run_label(parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "data_dir": str(Path(parameters.get("data_dir") or ".").resolve()),
        "settings_file": str(Path(parameters["settings_file"]).resolve())
        if parameters.get("settings_file")
        else "",
        "anonymise": bool(parameters.get("anonymise")),
    }


def _path(folder: Path, quarter: str) -> Path:
    return folder / f"metrics-{quarter}.pkl"


def _store(path: Path, value: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)  # a reader never sees half a file


def _backtest_path(folder: Path, quarter: str) -> Path:
    return folder / f"backtest-{quarter}.pkl"


def _history_path(folder: Path, quarter: str) -> Path:
    return folder / f"history-{quarter}.json"


def share_quarter(book, quarter: str, *, settings, folder: Path) -> None:
    """Compute what ``quarter``'s report needs that another quarter's report also needs (its
    metrics, and the previous quarter's, each with the potential's backtest), each quarter once
    per run."""
    from helpers.decide.contract import metrics_for_quarters, recent_quarters
    from helpers.forecast.backtest import backtest

    wanted = recent_quarters(book, quarter, 2) or [quarter]
    for each in wanted:
        path, checked_path = _path(folder, each), _backtest_path(folder, each)
        if not path.exists() or not checked_path.exists():
            checked = backtest(book, each)
            _store(checked_path, checked)
            _store(
                path,
                metrics_for_quarters(book, [each], settings=settings, backtests={each: checked}),
            )
    _history_path(folder, quarter).write_text(json.dumps(wanted), encoding="utf-8")


def _shared(shared_dir: str, parameters: Mapping[str, Any]) -> Path | None:
    """The run folder when it exists and was made for these parameters."""
    if not shared_dir:
        return None
    folder = Path(shared_dir)
    try:
        label = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return folder if label == _run_label(parameters) else None


def quarter_metrics(
    book,
    quarter: str,
    *,
    settings,
    shared_dir: str = "",
    run: Mapping[str, Any] | None = None,
    backtests: Mapping[str, Backtest] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What :func:`helpers.decide.contract.quarter_and_history` returns (history, the quarter,
    the quarter before), read from the run's ``shared_dir`` when it holds them for ``run`` (the
    notebook's data_dir, settings_file and anonymise), else computed here (with ``backtests``,
    the potential's backtests the caller already has)."""
    folder = _shared(shared_dir, run or {})
    try:
        wanted = json.loads(_history_path(folder, quarter).read_text(encoding="utf-8"))
    except (OSError, TypeError, ValueError):  # no folder, or not shared for this quarter
        wanted = []
    paths = [_path(folder, q) for q in wanted]
    if not paths or not all(p.exists() for p in paths):
        from helpers.decide.contract import quarter_and_history

        return quarter_and_history(book, quarter, settings=settings, backtests=backtests)
    frames = []
    for path in paths:
        with open(path, "rb") as handle:
            frames.append(pickle.load(handle))
    return split_history(pd.concat(frames, ignore_index=True), quarter)


def quarter_backtest(
    book, quarter: str, *, shared_dir: str = "", run: Mapping[str, Any] | None = None
) -> Backtest:
    """The potential's backtest of ``quarter`` (:func:`helpers.forecast.backtest.backtest`), read
    from the run's ``shared_dir`` like :func:`quarter_metrics`, else computed here."""
    folder = _shared(shared_dir, run or {})
    path = _backtest_path(folder, quarter) if folder is not None else None
    if path is None or not path.exists():
        from helpers.forecast.backtest import backtest

        return backtest(book, quarter)
    with open(path, "rb") as handle:
        return pickle.load(handle)
