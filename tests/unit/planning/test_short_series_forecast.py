"""Working days, borrowed seasonality and the rolling-origin back-test on series with a known truth."""

from __future__ import annotations

import math
from datetime import date

import pytest

from cancerwatch.catalogue.planning import assumptions, predecessors, validate
from cancerwatch.periods import add_months
from cancerwatch.planning.referral_forecast import (
    adjusted_forecast,
    rolling_backtest,
    seasonal_profile,
    working_days,
)

PATTERN = [1.04, 0.98, 1.02, 0.97, 1.0, 1.03, 1.05, 0.96, 1.0, 1.01, 0.99, 0.95]


def test_working_days_leave_out_weekends_and_bank_holidays():
    assert working_days(date(2025, 12, 1)) == 21  # 23 weekdays less Christmas Day and Boxing Day
    assert working_days(date(2025, 4, 1)) == 20  # 22 weekdays less Good Friday and Easter Monday
    assert working_days(date(2025, 2, 1)) == 20  # no bank holiday


def _series(start: date, n: int, growth: float = 0.0):
    months = [add_months(start, i) for i in range(n)]
    values = [500 * working_days(m) * PATTERN[m.month - 1] * math.exp(growth * i) for i, m in enumerate(months)]
    return months, values


def test_seasonal_profile_recovers_the_pattern_per_working_day():
    months, values = _series(date(2012, 1, 1), 48)
    profile = seasonal_profile(months, values)
    mean = sum(PATTERN) / 12
    for month, factor in profile.factors.items():
        assert factor == pytest.approx(PATTERN[month - 1] / mean, rel=1e-9)
    with pytest.raises(ValueError):
        seasonal_profile(months[:12], values[:12])
    with pytest.raises(ValueError):
        seasonal_profile([*months[:12], *months[13:26]], [*values[:12], *values[13:26]])


def test_rolling_backtest_counts_every_checkable_forecast_and_beats_naive_on_growth():
    profile = seasonal_profile(*_series(date(2012, 1, 1), 48))
    months, values = _series(date(2023, 10, 1), 20, growth=0.01)
    bt = rolling_backtest(months, values, profile, min_train=12, max_horizon=12)
    assert len(bt.origins) == 8 and bt.origins[0] == date(2024, 9, 1)  # origins Sep 2024 – Apr 2025
    assert bt.forecasts == 8 + 7 + 6 + 5 + 4 + 3 + 2 + 1
    # seasonal naive: each month forecast by the same month a year earlier
    naive = [abs(values[t - 12] - values[t]) / values[t] for cut in range(12, 20) for t in range(cut, 20)]
    assert bt.naive_mape == pytest.approx(sum(naive) / len(naive), rel=1e-12)
    assert bt.naive_mape > 0.08  # a year's growth (e^0.12) and a different count of working days
    assert bt.model_mape < 0.02 and bt.model_beats_naive
    assert "beats seasonal-naive" in bt.verdict()


def test_adjusted_forecast_intervals_contain_the_mean():
    profile = seasonal_profile(*_series(date(2012, 1, 1), 48))
    months, values = _series(date(2023, 10, 1), 22, growth=0.005)
    f = adjusted_forecast(months, values, profile, 12)
    assert f.months[0] == date(2025, 8, 1) and len(f.mean) == 12
    assert all(lo < m < hi for lo, m, hi in zip(f.lower, f.mean, f.upper, strict=True))


def test_planning_catalogue_is_sound():
    assert validate() == []
    a = assumptions()
    assert a["cancer_share"].option == "--cancer-share" and 0 < float(a["cancer_share"].default) < 1
    assert a["service_days"].default == "fitted" and a["tests_per_referral"].default == "estimated"
    assert predecessors("E56000035") == [("EOE-NORTH", date(2024, 4, 1)), ("EOE-SOUTH", date(2024, 4, 1))]
    assert predecessors("E56000005") == []
