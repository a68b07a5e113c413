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

Short series (an Alliance's first-appointment measure, 22 months from October 2023) are too short
to estimate a 12-month seasonality of their own. ``adjusted_forecast`` borrows it: counts are
divided by the month's working days (weekdays less England bank holidays) and by a seasonal factor
of referrals per working day estimated from the national series (``seasonal_profile``, classical
multiplicative decomposition, statsmodels ``seasonal_decompose``); what is left is forecast with a
damped additive trend on the log scale (Holt's method, statsmodels ``ExponentialSmoothing``) and
put back on the calendar. ``rolling_backtest`` checks it against the seasonal-naive forecast from
every origin the series allows.
"""

from __future__ import annotations

import calendar
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise

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
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # type: ignore[import-untyped]

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


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def working_days(month: date) -> int:
    """Weekdays in ``month`` that are not England bank holidays."""
    days = calendar.monthrange(month.year, month.month)[1]
    off = _bank_holidays(month.year)
    return sum(1 for d in range(1, days + 1) if (x := month.replace(day=d)).weekday() < 5 and x not in off)


@dataclass(frozen=True)
class SeasonalProfile:
    """Multiplicative seasonal factors of referrals per working day, by calendar month (1–12)."""

    factors: dict[int, float]
    fitted_from: date
    fitted_to: date
    source: str

    def calendar_factor(self, month: date) -> float:
        """Working days × seasonal factor: what a month's count is divided by to adjust it."""
        return working_days(month) * self.factors[month.month]


def seasonal_profile(months: Sequence[date], values: Sequence[float], *, source: str = "") -> SeasonalProfile:
    """Seasonal factors of ``values`` per working day (consecutive months, at least two years)."""
    from statsmodels.tsa.seasonal import seasonal_decompose  # type: ignore[import-untyped]

    if len(values) < 2 * SEASON:
        raise ValueError(f"a seasonal profile needs at least {2 * SEASON} consecutive months; got {len(values)}")
    for a, b in pairwise(months):
        if add_months(a, 1) != b:
            raise ValueError(f"months are not consecutive: {a:%Y-%m} then {b:%Y-%m}")
    rate = np.asarray([v / working_days(m) for m, v in zip(months, values, strict=True)], dtype=float)
    seasonal = seasonal_decompose(rate, model="multiplicative", period=SEASON).seasonal
    factors = {m.month: float(s) for m, s in zip(months[:SEASON], seasonal[:SEASON], strict=True)}
    return SeasonalProfile(factors, months[0], months[-1], source)


def _adjusted_fit(months: Sequence[date], values: Sequence[float], profile: SeasonalProfile):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # type: ignore[import-untyped]

    y = np.log(np.asarray(values, dtype=float)) - np.log([profile.calendar_factor(m) for m in months])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter from the optimiser
        model = ExponentialSmoothing(y, trend="add", damped_trend=True, initialization_method="estimated")
        return model.fit(optimized=True)


def adjusted_point(
    months: Sequence[date], values: Sequence[float], profile: SeasonalProfile, horizon: int
) -> list[float]:
    """Point forecasts of the calendar-adjusted damped-trend model (see module docstring)."""
    fit = _adjusted_fit(months, values, profile)
    future = [add_months(months[-1], h + 1) for h in range(horizon)]
    return [float(x) for x in np.exp(fit.forecast(horizon) + np.log([profile.calendar_factor(m) for m in future]))]


def adjusted_forecast(
    months: Sequence[date], values: Sequence[float], profile: SeasonalProfile, horizon: int = 12, *, seed: int = 2023
) -> Forecast:
    """Forecast ``horizon`` months after a short series with 95% prediction intervals (simulated paths)."""
    if len(values) < SEASON:
        raise ValueError(f"a forecast needs at least {SEASON} months; got {len(values)}")
    fit = _adjusted_fit(months, values, profile)
    future = [add_months(months[-1], h + 1) for h in range(horizon)]
    cal = np.log([profile.calendar_factor(m) for m in future])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = fit.simulate(
            nsimulations=horizon, repetitions=SIMULATIONS, error="add", random_state=np.random.default_rng(seed)
        )
    paths = np.exp(np.asarray(paths).reshape(horizon, -1) + cal[:, None])
    alpha = (1 - PREDICTION_LEVEL) / 2
    return Forecast(
        future,
        [float(x) for x in np.exp(fit.forecast(horizon) + cal)],
        [float(x) for x in np.quantile(paths, alpha, axis=1)],
        [float(x) for x in np.quantile(paths, 1 - alpha, axis=1)],
        months[0],
        months[-1],
        "damped additive trend (log scale) on referrals per working day, seasonal factors from "
        f"the national series {profile.fitted_from:%b %Y} – {profile.fitted_to:%b %Y}",
    )


@dataclass(frozen=True)
class RollingBacktest:
    """Errors of the model and of seasonal naive over every origin a short series allows."""

    origins: list[date]
    forecasts: int
    max_horizon: int
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
            f"Back-test over {len(self.origins)} origins ({self.origins[0]:%b %Y} – {self.origins[-1]:%b %Y}), "
            f"{self.forecasts} forecasts 1 to {self.max_horizon} months ahead: the model {better} seasonal-naive "
            f"(MAPE {self.model_mape:.2%} vs {self.naive_mape:.2%}; MAE {self.model_mae:,.0f} vs "
            f"{self.naive_mae:,.0f} referrals a month)."
        )


def rolling_backtest(
    months: Sequence[date],
    values: Sequence[float],
    profile: SeasonalProfile,
    *,
    min_train: int = SEASON,
    max_horizon: int = 12,
) -> RollingBacktest:
    """Rolling origin: from each origin with ``min_train`` months behind it, forecast every later
    observed month up to ``max_horizon`` ahead, by the model and by seasonal naive."""
    if min_train < SEASON:
        raise ValueError(f"seasonal naive needs {SEASON} months before an origin")
    if len(values) <= min_train:
        raise ValueError(f"a back-test needs more than {min_train} months; got {len(values)}")
    origins, m_err, n_err, m_pct, n_pct = [], [], [], [], []
    for cut in range(min_train, len(values)):
        test = list(values[cut : cut + max_horizon])
        model = adjusted_point(months[:cut], values[:cut], profile, len(test))
        naive = seasonal_naive(list(values[:cut]), len(test))
        origins.append(months[cut - 1])
        for actual, m, n in zip(test, model, naive, strict=True):
            m_err.append(abs(m - actual))
            n_err.append(abs(n - actual))
            m_pct.append(abs(m - actual) / actual)
            n_pct.append(abs(n - actual) / actual)
    return RollingBacktest(
        origins,
        len(m_err),
        min(max_horizon, len(values) - min_train),
        float(np.mean(m_err)),
        float(np.mean(m_pct)),
        float(np.mean(n_err)),
        float(np.mean(n_pct)),
    )
