"""Making Data Count special-cause rules, one function per rule.

Source: NHSRplotthedots 0.2.2 (NHS-R Community), ``R/ptd_spc_standard.R`` (position of each point)
and ``R/ptd_calculate_point_type.R`` (the run rules); docs/statistics.md, XmR charts. Every function works on one
rebase group and returns one value per point: ``+1`` for a signal above the mean (or an increasing
trend), ``-1`` below (decreasing), ``0`` for no signal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_SHIFT_LENGTH = 7
"""Points in a row on one side of the mean that make a shift (NHSRplotthedots 0.2.2
``ptd_seven_point_one_side_mean``; Making Data Count uses 7)."""

DEFAULT_TREND_LENGTH = 7
"""Points in a row each higher (or lower) than the one before that make a trend (NHSRplotthedots
0.2.2 ``ptd_seven_point_trend``; Making Data Count uses 7)."""

TWO_OF_THREE_WINDOW = 3
TWO_OF_THREE_MIN_NEAR = 2
"""Two of three: a window of 3 points, all on one side of the mean, at least 2 in the near-limit
band (NHSRplotthedots 0.2.2 ``ptd_two_in_three``)."""

Array = Sequence[float] | np.ndarray


def _as_float(values: Array) -> np.ndarray:
    return np.asarray(values, dtype=float)


def _in_long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """True for every element of a run of consecutive ``True`` values at least ``length`` long."""
    out = np.zeros(mask.size, dtype=bool)
    start = None
    for i, flag in enumerate([*mask.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def _check_length(length: int, name: str) -> None:
    if isinstance(length, bool) or not isinstance(length, int | np.integer) or length < 2:
        raise ValueError(f"{name} must be a whole number of at least 2, got {length!r}")


def relative_to_mean(values: Array, mean: float) -> np.ndarray:
    """Side of the mean of each point: ``sign(y − mean)`` (a point on the mean gives 0).

    NHSRplotthedots 0.2.2 ``ptd_spc_standard.R`` (``relative_to_mean``).
    """
    return np.sign(_as_float(values) - mean).astype(int)


def outside_limits(values: Array, lpl: float, upl: float) -> np.ndarray:
    """Points strictly beyond a process limit: ``+1`` if ``y > UPL``, ``-1`` if ``y < LPL``.

    A point exactly on a limit is inside. NaN limits (too few points) flag nothing.
    NHSRplotthedots 0.2.2 ``ptd_spc_standard.R`` (``outside_limits``).
    """
    y = _as_float(values)
    with np.errstate(invalid="ignore"):
        return np.where(y > upl, 1, np.where(y < lpl, -1, 0)).astype(int)


def close_to_limits(values: Array, lpl: float, upl: float, near_lpl: float, near_upl: float) -> np.ndarray:
    """Points in the near-limit band: beyond the two-sigma line but not beyond the process limit.

    ``+1`` if ``near_upl < y ≤ UPL``, ``-1`` if ``LPL ≤ y < near_lpl``; strict at the two-sigma
    line, inclusive at the limit (a point on the limit is inside the limits, so it is "close").
    NHSRplotthedots 0.2.2 ``ptd_spc_standard.R`` (``close_to_limits``, signed here).
    """
    y = _as_float(values)
    with np.errstate(invalid="ignore"):
        upper = (y > near_upl) & (y <= upl)
        lower = (y < near_lpl) & (y >= lpl)
    return np.where(upper, 1, np.where(lower, -1, 0)).astype(int)


def shift(relative: Array, length: int = DEFAULT_SHIFT_LENGTH) -> np.ndarray:
    """Points that belong to a run of ``length`` or more points strictly on one side of the mean.

    Every point of the run is flagged (not only the ``length``-th). A point exactly on the mean
    (``relative == 0``) breaks the run. Input is :func:`relative_to_mean`.
    NHSRplotthedots 0.2.2 ``ptd_seven_point_one_side_mean`` and ``ptd_part_of_seven_trend``.
    """
    _check_length(length, "shift length")
    r = np.asarray(relative, dtype=int)
    above = _in_long_runs(r > 0, length)
    below = _in_long_runs(r < 0, length)
    return np.where(above, 1, np.where(below, -1, 0)).astype(int)


def trend(values: Array, length: int = DEFAULT_TREND_LENGTH) -> np.ndarray:
    """Points that belong to ``length`` or more consecutive points each strictly higher (``+1``)
    or each strictly lower (``-1``) than the one before.

    A trend of 7 points is 6 consecutive increases; equal neighbours (a tie) break it; a trend
    may cross the mean. Every point of the trend is flagged. A turning point shared by a rising
    and a falling trend takes the direction of the trend it starts, as NHSRplotthedots labels it.
    NHSRplotthedots 0.2.2 ``ptd_seven_point_trend`` and ``ptd_special_cause_type``.
    Deviation: NHSRplotthedots labels the last point of a trend "Decreasing" when the next point
    ties with it and starts another trend (its label uses the sign of that zero step); here the
    point keeps the direction of the trend it belongs to.
    """
    _check_length(length, "trend length")
    y = _as_float(values)
    out = np.zeros(y.size, dtype=int)
    if y.size < length:
        return out
    step = np.sign(np.diff(y))
    for direction in (1, -1):
        steps = _in_long_runs(step == direction, length - 1)
        points = np.zeros(y.size, dtype=bool)
        points[1:] |= steps
        points[:-1] |= steps
        # a turning point: keep the direction of the step that leaves it
        leaving = np.append(step, 0) == direction
        take = points & ((out == 0) | leaving)
        out[take] = direction
    return out


def two_of_three_near_limit(close: Array, relative: Array) -> np.ndarray:
    """Points in the near-limit band that belong to a "two of three" signal.

    Rule: in some window of three consecutive points, all three lie on the same side of the mean
    and at least two are in the near-limit band (:func:`close_to_limits`: beyond the two-sigma
    line, not beyond the process limit). Only the points in the band are flagged; the third
    point of the window is not. NHSRplotthedots 0.2.2 ``ptd_two_in_three`` and
    ``ptd_part_of_two_in_three`` (with the 0.2.2 fix that points on opposite sides of the mean
    never combine, issue #143).
    """
    c = np.asarray(close, dtype=int)
    r = np.asarray(relative, dtype=int)
    if c.shape != r.shape:
        raise ValueError("close and relative must have the same length")
    hit = np.zeros(c.size, dtype=bool)
    for i in range(c.size - TWO_OF_THREE_WINDOW + 1):
        window = slice(i, i + TWO_OF_THREE_WINDOW)
        same_side = abs(int(r[window].sum())) == TWO_OF_THREE_WINDOW
        if same_side and int(np.count_nonzero(c[window])) >= TWO_OF_THREE_MIN_NEAR:
            hit[window] = True
    return np.where(hit & (c != 0), c, 0).astype(int)
