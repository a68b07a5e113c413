"""Funnel-plot control limits for proportions (and standardised ratios) as functions of n.

Sources: D. J. Spiegelhalter, "Funnel plots for comparing institutional performance", *Statistics
in Medicine* 2005;24:1185–1202 (normal and exact binomial limits); FunnelPlotR 0.6.0 (NHS-R
Community), ``R/calculate_limits.R`` (arcsine "PR" limits, additive τ² adjustment, Poisson "SR"
limits); docs/methods.md, "Funnel plots". All functions are vectorised over the denominator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

Z95 = 1.959964
"""Two-sided 95% limits: standard normal 97.5% quantile, as FunnelPlotR writes it."""

Z998 = 3.090232
"""Two-sided 99.8% limits: standard normal 99.9% quantile, as FunnelPlotR writes it."""

METHODS = ("arcsine", "normal", "exact")
"""``arcsine``: FunnelPlotR "PR" (default); ``normal``: normal approximation; ``exact``:
Spiegelhalter's exact binomial with interpolation."""

Numbers = float | Sequence[float] | np.ndarray


def _n(denominators: Numbers) -> np.ndarray:
    return np.asarray(denominators, dtype=float)


def _check_target(p0: float) -> None:
    if not 0.0 <= p0 <= 1.0:
        raise ValueError(f"target proportion must be within [0, 1], got {p0!r}")


def arcsine_limits(p0: float, denominators: Numbers, z: float, tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """FunnelPlotR "PR" limits ``sin(asin(√p0) ± z·sqrt(s² + τ²))²`` with ``s = 1/(2√n)``.

    ``tau2 = 0`` gives the unadjusted limits, ``tau2 > 0`` the additive random-effects
    (overdispersion-adjusted) limits. FunnelPlotR 0.6.0 ``calculate_limits.R``; clipped to [0, 1].
    FunnelPlotR forces limits that turn back at tiny n (the angle leaves [0, π/2]) to 0 and 1 by
    comparing neighbouring grid points; here the angle itself is clamped, which gives the same
    curve without needing a grid. NaN where ``n ≤ 0``.
    """
    _check_target(p0)
    n = _n(denominators)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(n > 0, 1.0 / (4.0 * n), np.nan)
        half = z * np.sqrt(s2 + tau2)
    centre = np.arcsin(np.sqrt(p0))
    low = np.sin(np.clip(centre - half, 0.0, np.pi / 2)) ** 2
    high = np.sin(np.clip(centre + half, 0.0, np.pi / 2)) ** 2
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def normal_limits(p0: float, denominators: Numbers, z: float, tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation limits ``p0 ± z·sqrt(p0(1 − p0)/n + τ²)``, clipped to [0, 1].

    Spiegelhalter 2005 (section 3 and the additive model of the 2005 *QSHC* paper); ``tau2`` must be
    on the proportion scale. NaN where ``n ≤ 0``.
    """
    _check_target(p0)
    n = _n(denominators)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(np.where(n > 0, p0 * (1 - p0) / n, np.nan) + tau2)
    return np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)


def exact_binomial_limit(p0: float, n: int, q: float) -> float:
    """Spiegelhalter's interpolated exact binomial limit for quantile ``q`` at whole number ``n``.

    Rule (Spiegelhalter 2005, appendix): ``r`` is the smallest integer with
    ``P(R ≤ r) ≥ q`` for ``R ~ Bin(n, p0)``; ``α = (P(R ≤ r) − q) / (P(R ≤ r) − P(R ≤ r − 1))``;
    the limit is ``(r − α)/n``.
    """
    _check_target(p0)
    if n <= 0:
        return float("nan")
    dist = stats.binom(n, p0)
    r = int(dist.ppf(q))
    while r > 0 and dist.cdf(r - 1) >= q:  # guard against ppf rounding
        r -= 1
    while dist.cdf(r) < q:
        r += 1
    upper, lower = float(dist.cdf(r)), float(dist.cdf(r - 1))
    alpha = (upper - q) / (upper - lower) if upper > lower else 0.0
    return float(np.clip((r - alpha) / n, 0.0, 1.0))


def exact_binomial_limits(p0: float, denominators: Numbers, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial limits at quantiles ``Φ(−z)`` and ``Φ(z)`` (0.025/0.975 for 95%,
    0.001/0.999 for 99.8%), element by element.

    Denominators are rounded to the nearest whole number (half up) because the binomial needs
    whole trials; with 62-day half patients this moves n by at most a half (docs/methods.md, "Counting").
    When ``n·min(p0, 1 − p0)`` is tiny the interpolation can cross the target (at ``p0 = 0.999``,
    ``n = 1`` the 97.5% point is about 0.975); such a limit is held at the target, so that
    lower ≤ target ≤ upper always holds.
    """
    n = np.floor(_n(denominators) + 0.5)
    q_low, q_high = float(stats.norm.cdf(-z)), float(stats.norm.cdf(z))
    flat = np.atleast_1d(n)
    low = np.array([min(exact_binomial_limit(p0, int(k), q_low), p0) if k > 0 else np.nan for k in flat])
    high = np.array([max(exact_binomial_limit(p0, int(k), q_high), p0) if k > 0 else np.nan for k in flat])
    return low.reshape(n.shape), high.reshape(n.shape)


def proportion_limits(
    p0: float, denominators: Numbers, z: float, *, method: str = "arcsine", tau2: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Limits ``(low, high)`` of one confidence level by ``method`` (see :data:`METHODS`).

    ``tau2`` (additive overdispersion) is on the scale of the method: arcsine for ``arcsine``,
    proportion for ``normal``. The exact binomial has no adjusted form: ``ValueError`` if ``tau2 > 0``.
    """
    if method == "arcsine":
        return arcsine_limits(p0, denominators, z, tau2)
    if method == "normal":
        return normal_limits(p0, denominators, z, tau2)
    if method == "exact":
        if tau2 > 0:
            raise ValueError("exact binomial limits have no overdispersion-adjusted form; use arcsine or normal")
        return exact_binomial_limits(p0, denominators, z)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def poisson_ratio_limits(expected: Numbers, z: float, target: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits of a standardised ratio O/E at expected count E (FunnelPlotR "SR").

    Rule (FunnelPlotR 0.6.0 ``calculate_limits.R``): with ``c = Φ(z)`` (0.975 or 0.999),
    lower ``= qchisq(c, 2E, upper tail) / 2E`` and upper ``= qchisq(1 − c, 2(E + 1), upper tail) / 2E``,
    times ``target``. NaN where ``E ≤ 0``.
    """
    e = _n(expected)
    c = float(stats.norm.cdf(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = e > 0
        low = np.where(ok, stats.chi2.isf(c, 2 * np.where(ok, e, 1)) / (2 * e), np.nan)
        high = np.where(ok, stats.chi2.isf(1 - c, 2 * (np.where(ok, e, 1) + 1)) / (2 * e), np.nan)
    return target * low, target * high


def shmi_adjusted_limits(expected: Numbers, z: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """Overdispersion-adjusted SR limits on the log scale, ``exp(± z·sqrt(1/E + τ²))`` (FunnelPlotR
    0.6.0 ``calculate_limits.R``, ``sr_method = "SHMI"``). NaN where ``E ≤ 0``."""
    e = _n(expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(np.where(e > 0, 1.0 / e, np.nan) + tau2)
    return np.exp(-half), np.exp(half)
