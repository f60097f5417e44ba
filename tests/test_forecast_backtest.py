"""The forecast method chosen by backtest, with its band, on books built for the purpose."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.book.load import load_book
from helpers.book.quarters import ttm_window
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.forecast.backtest import METHOD_COLUMNS, backtest, weighted_quantiles
from helpers.forecast.estimate import HIGH, LOW, client_potential
from helpers.forecast.forecasters import BGNBD_OWN_RATE, METHODS, SBG, damped_trend
from helpers.forecast.history import book_history, inputs_at
from helpers.forecast.potential import BGNBD, RUN_RATE
from helpers.forecast.retention import fit_sbg, lifetimes, still_billed

QUARTER = "2025Q4"


def write_book(folder: Path, invoices: pd.DataFrame, last_day: str = "2025-12-31"):
    """A minimal canonical book (clients, one time entry on ``last_day``, the invoices), loaded."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = sorted(invoices["client_id"].unique())
    clients = pd.DataFrame({"client_id": ids, "name": [i.upper() for i in ids], "size": "small"})
    clients.to_csv(folder / "clients.csv", index=False)
    entries = {"date": [last_day], "client_id": [ids[0]], "person": ["ann"], "hours": [1]}
    pd.DataFrame(entries).to_csv(folder / "time_entries.csv", index=False)
    issue = pd.to_datetime(invoices["issue_date"])
    invoices.assign(
        invoice_id=[f"i{k}" for k in range(len(invoices))],
        issue_date=issue.dt.strftime("%Y-%m-%d"),
        due_date=(issue + pd.Timedelta(days=30)).dt.strftime("%Y-%m-%d"),
    ).to_csv(folder / "invoices.csv", index=False)
    return load_book(folder, settings=Settings())


def retainers(n=30, *, growth=0.0, stop_share=0.0, seed=1, months=36, prefix="c"):
    """Clients invoiced monthly from January 2023 (the 15th), a monthly fee of 1k-20k growing by
    ``growth`` a year with 5% noise; ``stop_share`` of them stop for good between their 7th
    month and six months before the end. Returns the invoices and the ids that stop."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", periods=months, freq="MS") + pd.Timedelta(days=14)
    stopping = set(rng.choice(n, int(round(n * stop_share)), replace=False).tolist())
    rows = []
    for k in range(n):
        fee = 1000 * 10 ** rng.uniform(0, 1.3)
        last = int(rng.integers(6, months - 6)) if k in stopping else months
        for m, day in enumerate(days[:last]):
            amount = fee * (1 + growth) ** (m / 12) * (1 + rng.normal(0, 0.05))
            rows.append((f"{prefix}{k:03d}", day, round(amount, 2)))
    invoices = pd.DataFrame(rows, columns=["client_id", "issue_date", "amount"])
    return invoices, {f"{prefix}{k:03d}" for k in stopping}


def projects(n=60, *, drop=0.08, seed=2, prefix="p"):
    """Ad-hoc buyers: irregular purchases (about one every 1-12 weeks) from early 2023, each
    followed by a ``drop`` chance of never buying again; purchase values around a client mean
    of 500-16k."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-02")
    rows = []
    for k in range(n):
        rate, mean = rng.gamma(3.0, 1 / 6.0), 500 * 10 ** rng.uniform(0, 1.5)
        week = float(rng.integers(0, 30))
        while week <= 156:
            day = start + pd.Timedelta(days=int(week * 7))
            rows.append((f"{prefix}{k:03d}", day, round(rng.gamma(4, mean / 4), 2)))
            if rng.uniform() < drop:
                break
            week += 1 + rng.exponential(1 / rate)
    invoices = pd.DataFrame(rows, columns=["client_id", "issue_date", "amount"])
    return invoices.drop_duplicates(["client_id", "issue_date"])


def ttm_revenue(book, out: pd.DataFrame) -> pd.Series:
    invoices = book.invoices[book.invoices["issue_date"] >= "2025-01-01"]
    return out["client_id"].map(invoices.groupby("client_id")["amount_base"].sum()).fillna(0.0)


def test_steady_book_forecasts_every_client_within_15_percent_of_its_run_rate(tmp_path):
    book = write_book(tmp_path, retainers()[0])
    out = client_potential(book, QUARTER, settings=Settings())
    ratio = out["expected_revenue_next_4q"] / ttm_revenue(book, out)
    assert ratio.between(0.85, 1.15).all(), ratio.describe()
    # the band comes from the backtest's misses, which are small on a steady book
    assert (out[LOW] <= out["expected_revenue_next_4q"] * 1.0 + 1e-9).all()
    assert (out[HIGH] >= out["expected_revenue_next_4q"] - 1e-9).all()
    assert (out[HIGH] <= out["expected_revenue_next_4q"] * 1.15).all()


