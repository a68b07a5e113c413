"""XmR (individuals and moving range) process limits, Making Data Count style.

Source: NHSRplotthedots 0.2.2 (NHS-R Community), ``R/ptd_spc_standard.R``; docs/statistics.md, XmR charts.
One group of points (one rebase group) at a time; rebasing is the caller's business.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

D2_N2 = 1.128
"""Bias-correction constant d2 for moving ranges of two points (Montgomery, *Introduction to
Statistical Quality Control*, table of control-chart constants)."""

LIMIT_FACTOR = 2.66
"""Process limits sit at mean ± 2.66 × mean moving range: 2.66 = 3 / d2 = 3 / 1.128, i.e. three
sigma. NHSRplotthedots 0.2.2 hard-codes 2.66 (``ptd_spc_standard.R``)."""

MR_SCREEN_FACTOR = 3.267
"""Moving ranges at or above 3.267 × their mean are screened out before the limits are set:
3.267 = D4 for n = 2, the upper limit of the moving-range chart (Nelson 1982; Provost & Murray
p. 156). NHSRplotthedots 0.2.2 ``ptd_spc_standard.R``."""

NEAR_LIMIT_FRACTION = 2 / 3
"""The "near limit" (two-sigma) line lies two thirds of the way from the mean to each process
limit: mean ± (2/3) × 2.66 × mean moving range. NHSRplotthedots 0.2.2 ``ptd_spc_standard.R``."""

MIN_FIX_AFTER_N_POINTS = 12
"""Smallest accepted ``fix_after_n_points`` (NHSRplotthedots 0.2.2 ``ptd_validate_spc_options.R``;
vignette "number of points required": lock the limits at 12 or more points)."""


@dataclass(frozen=True)
class XmrLimits:
    """Mean, mean moving range and the limits derived from them for one group of points."""

    mean: float
    mr_bar: float
    lpl: float
    upl: float
    near_lpl: float
    near_upl: float
    baseline_points: int
    moving_ranges_used: int


def validate_fix_after_n_points(fix_after_n_points: int | None) -> None:
    """Raise ``ValueError`` unless ``fix_after_n_points`` is ``None`` or a whole number ≥ 12.

    Rule: NHSRplotthedots 0.2.2 ``ptd_validate_spc_options.R`` (must be ≥ 12 when given).
    """
    if fix_after_n_points is None:
        return
    if isinstance(fix_after_n_points, bool) or not isinstance(fix_after_n_points, int | np.integer):
        raise ValueError(f"fix_after_n_points must be a whole number, got {fix_after_n_points!r}")
    if fix_after_n_points < MIN_FIX_AFTER_N_POINTS:
        raise ValueError(f"fix_after_n_points must be at least {MIN_FIX_AFTER_N_POINTS}, got {fix_after_n_points}")


def baseline(values: Sequence[float] | np.ndarray, fix_after_n_points: int | None = None) -> np.ndarray:
    """The points the limits are computed from: the first ``fix_after_n_points`` (all if ``None``).

    Rule: NHSRplotthedots 0.2.2 ``ptd_spc_standard.R`` (``fix_y``); later points are judged against
    the frozen limits but do not move them.
    """
    y = np.asarray(values, dtype=float)
    validate_fix_after_n_points(fix_after_n_points)
    return y if fix_after_n_points is None else y[:fix_after_n_points]


def moving_ranges(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Absolute differences between consecutive points, ``|x_i − x_{i−1}|`` (length n − 1).

    The first point has no moving range (docs/statistics.md, XmR charts).
    """
    y = np.asarray(values, dtype=float)
    return np.abs(np.diff(y))


def screen_moving_ranges(mr: Sequence[float] | np.ndarray, factor: float = MR_SCREEN_FACTOR) -> np.ndarray:
    """Moving ranges kept after screening: those strictly below ``factor`` × their mean.

    Rule: NHSRplotthedots 0.2.2 ``ptd_spc_standard.R`` keeps ``mr < 3.267 × mean(mr)``.
    Deviation: when every moving range is 0 (a flat series) NHSRplotthedots drops them all and
    its limits become NaN; here they are all kept, so the limits collapse onto the mean.
    """
    m = np.asarray(mr, dtype=float)
    if m.size == 0:
        return m
    bar = float(np.mean(m))
    if bar == 0:
        return m
    return m[m < factor * bar]


def xmr_limits(
    values: Sequence[float] | np.ndarray,
    *,
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
) -> XmrLimits:
    """XmR limits of one group of points.

    Rule (NHSRplotthedots 0.2.2 ``ptd_spc_standard.R``; docs/statistics.md, XmR charts):
    ``mean`` and the mean moving range ``MRbar`` come from the baseline (the first
    ``fix_after_n_points`` points, or all). With ``screen_outliers`` (the NHSRplotthedots default)
    moving ranges ≥ 3.267 × MRbar are dropped and MRbar recomputed; the Making Data Count Excel
    tool does not screen (``screen_outliers=False``). Process limits are ``mean ± 2.66 × MRbar``
    and the near-limit lines ``mean ± (2/3) × 2.66 × MRbar``.

    Edge cases: no points raises ``ValueError``; a single baseline point gives its value as the
    mean and NaN limits (no moving range exists).

    >>> lim = xmr_limits([1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1])
    >>> round(lim.mean, 3), round(lim.upl, 2), round(lim.lpl, 2)
    (1.944, 4.6, -0.72)
    """
    base = baseline(values, fix_after_n_points)
    if base.size == 0:
        raise ValueError("cannot compute limits of an empty series")
    if not np.all(np.isfinite(base)):
        raise ValueError("values must be finite numbers")
    mean = float(np.mean(base))
    mr = moving_ranges(base)
    if screen_outliers:
        mr = screen_moving_ranges(mr)
    mr_bar = float(np.mean(mr)) if mr.size else math.nan
    spread = LIMIT_FACTOR * mr_bar
    near = NEAR_LIMIT_FRACTION * LIMIT_FACTOR * mr_bar
    return XmrLimits(
        mean=mean,
        mr_bar=mr_bar,
        lpl=mean - spread,
        upl=mean + spread,
        near_lpl=mean - near,
        near_upl=mean + near,
        baseline_points=int(base.size),
        moving_ranges_used=int(mr.size),
    )
