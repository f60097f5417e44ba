"""Future potential: BG/NBD + Gamma-Gamma reproduce the published CDNOW figures; fallbacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from helpers.book.load import load_book
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.forecast.estimate import POTENTIAL_COLUMNS, client_potential
from helpers.forecast.forecasters import METHODS
from helpers.forecast.history import book_history, inputs_at
from helpers.forecast.potential import (
    BGNBD,
    BGNBD_OWN_MEAN,
    NO_HISTORY,
    RUN_RATE,
    calibration,
    expected_purchases,
    expected_purchases_new,
    expected_value,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_potential,
    p_alive,
    summarise_purchases,
)

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow"
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
needs_cdnow = pytest.mark.skipif(
    not CDNOW.is_dir(), reason=f"CDNOW data not found at {CDNOW} (../shared is absent)"
)


def close(value: float, published: float, tolerance: float = 0.005) -> bool:
    return abs(value / published - 1) <= tolerance


def fitted(book, quarter: str, **options):
    """The BG/NBD and Gamma-Gamma fit of the book at the quarter's end (what bgnbd+gg uses)."""
    return fit_potential(inputs_at(book_history(book), quarter).summary, **options)


# ----------------------------------------------------------------------------- CDNOW


@pytest.mark.shared
@needs_cdnow
def test_bgnbd_reproduces_the_published_cdnow_parameters():
    summary = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    fitted = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    for name, published in PUBLISHED.items():
        assert close(fitted[name], published), (name, fitted[name], published)


@pytest.mark.shared
@needs_cdnow
def test_gamma_gamma_reproduces_the_published_cdnow_parameters():
    summary = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    repeat = summary[summary["x"] > 0]
    assert len(repeat) == 946
    fitted = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    for name, published in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert close(fitted[name], published), (name, fitted[name], published)


@pytest.mark.shared
@needs_cdnow
def test_conditional_expectation_matches_the_paper_with_fitted_parameters():
    summary = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    fitted = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    assert close(float(expected_purchases(fitted, 39, 2, 30.43, 38.86)), 1.226)


def test_conditional_expectation_matches_the_paper_with_published_parameters():
    assert close(float(expected_purchases(PUBLISHED, 39, 2, 30.43, 38.86)), 1.226)


@pytest.mark.shared
@needs_cdnow
def test_summary_built_from_raw_cdnow_transactions_matches_the_published_summary():
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master", "customer", "date", "cds", "value"],
        dtype={"date": str},
    ).assign(date=lambda d: pd.to_datetime(d["date"], format="%Y%m%d"))
    # Calibration period: the first 39 weeks of 1997; T is measured from each first purchase.
    built = summarise_purchases(
        raw, customer="customer", date="date", value="value", as_of="1997-09-30"
    )
    published = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    joined = published.merge(built, left_on="ID", right_on="customer", how="left")
    assert len(built) == len(published) == 2357
    assert joined["customer"].notna().all()
    assert (joined["frequency"] == joined["x"]).all()
    # the file is rounded to 2 decimals
    assert np.allclose(joined["recency"], joined["t_x"], atol=0.0051)
    assert np.allclose(joined["T_x"], joined["T_y"], atol=0.0051)
    assert np.allclose(joined["monetary"].fillna(0.0), joined["zbar"], atol=0.0051)
    plain = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    assert (plain["frequency"].to_numpy() == joined["x"].to_numpy()).all()


# ----------------------------------------------------------------------------- model properties


def test_p_alive_is_one_without_repeat_purchases_and_falls_with_the_recency_gap():
    T = 40.0
    assert np.all(p_alive(PUBLISHED, [0, 0], [0, 0], [T, 3.0]) == 1.0)
    recency = np.array([39.0, 30.0, 20.0, 10.0, 1.0])  # growing gap since the last purchase
    alive = p_alive(PUBLISHED, 3, recency, T)
    assert np.all(np.diff(alive) < 0)
    assert np.all((alive > 0) & (alive < 1))
    # by hand: 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    r, alpha, a, b = PUBLISHED.values()
    by_hand = 1 / (1 + a / (b + 2) * ((alpha + T) / (alpha + 10.0)) ** (r + 3))
    assert alive[3] == pytest.approx(by_hand, rel=1e-12)