def test_growing_book_is_forecast_above_its_run_rate(tmp_path):
    book = write_book(tmp_path, retainers(growth=0.3)[0])
    checked = backtest(book, QUARTER)
    out = client_potential(book, QUARTER, settings=Settings(), checked=checked)
    assert (out["expected_revenue_next_4q"] > ttm_revenue(book, out) * 1.05).all()
    # the trend is damped, and the backtest measured that it still fell short last year
    assert checked.chosen == RUN_RATE
    assert checked.methods.set_index("method").loc[RUN_RATE, "bias"] < 0
    assert (out[LOW] > out["expected_revenue_next_4q"]).all()


def test_clients_that_stopped_are_forecast_toward_zero(tmp_path):
    invoices, stopped = retainers(stop_share=1 / 3, seed=4)
    book = write_book(tmp_path, invoices)
    out = client_potential(book, QUARTER, settings=Settings()).set_index("client_id")
    monthly = invoices.groupby("client_id")["amount"].median()
    share = out["expected_revenue_next_4q"] / (12 * monthly)
    assert len(stopped) == 10
    assert (share[list(stopped)] < 0.2).all(), share[list(stopped)]
    assert share[list(stopped)].mean() < 0.05
    staying = share.drop(list(stopped))
    assert staying.between(0.8, 1.25).all(), staying.describe()


def test_ten_clients_do_not_fail_and_say_which_method_and_why(tmp_path):
    book = write_book(tmp_path, retainers(10, seed=5)[0])
    checked = backtest(book, QUARTER)
    out = client_potential(book, QUARTER, settings=Settings())
    assert list(checked.methods.columns) == list(METHOD_COLUMNS)
    assert list(checked.methods["method"]) == list(METHODS)
    skipped = checked.methods.set_index("method")["skipped"]
    assert "only 10 client(s)" in skipped[BGNBD] and "need 20" in skipped[BGNBD_OWN_RATE]
    assert checked.chosen == RUN_RATE and "lowest error" in checked.reason
    assert (out["potential_method"] == RUN_RATE).all() and len(out) == 10
    assert out["expected_revenue_next_4q"].gt(0).all()


def test_too_little_history_uses_the_run_rate_and_says_why(tmp_path):
    invoices, _ = retainers(12, months=15)  # January 2023 to March 2024
    book = write_book(tmp_path, invoices, last_day="2024-03-31")
    checked = backtest(book, "2024Q1")
    assert not checked.ran and checked.chosen == RUN_RATE
    assert "start in 2023Q1" in checked.reason and "8 quarters up to 2024Q1" in checked.reason
    assert np.isnan(checked.band).all() and checked.per_client.empty
    out = client_potential(book, "2024Q1", settings=Settings(), checked=checked)
    assert (out["potential_method"] == RUN_RATE).all()
    assert out[LOW].isna().all() and out[HIGH].isna().all()
    assert out["expected_revenue_next_4q"].gt(0).all()


def lowest_error(checked) -> str:
    ran = checked.methods[checked.methods["skipped"] == ""]
    return str(ran.sort_values("error", kind="stable")["method"].iloc[0])


def test_backtest_picks_bgnbd_times_own_rate_on_a_book_of_lapsing_project_buyers(tmp_path):
    book = write_book(tmp_path, projects())
    checked = backtest(book, QUARTER)
    errors = checked.methods.set_index("method")["error"]
    assert errors.notna()[[RUN_RATE, BGNBD_OWN_RATE, BGNBD]].all()
    assert checked.chosen == BGNBD_OWN_RATE == lowest_error(checked)
    assert errors[BGNBD_OWN_RATE] < 0.8 * errors[RUN_RATE]  # P(alive) sees who lapsed
    out = client_potential(book, QUARTER, settings=Settings(), checked=checked)
    assert set(out["potential_method"]) <= {BGNBD_OWN_RATE, RUN_RATE}
    assert (out["potential_method"] == BGNBD_OWN_RATE).mean() > 0.9


