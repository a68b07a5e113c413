"""Monthly urgent-referral demand: forecasts with prediction intervals, and honest back-tests.

Model: Holt-Winters exponential smoothing (statsmodels ``ExponentialSmoothing``) on the log of
monthly counts, additive damped trend and additive 12-month seasonality — i.e. multiplicative
seasonality on the original scale, which suits counts that grew by half in four years. Prediction
intervals come from simulating the fitted state-space model (``simulate``, 1,000 paths).

Baseline: the seasonal-naive forecast (the same month last year). Back-tests use rolling origins
and report mean absolute error and mean absolute percentage error of both, so a reader can see
whether the model earns its keep.

COVID-19: urgent referrals collapsed from March 2020 and recovered over 2020/21. Forecasts are
fitted from July 2021 (``POST_COVID_START``); back-tests of the method use the stable 2010–2019
period. Both choices are stated in every output.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np

from cancerwatch.periods import add_months

SEASON = 12
POST_COVID_START = date(2021, 7, 1)
PREDICTION_LEVEL = 0.95
SIMULATIONS = 1000


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and prediction intervals by month."""

    months: list[date]
    mean: list[float]
    lower: list[float]
    upper: list[float]
    fitted_from: date
    fitted_to: date
    method: str


def seasonal_naive(values: list[float], horizon: int, season: int = SEASON) -> list[float]:
    """Each future month = the same month one season earlier (repeating the last season)."""
    if len(values) < season:
        raise ValueError(f"seasonal naive needs at least {season} values")
    last = values[-season:]
    return [last[h % season] for h in range(horizon)]


def _fit(values: list[float]):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter from the optimiser
        model = ExponentialSmoothing(
            np.log(np.asarray(values, dtype=float)),
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=SEASON,
            initialization_method="estimated",
        )
        return model.fit(optimized=True)


def holt_winters(values: list[float], horizon: int) -> list[float]:
    """Point forecasts from the model on the original scale."""
    return list(np.exp(_fit(values).forecast(horizon)))


def forecast(months: list[date], values: list[float], horizon: int = 12, *, seed: int = 2023) -> Forecast:
    """Forecast ``horizon`` months after the series with 95% prediction intervals."""
    if len(values) < 2 * SEASON:
        raise ValueError(f"a seasonal forecast needs at least {2 * SEASON} months; got {len(values)}")
    fit = _fit(values)
    mean = np.exp(fit.forecast(horizon))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = fit.simulate(
            nsimulations=horizon, repetitions=SIMULATIONS, error="add", random_state=np.random.default_rng(seed)
        )
    paths = np.exp(np.asarray(paths))
    alpha = (1 - PREDICTION_LEVEL) / 2
    lower, upper = np.quantile(paths, alpha, axis=1), np.quantile(paths, 1 - alpha, axis=1)
    future = [add_months(months[-1], h + 1) for h in range(horizon)]
    return Forecast(
        future,
        list(mean),
        list(lower),
        list(upper),
        months[0],
        months[-1],
        "Holt-Winters (log scale, damped additive trend, additive 12-month seasonality)",
    )


@dataclass(frozen=True)
class BacktestResult:
    """Errors of the model and of the seasonal-naive baseline on held-back months."""

    origins: list[date]
    horizon: int
    model_mae: float
    model_mape: float
    naive_mae: float
    naive_mape: float

    @property
    def model_beats_naive(self) -> bool:
        """True when the model's mean absolute percentage error is lower."""
        return self.model_mape < self.naive_mape

    def verdict(self) -> str:
        """One sentence for the planner."""
        better = "beats" if self.model_beats_naive else "does NOT beat"
        return (
            f"Back-test over {len(self.origins)} origins, {self.horizon}-month horizon: the model {better} "
            f"seasonal-naive (MAPE {self.model_mape:.1%} vs {self.naive_mape:.1%}; "
            f"MAE {self.model_mae:,.0f} vs {self.naive_mae:,.0f} referrals a month)."
        )


def backtest(months: list[date], values: list[float], origins: list[date], horizon: int = 12) -> BacktestResult:
    """Rolling-origin back-test: fit on months up to each origin, forecast the next ``horizon``."""
    index = {m: i for i, m in enumerate(months)}
    m_err, n_err, m_pct, n_pct = [], [], [], []
    for origin in origins:
        cut = index[origin] + 1
        train, test = values[:cut], values[cut : cut + horizon]
        if len(test) < horizon:
            raise ValueError(f"origin {origin:%Y-%m} leaves fewer than {horizon} months to test")
        model, naive = holt_winters(train, horizon), seasonal_naive(train, horizon)
        for actual, m, n in zip(test, model, naive, strict=True):
            m_err.append(abs(m - actual))
            n_err.append(abs(n - actual))
            m_pct.append(abs(m - actual) / actual)
            n_pct.append(abs(n - actual) / actual)
    return BacktestResult(
        list(origins),
        horizon,
        float(np.mean(m_err)),
        float(np.mean(m_pct)),
        float(np.mean(n_err)),
        float(np.mean(n_pct)),
    )