def test_expected_purchases_is_zero_at_zero_and_grows_with_the_horizon():
    t = np.array([0.0, 1.0, 13.0, 26.0, 52.0, 104.0])
    expected = expected_purchases(PUBLISHED, t, 4, 30.0, 40.0)
    assert expected[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(expected) > 0)


def test_expected_purchases_matches_the_textbook_form_of_the_formula():
    # FHL 2005 eq. 10 as printed (without Euler's transformation), by hand
    r, alpha, a, b = PUBLISHED.values()
    x, t_x, T, t = 3.0, 20.0, 35.0, 26.0
    z = t / (alpha + T + t)
    printed = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )
    assert float(expected_purchases(PUBLISHED, t, x, t_x, T)) == pytest.approx(printed, rel=1e-9)


def test_expected_purchases_integrates_where_the_hypergeometric_overflows():
    from scipy.integrate import quad
    from scipy.stats import beta

    # large a and b: nearly the same dropout probability (1/6) for every client; 2F1 overflows
    params = {"r": 1.0, "alpha": 10.0, "a": 1000.0, "b": 5000.0}
    r, alpha, a, b = params.values()
    x, t_x, T, t = np.array([0.0, 3.0]), np.array([0.0, 15.0]), np.array([20.0, 20.0]), 52.0
    assert not np.isfinite(hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, t / (alpha + T + t))).all()
    got = expected_purchases(params, t, x, t_x, T)

    def given_p(p, k):  # given alive and dropout probability p, averaged over p ~ Beta(a, b + x)
        return (1 - (1 + p * t / (alpha + T[k])) ** -(r + x[k])) / p * beta.pdf(p, a, b + x[k])

    for k in range(2):
        mean, _ = quad(given_p, *beta.ppf([1e-12, 1 - 1e-12], a, b + x[k]), args=(k,))
        alive = 1.0 if x[k] == 0 else 1 / (1 + a / (b + x[k] - 1) * (30 / (10 + t_x[k])) ** 4)
        assert got[k] == pytest.approx(alive * mean, rel=1e-4)
    # where the closed form works, the integral agrees with it
    from helpers.forecast.potential import _expected_purchases_integral

    x, T = np.array([0.0, 2.0, 7.0]), np.array([38.86, 38.86, 20.0])
    closed = expected_purchases(PUBLISHED, 39.0, x, np.zeros(3), T) / p_alive(PUBLISHED, x, 0, T)
    integral = _expected_purchases_integral(*PUBLISHED.values(), np.full(3, 39.0), x, T)
    assert integral == pytest.approx(closed, rel=1e-4)


def test_new_client_expectation_equals_the_conditional_one_at_age_zero():
    t = np.array([13.0, 52.0])
    assert np.allclose(
        expected_purchases_new(PUBLISHED, t), expected_purchases(PUBLISHED, t, 0, 0, 0)
    )
    assert np.all(np.diff(expected_purchases_new(PUBLISHED, [1, 10, 100])) > 0)


def test_gamma_gamma_expected_value_shrinks_toward_the_book_mean():
    params = {"p": 6.25, "q": 3.74, "v": 15.44}
    book_mean = 6.25 * 15.44 / (3.74 - 1)
    assert float(expected_value(params, 0, 0)) == pytest.approx(book_mean)
    few, many = expected_value(params, [1, 50], [100.0, 100.0])
    assert book_mean < few < many < 100.0