def test_backtest_picks_the_run_rate_on_a_growing_book_of_retainers_and_projects(tmp_path):
    retained, _ = retainers(30, growth=0.5, seed=2)
    book = write_book(tmp_path, pd.concat([retained, projects(40, drop=0.0, seed=2)]))
    checked = backtest(book, QUARTER)
    errors = checked.methods.set_index("method")["error"]
    assert errors.notna()[[RUN_RATE, BGNBD_OWN_RATE, BGNBD]].all()
    assert checked.chosen == RUN_RATE == lowest_error(checked)
    assert errors[RUN_RATE] < 0.8 * errors[BGNBD_OWN_RATE]  # the trend carries the growth


def test_backtest_scores_by_hand_and_reads_nothing_after_the_quarter(tmp_path):
    book = write_book(tmp_path, retainers(12, seed=7)[0])
    checked = backtest(book, "2025Q2")
    assert checked.fitted_at == "2024Q2"
    rows = checked.per_client[checked.per_client["method"] == RUN_RATE]
    inv = book.invoices
    window = inv[(inv["issue_date"] > "2024-06-30") & (inv["issue_date"] <= "2025-06-30")]
    actual = rows["client_id"].map(window.groupby("client_id")["amount_base"].sum())
    assert np.allclose(rows["actual"], actual)
    error = (rows["forecast"] - rows["actual"]).abs().sum() / rows["actual"].sum()
    bias = (rows["forecast"] - rows["actual"]).sum() / rows["actual"].sum()
    table = checked.methods.set_index("method")
    assert table.loc[RUN_RATE, "error"] == pytest.approx(error)
    assert table.loc[RUN_RATE, "bias"] == pytest.approx(bias)
    cut = write_book(tmp_path / "cut", inv[inv["issue_date"] <= "2025-06-30"].rename(
        columns={"amount_base": "x"})[["client_id", "issue_date", "amount"]])  # fmt: skip
    again = backtest(cut, "2025Q2")
    pd.testing.assert_frame_equal(again.methods, checked.methods)


def test_forcing_an_unknown_method_is_a_clear_error(tmp_path):
    book = write_book(tmp_path, retainers(10, seed=5)[0])
    with pytest.raises(PumpkinError, match="unknown forecast method"):
        client_potential(book, QUARTER, settings=Settings(), method="crystal-ball")


def test_damped_trend_carries_half_of_last_years_change():
    quarterly = np.array([[100.0] * 4 + [150.0] * 4, [0.0] * 4 + [100.0] * 4])
    summary = pd.DataFrame({"T": [110.0, 110.0]})
    from helpers.forecast.history import Inputs

    trend = damped_trend(Inputs(QUARTER, summary, quarterly))
    assert trend.tolist() == pytest.approx([1.25, 1.0])  # +50% -> +25%; nothing before -> none


def test_weighted_quantiles_follow_the_weights():
    assert weighted_quantiles([1.0, 2.0], [1, 1], [0.5])[0] == pytest.approx(1.5)
    assert weighted_quantiles([1.0, 2.0], [1, 3], [0.5])[0] > 1.5


def test_shifted_beta_geometric_recovers_a_simulated_retention():
    rng = np.random.default_rng(0)
    theta = rng.beta(2.0, 6.0, 20_000)  # churn chance per period, mean 0.25
    life = rng.geometric(theta)  # periods until leaving
    observed = 12
    periods, left = np.minimum(life, observed), life <= observed
    params, ok, why = fit_sbg(periods, left)
    assert ok, why
    assert params["alpha"] == pytest.approx(2.0, rel=0.1)
    assert params["beta"] == pytest.approx(6.0, rel=0.1)
    # long-standing clients are likelier to stay (the posterior of their churn chance)
    assert still_billed(params, 8, 1) > still_billed(params, 1, 1)


def test_lifetimes_read_billed_quarters_lapses_and_schedules():
    quarterly = np.array(
        [[5, 5, 5, 5, 5, 5], [0, 5, 5, 5, 0, 0], [5, 0, 0, 5, 0, 5], [0, 0, 0, 0, 0, 0]], float
    )
    life = lifetimes(quarterly)
    assert life.periods.tolist() == [6, 3, 6, 0]
    assert life.left.tolist() == [False, True, False, False]
    assert life.scheduled.tolist() == [True, True, False, False]


