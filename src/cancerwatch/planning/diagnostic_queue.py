"""A queueing model of the diagnostic pathway behind the 28-day Faster Diagnosis Standard.

Model (M/M/c, analytical, so that capacity can be searched instantly and checked against known
results): urgent referrals arrive at ``arrivals_per_day`` (Poisson); the diagnostic service can
hold ``slots`` patients at once, each for an exponential time with mean ``service_days`` (tests,
reporting and the results appointment); a fixed ``fixed_days`` covers triage and booking. A
patient meets the FDS when ``fixed_days + W + S ≤ 28``, with W the M/M/c queueing delay and S
the service time. Weekly diagnostic capacity = 7 × slots ÷ service_days patients.

The sojourn-time tail of M/M/c (Gross & Harris, *Fundamentals of Queueing Theory*, §2.3):
``P(W + S > t) = e^{−μt} [1 + C · (1 − e^{−μt(c−1−a)}) / (c − 1 − a)]`` with a = λ/μ and C the
Erlang C probability of waiting; the limit as c − 1 − a → 0 is ``e^{−μt}(1 + Cμt)``. The tests
check Erlang C against textbook values and the formula against a discrete-event simulation (SimPy).

Schemes that remove a step (straight-to-test, nurse-led triage) shorten the service time for a
share of patients; the queue then uses the mixture's mean service time (an M/G/c approximation
by M/M/c with the same mean, stated in the outputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cancerwatch.catalogue.standards import get_standard

FDS_DAYS = get_standard("fds").days
"""The FDS clock: 28 days from referral (standards catalogue)."""


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arrival waits in M/M/c with ``servers`` and load a = λ/μ (1 if a ≥ c)."""
    if offered_load <= 0:
        return 0.0
    if offered_load >= servers:
        return 1.0
    # Erlang B by the stable recursion, then C = B / (1 − ρ(1 − B)).
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1 - rho * (1 - b))


def sojourn_tail(t: float, *, servers: int, arrival_rate: float, service_rate: float) -> float:
    """P(W + S > t) for M/M/c (see module docstring); 1 when the queue is unstable."""
    a = arrival_rate / service_rate
    if a >= servers:
        return 1.0
    if t <= 0:
        return 1.0
    c_wait = erlang_c(servers, a)
    k = servers - 1 - a
    mu_t = service_rate * t
    if abs(k) < 1e-9:
        return math.exp(-mu_t) * (1 + c_wait * mu_t)
    return math.exp(-mu_t) * (1 + c_wait * (1 - math.exp(-mu_t * k)) / k)


@dataclass(frozen=True)
class Pathway:
    """The diagnostic pathway's parameters."""

    slots: int
    service_days: float
    fixed_days: float = 3.0

    @property
    def weekly_capacity(self) -> float:
        """Patients the service can complete per week."""
        return 7 * self.slots / self.service_days


@dataclass(frozen=True)
class Scheme:
    """A change that shortens the pathway for a share of patients."""

    name: str
    share: float
    days_saved: float


def wait_plus_service_tail(t: float, *, wait_probability: float, wait_rate: float, service_rate: float) -> float:
    """P(W + S > t) when W is 0 with probability 1 − C and else Exp(θ), and S ~ Exp(ν), independent.

    ``(1 − C)·e^{−νt} + C·(θe^{−νt} − νe^{−θt}) / (θ − ν)``, or ``C·e^{−θt}(1 + θt)`` in the
    ``θ = ν`` term. With θ = cμ − λ and ν = μ this is the M/M/c sojourn tail.
    """
    theta, nu, c = wait_rate, service_rate, wait_probability
    if abs(theta - nu) < 1e-12:
        both = math.exp(-theta * t) * (1 + theta * t)
    else:
        both = (theta * math.exp(-nu * t) - nu * math.exp(-theta * t)) / (theta - nu)
    return (1 - c) * math.exp(-nu * t) + c * both


def share_within(
    pathway: Pathway,
    arrivals_per_day: float,
    *,
    schemes: tuple[Scheme, ...] = (),
    extra_delay_days: float = 0.0,
    days: float = FDS_DAYS,
) -> float:
    """Modelled share of patients told within ``days`` (0 when demand exceeds capacity).

    With schemes, the queue is M/M/c on the mixture's mean service time and each group keeps its
    own service time (an approximation, stated in the module docstring).
    """
    shares, services = _classes(pathway.service_days, schemes)
    mean_service = sum(s * d for s, d in zip(shares, services, strict=True))
    mu = 1 / mean_service
    a = arrivals_per_day / mu
    if a >= pathway.slots:
        return 0.0
    budget = days - pathway.fixed_days - extra_delay_days
    if budget <= 0:
        return 0.0
    c_wait = erlang_c(pathway.slots, a)
    theta = pathway.slots * mu - arrivals_per_day
    return sum(
        share * (1 - wait_plus_service_tail(budget, wait_probability=c_wait, wait_rate=theta, service_rate=1 / service))
        for share, service in zip(shares, services, strict=True)
    )


def _classes(service_days: float, schemes: tuple[Scheme, ...]) -> tuple[list[float], list[float]]:
    rest = 1 - sum(s.share for s in schemes)
    if rest < -1e-9:
        raise ValueError("scheme shares add up to more than 1")
    shares = [max(0.0, rest), *(s.share for s in schemes)]
    services = [service_days, *(max(1.0, service_days - s.days_saved) for s in schemes)]
    return shares, services


def slots_needed(
    target: float,
    arrivals_per_day: float,
    *,
    service_days: float,
    fixed_days: float,
    schemes: tuple[Scheme, ...] = (),
    max_slots: int = 1_000_000,
) -> int | None:
    """Fewest slots reaching ``target`` (None if the pathway's length alone rules it out).

    The modelled share never falls as slots rise, so a doubling-then-bisection search is exact.
    """

    def ok(c: int) -> bool:
        return share_within(Pathway(c, service_days, fixed_days), arrivals_per_day, schemes=schemes) >= target

    lo = max(1, math.floor(arrivals_per_day * service_days))
    hi = lo
    while not ok(hi):
        hi *= 2
        if hi > max_slots:
            return None
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo
