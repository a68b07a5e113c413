"""Confidence intervals for proportions.

Wilson score interval (Wilson 1927; domain brief 6.4). Accepts fractional counts, which the
62-day standard needs (shared pathways count half a patient).
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959964  # standard normal 97.5% quantile


def wilson_interval(x: float, n: float, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval (low, high) for ``x`` successes out of ``n``; (nan, nan) if n = 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def wilson_intervals(xs, ns, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`wilson_interval`: arrays (low, high); nan where n = 0."""
    x = np.asarray(xs, dtype=float)
    n = np.asarray(ns, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = (z / denom) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high