def test_fit_recovers_simulated_parameters():
    truth = {"r": 0.8, "alpha": 6.0, "a": 0.6, "b": 3.0}
    x, t_x, T = simulate_bgnbd(truth, n=3000, seed=7)
    fitted = fit_bgnbd(x, t_x, T)
    for name, value in truth.items():
        assert fitted[name] == pytest.approx(value, rel=0.3), name


def test_bad_inputs_get_clear_errors():
    with pytest.raises(PumpkinError, match="recency"):
        fit_bgnbd([1, 2], [5, 50], [10, 40])
    with pytest.raises(PumpkinError, match="frequency"):
        p_alive(PUBLISHED, [-1], [0], [3])
    with pytest.raises(PumpkinError, match="repeat purchasers"):
        fit_gamma_gamma([0, 1], [0, 10])
    with pytest.raises(PumpkinError, match="params"):
        p_alive({"r": 1}, 1, 1, 2)
    tx = pd.DataFrame({"c": ["a", None], "d": ["2024-01-01", "2024-01-02"], "v": [1.0, 2.0]})
    with pytest.raises(PumpkinError, match="'c'.*row 1"):
        summarise_purchases(tx, customer="c", date="d", value="v", as_of="2024-02-01")
    with pytest.raises(PumpkinError, match="'amount'"):
        summarise_purchases(tx, customer="c", date="d", value="amount", as_of="2024-02-01")


def test_summary_nets_credit_notes_and_counts_one_purchase_per_day():
    tx = pd.DataFrame(
        {
            "c": ["a", "a", "a", "a", "a"],
            "d": ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-15", "2024-03-01"],
            "v": [100.0, -40.0, 30.0, -10.0, 500.0],
        }
    )
    row = summarise_purchases(tx, customer="c", date="d", value="v", as_of="2024-01-29").iloc[0]
    # purchases on 01-01 (60 net) and 01-08; the lone credit note of 01-15 is not a purchase;
    # 03-01 is after as_of
    assert row["frequency"] == 1
    assert row["recency"] == pytest.approx(1.0)
    assert row["T"] == pytest.approx(4.0)
    assert row["monetary"] == pytest.approx(30.0)
    assert row["credit_dates"] == 1


# ----------------------------------------------------------------------------- books


def simulate_bgnbd(params, *, n, seed, horizon=52.0):
    """Repeat purchases (x, t_x, T) of n customers drawn from the BG/NBD itself."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(params["r"], 1 / params["alpha"], n)
    drop = rng.beta(params["a"], params["b"], n)
    T = rng.uniform(horizon / 2, horizon, n)
    x, last, now, alive = np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n, bool)
    while alive.any():
        now = now + rng.exponential(1 / rate)
        alive &= now <= T
        x[alive] += 1
        last[alive] = now[alive]
        alive &= rng.uniform(size=n) >= drop
    return x, last, T


def write_book(
    folder: Path,
    invoices: pd.DataFrame,
    clients: pd.DataFrame | None = None,
    last_day: str = "2025-12-31",
) -> Path:
    """A minimal canonical book: clients, one time entry on ``last_day``, invoices."""
    folder.mkdir(parents=True, exist_ok=True)
    if clients is None:
        clients = pd.DataFrame({"client_id": sorted(invoices["client_id"].unique())})
    clients.assign(name=clients["client_id"].str.upper()).to_csv(
        folder / "clients.csv", index=False
    )
    pd.DataFrame(
        {
            "date": [last_day],
            "client_id": [clients["client_id"].iloc[0]],
            "person": ["ann"],
            "hours": [1],
        }
    ).to_csv(folder / "time_entries.csv", index=False)
    issue = pd.to_datetime(invoices["issue_date"])
    invoices.assign(
        invoice_id=[f"i{k}" for k in range(len(invoices))],
        issue_date=issue.dt.strftime("%Y-%m-%d"),
        due_date=(issue + pd.Timedelta(days=30)).dt.strftime("%Y-%m-%d"),
    ).to_csv(folder / "invoices.csv", index=False)
    return folder


def simulated_invoices(n_clients=60, seed=3):
    """Clients buying at gamma-distributed weekly rates, some stopping, from 2023 to 2025."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-02")
    rows = []
    for k in range(n_clients):
        first = rng.integers(0, 100)
        rate = rng.gamma(2.0, 1 / 12.0)  # purchases per week
        stop = first + rng.exponential(120)
        mean = rng.gamma(4.0, 500.0)
        week = float(first)
        while week <= min(stop, 156):
            rows.append((f"c{k:03d}", start + pd.Timedelta(weeks=week), rng.gamma(6.0, mean / 6.0)))
            week += rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["client_id", "issue_date", "amount"]).round({"amount": 2})


