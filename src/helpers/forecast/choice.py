"""Which forecast method: the methods' names and words, and the record of a backtest.

No model code here (no scipy): a report kernel handed a run's shared backtest unpickles
:class:`Backtest` and words its table with this module alone; the models live in
:mod:`helpers.forecast.potential`, :mod:`helpers.forecast.forecasters` and
:mod:`helpers.forecast.backtest`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RUN_RATE, NO_HISTORY = "run-rate", "no-history"
BGNBD, BGNBD_OWN_MEAN = "bgnbd+gg", "bgnbd+own-mean"
BGNBD_OWN_RATE, SBG = "bgnbd+own-rate", "sbg+run-rate"
#: The methods in the order a tie in the backtest is settled (the simplest first).
METHODS = (RUN_RATE, BGNBD_OWN_RATE, BGNBD, SBG)
#: Each method (and per-client fallback) in words, for tables and figures.
METHOD_WORDS = {
    RUN_RATE: "run-rate with damped trend",
    BGNBD_OWN_RATE: "BG/NBD P(alive) x own revenue rate",
    BGNBD: "BG/NBD x Gamma-Gamma",
    SBG: "retention (shifted-beta-geometric) x run-rate",
    BGNBD_OWN_MEAN: "BG/NBD x own mean purchase",
    NO_HISTORY: "no purchase yet",
}
#: Columns of :attr:`Backtest.methods`.
METHOD_COLUMNS = ("method", "error", "bias", "clients", "band_low", "band_high", "skipped")


@dataclass(frozen=True)
class Backtest:
    """The backtest of one book at one audited quarter (see :mod:`helpers.forecast.backtest`).

    ``methods``: one row per method (``method, error, bias, clients, band_low, band_high,
    skipped``; ``skipped`` is why a method did not run, "" when it did; the figures are NaN when
    it did not; ``band_low``/``band_high`` multiply a point forecast into its 80% band).
    ``chosen``: the method used for the audited quarter; ``reason``: why, in a sentence.
    ``per_client``:
    ``client_id, method, forecast, actual`` for every method that ran (the calibration plot).
    ``fitted_at``: the cut (four quarters before ``quarter``), None without a backtest.
    ``every``: the backtest ran on every ``every``-th client known at the cut (1 = all).
    """

    quarter: str
    fitted_at: str | None
    chosen: str
    reason: str
    methods: pd.DataFrame = field(repr=False)
    per_client: pd.DataFrame = field(repr=False)
    every: int = 1

    @property
    def ran(self) -> bool:
        """Whether there was a backtest (else the run-rate was used for lack of history)."""
        return self.fitted_at is not None

    def band_for(self, method: str) -> tuple[float, float]:
        """(low, high) multipliers of ``method``'s point forecast; NaN when it did not run."""
        row = self.methods[self.methods["method"] == method]
        if row.empty:
            return (np.nan, np.nan)
        return (float(row["band_low"].iloc[0]), float(row["band_high"].iloc[0]))

    @property
    def band(self) -> tuple[float, float]:
        """The chosen method's band (NaN without a backtest)."""
        return self.band_for(self.chosen)
