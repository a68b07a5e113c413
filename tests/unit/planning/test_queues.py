"""Queueing results the planning model rests on: Erlang C, the M/M/c sojourn tail (checked
against a SimPy discrete-event simulation), and the monthly backlog balance."""

from __future__ import annotations

import math
import random

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from cancerwatch.planning.backlog_model import capacity_for_target, run_months, share_with_delay
from cancerwatch.planning.diagnostic_queue import Pathway, Scheme, erlang_c, share_within, slots_needed, sojourn_tail


@pytest.mark.parametrize(
    ("c", "a", "expected"),
    [(1, 0.5, 0.5), (2, 1.0, 1 / 3), (3, 2.0, 4 / 9), (5, 4.0, 0.5541)],  # textbook values; M/M/1: C = ρ
)
def test_erlang_c(c, a, expected):
    assert erlang_c(c, a) == pytest.approx(expected, abs=5e-4)


def test_mm1_sojourn_is_exponential():
    """M/M/1: W + S ~ Exp(μ − λ)."""
    for t in (0.5, 1, 3, 10):
        assert sojourn_tail(t, servers=1, arrival_rate=0.7, service_rate=1.0) == pytest.approx(math.exp(-0.3 * t))


def _simulate_mmc(servers: int, lam: float, mu: float, n: int, seed: int = 7) -> list[float]:
    """Sojourn times of ``n`` patients in an M/M/c FIFO queue, by discrete-event simulation."""
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    times: list[float] = []

    def patient():
        arrived = env.now
        with desk.request() as req:
            yield req
            yield env.timeout(rng.expovariate(mu))
        times.append(env.now - arrived)

    def arrivals():
        for _ in range(n):
            yield env.timeout(rng.expovariate(lam))
            env.process(patient())

    env.process(arrivals())
    env.run()
    return times[n // 10 :]  # drop the warm-up


@pytest.mark.parametrize(("servers", "lam"), [(1, 0.6), (3, 2.1), (8, 6.0)])
def test_mmc_formula_matches_simulation(servers, lam):
    times = _simulate_mmc(servers, lam, 1.0, 60_000)
    for t in (0.5, 1.0, 2.0, 4.0):
        simulated = sum(x > t for x in times) / len(times)
        assert simulated == pytest.approx(
            sojourn_tail(t, servers=servers, arrival_rate=lam, service_rate=1.0), abs=0.02
        )


def test_share_within_is_the_sojourn_tail_without_schemes():
    p = Pathway(slots=40, service_days=8, fixed_days=3)
    expected = 1 - sojourn_tail(25, servers=40, arrival_rate=4.5, service_rate=1 / 8)
    assert share_within(p, 4.5) == pytest.approx(expected)


def test_unstable_queue_meets_nobody_and_slots_needed():
    assert share_within(Pathway(10, 10, 3), 1.0) == 0.0  # load a = 10 = servers
    need = slots_needed(0.8, 5.0, service_days=8, fixed_days=3)
    assert share_within(Pathway(need, 8, 3), 5.0) >= 0.8 > share_within(Pathway(need - 1, 8, 3), 5.0)
    assert slots_needed(0.99, 5.0, service_days=20, fixed_days=3) is None  # the work-up alone is too long


def test_backlog_balance_hand_worked():
    res = run_months([100, 60], [4, 4], weekly_capacity=20, start_backlog=0, service_days=10, fixed_days=3)
    assert [r.backlog_end for r in res] == [20, 0]  # 100 − 80 = 20; 20 + 60 − 80 < 0
    assert res[1].delay_days == pytest.approx(7)  # 20 patients ahead, 20 a week
    assert res[1].share_within == pytest.approx(1 - math.exp(-(28 - 3 - 7) / 10))
    assert share_with_delay(26, service_days=10, fixed_days=3) == 0.0


def test_schemes_shorten_the_pathway():
    plain = share_with_delay(0, service_days=10, fixed_days=3)
    stt = share_with_delay(0, service_days=10, fixed_days=3, schemes=(Scheme("straight-to-test", 0.5, 6),))
    assert stt == pytest.approx(0.5 * plain + 0.5 * (1 - math.exp(-25 / 4)))


@settings(max_examples=60, deadline=None)
@given(
    demand=st.lists(st.floats(10, 1000), min_size=1, max_size=8),
    k=st.floats(5, 500),
    extra=st.floats(0, 200),
    b0=st.floats(0, 2000),
)
def test_more_capacity_never_lowers_performance(demand, k, extra, b0):
    weeks = [4.3] * len(demand)
    low = run_months(demand, weeks, weekly_capacity=k, start_backlog=b0, service_days=10, fixed_days=3)
    high = run_months(demand, weeks, weekly_capacity=k + extra, start_backlog=b0, service_days=10, fixed_days=3)
    assert all(h.share_within >= lo.share_within - 1e-12 for lo, h in zip(low, high, strict=True))


def test_capacity_for_target_is_the_least_that_works():
    demand, weeks = [400, 400, 400], [4, 4, 4]
    k = capacity_for_target(0.8, demand, weeks, start_backlog=300, service_days=10, fixed_days=3)
    run = run_months(demand, weeks, weekly_capacity=k, start_backlog=300, service_days=10, fixed_days=3)
    assert run[-1].share_within >= 0.8
    assert (
        run_months(demand, weeks, weekly_capacity=k - 1, start_backlog=300, service_days=10, fixed_days=3)[
            -1
        ].share_within
        < 0.8
    )
    assert capacity_for_target(0.95, demand, weeks, start_backlog=0, service_days=10, fixed_days=3) is None
