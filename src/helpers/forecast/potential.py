"""Future potential: how much business each client will bring next year (seed 003).

Two probability models fitted by maximum likelihood on the book's own invoices:

* **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
  client buys at a Poisson rate (gamma-distributed across clients, ``r``, ``alpha``); after each
  purchase it may drop out with a probability (beta-distributed, ``a``, ``b``). It gives P(alive)
  and the expected number of purchases in the next ``t`` weeks given the client's history.
* **Gamma-Gamma** (Fader & Hardie 2013): the value of a repeat purchase is gamma-distributed
  around a client mean that is itself gamma-distributed (``p``, ``q``, ``v``). It gives the
  expected value per purchase given the client's own mean.

``expected_revenue_next_4q = expected purchases in 52 weeks x expected value per purchase``.

The likelihoods are written with scipy (log space, ``gammaln``/``betaln``, SLSQP on the log of
the parameters) because ``lifetimes`` is archived and breaks on pandas 3 and PyMC-Marketing brings
pymc and pytensor for four closed-form formulas.

The two models are judged separately, and ``potential_method`` says per client where each figure
came from:

* BG/NBD reliable (enough clients and repeat purchasers, converged, no parameter at the edge of
  its range): the expected purchases come from BG/NBD for every client with history.
* The value per purchase is the Gamma-Gamma conditional mean where that model is usable for the
  client (``"bgnbd+gg"``): the Gamma-Gamma fit is reliable and, when ``q <= 1`` (a heavy-tailed
  book whose mean value is undefined), ``p x + q > 1`` for that client so its conditional mean is
  finite. Elsewhere it is the client's own mean purchase value (``"bgnbd+own-mean"``).
* BG/NBD unreliable (small books are the common case): everyone falls back to the documented
  run-rate estimate (``"run-rate"``, see :func:`run_rate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module

import numpy as np
import pandas as pd

from helpers.book.load import Book
from helpers.book.quarters import as_of as quarter_end
from helpers.book.quarters import parse_quarter, shift_quarter, ttm_window
from helpers.book.settings import Settings
from helpers.errors import PumpkinError
from helpers.forecast.choice import BGNBD, BGNBD_OWN_MEAN, NO_HISTORY, RUN_RATE  # noqa: F401


def scipy_function(module: str, name: str):
    """``module.name`` from scipy, imported at its first call: importing scipy.optimize costs
    about 0.5-1 s of CPU, which a process that never fits the model (a report kernel handed the
    run's shared metrics, ``pumpkin`` commands without the potential) should not pay. The
    function found is kept, so later calls (about 1,900 per 2M-book potential, most of them
    inside the fits) do not look the module up again."""
    found = []

    def call(*args, **kwargs):
        if not found:
            try:
                found.append(getattr(import_module(module), name))
            except ImportError as exc:  # one line on the command line, not a traceback
                raise PumpkinError(
                    f"the potential's model needs {module}, which failed to import: {exc}"
                ) from None
        return found[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


minimize = scipy_function("scipy.optimize", "minimize")
betaincinv = scipy_function("scipy.special", "betaincinv")
betaln = scipy_function("scipy.special", "betaln")
expit = scipy_function("scipy.special", "expit")
gammaln = scipy_function("scipy.special", "gammaln")
hyp2f1 = scipy_function("scipy.special", "hyp2f1")
roots_legendre = scipy_function("scipy.special", "roots_legendre")

#: Weeks in the forecast horizon (four quarters).
HORIZON_WEEKS = 52.0
#: Run-rate fallback: the forecast halves for every this many weeks since the last purchase.
RUN_RATE_HALF_LIFE_WEEKS = 52.0
#: Run-rate fallback: a young client's revenue is annualised over at least this many weeks.
RUN_RATE_MIN_WEEKS = 13.0
#: Reliability: the probability models need at least this many clients and repeat purchasers.
MIN_CLIENTS = 20
MIN_REPEATERS = 10


_QUADRATURE_NODES = 64  # Gauss-Legendre nodes of the expected-purchases fallback
_LOG_BOUND = 12.0  # parameters live in [e^-12, e^12]; closer than _AT_BOUND to an edge = "at bound"
_AT_BOUND = 0.01


# ----------------------------------------------------------------------------- inputs


def _arrays(**named: object) -> list[np.ndarray]:
    """Float arrays broadcast together; a clear error naming the bad argument."""
    out = []
    for name, value in named.items():
        arr = np.asarray(value, dtype="float64")
        if np.isnan(arr).any() or (arr < 0).any():
            raise PumpkinError(f"{name}: values must be numbers >= 0 (found NaN or negative)")
        out.append(arr)
    try:
        return list(np.broadcast_arrays(*out))
    except ValueError:
        raise PumpkinError(f"{', '.join(named)}: lengths differ") from None


def _check_recency(recency: np.ndarray, T: np.ndarray) -> None:
    if (recency > T + 1e-9).any():
        raise PumpkinError("recency: must not exceed T (the last purchase is after the first)")


def _unpack(params: Mapping[str, float], names: str) -> list[float]:
    try:
        return [float(params[n]) for n in names.split()]
    except KeyError as exc:
        raise PumpkinError(f"params: missing {exc.args[0]!r} (need {names})") from None


# ----------------------------------------------------------------------------- BG/NBD


def _by_level(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and, per element, the index of its value (``values`` = a[index]).

    A book has few distinct purchase counts: the likelihoods evaluate their special functions
    once per distinct count and broadcast (the same numbers, several times faster per step).
    """
    return np.unique(values, return_inverse=True)


def _bgnbd_loglik(r, alpha, a, b, x, t_x, T, *, levels=None) -> np.ndarray:
    """Per-client log-likelihood of the BG/NBD (FHL 2005, eq. 6); ``levels`` =
    :func:`_by_level` of ``x`` when known."""
    ux, at = levels if levels is not None else _by_level(x)
    common = (
        gammaln(r + ux)[at] - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux)[at] - betaln(a, b)
    )
    survived = -(r + x) * np.log(alpha + T)
    ux1 = np.maximum(ux, 1.0)  # the dropped-out branch exists only for x > 0
    dropped = np.where(
        x > 0, np.log(a) - np.log(b + ux1 - 1)[at] - (r + x) * np.log(alpha + t_x), -np.inf
    )
    return common + np.logaddexp(survived, dropped)