def test_history_cut_matches_the_invoices(tmp_path):
    invoices, _ = retainers(5, seed=3)
    book = write_book(tmp_path, invoices)
    history = book_history(book)
    inputs = inputs_at(history, "2024Q2")
    assert inputs.quarterly.shape == (5, 6)  # 2023Q1 .. 2024Q2
    inv = book.invoices
    q = inv[(inv["issue_date"] >= "2024-04-01") & (inv["issue_date"] <= "2024-06-30")]
    by_client = q.groupby("client_id")["amount_base"].sum()
    assert np.allclose(inputs.quarterly[:, -1], inputs.summary["client_id"].map(by_client))
    assert (inputs.summary["T"] > 0).all()


def test_sbg_earns_nothing_it_cannot_fit_and_runs_when_clients_leave(tmp_path):
    invoices, _ = retainers(30, stop_share=1 / 3, seed=4)
    checked = backtest(write_book(tmp_path, invoices), QUARTER)
    row = checked.methods.set_index("method").loc[SBG]
    assert row["skipped"] == "" and np.isfinite(row["error"])
    steady = backtest(write_book(tmp_path / "steady", retainers(30)[0]), QUARTER)
    assert "have left" in steady.methods.set_index("method").loc[SBG, "skipped"]


# ----------------------------------------------------------------------------- shown to people


@pytest.fixture(scope="module")
def project_book(tmp_path_factory):
    return write_book(tmp_path_factory.mktemp("projects"), projects())


def test_report_text_names_the_method_its_errors_and_the_band(project_book, tmp_path):
    from helpers.decide.contract import client_metrics
    from helpers.present import tables, text

    checked = backtest(project_book, QUARTER)
    metrics = client_metrics(project_book, QUARTER, settings=Settings())
    table = tables.backtest_table(checked).frame
    assert table["used"].tolist().count("used") == 1
    used = table[table["used"] == "used"].iloc[0]
    assert used["method"] == "BG/NBD P(alive) x own revenue rate"
    assert used["error"] == pytest.approx(checked.methods["error"].min())
    paragraph = text.backtest_markdown(checked, metrics, currency="USD")
    assert "lowest error" in paragraph and "80% band" in paragraph
    # the report prints both paragraphs one after the other: "Method:" once, and the per-client
    # counts (which method forecast how many clients) add up to the clients
    both = text.potential_markdown(metrics, currency="USD") + " " + paragraph
    assert both.count("Method:") == 1
    counts = re.findall(r"for (\d+)", both.split("Forecasts by client: ")[1].split(". ")[0])
    assert sum(map(int, counts)) == len(metrics)
    assert "low (80% band)" in tables.potential_table(metrics).frame.columns
    young = backtest(write_book(tmp_path, projects(12)), "2023Q4")
    assert "no band" in text.backtest_markdown(young, metrics, currency="USD")


def test_forecast_check_plot_draws_one_dot_per_client_and_the_band(project_book):
    from helpers.plots.calibration import plot_forecast_check

    checked = backtest(project_book, QUARTER)
    data = checked.per_client
    ax = plot_forecast_check(data, method=checked.chosen, band=checked.band, currency="USD")
    chosen = data[(data["method"] == checked.chosen) & (data["forecast"] > 0)]
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(chosen)
    assert ax.get_xscale() == "log" and "off by" in ax.get_title(loc="left")
    assert len(ax.lines) == 2 + int(checked.band[0] > 0)  # diagonal, band high (and low)
    with pytest.raises(PumpkinError, match="several methods"):
        plot_forecast_check(data, currency="USD")


def test_explorer_card_line_gives_the_band_or_says_there_is_none():
    from helpers.widgets.explorer import potential_line

    row = pd.Series(
        {
            "expected_revenue_next_4q": 48_000.0,
            "expected_revenue_next_4q_low": 41_000.0,
            "expected_revenue_next_4q_high": 72_000.0,
            "potential_method": RUN_RATE,
        }
    )
    assert "80% band $41k to $72k" in potential_line(row, currency="USD")
    assert "no band" in potential_line(row.replace(41_000.0, np.nan), currency="USD")


