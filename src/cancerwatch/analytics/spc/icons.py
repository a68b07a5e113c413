"""Point labels, point types, the variation and assurance icons, and their colours.

Source: NHSRplotthedots 0.2.2 (NHS-R Community): ``R/ptd_calculate_point_type.R``
(``ptd_special_cause_type``, ``ptd_point_type``), ``R/ptd_calculate_assurance_type.R``,
``R/ptd_spc_colours.R`` and the icon files ``inst/icons/variation/*.svg``; docs/statistics.md, XmR charts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

INCREASE, DECREASE, NEUTRAL = "increase", "decrease", "neutral"
IMPROVEMENT_DIRECTIONS = {INCREASE: 1, DECREASE: -1, NEUTRAL: 0}
"""Improvement direction as NHSRplotthedots codes it (``ptd_spc.R``): +1, −1 or 0."""

COMMON_CAUSE = "common_cause"
SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
SPECIAL_CAUSE_CONCERN = "special_cause_concern"
SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"
POINT_TYPES = (
    COMMON_CAUSE,
    SPECIAL_CAUSE_IMPROVEMENT,
    SPECIAL_CAUSE_CONCERN,
    SPECIAL_CAUSE_NEUTRAL_HIGH,
    SPECIAL_CAUSE_NEUTRAL_LOW,
)

VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
"""Variation icon names, as the NHSRplotthedots 0.2.2 files ``inst/icons/variation/<name>.svg``."""

CONSISTENT_PASS, CONSISTENT_FAIL, INCONSISTENT = "consistent_pass", "consistent_fail", "inconsistent"
ASSURANCE_TYPES = (CONSISTENT_PASS, CONSISTENT_FAIL, INCONSISTENT)

COMMON_CAUSE_LABEL = "Common Cause"

SPC_COLOURS = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_neutral": "#490092",
    "special_cause_concern": "#e46c0a",
    "value_line": "#a6a6a6",
    "mean_line": "#000000",
    "lpl": "#a6a6a6",
    "upl": "#a6a6a6",
    "target": "#de1b1b",
    "trajectory": "#490092",
}
"""The Making Data Count palette, as NHSRplotthedots 0.2.2 ``ptd_spc_colours()`` defaults."""


def direction_code(improvement_direction: str) -> int:
    """+1, −1 or 0 for ``increase``, ``decrease`` or ``neutral``; ``ValueError`` otherwise."""
    try:
        return IMPROVEMENT_DIRECTIONS[improvement_direction]
    except KeyError:
        raise ValueError(
            f"improvement_direction must be one of {', '.join(IMPROVEMENT_DIRECTIONS)}, got {improvement_direction!r}"
        ) from None


def special_cause_types(
    outside: Sequence[int] | np.ndarray,
    trend: Sequence[int] | np.ndarray,
    two_of_three: Sequence[int] | np.ndarray,
    shift: Sequence[int] | np.ndarray,
    relative: Sequence[int] | np.ndarray,
    *,
    shift_length: int = 7,
    trend_length: int = 7,
) -> list[str]:
    """The label of each point, taking the first rule it meets in this priority order:
    outside limits → trend → two of three → shift → common cause.

    Labels are NHSRplotthedots' strings (``ptd_special_cause_type``): ``Above UCL``, ``Below LCL``,
    ``7 Point Trend (Increasing)``, ``7 Point Trend (Decreasing)``, ``2 in 3 Above CL``,
    ``2 in 3 Below CL``, ``7 Points Above CL``, ``7 Points Below CL``, ``Common Cause``; the 7s
    follow the configured run lengths. Inputs are the per-point arrays of
    :mod:`cancerwatch.analytics.spc.rules`.
    """
    labels = []
    for o, t, w, s, r in zip(outside, trend, two_of_three, shift, relative, strict=True):
        side = "Above" if r > 0 else "Below"
        if o:
            labels.append("Above UCL" if o > 0 else "Below LCL")
        elif t:
            labels.append(f"{trend_length} Point Trend ({'Increasing' if t > 0 else 'Decreasing'})")
        elif w:
            labels.append(f"2 in 3 {side} CL")
        elif s:
            labels.append(f"{shift_length} Points {side} CL")
        else:
            labels.append(COMMON_CAUSE_LABEL)
    return labels


def label_direction(label: str) -> int:
    """+1 if a label mentions Above/Increasing, −1 for Below/Decreasing, else 0 (``ptd_point_type``)."""
    if "Above" in label or "Increasing" in label:
        return 1
    if "Below" in label or "Decreasing" in label:
        return -1
    return 0


def point_type(label: str, improvement_direction: str) -> str:
    """Classify one point from its label and the improvement direction.

    Rule (NHSRplotthedots 0.2.2 ``ptd_point_type``): ``v`` = :func:`label_direction`; if the
    direction is neutral, ``v > 0`` → ``special_cause_neutral_high`` and ``v < 0`` →
    ``special_cause_neutral_low``; otherwise ``v × direction > 0`` → ``special_cause_improvement``,
    ``< 0`` → ``special_cause_concern``; ``v = 0`` → ``common_cause``.
    """
    direction = direction_code(improvement_direction)
    v = label_direction(label)
    if v == 0:
        return COMMON_CAUSE
    if direction == 0:
        return SPECIAL_CAUSE_NEUTRAL_HIGH if v > 0 else SPECIAL_CAUSE_NEUTRAL_LOW
    return SPECIAL_CAUSE_IMPROVEMENT if v * direction > 0 else SPECIAL_CAUSE_CONCERN


def variation_icon(last_point_type: str, improvement_direction: str) -> str:
    """The variation icon for a series: the classification of its **last** point.

    Rule (NHSRplotthedots 0.2.2 icon files; docs/statistics.md, XmR charts): improvement is ``_high`` when higher
    is better and ``_low`` when lower is better; concern is the opposite (a concern on an
    ``increase`` measure is ``concern_low``); neutral points keep their side.
    """
    direction = direction_code(improvement_direction)
    if last_point_type == COMMON_CAUSE:
        return "common_cause"
    if last_point_type == SPECIAL_CAUSE_NEUTRAL_HIGH:
        return "neutral_high"
    if last_point_type == SPECIAL_CAUSE_NEUTRAL_LOW:
        return "neutral_low"
    if direction == 0:
        raise ValueError(f"{last_point_type!r} needs an increase or decrease improvement direction")
    high_is_good = direction > 0
    if last_point_type == SPECIAL_CAUSE_IMPROVEMENT:
        return "improvement_high" if high_is_good else "improvement_low"
    if last_point_type == SPECIAL_CAUSE_CONCERN:
        return "concern_low" if high_is_good else "concern_high"
    raise ValueError(f"unknown point type {last_point_type!r}")


def assurance_type(
    target: float | None, lpl: float | None, upl: float | None, improvement_direction: str
) -> str | None:
    """Whether the process will consistently pass, consistently fail, or hit and miss the target.

    Rule (NHSRplotthedots 0.2.2 ``ptd_calculate_assurance_type.R``), from the limits of the latest
    rebase group: with direction ``increase``, target < LPL → ``consistent_pass`` and target > UPL →
    ``consistent_fail``; ``decrease`` swaps them; otherwise (including a target exactly on a limit)
    ``inconsistent``. ``None`` when there is no target, the direction is neutral, or the limits
    are not defined (None or NaN).
    """
    direction = direction_code(improvement_direction)
    if target is None or lpl is None or upl is None or direction == 0:
        return None
    if math.isnan(target) or math.isnan(lpl) or math.isnan(upl):
        return None
    if target > upl:
        return CONSISTENT_FAIL if direction > 0 else CONSISTENT_PASS
    if target < lpl:
        return CONSISTENT_PASS if direction > 0 else CONSISTENT_FAIL
    return INCONSISTENT


def point_colour(point_type_: str, colours: dict[str, str] | None = None) -> str:
    """Marker colour of a point type in the Making Data Count palette (:data:`SPC_COLOURS`)."""
    palette = {**SPC_COLOURS, **(colours or {})}
    if point_type_.startswith("special_cause_neutral"):
        return palette["special_cause_neutral"]
    return palette[point_type_]