def _fit(negloglik, n_params: int) -> tuple[np.ndarray, bool, str]:
    """SLSQP on log-parameters: (parameters, converged and inside bounds, why not).

    SLSQP, not L-BFGS-B: same optimum on CDNOW, but L-BFGS-B's per-iteration BLAS calls were
    10-25x slower on a busy 2-core machine (multi-threaded OpenBLAS on 4x4 problems). A search
    that stops short (common near a flat optimum) is polished once with Nelder-Mead from where
    it stopped before the fit is called non-converged.
    """
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * n_params
    with np.errstate(all="ignore"):
        result = minimize(negloglik, np.zeros(n_params), method="SLSQP", bounds=bounds)
        if not result.success:
            result = minimize(
                negloglik,
                result.x,
                method="Nelder-Mead",
                bounds=bounds,
                options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000},
            )
    at_bound = np.abs(np.abs(result.x) - _LOG_BOUND) < _AT_BOUND
    if not result.success or not np.isfinite(result.fun):
        return np.exp(result.x), False, f"optimiser did not converge ({result.message})"
    if at_bound.any():
        return np.exp(result.x), False, "a parameter is at the edge of its range"
    return np.exp(result.x), True, ""


def _distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of ``columns`` (one array per column) and, per row, the index of its
    distinct row: ``column == distinct[index]``."""
    rows, index = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
    return [rows[:, k] for k in range(rows.shape[1])], index.ravel()


def _fit_bgnbd(x, t_x, T) -> tuple[dict[str, float], bool, str]:
    scale = max(float(np.max(T)), 1e-9) / 10.0  # time rescaled so alpha starts near 1
    # Clients with the same (x, t_x, T) have the same likelihood, and a book has far fewer
    # distinct histories than clients (1,114 for the 10,000 of the 2M-entry benchmark book):
    # each step evaluates the distinct ones and spreads them back over the clients before the
    # sum, so every client's term and the sum are the numbers they were (the same optimum).
    (xs, ts, Ts), client_row = _distinct_rows(x, t_x / scale, T / scale)
    levels = _by_level(xs)

    def negloglik(log_params):
        r, alpha, a, b = np.exp(log_params)
        return -_bgnbd_loglik(r, alpha, a, b, xs, ts, Ts, levels=levels)[client_row].sum()

    (r, alpha, a, b), ok, why = _fit(negloglik, 4)
    return {"r": float(r), "alpha": float(alpha * scale), "a": float(a), "b": float(b)}, ok, why


def fit_bgnbd(frequency, recency, T) -> dict[str, float]:
    """Maximum-likelihood BG/NBD parameters ``{r, alpha, a, b}`` (time in the unit of the inputs).

    ``frequency`` = repeat purchases, ``recency`` = age at the last purchase, ``T`` = age now.
    Raises :class:`~helpers.errors.PumpkinError` when the optimiser does not converge or a
    parameter runs to the edge of its range (the data cannot identify the model).

    >>> p = fit_bgnbd([0, 1, 2, 5, 0, 3, 1, 0], [0, 4, 9, 20, 0, 15, 2, 0], [30] * 8)
    >>> sorted(p)
    ['a', 'alpha', 'b', 'r']
    """
    x, t_x, T = _arrays(frequency=frequency, recency=recency, T=T)
    _check_recency(t_x, T)
    params, ok, why = _fit_bgnbd(x, t_x, T)
    if not ok:
        raise PumpkinError(f"BG/NBD fit unreliable: {why}")
    return params


def p_alive(params: Mapping[str, float], frequency, recency, T) -> np.ndarray:
    """Probability that each client is still active (BG/NBD): 1 for a client with no repeat.

    >>> params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> float(p_alive(params, 0, 0, 38.86))
    1.0
    >>> bool(p_alive(params, 2, 30.0, 38.86) > p_alive(params, 2, 10.0, 38.86))
    True
    """
    r, alpha, a, b = _unpack(params, "r alpha a b")
    x, t_x, T = _arrays(frequency=frequency, recency=recency, T=T)
    x1 = np.maximum(x, 1.0)
    log_odds_dead = (
        np.log(a) - np.log(b + x1 - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def expected_purchases(params: Mapping[str, float], t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` time units given the history (FHL 2005, eq. 10).

    Written with Euler's transformation of the hypergeometric function, which keeps its first
    two arguments independent of the client's frequency (stable for frequent buyers):
    ``E = P(alive) (a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]`` with
    ``z = t / (alpha + T + t)``. Where scipy's ``hyp2f1`` gives no finite answer (large ``a`` and
    ``b``: a dropout probability nearly the same for every client) the same expectation is
    integrated over the client's posterior dropout probability instead (see
    :func:`_expected_purchases_integral`).

    >>> params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> round(float(expected_purchases(params, 39, 2, 30.43, 38.86)), 3)
    1.226
    """
    r, alpha, a, b = _unpack(params, "r alpha a b")
    t, x, t_x, T = _arrays(t=t, frequency=frequency, recency=recency, T=T)
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        bracket = 1.0 - (1.0 - z) ** (a - 1.0) * hyp2f1(
            a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
        )
        closed = (a + b + x - 1.0) / (a - 1.0) * bracket
    failed = ~np.isfinite(closed) | (closed < 0)
    if failed.any():  # integrated only where the closed form failed (it is the slow one)
        closed = np.array(closed, dtype=float)
        closed[failed] = _expected_purchases_integral(
            r, alpha, a, b, t[failed], x[failed], T[failed]
        )
    return p_alive(params, x, t_x, T) * closed


