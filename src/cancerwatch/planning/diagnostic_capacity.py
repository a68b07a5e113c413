"""The arithmetic that links urgent referrals to DM01 diagnostic activity, and sizes activity.

Pure functions, no I/O, each hand-checkable:

- **tests per referral**: DM01 activity of the cancer-pathway tests ÷ urgent referrals seen, month
  by month; its mean and spread. Only a share of that activity serves cancer pathways (DM01 does
  not record why a test was requested), so cancer-pathway tests per referral = share × ratio.
- **demand for a test**: what joins its waiting list or is done unplanned in a month, from DM01's
  own balance ``demand = activity + (list at month end − list a month before)``. Forecast:
  the part serving cancer pathways moves with the referral forecast, the rest stays at its level.
- **backlog to clear** to meet a waiting-list standard "no more than θ of the list waiting 6+
  weeks": extra tests given to the longest waiters shrink the 6+ week count and the list alike,
  so ``x`` more tests bring the share to θ when ``(W₆ − x) ÷ (W − x) = θ``:
  ``x = (W₆ − θ·W) ÷ (1 − θ)`` (nothing when the share is already at or below θ).
- **relief capacity** (NHS-R Community, NHSRwaitinglist ``calc_relief_capacity``, after Fong et
  al. 2022, doi:10.1101/2022.08.23.22279117): the activity that clears a backlog in a given time
  is ``demand + (queue − target queue) ÷ time``; here the target queue is ``W − x``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """Mean and spread of a monthly ratio."""

    mean: float
    sd: float
    low: float
    high: float
    months: int


def spread(values: Sequence[float]) -> Spread:
    """Mean, sample standard deviation (0 for one value), minimum and maximum."""
    if not values:
        raise ValueError("no values")
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return Spread(statistics.fmean(values), sd, min(values), max(values), len(values))


def pathway_tests_per_referral(activity: Mapping[str, float], referrals: Mapping[str, float]) -> Spread:
    """DM01 activity ÷ referrals seen, month by month, over the months both have (keys: month)."""
    months = sorted(set(activity) & set(referrals))
    ratios = [activity[m] / referrals[m] for m in months if referrals[m] > 0]
    if not ratios:
        raise ValueError("no month has both DM01 activity and referrals")
    return spread(ratios)


def monthly_demand(activity: Sequence[float], waiting_list: Sequence[float]) -> list[float]:
    """Demand in each month after the first: activity + change in the month-end waiting list."""
    if len(activity) != len(waiting_list):
        raise ValueError("activity and waiting list cover different months")
    return [a + w - prev for a, w, prev in zip(activity[1:], waiting_list[1:], waiting_list[:-1], strict=True)]


def demand_forecast(
    base_demand: float,
    cancer_tests_per_referral: float,
    base_referrals: float,
    referrals: Sequence[float],
) -> list[float]:
    """Monthly demand for a test at forecast ``referrals``: the cancer part, tests per referral ×
    referrals, moves with them; the rest (``base_demand`` less the cancer part at
    ``base_referrals``) stays as it was, never below zero."""
    other = max(0.0, base_demand - cancer_tests_per_referral * base_referrals)
    return [other + cancer_tests_per_referral * r for r in referrals]


def backlog_to_clear(waiting_list: float, waiting_6plus: float, max_share: float) -> float:
    """Extra tests, given to the longest waiters, that bring the 6+ week share to ``max_share``."""
    if not 0 <= max_share < 1:
        raise ValueError("the maximum share waiting 6+ weeks must be in [0, 1)")
    return max(0.0, (waiting_6plus - max_share * waiting_list) / (1 - max_share))


def relief_capacity(demand: float, queue_size: float, target_queue_size: float, periods: float) -> float:
    """Activity a period that meets ``demand`` and takes the queue to its target in ``periods``."""
    if periods <= 0:
        raise ValueError("the time to the target must be positive")
    return demand + (queue_size - target_queue_size) / periods


@dataclass(frozen=True)
class DiagnosticNeed:
    """One test's answer: activity now, demand, backlog and the activity the standard needs."""

    test: str
    activity_now: float
    demand: float
    waiting_list: float
    waiting_6plus: float
    backlog_to_clear: float
    activity_needed: float

    @property
    def gap(self) -> float:
        """Activity needed a month less activity now (negative: spare)."""
        return self.activity_needed - self.activity_now

    @property
    def gap_pct(self) -> float | None:
        """The gap as a percentage of activity now."""
        return 100 * self.gap / self.activity_now if self.activity_now else None


def need_for_test(
    test: str,
    *,
    activity_now: float,
    demand: float,
    waiting_list: float,
    waiting_6plus: float,
    max_share: float,
    months: float,
) -> DiagnosticNeed:
    """The monthly activity that meets ``demand`` and brings the 6+ week share to ``max_share``
    within ``months`` (backlog to clear, then relief capacity; see module docstring)."""
    x = backlog_to_clear(waiting_list, waiting_6plus, max_share)
    need = relief_capacity(demand, waiting_list, waiting_list - x, months)
    return DiagnosticNeed(test, activity_now, demand, waiting_list, waiting_6plus, x, need)
