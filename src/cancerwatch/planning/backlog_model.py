"""The Alliance-scale planning model: a monthly backlog balance with a random work-up time.

At Alliance scale the diagnostic service has thousands of concurrent slots, and an M/M/c queue
(``diagnostic_queue``) with that many servers is almost deterministic: either demand is below
capacity and nobody queues, or a backlog builds. That deterministic (fluid) limit is what this
module models, month by month, so that performance moves gradually as a backlog builds and clears:

- backlog: ``B_{m+1} = max(0, B_m + demand_m − capacity_per_week × weeks_m)``;
- a patient starting in month m first waits ``7 × B_m / capacity_per_week`` days behind the backlog,
  then ``fixed_days`` (triage and booking), then an exponential work-up with mean ``service_days``
  (shorter for the share of patients on a scheme such as straight-to-test);
- FDS met when the total is ≤ 28 days: ``P = Σ share_k (1 − e^{−(28 − fixed − delay)/service_k})``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cancerwatch.planning.diagnostic_queue import FDS_DAYS, Scheme


@dataclass(frozen=True)
class MonthResult:
    """One modelled month."""

    backlog_start: float
    delay_days: float
    share_within: float
    backlog_end: float


def share_with_delay(
    delay_days: float, *, service_days: float, fixed_days: float, schemes: tuple[Scheme, ...] = ()
) -> float:
    """Share told within 28 days after ``delay_days`` of queueing (see module docstring)."""
    rest = 1 - sum(s.share for s in schemes)
    groups = [(max(0.0, rest), service_days), *((s.share, max(1.0, service_days - s.days_saved)) for s in schemes)]
    budget = FDS_DAYS - fixed_days - delay_days
    if budget <= 0:
        return 0.0
    return sum(share * (1 - math.exp(-budget / service)) for share, service in groups)


def run_months(
    demand: list[float],
    weeks: list[float],
    *,
    weekly_capacity: float,
    start_backlog: float,
    service_days: float,
    fixed_days: float,
    schemes: tuple[Scheme, ...] = (),
) -> list[MonthResult]:
    """Model consecutive months of ``demand`` (patients) lasting ``weeks`` each."""
    out, backlog = [], start_backlog
    for d, w in zip(demand, weeks, strict=True):
        delay = 7 * backlog / weekly_capacity if weekly_capacity > 0 else math.inf
        share = share_with_delay(delay, service_days=service_days, fixed_days=fixed_days, schemes=schemes)
        end = max(0.0, backlog + d - weekly_capacity * w)
        out.append(MonthResult(backlog, delay, share, end))
        backlog = end
    return out


def capacity_for_target(
    target: float,
    demand: list[float],
    weeks: list[float],
    *,
    start_backlog: float,
    service_days: float,
    fixed_days: float,
    schemes: tuple[Scheme, ...] = (),
    upper: float | None = None,
) -> float | None:
    """Least weekly capacity giving ``target`` in the last month (None if unreachable).

    The last month's share never falls as capacity rises (the backlog can only shrink), so
    bisection finds it to within 0.1 patients a week.
    """
    best = share_with_delay(0.0, service_days=service_days, fixed_days=fixed_days, schemes=schemes)
    if best < target:
        return None

    def last(k: float) -> float:
        return run_months(
            demand,
            weeks,
            weekly_capacity=k,
            start_backlog=start_backlog,
            service_days=service_days,
            fixed_days=fixed_days,
            schemes=schemes,
        )[-1].share_within

    lo, hi = 0.0, upper or max(1.0, 4 * max(demand) / min(weeks) + start_backlog)
    while last(hi) < target:
        hi *= 2
    while hi - lo > 0.1:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if last(mid) >= target else (mid, hi)
    return hi