def test_history_cut_gives_the_same_summary_as_summarise_purchases(tmp_path):
    from helpers.forecast.potential import summarise_purchases

    invoices = pd.concat([projects(30, seed=9), retainers(10, seed=9)[0]])
    credit = pd.DataFrame(
        {"client_id": ["p000", "c001"], "issue_date": ["2024-05-02", "2023-03-15"]}
    ).assign(amount=[-400.0, -50_000.0])  # a credit note alone, and one that nets a day negative
    book = write_book(tmp_path, pd.concat([invoices, credit], ignore_index=True))
    for quarter in ("2024Q2", QUARTER):
        cut = inputs_at(book_history(book), quarter).summary.set_index("client_id")
        end = pd.Period(quarter, freq="Q").end_time.normalize()
        expected = summarise_purchases(
            book.invoices, customer="client_id", date="issue_date", value="amount_base", as_of=end
        ).set_index("client_id")
        assert cut.index.equals(expected.index)
        for column in ("frequency", "recency", "T", "monetary", "credit_dates"):
            assert np.allclose(cut[column], expected[column], equal_nan=True), column
        window = book.invoices[ttm_window(quarter).contains(book.invoices["issue_date"])]
        ttm = window.groupby("client_id")["amount_base"].sum().reindex(cut.index).fillna(0.0)
        assert np.allclose(cut["revenue_ttm"], ttm)


def test_nurture_on_potential_needs_the_low_end_of_the_band():
    from helpers.audit.rules import classify
    from helpers.decide.contract import raw_metrics

    settings = Settings()
    demo = load_book(Path(__file__).resolve().parents[1] / "data" / "sample", settings=Settings())
    raw = raw_metrics(demo, QUARTER, settings=settings)
    assert {LOW, HIGH} <= set(raw.columns)
    low_value = classify(raw, settings=settings)
    candidates = low_value[
        low_value["segment"].isin(["seedling", "weed"])
        & (low_value["revenue_ttm"] > 0)
        & ~low_value["actions"].str.contains("NURTURE|PRUNE|COLLECT")
    ].sort_values("value_score")
    client = candidates["client_id"].iloc[0]
    at = raw["client_id"] == client
    ttm = float(raw.loc[at, "revenue_ttm"].iloc[0])
    point_high = raw.copy()
    point_high.loc[at, ["expected_revenue_next_4q", HIGH]] = 3 * ttm  # point clears 1.25x
    point_high.loc[at, LOW] = 0.5 * ttm  # the low end does not
    row = classify(point_high, settings=settings).set_index("client_id").loc[client]
    assert "NURTURE" not in row["actions"]
    point_high.loc[at, LOW] = 1.5 * ttm
    row = classify(point_high, settings=settings).set_index("client_id").loc[client]
    assert "NURTURE" in row["actions"] and "low end" in row["reasons"]
    without_band = point_high.drop(columns=[LOW, HIGH])
    without_band.loc[at, "expected_revenue_next_4q"] = 3 * ttm
    row = classify(without_band, settings=settings).set_index("client_id").loc[client]
    assert "NURTURE" in row["actions"]  # a contract without the band reads the point


def test_a_big_book_is_backtested_on_one_client_in_k(tmp_path, monkeypatch):
    import helpers.forecast.backtest as module

    book = write_book(tmp_path, projects())
    monkeypatch.setattr(module, "SAMPLE_CLIENTS", 20)  # 60 clients > 2 x 20: one in 3
    checked = module.backtest(book, QUARTER)
    assert checked.every == 3 and "one in 3" in checked.reason
    ran = checked.methods[checked.methods["skipped"] == ""]
    assert (ran["clients"] == 20).all()
    assert checked.per_client.groupby("method").size().eq(20).all()


def test_a_report_run_computes_each_backtest_once_and_the_notebook_reads_it(tmp_path):
    from helpers.report import shared

    folder_book = tmp_path / "book"
    book = write_book(folder_book, retainers(12, seed=7)[0])
    run = {"data_dir": str(folder_book), "settings_file": "", "anonymise": False}
    folder = shared.new_run_folder(run)
    shared.share_quarter(book, QUARTER, settings=Settings(), folder=folder)
    stored = shared.quarter_backtest(book, QUARTER, shared_dir=str(folder), run=run)
    fresh = backtest(book, QUARTER)
    assert stored.chosen == fresh.chosen and stored.reason == fresh.reason
    pd.testing.assert_frame_equal(stored.methods, fresh.methods)
    _history, metrics, _before = shared.quarter_metrics(
        book, QUARTER, settings=Settings(), shared_dir=str(folder), run=run
    )
    assert {LOW, HIGH} <= set(metrics.columns)
    # by hand (no run folder): computed from the parameters alone
    alone = shared.quarter_backtest(book, QUARTER)
    pd.testing.assert_frame_equal(alone.methods, fresh.methods)


def test_reading_a_shared_backtest_needs_no_model_code():
    import subprocess
    import sys

    code = (
        "import sys, helpers.forecast.choice, helpers.present.text, helpers.plots.calibration, "
        "helpers.report.shared; print('scipy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
