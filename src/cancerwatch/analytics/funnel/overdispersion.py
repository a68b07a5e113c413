"""Overdispersion of funnel-plot units: z-scores, winsorisation or truncation, φ and τ².

Sources: D. J. Spiegelhalter, "Handling over-dispersion of performance indicators", *Quality and
Safety in Health Care* 2005;14:347–351; FunnelPlotR 0.6.0 (NHS-R Community), ``R/od_adjustment.R``
(``transformed_zscore``, ``winsorisation``, ``truncation``, ``phi_func``, ``tau_func``);
R. DerSimonian and N. Laird, "Meta-analysis in clinical trials", *Controlled Clinical Trials*
1986;7:177–188.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

TRIM_BY = 0.1
"""Share trimmed from *each* tail before estimating φ (FunnelPlotR 0.6.0 ``trim_by`` default)."""

Numbers = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Overdispersion:
    """φ and τ² with the z-scores they came from.

    ``z_trimmed`` holds the winsorised z-scores (or NaN for units dropped by truncation);
    ``lower_bound``/``upper_bound`` are the winsorisation bounds (NaN for truncation);
    ``units`` is the number of units that count in φ.
    """

    phi: float
    tau2: float
    z: np.ndarray
    z_trimmed: np.ndarray
    lower_bound: float
    upper_bound: float
    units: int


def arcsine_z_scores(numerators: Numbers, denominators: Numbers, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Z-scores of proportions on the arcsine scale, and their standard errors ``s``.

    FunnelPlotR 0.6.0 ``transformed_zscore`` ("PR"): ``Y = asin(√(x/n))``, ``s = 1/(2√n)``,
    ``z = (Y − asin(√target))/s``. NaN where ``n ≤ 0``.
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.arcsin(np.sqrt(np.where(n > 0, x / n, np.nan)))
        s = np.where(n > 0, 1.0 / (2.0 * np.sqrt(n)), np.nan)
        return (y - np.arcsin(np.sqrt(target))) / s, s


def proportion_z_scores(numerators: Numbers, denominators: Numbers, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Z-scores on the proportion scale, ``(x/n − p0)/s`` with ``s = sqrt(p0(1 − p0)/n)``
    (Spiegelhalter 2005, normal approximation). NaN where ``n ≤ 0``."""
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(n > 0, np.sqrt(target * (1 - target) / n), np.nan)
        return (np.where(n > 0, x / n, np.nan) - target) / s, s


def log_ratio_z_scores(observed: Numbers, expected: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """Z-scores of standardised ratios on the log scale (FunnelPlotR "SR", ``sr_method = "SHMI"``):
    ``z = √E · log(O/E)``, ``s = 1/√E``. NaN where ``E ≤ 0``."""
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(e > 0, 1.0 / np.sqrt(e), np.nan)
        return np.log(o / e) / s, s


def winsorise(z: Numbers, trim_by: float = TRIM_BY) -> tuple[np.ndarray, float, float]:
    """Winsorised z-scores and the bounds: values below the ``trim_by`` quantile are raised to it,
    values above the ``1 − trim_by`` quantile lowered to it; the number of units is unchanged.

    FunnelPlotR 0.6.0 ``winsorisation``: quantiles by R's default type 7 (linear interpolation,
    numpy's default ``percentile`` method). NaN z-scores are ignored for the quantiles and stay NaN.
    """
    zz = np.asarray(z, dtype=float)
    finite = zz[np.isfinite(zz)]
    if finite.size == 0:
        return zz.copy(), float("nan"), float("nan")
    low, high = np.quantile(finite, [trim_by, 1 - trim_by], method="linear")
    return np.clip(zz, low, high), float(low), float(high)


def truncate(z: Numbers, trim_by: float = TRIM_BY) -> np.ndarray:
    """Z-scores with the bottom and top tenths (for ``trim_by = 0.1``) set to NaN (SHMI truncation).

    FunnelPlotR 0.6.0 ``truncation`` (NHS Digital SHMI method): rank the z-scores (ties averaged),
    bucket ``floor(rank · k / (N + 1))`` with ``k = 1/trim_by``, and drop buckets 0 and ``k − 1``.
    """
    zz = np.asarray(z, dtype=float)
    out = np.full(zz.shape, np.nan)
    ok = np.isfinite(zz)
    k = round(1 / trim_by)
    ranks = stats.rankdata(zz[ok], method="average")
    buckets = np.floor(ranks * k / (ranks.size + 1))
    keep = (buckets > 0) & (buckets < k - 1)
    out[np.flatnonzero(ok)[keep]] = zz[ok][keep]
    return out


def phi_estimate(z_trimmed: Numbers) -> float:
    """Overdispersion factor ``φ = (1/N) Σ z²`` over the units that count (non-NaN).

    FunnelPlotR 0.6.0 ``phi_func``; Spiegelhalter 2005 *QSHC*. NaN with no units.
    """
    zz = np.asarray(z_trimmed, dtype=float)
    zz = zz[np.isfinite(zz)]
    return float(np.mean(zz**2)) if zz.size else float("nan")


def tau2_dersimonian_laird(phi: float, s: Numbers) -> float:
    """Between-unit variance τ² of the additive random-effects model (DerSimonian–Laird).

    Rule (FunnelPlotR 0.6.0 ``tau_func``; DerSimonian and Laird 1986): with ``w = 1/s²`` over the N units that
    count, ``τ² = max(0, (N·φ − (N − 1)) / (Σw − Σw²/Σw))``, and 0 when ``N·φ < N − 1``.
    0 with fewer than two units (the denominator vanishes).
    """
    ss = np.asarray(s, dtype=float)
    ss = ss[np.isfinite(ss) & (ss > 0)]
    n = ss.size
    if n < 2 or not np.isfinite(phi) or n * phi < n - 1:
        return 0.0
    w = 1.0 / ss**2
    denom = float(w.sum() - (w**2).sum() / w.sum())
    return max(0.0, (n * phi - (n - 1)) / denom) if denom > 0 else 0.0


def estimate_overdispersion(
    z: Numbers, s: Numbers, *, trim: str = "winsorise", trim_by: float = TRIM_BY
) -> Overdispersion:
    """φ and τ² from z-scores and standard errors, trimming by ``winsorise`` (FunnelPlotR default
    for "PR" and "RC") or ``truncate`` (SHMI). Units with an undefined z-score do not count."""
    zz = np.asarray(z, dtype=float)
    ss = np.asarray(s, dtype=float)
    if trim == "winsorise":
        zt, low, high = winsorise(zz, trim_by)
    elif trim == "truncate":
        zt, low, high = truncate(zz, trim_by), float("nan"), float("nan")
    else:
        raise ValueError(f"trim must be 'winsorise' or 'truncate', got {trim!r}")
    counted = np.isfinite(zt)
    phi = phi_estimate(zt)
    return Overdispersion(
        phi=phi,
        tau2=tau2_dersimonian_laird(phi, ss[counted]),
        z=zz,
        z_trimmed=zt,
        lower_bound=low,
        upper_bound=high,
        units=int(counted.sum()),
    )