@pytest.fixture(scope="module")
def reliable_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reliable")
    invoices = simulated_invoices()
    clients = pd.DataFrame({"client_id": [f"c{k:03d}" for k in range(60)] + ["new"]}).assign(
        size=lambda d: np.where(d.index % 3 == 0, "small", np.where(d.index % 3 == 1, "large", ""))
    )
    return load_book(write_book(folder, invoices, clients), settings=Settings())


def test_reliable_book_uses_the_models_and_combines_them_by_hand(reliable_book):
    out = client_potential(reliable_book, "2025Q4", settings=Settings(), method=BGNBD)
    assert list(out.columns) == list(POTENTIAL_COLUMNS)
    assert len(out) == len(reliable_book.clients)
    fit = fitted(reliable_book, "2025Q4")
    assert fit.reason == ""
    new = out.set_index("client_id").loc["new"]
    assert new["potential_method"] == NO_HISTORY and new["expected_revenue_next_4q"] == 0
    modelled = out[out["potential_method"] == BGNBD]
    assert len(modelled) == 60
    params = {"bgnbd": fit.bgnbd, "gamma_gamma": fit.gamma_gamma}
    purchases = expected_purchases(
        params["bgnbd"], 52, modelled["frequency"], modelled["recency"], modelled["T"]
    )
    value = expected_value(
        params["gamma_gamma"], modelled["frequency"], modelled["monetary"].fillna(0)
    )
    assert np.allclose(modelled["expected_purchases_4q"], purchases)
    assert np.allclose(modelled["expected_revenue_next_4q"], purchases * value)
    assert modelled["p_alive"].between(0, 1).all()


def test_discount_rate_discounts_each_quarter_at_mid_quarter(reliable_book):
    plain = client_potential(reliable_book, "2025Q4", settings=Settings())
    discounted = client_potential(reliable_book, "2025Q4", settings=Settings(discount_rate=0.2))
    ratio = discounted["expected_revenue_next_4q"] / plain["expected_revenue_next_4q"]
    ratio = ratio[plain["expected_revenue_next_4q"] > 0]
    assert (ratio < 1.2**-0.125 + 1e-12).all() and (ratio > 1.2**-0.875 - 1e-12).all()
    assert (discounted["expected_purchases_4q"] == plain["expected_purchases_4q"]).all()


def test_headroom_is_the_size_wallet_less_ttm_revenue(reliable_book):
    out = client_potential(reliable_book, "2025Q4", settings=Settings()).set_index("client_id")
    invoices = reliable_book.invoices
    in_ttm = invoices["issue_date"].between("2025-01-01", "2025-12-31")
    revenue = invoices[in_ttm].groupby("client_id")["amount_base"].sum()
    small = out.loc["c000"]  # index 0 -> small
    assert small["size_wallet"] == 60_000.0
    assert small["headroom"] == pytest.approx(max(0.0, 60_000.0 - revenue.get("c000", 0.0)))
    assert np.isnan(out.loc["c002", "size_wallet"]) and np.isnan(out.loc["c002", "headroom"])
    assert out.loc["c001", "headroom"] == pytest.approx(1_000_000.0 - revenue.get("c001", 0.0))


