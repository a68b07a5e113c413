"""The arithmetic linking referrals to DM01 activity, worked by hand from the definitions."""

from __future__ import annotations

import math

import pytest

from cancerwatch.planning.backlog_model import run_months
from cancerwatch.planning.capacity_plan import fit_service_days
from cancerwatch.planning.diagnostic_capacity import (
    backlog_to_clear,
    demand_forecast,
    monthly_demand,
    need_for_test,
    pathway_tests_per_referral,
    relief_capacity,
)


def test_tests_per_referral_is_activity_over_referrals_month_by_month():
    # 700/100 = 7.0 and 660/110 = 6.0; month "c" has no DM01 activity and is left out
    s = pathway_tests_per_referral({"a": 700, "b": 660}, {"a": 100, "b": 110, "c": 5})
    assert (s.mean, s.low, s.high, s.months) == (6.5, 6.0, 7.0, 2)
    assert s.sd == pytest.approx(math.sqrt(0.5))  # sample sd of 7 and 6
    with pytest.raises(ValueError):
        pathway_tests_per_referral({"a": 1}, {"b": 1})


def test_monthly_demand_is_activity_plus_the_change_in_the_list():
    # month 2: 120 done, list 50 → 60: 130 asked for; month 3: 90 done, list 60 → 40: 70
    assert monthly_demand([100, 120, 90], [50, 60, 40]) == [130, 70]


def test_demand_forecast_moves_only_the_cancer_part():
    # 1,000 a month now at 400 referrals, 0.5 cancer tests a referral: 200 cancer, 800 other
    assert demand_forecast(1000, 0.5, 400, [400, 600]) == [1000, 1100]
    assert demand_forecast(100, 0.5, 400, [0]) == [0]  # the other part never goes below zero


def test_backlog_to_clear_brings_the_share_to_the_standard():
    # 1,000 waiting, 109 for 6+ weeks, at most 1%: x = (109 − 10) / 0.99 = 100
    x = backlog_to_clear(1000, 109, 0.01)
    assert x == pytest.approx(100)
    assert (109 - x) / (1000 - x) == pytest.approx(0.01)
    assert backlog_to_clear(1000, 5, 0.01) == 0  # already within the standard
    with pytest.raises(ValueError):
        backlog_to_clear(1000, 5, 1.0)


def test_relief_capacity_matches_the_nhsr_waiting_list_example():
    # NHSRwaitinglist calc_relief_capacity example: demand 30 a week, queue 1,200, target 390 in 26 weeks
    assert relief_capacity(30, 1200, 390, 26) == pytest.approx(30 + 810 / 26)
    assert round(relief_capacity(30, 1200, 390, 26), 2) == 61.15
    with pytest.raises(ValueError):
        relief_capacity(30, 1200, 390, 0)


def test_need_for_test_adds_the_backlog_spread_over_the_months():
    n = need_for_test(
        "ct", activity_now=480, demand=500, waiting_list=1000, waiting_6plus=109, max_share=0.01, months=4
    )
    assert n.backlog_to_clear == pytest.approx(100)
    assert n.activity_needed == pytest.approx(525)  # 500 + 100 / 4
    assert n.gap == pytest.approx(45) and n.gap_pct == pytest.approx(9.375)


def test_backlog_balance_in_tests_and_the_delay_it_causes():
    # 600 tests beyond the standard, 1,000 a week for 4 weeks against 4,000 asked for: the backlog
    # stays at 600 and delays a patient 7 × 600 / 1,000 = 4.2 days; with 3 fixed days and a
    # 10-day mean work-up, 1 − e^(−(28 − 3 − 4.2)/10) are told within 28 days
    (month,) = run_months([4000], [4], weekly_capacity=1000, start_backlog=600, service_days=10, fixed_days=3)
    assert month.backlog_end == 600 and month.delay_days == pytest.approx(4.2)
    assert month.share_within == pytest.approx(1 - math.exp(-2.08))


def test_fit_service_days_recovers_a_known_work_up():
    observed = [(d, 1 - math.exp(-(25 - d) / 12)) for d in (0.0, 2.0, 5.0)]  # fixed 3 days, work-up 12
    assert fit_service_days(observed, fixed_days=3, low=1, high=60) == pytest.approx(12, abs=0.02)
