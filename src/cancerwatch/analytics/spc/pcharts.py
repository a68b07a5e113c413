"""p-charts and Laney p′-charts for monthly proportions with their denominators.

Source: qicharts2 by J. Anhøj (``R/qic.charts.R``: ``qic.p`` and ``qic.pprime``); D. B. Laney,
"Improved control charts for attributes", *Quality Engineering* 2002;14:531–537; docs/statistics.md, p-charts.
Counts may be fractional (62-day half patients).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cancerwatch.analytics.spc.limits import D2_N2, MR_SCREEN_FACTOR, screen_moving_ranges

SIGMA_MULTIPLIER = 3.0
"""Control limits at ± 3 sigma (Shewhart; qicharts2 ``qic.p``)."""

WARNING_MULTIPLIER = 2.0
"""Two-sigma warning lines (docs/statistics.md, p-charts)."""


@dataclass(frozen=True)
class PChart:
    """Per-point proportion, centre line, sigma and limits (clipped to [0, 1]).

    ``outside`` is +1 above the upper limit, −1 below the lower, 0 otherwise (strict; points with a
    zero denominator are never flagged). ``sigma_z`` is Laney's between-point factor (``None`` for
    a plain p-chart).
    """

    p: np.ndarray
    centre: np.ndarray
    sigma: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lower_warning: np.ndarray
    upper_warning: np.ndarray
    outside: np.ndarray
    sigma_z: float | None

    def to_rows(self) -> list[dict]:
        """One dict per point: ``p``, ``centre``, ``lcl``, ``ucl``, warnings, ``outside`` (NaN → ``None``)."""
        rows = []
        for i in range(self.p.size):
            row = {
                "p": self.p[i],
                "centre": self.centre[i],
                "lcl": self.lcl[i],
                "ucl": self.ucl[i],
                "lower_warning": self.lower_warning[i],
                "upper_warning": self.upper_warning[i],
            }
            rows.append(
                {k: None if np.isnan(v) else float(v) for k, v in row.items()} | {"outside": int(self.outside[i])}
            )
        return rows


def _inputs(
    numerators: Sequence[float] | np.ndarray, denominators: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.shape != n.shape or x.ndim != 1:
        raise ValueError("numerators and denominators must be 1-d and of the same length")
    if x.size == 0:
        raise ValueError("no points")
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(n)) or np.any(x < 0) or np.any(x > n):
        raise ValueError("need finite counts with 0 <= numerator <= denominator")
    return x, n


def pooled_proportion(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    baseline_points: int | None = None,
) -> float:
    """Centre line ``p̄ = Σx / Σn`` over the baseline (the first ``baseline_points``, or all).

    qicharts2 ``qic.p`` (``cl``). NaN when the baseline has no denominator.
    """
    x, n = _inputs(numerators, denominators)
    x, n = x[:baseline_points], n[:baseline_points]
    total = float(n.sum())
    return float(x.sum()) / total if total > 0 else float("nan")


def binomial_sigma(centre: float, denominators: Sequence[float] | np.ndarray) -> np.ndarray:
    """Per-point binomial sigma ``sqrt(p̄(1 − p̄)/n_i)`` (NaN where ``n_i = 0``). qicharts2 ``qic.p``."""
    n = np.asarray(denominators, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.sqrt(centre * (1 - centre) / n), np.nan)


def laney_sigma_z(z_scores: Sequence[float], *, screen: bool = False) -> float:
    """Laney's ``σ_z = mean(|z_i − z_{i−1}|) / 1.128`` over time-ordered z-scores.

    qicharts2 ``qic.pprime``; docs/statistics.md, p-charts. With ``screen`` (qicharts2 default: off), moving
    ranges ≥ 3.267 × their mean are dropped first, as for XmR limits. Points with an undefined
    z-score (zero denominator) are skipped. NaN with fewer than two z-scores.
    """
    z = np.asarray(z_scores, dtype=float)
    z = z[np.isfinite(z)]
    mr = np.abs(np.diff(z))
    if screen:
        mr = screen_moving_ranges(mr, MR_SCREEN_FACTOR)
    return float(np.mean(mr)) / D2_N2 if mr.size else float("nan")


def _chart(p: np.ndarray, centre: float, sigma: np.ndarray, sigma_z: float | None) -> PChart:
    half = SIGMA_MULTIPLIER * sigma
    warn = WARNING_MULTIPLIER * sigma
    lcl = np.clip(centre - half, 0.0, 1.0)
    ucl = np.clip(centre + half, 0.0, 1.0)
    with np.errstate(invalid="ignore"):
        outside = np.where(p > ucl, 1, np.where(p < lcl, -1, 0)).astype(int)
    return PChart(
        p=p,
        centre=np.full(p.size, centre),
        sigma=sigma,
        lcl=lcl,
        ucl=ucl,
        lower_warning=np.clip(centre - warn, 0.0, 1.0),
        upper_warning=np.clip(centre + warn, 0.0, 1.0),
        outside=outside,
        sigma_z=sigma_z,
    )


def _proportions(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, x / n, np.nan)


def p_chart(
    numerators: Sequence[float], denominators: Sequence[float], *, baseline_points: int | None = None
) -> PChart:
    """p-chart: limits ``p̄ ± 3 sqrt(p̄(1 − p̄)/n_i)`` clipped to [0, 1], warning lines at ± 2 sigma.

    qicharts2 ``qic.p``; docs/statistics.md, p-charts. With the thousands of patients a month of national or
    Alliance figures the limits are very tight and most months fall outside (overdispersion):
    prefer :func:`laney_p_chart` there.
    """
    x, n = _inputs(numerators, denominators)
    centre = pooled_proportion(x, n, baseline_points)
    return _chart(_proportions(x, n), centre, binomial_sigma(centre, n), None)


def laney_p_chart(
    numerators: Sequence[float],
    denominators: Sequence[float],
    *,
    baseline_points: int | None = None,
    screen_moving_ranges: bool = False,
) -> PChart:
    """Laney p′-chart: the p-chart sigma inflated by the between-point factor ``σ_z``.

    Rule (qicharts2 ``qic.pprime``; docs/statistics.md, p-charts): ``z_i = (p_i − p̄)/σ_i`` over the baseline,
    ``σ_z = mean(|z_i − z_{i−1}|)/1.128``, limits ``p̄ ± 3 σ_i σ_z`` clipped to [0, 1]. With
    ``σ_z = 1`` it is the p-chart.
    """
    x, n = _inputs(numerators, denominators)
    centre = pooled_proportion(x, n, baseline_points)
    p = _proportions(x, n)
    sigma = binomial_sigma(centre, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p - centre) / sigma
    sigma_z = laney_sigma_z(z[:baseline_points], screen=screen_moving_ranges)
    return _chart(p, centre, sigma * sigma_z, sigma_z)