def test_point_in_time_ignores_later_invoices(reliable_book, tmp_path):
    invoices = simulated_invoices()
    early = client_potential(reliable_book, "2024Q4", settings=Settings())
    cut = load_book(
        write_book(tmp_path, invoices[invoices["issue_date"] <= "2024-12-31"]), settings=Settings()
    )
    again = client_potential(cut, "2024Q4", settings=Settings())
    merged = early.merge(again, on="client_id", suffixes=("", "_cut"))
    assert np.allclose(merged["expected_revenue_next_4q"], merged["expected_revenue_next_4q_cut"])


def test_calibration_compares_with_counted_actuals(reliable_book):
    table = calibration(reliable_book, "2024Q4", settings=Settings(), holdout_quarters=4)
    assert list(table["quarter"]) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert (table["method"] == BGNBD).all()
    inv = reliable_book.invoices
    cohort = inv.loc[inv["issue_date"] <= "2024-12-31", "client_id"].unique()
    later = inv[(inv["issue_date"] > "2024-12-31") & inv["client_id"].isin(cohort)]
    days = later.drop_duplicates(["client_id", "issue_date"])
    by_quarter = days["issue_date"].dt.quarter.value_counts().sort_index()
    assert (
        table["actual_purchases"].tolist()
        == by_quarter.reindex([1, 2, 3, 4], fill_value=0).tolist()
    )
    assert table["weeks_ahead"].tolist() == pytest.approx([90 / 7, 181 / 7, 273 / 7, 365 / 7])
    per_client = calibration(reliable_book, "2024Q4", settings=Settings(), by="client")
    assert per_client["predicted_purchases"].sum() == pytest.approx(
        table["predicted_purchases"].sum()
    )
    assert per_client["actual_revenue"].sum() == pytest.approx(later["amount_base"].sum())
    # a sane forecast: within 40% of what happened on this simulated book
    assert table["predicted_purchases"].sum() == pytest.approx(
        table["actual_purchases"].sum(), rel=0.4
    )
    with pytest.raises(PumpkinError, match="no complete quarter"):
        calibration(reliable_book, "2025Q4", settings=Settings())


