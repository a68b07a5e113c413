"""SPC invariants (Hypothesis): limits symmetric about the mean; shifting every value by a constant
moves the mean and limits by it and changes no flag; scaling by a positive constant changes no flag.

Points within floating-point rounding of a boundary (the mean, a limit or a two-sigma line) are
excluded: there the flag legitimately depends on the last bit of the arithmetic.
"""

from __future__ import annotations

from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from cancerwatch.analytics.spc import compute_spc
from cancerwatch.analytics.spc.limits import xmr_limits

series = st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=40)
directions = st.sampled_from(["increase", "decrease", "neutral"])


def dates(n: int) -> list[date]:
    return [date(2015 + i // 12, i % 12 + 1, 1) for i in range(n)]


def flags(result) -> list[tuple]:
    return [
        (p.outside_limits, p.relative_to_mean, p.close_to_limits, p.special_cause_type, p.point_type)
        for p in result.points
    ]


def clear_of_boundaries(result) -> bool:
    for p in result.points:
        scale = 1e-9 * (1 + abs(p.value) + abs(p.mean))
        spread = (p.upl - p.mean) if p.upl is not None else 0.0
        lines = [p.mean, p.upl, p.lpl, p.mean + 2 / 3 * spread, p.mean - 2 / 3 * spread]
        if p.value != p.mean and any(abs(p.value - line) < scale for line in lines):
            return False
    return True


@given(series, st.booleans())
def test_limits_symmetric_about_the_mean(values, screen):
    lim = xmr_limits(values, screen_outliers=screen)
    assert abs((lim.upl - lim.mean) - (lim.mean - lim.lpl)) < 1e-9
    assert lim.lpl <= lim.near_lpl <= lim.mean <= lim.near_upl <= lim.upl


@given(series, st.integers(min_value=-1000, max_value=1000), directions, st.booleans())
def test_adding_a_constant_moves_mean_and_limits_and_keeps_flags(values, c, direction, screen):
    base = compute_spc(dates(len(values)), values, improvement_direction=direction, screen_outliers=screen)
    moved = compute_spc(
        dates(len(values)), [v + c for v in values], improvement_direction=direction, screen_outliers=screen
    )
    assume(clear_of_boundaries(base) and clear_of_boundaries(moved))
    for p, q in zip(base.points, moved.points, strict=True):
        assert abs(q.mean - (p.mean + c)) < 1e-9
        assert abs(q.upl - (p.upl + c)) < 1e-9 and abs(q.lpl - (p.lpl + c)) < 1e-9
    assert flags(moved) == flags(base)


@given(series, st.floats(min_value=0.01, max_value=100), directions, st.booleans())
def test_scaling_by_a_positive_constant_keeps_flags(values, k, direction, screen):
    base = compute_spc(dates(len(values)), values, improvement_direction=direction, screen_outliers=screen)
    scaled = compute_spc(
        dates(len(values)), [v * k for v in values], improvement_direction=direction, screen_outliers=screen
    )
    assume(clear_of_boundaries(base) and clear_of_boundaries(scaled))
    # a point on the mean in one and a hair off it in the other is a rounding artefact too
    assume(all((p.value == p.mean) == (q.value == q.mean) for p, q in zip(base.points, scaled.points, strict=True)))
    assert flags(scaled) == flags(base)
