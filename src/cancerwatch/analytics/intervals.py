"""Confidence intervals for proportions.

Wilson score interval (E. B. Wilson, *JASA* 1927; docs/statistics.md, Wilson interval). Counts may be fractional:
the published 62-day figures count a shared pathway as half a patient (docs/cwt-rules.md, half patients).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z95 = 1.959964
"""Standard normal 97.5% quantile, giving a two-sided 95% interval (as FunnelPlotR writes it)."""


def wilson_interval(x: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval ``(low, high)`` for ``x`` successes out of ``n``.

    Rule (docs/statistics.md, Wilson interval): with ``p = x/n``,
    ``centre = (p + z²/2n) / (1 + z²/n)`` and
    ``half = z / (1 + z²/n) · sqrt(p(1 − p)/n + z²/4n²)``; the interval is ``centre ± half``.
    It always lies in [0, 1]; the lower bound is exactly 0 when ``x = 0`` and the upper bound
    exactly 1 when ``x = n``. ``x`` and ``n`` may be fractional (half patients). ``n <= 0`` gives
    ``(nan, nan)``. Counts are not otherwise checked (validation belongs to ingest); the result
    is clipped to [0, 1].

    >>> [round(v, 5) for v in wilson_interval(45, 60)]
    [0.62768, 0.84223]
    """
    if n <= 0:
        return (math.nan, math.nan)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = (z / denom) * math.sqrt(max(0.0, p * (1 - p) / n + z * z / (4 * n * n)))
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return (low, high)


def wilson_intervals(
    xs: Sequence[float] | np.ndarray, ns: Sequence[float] | np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`wilson_interval`: arrays ``(low, high)``, ``nan`` where ``n <= 0``.

    Same rule and edge cases as :func:`wilson_interval` (docs/statistics.md, Wilson interval), element by element.
    """
    x = np.asarray(xs, dtype=float)
    n = np.asarray(ns, dtype=float)
    if x.shape != n.shape:
        raise ValueError(f"xs and ns differ in shape: {x.shape} vs {n.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = (z / denom) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = ~(n > 0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)
