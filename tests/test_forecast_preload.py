"""The speed mechanisms of a cold ``pumpkin metrics`` (issue 19; no test asserts a time: the
benchmarks measure): scipy imported in the background while the book is read, the BG/NBD
likelihood evaluated once per distinct client history, and the potential computed in a thread
beside the measures."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import cli
from helpers.book.load import load_book
from helpers.book.prefetch import start_prefetch
from helpers.book.settings import Settings
from helpers.decide import contract
from helpers.errors import PumpkinError
from helpers.forecast import potential, preload
from helpers.forecast.history import book_history, inputs_at

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CDNOW = ROOT.parent / "shared" / "data" / "cdnow"


def _wait_for_cache_writer() -> None:
    for thread in threading.enumerate():  # the book cache's background writer
        if thread.name == "pumpkin-book-cache":
            thread.join()


def _reads_files(path: Path, settings: Settings) -> bool:
    """Whether pumpkin metrics' prefetch finds that the loader will read and validate ``path``
    (so the potential is fitted and scipy is worth importing in the background)."""
    with start_prefetch(path, base_currency=settings.base_currency, date_format=None) as pre:
        return pre.reads_files()


def test_a_book_needs_reading_until_it_is_cached_and_always_with_the_cache_off(
    cache_dir, book_dir, monkeypatch
):
    settings = Settings()
    assert _reads_files(book_dir, settings)
    load_book(book_dir, settings=settings)
    _wait_for_cache_writer()
    assert not _reads_files(book_dir, settings)
    (book_dir / "clients.csv").write_text(
        (book_dir / "clients.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert _reads_files(book_dir, settings)  # changed files: read again
    monkeypatch.setenv("PUMPKIN_CACHE_DIR", "off")
    assert _reads_files(SAMPLE, settings)
    assert not _reads_files(book_dir / "missing", settings)


def test_the_background_import_runs_only_when_asked_and_never_raises(tmp_path, monkeypatch):
    (tmp_path / "preload_probe_a.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / "preload_probe_b.py").write_text("raise ImportError('broken')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("preload_probe_a", "preload_probe_b"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    preload.start_import(("preload_probe_a",), when=lambda: False).join()
    assert "preload_probe_a" not in sys.modules
    preload.start_import(("preload_probe_b", "preload_probe_a")).join()  # the error is swallowed
    assert "preload_probe_b" not in sys.modules and "preload_probe_a" not in sys.modules
    preload.start_import(("preload_probe_a",)).join()
    assert sys.modules["preload_probe_a"].VALUE == 1

    def refuses() -> bool:
        raise RuntimeError("the predicate failed")

    preload.start_import(("preload_probe_b",), when=refuses).join()  # nothing raised or printed


def test_metrics_joins_its_background_import_before_returning(
    cache_dir, book_dir, tmp_path, monkeypatch
):
    started: list[threading.Thread] = []
    asked: list[bool] = []
    real = preload.start_import

    def recorded(modules=preload.SCIPY_MODULES, *, when):
        def asking() -> bool:
            asked.append(when())
            return asked[-1]

        started.append(real(modules, when=asking))
        return started[-1]

    monkeypatch.setattr(preload, "start_import", recorded)
    out = tmp_path / "metrics.csv"
    args = ["metrics", "--data", str(book_dir), "--quarter", "2025Q4", "--out", str(out)]
    assert cli.main(args) == 0
    assert len(started) == 1 and not started[0].is_alive() and asked == [True]  # cold
    _wait_for_cache_writer()
    assert cli.main([*args[:-1], str(tmp_path / "warm.csv")]) == 0
    assert len(started) == 2 and not started[1].is_alive() and asked == [True, False]  # cached
    assert (tmp_path / "warm.csv").read_bytes() == out.read_bytes()


def test_a_model_that_cannot_import_scipy_is_one_line_with_or_without_the_thread(tmp_path):
    """The background import fails silently; the model's own import then fails in the command's
    thread and says so in one line (exit code 2), not a traceback."""
    code = (
        "import sys\n"
        "sys.modules['scipy.optimize'] = None  # an import of it fails\n"
        "from helpers.cli import main\n"
        f"sys.exit(main(['metrics', '--data', {str(SAMPLE)!r}, '--quarter', '2025Q4', "
        f"'--out', {str(tmp_path / 'm.csv')!r}]))\n"
    )
    env = dict(os.environ, PUMPKIN_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("pumpkin metrics: error: the potential's model needs scipy")
    assert not (tmp_path / "m.csv").exists()


def _summaries() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    book = load_book(SAMPLE, settings=Settings())
    history = book_history(book)
    found = []
    for quarter in ("2024Q4", "2025Q4"):
        summary = inputs_at(history, quarter).summary
        found.append(tuple(summary[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    if CDNOW.exists():
        cdnow = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
        found.append(tuple(cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    return found


def test_the_likelihood_over_distinct_histories_is_the_per_client_sum_bit_for_bit():
    """The fit sums each client's term spread back from its distinct (x, t_x, T) row: the same
    numbers as evaluating every client (so SLSQP takes the same steps to the same optimum)."""
    rng = np.random.default_rng(7)
    for x, t_x, T in _summaries():
        rows, index = potential._distinct_rows(x, t_x, T)
        assert len(rows[0]) < len(x)  # clients share histories
        assert np.array_equal(np.column_stack(rows)[index], np.column_stack([x, t_x, T]))
        per_client, distinct = potential._by_level(x), potential._by_level(rows[0])
        for log_params in rng.uniform(-6, 6, (50, 4)):
            r, alpha, a, b = np.exp(log_params)
            with np.errstate(all="ignore"):
                every = potential._bgnbd_loglik(r, alpha, a, b, x, t_x, T, levels=per_client)
                spread = potential._bgnbd_loglik(r, alpha, a, b, *rows, levels=distinct)[index]
            assert np.array_equal(every, spread, equal_nan=True)
            assert every.sum() == spread.sum() or np.isnan(every.sum())


@pytest.mark.skipif(not CDNOW.exists(), reason="the CDNOW data in ../shared is absent")
def test_the_fit_over_distinct_histories_keeps_the_published_cdnow_parameters():
    cdnow = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    params = potential.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert params == pytest.approx(published, rel=0.01)


@pytest.fixture
def demo_book():
    return load_book(SAMPLE, settings=Settings())


def _failing(message: str):
    def fail(*args, **kwargs):
        raise PumpkinError(message)

    return fail


def _potential_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("pumpkin-potential")]


def test_the_potential_beside_the_measures_gives_the_sequential_frame(demo_book, monkeypatch):
    """raw_metrics computes the potential in a thread while the book is prepared and measured:
    the frame is the one of the potential computed first, then the measures."""
    monkeypatch.setenv("PUMPKIN_CACHE_DIR", "off")
    settings = Settings()
    threaded = contract.raw_metrics(demo_book, "2025Q4", settings=settings)
    estimate = contract.stored_potential(demo_book, "2025Q4", settings=settings)
    done = Future()
    done.set_result(estimate)
    prep = contract.prepare(demo_book, settings=settings)
    sequential = contract._raw(prep, demo_book, "2025Q4", settings, potential=done)
    pd.testing.assert_frame_equal(threaded, sequential)
    assert _potential_threads() == []


def test_errors_come_in_the_order_of_the_sequential_steps(demo_book, monkeypatch):
    monkeypatch.setenv("PUMPKIN_CACHE_DIR", "off")
    settings = Settings()

    def raised(**broken) -> str:
        with monkeypatch.context() as patch:
            for name, message in broken.items():
                patch.setattr(contract, name, _failing(message))
            with pytest.raises(PumpkinError) as caught:
                contract.raw_metrics(demo_book, "2025Q4", settings=settings)
        assert _potential_threads() == []  # joined, even on an error
        return str(caught.value)

    # the order before the thread: prepare, then the potential, then the measures
    assert raised(stored_potential="potential", measure="measures") == "potential"
    assert raised(measure="measures") == "measures"
    assert raised(stored_potential="potential") == "potential"
    assert raised(prepare="prepare", stored_potential="potential") == "prepare"


def test_pumpkin_metrics_does_not_import_the_report_text_and_tables(tmp_path):
    """The command writes its table with helpers.present.export, whose action list and payload
    import the report's tables and text (and with them the prune and HTML modules) only when
    used."""
    code = (
        "import sys\n"
        "from helpers.cli import main\n"
        f"assert main(['metrics', '--data', {str(SAMPLE)!r}, '--quarter', '2025Q4', "
        f"'--out', {str(tmp_path / 'm.csv')!r}]) == 0\n"
        "unused = ['helpers.present.tables', 'helpers.present.text', 'helpers.present.html',\n"
        "          'helpers.decide.prune']\n"
        "print(sorted(m for m in unused if m in sys.modules))\n"
    )
    env = dict(os.environ, PUMPKIN_CACHE_DIR="off")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "m.csv").stat().st_size > 0