def _expected_purchases_integral(r, alpha, a, b, t, x, T) -> np.ndarray:
    """Expected purchases in the next ``t`` given the client is alive, by quadrature.

    Given alive, the rate is Gamma(r + x, alpha + T) and the dropout probability ``p`` is
    Beta(a, b + x) (FHL 2005); given ``p`` the expectation is ``(1 - (1 + p t/(alpha+T))^-(r+x))
    / p``. It is averaged over ``p`` with Gauss-Legendre nodes on the Beta quantiles (one
    ``betaincinv`` per distinct frequency), accurate to ~1e-5 where the closed form works.
    """
    nodes, weights = roots_legendre(_QUADRATURE_NODES)
    levels, inverse = np.unique(x.ravel(), return_inverse=True)
    p = betaincinv(a, b + levels[:, None], (nodes + 1.0) / 2.0)[inverse]
    rx = (r + x).ravel()[:, None]
    ratio = (t / (alpha + T)).ravel()[:, None]
    with np.errstate(all="ignore"):
        given_p = np.where(p > 0, -np.expm1(-rx * np.log1p(p * ratio)) / p, rx * ratio)
    return (given_p @ (weights / 2.0)).reshape(x.shape)


def expected_purchases_new(params: Mapping[str, float], t) -> np.ndarray:
    """Expected purchases in ``t`` time units for a client who just made its first purchase.

    FHL 2005 eq. 9: ``(a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]``.

    >>> params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bool(expected_purchases_new(params, 52) > expected_purchases_new(params, 13))
    True
    """
    r, alpha, a, b = _unpack(params, "r alpha a b")
    (t,) = _arrays(t=t)
    with np.errstate(all="ignore"):
        tail = (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
        return (a + b - 1.0) / (a - 1.0) * (1.0 - tail)


# ----------------------------------------------------------------------------- Gamma-Gamma


def _gg_loglik(p, q, v, x, m, *, levels=None) -> np.ndarray:
    """Per-client log-likelihood of the mean repeat value ``m`` over ``x`` purchases;
    ``levels`` = :func:`_by_level` of ``x`` when known."""
    ux, at = levels if levels is not None else _by_level(x)
    pux = p * ux
    px = pux[at]
    return (
        gammaln(pux + q)[at]
        - gammaln(pux)[at]
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + (pux * np.log(ux))[at]
        - (px + q) * np.log(x * m + v)
    )


def _fit_gamma_gamma(x, m) -> tuple[dict[str, float], bool, str]:
    scale = float(np.mean(m))  # v is a scale parameter: fit in units of the mean value
    ms = m / scale
    levels = _by_level(x)

    def negloglik(log_params):
        p, q, v = np.exp(log_params)
        return -_gg_loglik(p, q, v, x, ms, levels=levels).sum()

    (p, q, v), ok, why = _fit(negloglik, 3)
    return {"p": float(p), "q": float(q), "v": float(v * scale)}, ok, why


def _q_note(q: float) -> str:
    return f"q = {q:.3g} <= 1 (the mean value per purchase is undefined)"


def fit_gamma_gamma(frequency, monetary) -> dict[str, float]:
    """Maximum-likelihood Gamma-Gamma parameters ``{p, q, v}`` from repeat purchasers only.

    ``frequency`` = repeat purchases (> 0), ``monetary`` = their mean value (> 0). Raises
    :class:`~helpers.errors.PumpkinError` when the fit is unreliable or ``q <= 1``.

    >>> p = fit_gamma_gamma([1, 2, 3, 1, 4, 2, 5, 1], [10, 12, 9, 30, 11, 15, 10, 8])
    >>> sorted(p)
    ['p', 'q', 'v']
    """
    x, m = _arrays(frequency=frequency, monetary=monetary)
    if (x <= 0).any() or (m <= 0).any():
        raise PumpkinError("frequency and monetary must be > 0: fit repeat purchasers only")
    params, ok, why = _fit_gamma_gamma(x, m)
    if ok and params["q"] <= 1:
        ok, why = False, _q_note(params["q"])
    if not ok:
        raise PumpkinError(f"Gamma-Gamma fit unreliable: {why}")
    return params


def expected_value(params: Mapping[str, float], frequency, monetary) -> np.ndarray:
    """Expected value of a purchase given the client's history (Gamma-Gamma conditional mean).

    ``(p (v + x m)) / (p x + q - 1)``: shrinks the client's own mean toward the book's mean
    ``p v / (q - 1)``, more so when the client has few purchases; ``x = 0`` gives the book mean.
    Defined only where ``p x + q > 1`` (otherwise the result is not a value: inf or negative).

    >>> round(float(expected_value({"p": 6.25, "q": 3.74, "v": 15.44}, 0, 0)), 2)
    35.22
    """
    p, q, v = _unpack(params, "p q v")
    x, m = _arrays(frequency=frequency, monetary=monetary)
    return p * (v + x * m) / (p * x + q - 1.0)


# ----------------------------------------------------------------------------- summaries


def _purchases(transactions: pd.DataFrame, *, customer: str, date: str, value: str) -> pd.DataFrame:
    """One purchase per customer and date: values summed (credit notes netted on the day)."""
    missing = [c for c in (customer, date, value) if c not in transactions.columns]
    if missing:
        raise PumpkinError(f"transactions: column '{missing[0]}' not found")
    frame = transactions[[customer, date, value]]
    for column in (customer, date, value):
        if frame[column].isna().any():
            row = int(np.flatnonzero(frame[column].isna().to_numpy())[0])
            raise PumpkinError(f"transactions: column '{column}' is blank at row {row} (from 0)")
    return (
        frame.assign(**{date: pd.to_datetime(frame[date]).dt.normalize()})
        .groupby([customer, date], as_index=False, sort=True)[value]
        .sum()
    )


def summarise_purchases(
    transactions: pd.DataFrame, *, customer: str, date: str, value: str, as_of, freq: str = "W"
) -> pd.DataFrame:
    """Per-customer ``frequency, recency, T, monetary`` at ``as_of`` from dated purchases.

    One purchase per customer and date (values summed, so a credit note on the day of its
    invoice is netted). A day whose net value is 0 is still a purchase (CDNOW has free orders);
    a day whose net value is negative (a credit note on its own) is not: it is counted in
    ``credit_dates`` and nowhere else. ``frequency`` = purchases after the first, ``recency`` =
    time from the first to the last purchase, ``T`` = time from the first purchase to ``as_of``,
    all in units of ``freq`` ("W" weeks, "D" days). ``monetary`` = mean value of the repeat
    purchases worth more than 0 (zero-value purchases are left out of the mean only; NaN when
    there is none). Only rows dated on or before ``as_of`` count. Customers without a purchase
    are left out.

    >>> tx = pd.DataFrame({"c": ["a", "a", "a", "b"], "d": ["2024-01-01", "2024-01-01",
    ...     "2024-01-15", "2024-01-08"], "v": [10.0, 5.0, 20.0, 7.0]})
    >>> summarise_purchases(tx, customer="c", date="d", value="v", as_of="2024-01-29")
       c  frequency  recency    T  monetary  credit_dates
    0  a        1.0      2.0  4.0      20.0             0
    1  b        0.0      0.0  3.0       NaN             0
    """
    try:
        unit = pd.Timedelta(1, unit=freq)
    except ValueError:
        raise PumpkinError(
            f"freq must be a fixed time unit such as 'W' or 'D', got {freq!r}"
        ) from None
    daily = _purchases(transactions, customer=customer, date=date, value=value)
    return _summarise_daily(
        daily, customer=customer, date=date, value=value, as_of=as_of, unit=unit
    )


def _summarise_daily(
    daily: pd.DataFrame, *, customer: str, date: str, value: str, as_of, unit: pd.Timedelta
) -> pd.DataFrame:
    """:func:`summarise_purchases` from purchases already summed per customer and day."""
    as_of = pd.Timestamp(as_of).normalize()
    daily = daily[daily[date] <= as_of]
    credit = daily[value] < 0
    credits = daily[credit].groupby(customer).size()
    bought = daily[~credit]
    first = bought.groupby(customer)[date].transform("min")
    repeat_value = bought[value].where((bought[date] > first) & (bought[value] > 0))
    return (
        bought.assign(repeat_value=repeat_value)
        .groupby(customer, as_index=False, sort=True)
        .agg(
            first=(date, "min"),
            last=(date, "max"),
            n=(date, "size"),
            monetary=("repeat_value", "mean"),
        )
        .assign(
            frequency=lambda d: (d["n"] - 1).astype("float64"),
            recency=lambda d: (d["last"] - d["first"]) / unit,
            T=lambda d: (as_of - d["first"]) / unit,
            credit_dates=lambda d: d[customer].map(credits).fillna(0).astype(int),
        )[[customer, "frequency", "recency", "T", "monetary", "credit_dates"]]
    )


# ----------------------------------------------------------------------------- the book


@dataclass(frozen=True)
class PotentialFit:
    """The fitted models of one book at one date, and whether they can be trusted.

    ``reliable``: BG/NBD can be trusted, so the expected purchases come from it.
    ``gamma_gamma_reliable``: the Gamma-Gamma optimiser converged inside its range (``q`` may
    still be <= 1: then every client's own mean purchase value is used instead).
    """

    bgnbd: Mapping[str, float] | None
    gamma_gamma: Mapping[str, float] | None
    reliable: bool
    reason: str  # why a fallback is used, for everyone or some clients ("" when none is)
    clients: int
    repeaters: int
    gamma_gamma_reliable: bool = False


def fit_potential(
    summary: pd.DataFrame,
    *,
    min_clients: int = MIN_CLIENTS,
    min_repeaters: int = MIN_REPEATERS,
    gamma_gamma: bool = True,
) -> PotentialFit:
    """Fit BG/NBD and Gamma-Gamma on a purchase summary and judge whether to trust each.

    ``gamma_gamma=False`` fits BG/NBD alone (a method that does not value purchases saves the
    second fit; ``gamma_gamma_reliable`` is then False and ``reason`` says nothing of it).

    BG/NBD is unreliable (the run-rate fallback is used for everyone) when there are fewer than
    ``min_clients`` clients or ``min_repeaters`` repeat purchasers, its optimiser does not
    converge, or a parameter runs to the edge of its range. Gamma-Gamma is judged on its own
    (converged, inside its range); when it is unreliable, or ``q <= 1``, the clients it cannot
    value use their own mean purchase value and ``reason`` says why.
    """
    usable = summary[_usable(summary)]
    repeat = usable[(usable["frequency"] > 0) & (usable["monetary"] > 0)]
    n, n_repeat = len(usable), len(repeat)

    def unreliable(reason, bg=None, gg=None):
        return PotentialFit(bg, gg, False, reason, n, n_repeat)

    if n < min_clients:
        return unreliable(f"only {n} client(s) with purchases (need {min_clients})")
    if n_repeat < min_repeaters:
        return unreliable(f"only {n_repeat} repeat purchaser(s) (need {min_repeaters})")
    bg, ok, why = _fit_bgnbd(*(usable[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    if not ok:
        return unreliable(f"BG/NBD: {why}", bg)
    if not gamma_gamma:
        return PotentialFit(bg, None, True, "", n, n_repeat)
    gg, ok, why = _fit_gamma_gamma(
        repeat["frequency"].to_numpy(float), repeat["monetary"].to_numpy(float)
    )
    if not ok:
        reason = f"Gamma-Gamma: {why}; every client's value per purchase is its own mean"
        return PotentialFit(bg, gg, True, reason, n, n_repeat, gamma_gamma_reliable=False)
    reason = ""
    if gg["q"] <= 1:
        reason = (
            f"Gamma-Gamma: {_q_note(gg['q'])}; every client's value per purchase is its own "
            "mean purchase value"
        )
    return PotentialFit(bg, gg, True, reason, n, n_repeat, gamma_gamma_reliable=True)


def _usable(summary: pd.DataFrame) -> pd.Series:
    """Clients whose summary the models can take (finite, recency within T)."""
    values = summary[["frequency", "recency", "T"]]
    finite = np.isfinite(values.to_numpy(float)).all(axis=1)
    return pd.Series(finite, index=summary.index) & (summary["recency"] <= summary["T"] + 1e-9)


def _discount_factors(discount_rate: float, quarters: int = 4) -> np.ndarray:
    """Mid-quarter discount factors for an annual rate (all 1 when the rate is 0)."""
    return (1.0 + discount_rate) ** -((np.arange(quarters) + 0.5) / 4.0)


def run_rate(summary: pd.DataFrame, *, weeks: float = HORIZON_WEEKS) -> pd.DataFrame:
    """The simple fallback: the last four quarters' run-rate, decayed by time since last purchase.

    ``revenue = max(revenue_ttm, 0) x 52 / clip(T, 13, 52) x 0.5 ** ((T - recency) / 52)
    x weeks / 52``: a client younger than a year is annualised over its age (at least a
    quarter), and the forecast halves for every year without a purchase. ``purchases`` is the
    same formula on ``purchases_ttm`` (purchase days in the TTM). ``summary`` needs ``recency``,
    ``T`` (weeks), ``revenue_ttm`` and ``purchases_ttm``; one output row per summary row.

    >>> s = pd.DataFrame({"recency": [52.0], "T": [104.0], "revenue_ttm": [1000.0],
    ...                   "purchases_ttm": [4.0]})
    >>> run_rate(s)
       revenue  purchases
    0    500.0        2.0
    """
    annualise = HORIZON_WEEKS / summary["T"].clip(RUN_RATE_MIN_WEEKS, HORIZON_WEEKS)
    decay = 0.5 ** ((summary["T"] - summary["recency"]) / RUN_RATE_HALF_LIFE_WEEKS)
    factor = annualise * decay * weeks / HORIZON_WEEKS
    return pd.DataFrame(
        {
            "revenue": summary["revenue_ttm"].clip(lower=0) * factor,
            "purchases": summary["purchases_ttm"] * factor,
        }
    )


def _coded_invoices(book: Book) -> tuple[pd.DataFrame, pd.Index]:
    """The invoices' ``client`` (integer code, in client id order), ``issue_date`` and
    ``amount_base``, and the client ids of the codes.

    Grouping on integers instead of text ids is several times faster; the codes sort like the
    ids, so every group, sum and output order is the same as grouping on the ids.
    """
    invoices = book.invoices
    codes, ids = pd.factorize(invoices["client_id"], sort=True)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise PumpkinError(f"transactions: column 'client_id' is blank at row {row} (from 0)")
    coded = pd.DataFrame(
        {
            "client": codes,
            "issue_date": invoices["issue_date"].to_numpy(),
            "amount_base": invoices["amount_base"].to_numpy(),
        }
    )
    return coded, ids


def _daily_by_code(coded: pd.DataFrame) -> pd.DataFrame:
    """:func:`_purchases` of the coded invoices, grouped on one integer key (client code and
    day) instead of two columns: the same groups, rows and sums, in the same order."""
    days = coded["issue_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    if len(days) == 0:
        return _purchases(coded, customer="client", date="issue_date", value="amount_base")
    day = days.astype(np.int64)
    first = int(day.min())
    key = (coded["client"].to_numpy().astype(np.int64) << 32) | (day - first)
    # the rows put in key order first (stable: each group's rows keep their order, so pandas
    # adds the same numbers in the same order), then grouped as they come: the groups are then
    # already sorted, without pandas sorting the keys it found (about 50 -> 20 ms on 300k
    # invoices; the same sums bit for bit)
    order = np.argsort(key, kind="stable")
    amounts = coded["amount_base"].iloc[order]
    sums = amounts.groupby(key[order], sort=False).sum()
    keys = sums.index.to_numpy()
    return pd.DataFrame(
        {
            "client": (keys >> 32).astype(coded["client"].dtype),
            "issue_date": ((keys & 0xFFFFFFFF) + first)
            .astype("datetime64[D]")
            .astype("datetime64[ns]"),
            "amount_base": sums.to_numpy(),
        }
    )


def _window_totals(coded: pd.DataFrame, daily: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Net revenue (all invoices, credit notes included) and purchase days in the TTM, per
    client code."""
    window = ttm_window(quarter)
    invoices = coded[window.contains(coded["issue_date"])]
    revenue = invoices.groupby("client")["amount_base"].sum()
    bought = daily[window.contains(daily["issue_date"]) & (daily["amount_base"] >= 0)]
    return pd.DataFrame(
        {"revenue_ttm": revenue, "purchases_ttm": bought.groupby("client").size().astype(float)}
    )


def _book_summary(book: Book, quarter: str) -> pd.DataFrame:
    """Per-client purchase summary at the quarter's end, with TTM revenue and purchase count,
    and ``mean_value``: the mean of the client's positive purchases (the first one included)."""
    end = quarter_end(quarter)
    coded, ids = _coded_invoices(book)
    daily = _daily_by_code(coded)
    positive = daily[(daily["issue_date"] <= end) & (daily["amount_base"] > 0)]
    mean_value = positive.groupby("client")["amount_base"].mean()
    summary = _summarise_daily(
        daily,
        customer="client",
        date="issue_date",
        value="amount_base",
        as_of=end,
        unit=pd.Timedelta(1, unit="W"),
    )
    totals = _window_totals(coded, daily, quarter)
    client = summary["client"]
    columns = ["client_id", *summary.columns.drop("client")]
    return summary.assign(
        client_id=ids.take(client.to_numpy()),
        revenue_ttm=client.map(totals["revenue_ttm"]).fillna(0.0).astype(float),
        purchases_ttm=client.map(totals["purchases_ttm"]).fillna(0.0).astype(float),
        mean_value=client.map(mean_value).astype(float),
    )[[*columns, "revenue_ttm", "purchases_ttm", "mean_value"]]


@dataclass(frozen=True)
class Forecast:
    """Per client (rows, in summary order) and horizon (columns): cumulative expected purchases
    and revenue, with P(alive) (NaN for the run-rate) and the method used."""

    client_id: np.ndarray
    purchases: np.ndarray
    revenue: np.ndarray
    p_alive: np.ndarray
    method: np.ndarray


def _value_per_purchase(summary: pd.DataFrame, fit: PotentialFit) -> tuple[np.ndarray, np.ndarray]:
    """Expected value of a purchase per client, and whether it came from Gamma-Gamma.

    The Gamma-Gamma conditional mean where the fit is reliable with ``q > 1`` (a finite book-wide
    mean to shrink toward) and it is a finite positive value; elsewhere the client's own
    ``mean_value``.
    """
    own = summary["mean_value"].to_numpy(float)
    if not fit.gamma_gamma_reliable or fit.gamma_gamma is None:
        return own, np.zeros(len(summary), dtype=bool)
    q = fit.gamma_gamma["q"]
    x = summary["frequency"].to_numpy(float)
    # q <= 1: the book-wide mean spend is infinite, so shrinking a client toward it inflates
    # small clients (seen on the demo book: 1.2k of revenue forecast at 20k). Own means instead.
    defined = np.isfinite(x) & (x >= 0) & (q > 1.0)
    monetary = np.nan_to_num(summary["monetary"].to_numpy(float))
    with np.errstate(all="ignore"):
        model = expected_value(fit.gamma_gamma, np.where(defined, x, 0.0), monetary)
    by_model = defined & np.isfinite(model) & (model > 0)
    return np.where(by_model, model, own), by_model


def _forecast(summary: pd.DataFrame, fit: PotentialFit, weeks: np.ndarray) -> Forecast:
    """BG/NBD purchases x value per purchase (:func:`_value_per_purchase`) where BG/NBD is
    reliable and the client's inputs are sound, else the run-rate, at each horizon in
    ``weeks``."""
    rates = [run_rate(summary, weeks=w) for w in weeks]
    purchases = np.column_stack([r["purchases"].to_numpy(float) for r in rates])
    revenue = np.column_stack([r["revenue"].to_numpy(float) for r in rates])
    alive = np.full(len(summary), np.nan)
    method = np.full(len(summary), RUN_RATE, dtype=object)
    if fit.reliable and len(summary):
        x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        columns = (x[:, None], t_x[:, None], T[:, None])  # every horizon in one call
        model = expected_purchases(fit.bgnbd, np.asarray(weeks)[None, :], *columns)
        value, by_gamma_gamma = _value_per_purchase(summary, fit)
        sound = (
            np.isfinite(model).all(axis=1)
            & (model >= 0).all(axis=1)
            & np.isfinite(value)
            & (value > 0)
            & _usable(summary).to_numpy()
        )
        purchases[sound] = model[sound]
        revenue[sound] = model[sound] * value[sound, None]
        alive[sound] = p_alive(fit.bgnbd, x[sound], t_x[sound], T[sound])
        method[sound] = np.where(by_gamma_gamma[sound], BGNBD, BGNBD_OWN_MEAN)
    return Forecast(summary["client_id"].to_numpy(), purchases, revenue, alive, method)


def calibration(
    book: Book,
    quarter: str,
    *,
    settings: Settings,
    holdout_quarters: int = 4,
    by: str = "quarter",
    min_clients: int = MIN_CLIENTS,
    min_repeaters: int = MIN_REPEATERS,
) -> pd.DataFrame:
    """Holdout check: fit on the book up to ``quarter``, compare with what happened next.

    The cohort is the clients with a purchase by the end of ``quarter``; their predicted and
    actual purchases (purchase days) and revenue are compared over the following complete
    quarters (at most ``holdout_quarters``). ``by="quarter"``: one row per holdout quarter with
    ``quarter, weeks_ahead, clients, predicted_purchases, actual_purchases, predicted_revenue,
    actual_revenue, method`` (``method``: the ``potential_method`` of most cohort clients).
    ``by="client"``: one row per client over the whole holdout with
    ``client_id, potential_method, p_alive, predicted_purchases, actual_purchases,
    predicted_revenue, actual_revenue``. Revenue is undiscounted.
    """
    if by not in ("quarter", "client"):
        raise PumpkinError(f"by must be 'quarter' or 'client', got {by!r}")
    if holdout_quarters < 1:
        raise PumpkinError(f"holdout_quarters must be at least 1, got {holdout_quarters}")
    parse_quarter(quarter)
    complete = set(book.complete_quarters())
    following = [shift_quarter(quarter, k) for k in range(1, holdout_quarters + 1)]
    following = [q for q in following if q in complete]
    if not following:
        raise PumpkinError(f"no complete quarter after {quarter} in the book to compare with")
    end = quarter_end(quarter)
    summary = _book_summary(book, quarter)
    fit = fit_potential(summary, min_clients=min_clients, min_repeaters=min_repeaters)
    weeks = np.array([(quarter_end(q) - end).days / 7.0 for q in following])
    forecast = _forecast(summary, fit, weeks)
    predicted, revenue = forecast.purchases, forecast.revenue
    actual_p, actual_r = _actuals(book, summary["client_id"], end, following)
    if by == "client":
        return pd.DataFrame(
            {
                "client_id": forecast.client_id,
                "potential_method": forecast.method,
                "p_alive": forecast.p_alive,
                "predicted_purchases": predicted[:, -1],
                "actual_purchases": actual_p.sum(axis=1),
                "predicted_revenue": revenue[:, -1],
                "actual_revenue": actual_r.sum(axis=1),
            }
        )
    return pd.DataFrame(
        {
            "quarter": following,
            "weeks_ahead": weeks,
            "clients": len(summary),
            "predicted_purchases": np.diff(predicted, axis=1, prepend=0.0).sum(axis=0),
            "actual_purchases": actual_p.sum(axis=0),
            "predicted_revenue": np.diff(revenue, axis=1, prepend=0.0).sum(axis=0),
            "actual_revenue": actual_r.sum(axis=0),
            "method": _main_method(forecast.method),
        }
    )


def _main_method(methods: np.ndarray) -> str:
    """The most used method (ties: the first in BG/NBD + GG, own mean, run-rate order)."""
    counts = pd.Series(methods, dtype=object).value_counts()
    order = [BGNBD, BGNBD_OWN_MEAN, RUN_RATE]
    return max(order, key=lambda m: (counts.get(m, 0), -order.index(m)))


def _actuals(
    book: Book, clients: pd.Series, end: pd.Timestamp, quarters: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Purchase days and net revenue per cohort client (rows) and holdout quarter (columns)."""
    daily = _purchases(book.invoices, customer="client_id", date="issue_date", value="amount_base")
    daily = daily[(daily["issue_date"] > end) & daily["client_id"].isin(clients)]
    daily = daily.assign(quarter=daily["issue_date"].dt.to_period("Q").astype(str))
    daily = daily[daily["quarter"].isin(quarters)]
    index = pd.Index(clients, name="client_id")

    def table(frame: pd.DataFrame, how: str) -> np.ndarray:
        grouped = frame.groupby(["client_id", "quarter"])["amount_base"].agg(how)
        return (
            grouped.unstack("quarter")
            .reindex(index=index, columns=quarters)
            .fillna(0.0)
            .to_numpy(float)
        )

    return table(daily[daily["amount_base"] >= 0], "size"), table(daily, "sum")