def heavy_tailed_invoices(n_clients=80, seed=10):
    """Clients buying at gamma-distributed weekly rates (at most one invoice a day), dropping out
    after a purchase with probability 0.2; client mean values spread log-uniformly over $30 to
    $30k, so the Gamma-Gamma fit has q <= 1."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-02")
    rows = []
    for k in range(n_clients):
        mean = 30.0 * 10 ** rng.uniform(0, 3)
        rate = rng.gamma(2.0, 1 / 16.0)
        week = float(rng.integers(0, 150))
        while week <= 156:
            day = start + pd.Timedelta(days=int(week * 7))
            rows.append((f"c{k:03d}", day, rng.gamma(3.0, mean / 3.0)))
            if rng.uniform() < 0.2:
                break
            week += 1.0 + rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["client_id", "issue_date", "amount"]).round({"amount": 2})


def test_gamma_gamma_q_below_one_keeps_bgnbd_and_values_clients_at_their_own_mean(tmp_path):
    invoices = heavy_tailed_invoices()
    assert not invoices.duplicated(["client_id", "issue_date"]).any()  # one purchase per row
    book = load_book(write_book(tmp_path, invoices), settings=Settings())
    out = client_potential(book, "2025Q4", settings=Settings(), method=BGNBD)
    fit = fitted(book, "2025Q4")
    params = {"bgnbd": fit.bgnbd, "gamma_gamma": fit.gamma_gamma}
    p, q, v = (params["gamma_gamma"][k] for k in "pqv")
    assert q <= 1
    assert "q = " in fit.reason and "own mean" in fit.reason
    repeat = out[(out["frequency"] > 0) & (out["monetary"] > 0)]
    with pytest.raises(PumpkinError, match="q = "):  # the public fit keeps its contract
        fit_gamma_gamma(repeat["frequency"], repeat["monetary"])

    x = out["frequency"]
    own_mean = out["client_id"].map(invoices.groupby("client_id")["amount"].mean())
    # q <= 1: no finite book mean to shrink toward, so every client is valued at its own mean
    value = own_mean
    purchases = expected_purchases(params["bgnbd"], 52, x, out["recency"], out["T"])
    assert (out["potential_method"] == BGNBD_OWN_MEAN).all()
    assert (x == 0).sum() >= 5 and len(out) >= 20
    assert np.allclose(out["expected_purchases_4q"], purchases)
    assert np.allclose(out["expected_revenue_next_4q"], purchases * value)
    assert out["p_alive"].between(0, 1).all()


# ----------------------------------------------------------------------------- fallbacks


def run_rate_by_hand(revenue_ttm, T, recency, weeks=52.0):
    return revenue_ttm * 52 / min(max(T, 13), 52) * 0.5 ** ((T - recency) / 52) * weeks / 52


def test_one_client_falls_back_to_the_run_rate(tmp_path):
    invoices = pd.DataFrame(
        {
            "client_id": ["solo"] * 3,
            "issue_date": ["2025-02-01", "2025-05-01", "2025-08-01"],
            "amount": [1000.0, 2000.0, 1500.0],
        }
    )
    book = load_book(write_book(tmp_path, invoices), settings=Settings())
    out = client_potential(book, "2025Q4", settings=Settings(), method=BGNBD)
    row = out.iloc[0]
    assert row["potential_method"] == RUN_RATE  # BG/NBD cannot run on one client
    assert "1 client" in fitted(book, "2025Q4").reason
    T, recency = 333 / 7, 181 / 7  # 2025-02-01 -> 12-31, 02-01 -> 08-01
    assert row["frequency"] == 2 and row["T"] == pytest.approx(T)
    # the run-rate marks a client down only for the silence beyond its usual interval (13 weeks)
    lapsed = recency + recency / 2  # as if the last purchase were one usual interval later
    assert row["expected_revenue_next_4q"] == pytest.approx(run_rate_by_hand(4500.0, T, lapsed))
    assert row["expected_purchases_4q"] == pytest.approx(run_rate_by_hand(3.0, T, lapsed))
    assert np.isnan(row["p_alive"])


def test_no_repeat_purchases_falls_back_to_the_run_rate(tmp_path):
    days = pd.date_range("2025-01-06", periods=30, freq="W")
    invoices = pd.DataFrame(
        {
            "client_id": [f"c{k:02d}" for k in range(30)],
            "issue_date": days,
            "amount": 100.0 + np.arange(30),
        }
    )
    book = load_book(write_book(tmp_path, invoices), settings=Settings())
    out = client_potential(book, "2025Q4", settings=Settings(), method=BGNBD)
    assert (out["potential_method"] == RUN_RATE).all()
    assert "repeat" in fitted(book, "2025Q4").reason
    assert (out["frequency"] == 0).all()
    first = out.iloc[0]
    T = (pd.Timestamp("2025-12-31") - days[0]).days / 7
    assert first["expected_revenue_next_4q"] == pytest.approx(run_rate_by_hand(100.0, T, 0.0))


def test_all_purchases_on_one_day_fall_back_and_count_one_purchase(tmp_path):
    invoices = pd.DataFrame(
        {
            "client_id": [f"c{k:02d}" for k in range(25) for _ in range(3)],
            "issue_date": "2025-11-03",
            "amount": 50.0,
        }
    )
    clients = pd.DataFrame({"client_id": [f"c{k:02d}" for k in range(25)] + ["idle"]})
    out = client_potential(
        load_book(write_book(tmp_path, invoices, clients), settings=Settings()),
        "2025Q4",
        settings=Settings(),
    )
    buyers = out[out["client_id"] != "idle"]
    assert (buyers["potential_method"] == RUN_RATE).all()
    assert (buyers["frequency"] == 0).all() and buyers["recency"].eq(0).all()
    T = 58 / 7  # 2025-11-03 -> 12-31, annualised over 13 weeks at least
    assert buyers["expected_revenue_next_4q"].tolist() == pytest.approx(
        [run_rate_by_hand(150.0, T, 0.0)] * 25
    )
    idle = out[out["client_id"] == "idle"].iloc[0]
    assert idle["potential_method"] == NO_HISTORY and idle["expected_revenue_next_4q"] == 0


def test_small_book_can_opt_into_the_models_but_not_below_their_needs(reliable_book):
    strict = client_potential(
        reliable_book, "2025Q4", settings=Settings(), min_clients=1000, method=BGNBD
    )
    assert (strict["potential_method"].isin([RUN_RATE, NO_HISTORY])).all()
    assert "need 1000" in fitted(reliable_book, "2025Q4", min_clients=1000).reason


# ----------------------------------------------------------------------------- the figure


def test_plot_calibration_draws_actual_bars_and_the_predicted_line():
    from helpers.plots.calibration import plot_calibration

    table = pd.DataFrame(
        {
            "quarter": ["2025Q1", "2025Q2", "2025Q3"],
            "predicted_purchases": [10.0, 11.0, 12.0],
            "actual_purchases": [12.0, 10.0, 13.0],
            "predicted_revenue": [1e3, 1e3, 1e3],
            "actual_revenue": [1e3, 1e3, 1e3],
            "method": BGNBD,
        }
    )
    ax = plot_calibration(table, currency="USD")
    assert [p.get_height() for p in ax.patches] == [12.0, 10.0, 13.0]
    assert list(ax.lines[0].get_ydata()) == [10.0, 11.0, 12.0]
    assert (
        ax.get_title(loc="left") == "The forecast was 6% under what happened over 3 quarters"
    )  # 33 / 35
    assert "matched" in plot_calibration(table, measure="revenue", currency="USD").get_title(
        loc="left"
    )
    with pytest.raises(PumpkinError, match="measure"):
        plot_calibration(table, measure="hours", currency="USD")
    with pytest.raises(PumpkinError, match="actual_purchases"):
        plot_calibration(table.drop(columns="actual_purchases"), currency="USD")


def test_book_without_purchases_gives_no_history_and_credit_notes_are_not_purchases(tmp_path):
    clients = pd.DataFrame({"client_id": ["a", "b"], "size": ["small", "small"]})
    empty = pd.DataFrame({"client_id": [], "issue_date": [], "amount": []})
    out = client_potential(
        load_book(write_book(tmp_path / "empty", empty, clients), settings=Settings()),
        "2025Q4",
        settings=Settings(),
    )
    assert (out["potential_method"] == NO_HISTORY).all()
    assert (out["expected_revenue_next_4q"] == 0).all()
    credit = pd.DataFrame({"client_id": ["a"], "issue_date": ["2025-03-01"], "amount": [-50.0]})
    out = client_potential(
        load_book(write_book(tmp_path / "credit", credit, clients), settings=Settings()),
        "2025Q4",
        settings=Settings(),
    )
    row = out.set_index("client_id").loc["a"]
    assert row["potential_method"] == NO_HISTORY
    assert row["headroom"] == 60_000.0  # a net refund does not widen the headroom


def test_calibration_on_a_small_book_uses_and_labels_the_run_rate(tmp_path):
    invoices = pd.DataFrame(
        {
            "client_id": ["a", "a", "a", "b"],
            "issue_date": ["2024-06-30", "2024-12-31", "2025-02-15", "2025-03-01"],
            "amount": [100.0, 300.0, 50.0, 70.0],
        }
    )
    book = load_book(write_book(tmp_path, invoices, last_day="2025-06-30"), settings=Settings())
    table = calibration(book, "2024Q4", settings=Settings(), holdout_quarters=4)
    assert list(table["quarter"]) == ["2025Q1", "2025Q2"]  # only complete quarters
    assert (table["method"] == RUN_RATE).all() and table["clients"].eq(1).all()
    assert table["actual_purchases"].tolist() == [1, 0]  # b is not in the cohort
    assert table["actual_revenue"].tolist() == [50.0, 0.0]
    T = (pd.Timestamp("2024-12-31") - pd.Timestamp("2024-06-30")).days / 7
    weeks = [90 / 7, 181 / 7]
    cumulative = [run_rate_by_hand(400.0, T, T, w) for w in weeks]
    assert table["predicted_revenue"].tolist() == pytest.approx(
        [cumulative[0], cumulative[1] - cumulative[0]]
    )


def test_a_single_degenerate_client_falls_back_alone(reliable_book):
    from helpers.forecast.potential import _book_summary, _forecast, fit_potential

    summary = _book_summary(reliable_book, "2025Q4")
    fit = fit_potential(summary)
    assert fit.reliable
    broken = summary.assign(
        recency=np.where(summary.index == 0, summary["T"] + 5, summary["recency"])
    )
    forecast = _forecast(broken, fit, np.array([52.0]))
    assert forecast.method[0] == RUN_RATE and np.isnan(forecast.p_alive[0])
    assert (forecast.method[1:] == BGNBD).all()
    row = broken.iloc[0]
    assert forecast.revenue[0, 0] == pytest.approx(
        run_rate_by_hand(row["revenue_ttm"], row["T"], row["recency"])
    )


def test_fit_judges_non_convergence_and_parameters_at_the_edge():
    from helpers.forecast.potential import _fit

    _params, ok, why = _fit(lambda lp: np.nan, 2)
    assert not ok and "converge" in why
    params, ok, why = _fit(lambda lp: float(np.sum(lp)), 2)  # runs down to the lower bound
    assert not ok and "edge" in why and np.all(params < 1e-4)
    params, ok, why = _fit(lambda lp: float(np.sum((lp - 1.0) ** 2)), 2)
    assert ok and why == "" and params == pytest.approx([np.e, np.e], rel=1e-4)


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    from helpers.book.sample import write_sample

    return load_book(write_sample(tmp_path_factory.mktemp("demo")), settings=Settings())


def test_demo_book_is_forecast_for_every_client(demo_book):
    # no test asserts a time: `python benchmarks/bench_metrics.py --breakdown` times the fit
    book = demo_book
    out = client_potential(book, "2025Q4", settings=Settings())
    assert len(out) == len(book.clients) and out["client_id"].is_unique
    assert out["expected_revenue_next_4q"].notna().all()
    assert (out["expected_revenue_next_4q"] >= 0).all()
    assert set(out["potential_method"]) <= {*METHODS, BGNBD_OWN_MEAN, NO_HISTORY}


def test_demo_book_keeps_bgnbd_when_gamma_gamma_cannot_value_everyone(demo_book):
    out = client_potential(demo_book, "2025Q4", settings=Settings(), method=BGNBD)
    # client mean values span ~$30 to ~$22k: Gamma-Gamma q <= 1, BG/NBD still fits
    assert fitted(demo_book, "2025Q4").gamma_gamma["q"] <= 1
    active = out[out["T"] - out["recency"] < 52]  # a purchase in the last four quarters
    modelled = active["potential_method"].isin([BGNBD, BGNBD_OWN_MEAN])
    assert modelled.mean() >= 0.5, active["potential_method"].value_counts()
    table = calibration(demo_book, "2024Q4", settings=Settings())
    assert (table["method"] != RUN_RATE).all()
    assert table["predicted_purchases"].sum() == pytest.approx(
        table["actual_purchases"].sum(), rel=0.15
    )
