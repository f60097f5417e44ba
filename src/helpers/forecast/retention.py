"""Contractual retention: the shifted-beta-geometric model (Fader & Hardie 2007).

For clients billed on a schedule (a retainer invoiced every quarter) a client is either still
billed or has left, and leaving is seen. Fader & Hardie's "How to project customer retention"
(Journal of Interactive Marketing 21(1), 2007): each client leaves at the end of a billing period
with a probability ``theta`` that stays the same for that client and is Beta(``alpha``,
``beta``) across clients. A client billed for ``n`` periods that then left has likelihood
``B(alpha + 1, beta + n - 1) / B(alpha, beta)``; one still billed after ``n`` periods has
``S(n) = B(alpha, beta + n) / B(alpha, beta)``. Given a client has lasted ``n`` periods, the
chance it is still billed ``k`` periods later is ``S(n + k) / S(n)`` (the posterior of its
``theta`` is Beta(``alpha``, ``beta + n``)): long-standing clients are the loyal ones.

Here a billing period is a calendar quarter, a client is billed in a quarter when its net
revenue there is positive, and it has left when it was not billed in the last ``lapse`` quarters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.forecast.potential import _fit, scipy_function

betaln = scipy_function("scipy.special", "betaln")  # scipy imported at the first fit

#: A client not billed in this many consecutive quarters up to the cut has left.
LAPSE_QUARTERS = 2
#: A client is billed on a schedule when it was billed in at least this share of the quarters
#: from its first billed quarter to its last (and in at least two).
SCHEDULE_SHARE = 0.75
#: The model needs this many scheduled clients, of whom this many have left.
MIN_SCHEDULED, MIN_LEFT = 10, 3


@dataclass(frozen=True)
class Lifetimes:
    """Per client (rows of the quarterly matrix): billed quarters of its life so far
    (``periods``), whether it has left, and whether it is billed on a schedule."""

    periods: np.ndarray
    left: np.ndarray
    scheduled: np.ndarray


def lifetimes(quarterly: np.ndarray, *, lapse: int = LAPSE_QUARTERS) -> Lifetimes:
    """Lifetimes in quarters from net revenue per client (rows) and quarter (columns, the cut
    last).

    >>> q = np.array([[1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 0, 0], [1, 0, 0, 1, 0, 1]], float)
    >>> life = lifetimes(q)
    >>> life.periods.tolist(), life.left.tolist(), life.scheduled.tolist()
    ([6, 3, 6], [False, True, False], [True, True, False])
    """
    billed = quarterly > 0
    n = billed.shape[1]
    any_billed = billed.any(axis=1)
    first = np.where(any_billed, billed.argmax(axis=1), n)
    last = np.where(any_billed, n - 1 - billed[:, ::-1].argmax(axis=1), -1)
    left = any_billed & (n - 1 - last >= lapse)
    end = np.where(left, last, n - 1)
    periods = np.where(any_billed, end - first + 1, 0)
    span = np.maximum(last - first + 1, 1)
    share = billed.sum(axis=1) / span
    scheduled = any_billed & (billed.sum(axis=1) >= 2) & (share >= SCHEDULE_SHARE)
    return Lifetimes(periods.astype(int), left, scheduled)


def sbg_loglik(alpha: float, beta: float, periods: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Per-client log-likelihood of the shifted-beta-geometric model (see the module)."""
    n = np.maximum(periods, 1).astype(float)
    gone = betaln(alpha + 1.0, beta + n - 1.0)
    still = betaln(alpha, beta + n)
    return np.where(left, gone, still) - betaln(alpha, beta)


def fit_sbg(periods, left) -> tuple[dict[str, float], bool, str]:
    """Maximum-likelihood ``{alpha, beta}``, whether to trust them, and why not.

    >>> periods = np.array([1, 1, 2, 3, 5, 8, 8, 8, 8, 8])
    >>> left = np.array([True, True, True, True, True, False, False, False, False, False])
    >>> params, ok, why = fit_sbg(periods, left)
    >>> ok, params["alpha"] > 0
    (True, True)
    """
    # few distinct (periods, left) pairs: the likelihood is evaluated once per pair, weighted
    pairs = np.column_stack([np.asarray(periods, dtype=float), np.asarray(left, dtype=float)])
    unique, weight = np.unique(pairs, axis=0, return_counts=True)
    n, gone = unique[:, 0], unique[:, 1].astype(bool)

    def negloglik(log_params):
        alpha, beta = np.exp(log_params)
        return -(weight * sbg_loglik(alpha, beta, n, gone)).sum()

    (alpha, beta), ok, why = _fit(negloglik, 2)
    return {"alpha": float(alpha), "beta": float(beta)}, ok, why


def still_billed(params: dict[str, float], periods, ahead) -> np.ndarray:
    """P(still billed ``ahead`` periods later | billed for ``periods`` so far) = S(n+k)/S(n).

    >>> p = {"alpha": 1.0, "beta": 3.0}
    >>> bool(still_billed(p, 10, 1) > still_billed(p, 1, 1))
    True
    """
    alpha, beta = params["alpha"], params["beta"]
    n = np.asarray(periods, dtype=float)
    k = np.asarray(ahead, dtype=float)
    return np.exp(betaln(alpha, beta + n + k) - betaln(alpha, beta + n))
