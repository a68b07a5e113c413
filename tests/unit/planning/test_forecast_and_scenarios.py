"""Demand forecasts on series with a known truth, and scenario-file validation."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from cancerwatch.errors import InputError
from cancerwatch.periods import add_months
from cancerwatch.planning.referral_forecast import backtest, forecast, seasonal_naive
from cancerwatch.planning.scenarios import load_scenario

SEASONAL = [1.0, 1.05, 1.1, 0.95, 1.0, 1.08, 0.9, 1.02, 1.06, 0.85, 0.97, 1.12]


def _series(n=96, growth=0.006, noise=0.02, seed=1):
    rng = np.random.default_rng(seed)
    months = [add_months(date(2012, 4, 1), i) for i in range(n)]
    values = [20_000 * math.exp(growth * i) * SEASONAL[i % 12] * math.exp(rng.normal(0, noise)) for i in range(n)]
    return months, values


def test_seasonal_naive_repeats_last_season():
    assert seasonal_naive(list(range(24)), 14) == [*range(12, 24), 12, 13]
    with pytest.raises(ValueError):
        seasonal_naive([1, 2, 3], 2)


def test_forecast_tracks_trend_and_season_with_intervals():
    months, values = _series(108)
    f = forecast(months[:96], values[:96], 12)
    truth = values[96:]
    assert f.months[0] == date(2020, 4, 1) and len(f.mean) == 12
    mape = np.mean([abs(m - t) / t for m, t in zip(f.mean, truth, strict=True)])
    assert mape < 0.05
    inside = sum(lo <= t <= hi for lo, t, hi in zip(f.lower, truth, f.upper, strict=True))
    assert inside >= 10  # 95% intervals: most of the truth falls inside
    assert all(lo < m < hi for lo, m, hi in zip(f.lower, f.mean, f.upper, strict=True))


def test_backtest_model_beats_naive_on_a_growing_series():
    months, values = _series(108, growth=0.01)
    bt = backtest(months, values, [date(2018, 3, 1), date(2018, 9, 1)], 12)
    assert bt.model_beats_naive and bt.model_mape < bt.naive_mape
    assert "beats seasonal-naive" in bt.verdict()


def test_example_scenario_and_errors(tmp_path):
    from importlib import resources

    example = resources.files("cancerwatch.planning").joinpath("example_scenario.toml")
    sc = load_scenario(example)
    assert sc.extra_capacity_pct == 10 and sc.schemes[0].share == 0.25
    bad = tmp_path / "s.toml"
    cases = [
        ("[scenario]\nextra_capacity = 5\n", "s.toml, column 'extra_capacity': unknown key scenario.extra_capacity"),
        (
            "[[scheme]]\nshare = 0.7\ndays_saved = 5\n[[scheme]]\nshare = 0.5\ndays_saved = 2\n",
            "s.toml, column 'share': scheme shares add up to more than 1",
        ),
        (
            "[scenario]\ndemand_growth_pct = 'lots'\n",
            "s.toml, column 'scenario.demand_growth_pct': scenario.demand_growth_pct must be a number",
        ),
        ("[[scheme]]\nshare = 0.2\n", "s.toml, column 'days_saved': scheme[1]: missing key 'days_saved'"),
        ("[scenario\n", "s.toml: not valid TOML"),
    ]
    for text, message in cases:
        bad.write_text(text)
        with pytest.raises(InputError) as err:
            load_scenario(bad)
        assert str(err.value).startswith(message), str(err.value)
