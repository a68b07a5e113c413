"""XmR limits, hand-worked (NHSRplotthedots 0.2.2 vignette "Deviations from Excel defaults")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cancerwatch.analytics.spc.limits import (
    LIMIT_FACTOR,
    MR_SCREEN_FACTOR,
    moving_ranges,
    screen_moving_ranges,
    validate_fix_after_n_points,
    xmr_limits,
)

REFERENCE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_constants_are_the_published_ones():
    assert LIMIT_FACTOR == 2.66
    assert MR_SCREEN_FACTOR == 3.267


def test_moving_ranges_of_reference_vector():
    mr = moving_ranges(REFERENCE)
    assert mr.size == 17
    assert mr.sum() == 32  # fifteen 1s, an 8 and a 9
    assert sorted(mr)[-2:] == [8, 9]


def test_reference_vector_screened_like_nhsrplotthedots():
    lim = xmr_limits(REFERENCE)  # screen_outliers defaults to True
    assert lim.mean == pytest.approx(35 / 18)
    assert lim.mr_bar == pytest.approx(1.0)  # the 8 and the 9 are screened out
    assert lim.moving_ranges_used == 15
    assert round(lim.upl, 2) == 4.60
    assert round(lim.lpl, 2) == -0.72
    assert lim.upl == pytest.approx(35 / 18 + 2.66)


def test_reference_vector_unscreened_like_mdc_excel():
    lim = xmr_limits(REFERENCE, screen_outliers=False)
    assert lim.mr_bar == pytest.approx(32 / 17)
    assert round(lim.upl, 2) == 6.95
    assert round(lim.lpl, 2) == -3.06


def test_limits_are_symmetric_and_near_band_is_two_thirds():
    lim = xmr_limits(REFERENCE)
    assert lim.upl - lim.mean == pytest.approx(lim.mean - lim.lpl)
    assert lim.near_upl - lim.mean == pytest.approx((2 / 3) * (lim.upl - lim.mean))
    assert lim.mean - lim.near_lpl == pytest.approx((2 / 3) * (lim.mean - lim.lpl))


def test_screening_keeps_strictly_below_the_factor():
    # mean MR is 1, so 3.267 is dropped and 3.266 kept
    assert screen_moving_ranges([1.0, 1.0, 1.0], factor=1.0).size == 0
    kept = screen_moving_ranges(np.array([0.5, 0.5, 2.0]), factor=2.0)  # mean 1: drop MR >= 2
    assert kept.tolist() == [0.5, 0.5]


def test_flat_series_keeps_moving_ranges_and_collapses_limits():
    lim = xmr_limits([3, 3, 3, 3])
    assert lim.mr_bar == 0
    assert lim.lpl == lim.mean == lim.upl == 3


def test_single_point_has_mean_but_no_limits():
    lim = xmr_limits([5])
    assert lim.mean == 5
    assert math.isnan(lim.upl) and math.isnan(lim.lpl)


def test_empty_or_non_finite_series_is_refused():
    with pytest.raises(ValueError, match="empty"):
        xmr_limits([])
    with pytest.raises(ValueError, match="finite"):
        xmr_limits([1, float("nan"), 2])


def test_fix_after_n_points_uses_only_the_first_points():
    values = [1, 2] * 6 + [50, 60, 70]
    lim = xmr_limits(values, fix_after_n_points=12)
    assert lim.baseline_points == 12
    assert lim.mean == pytest.approx(1.5)
    assert lim.mr_bar == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [11, 0, -3, 12.5, True])
def test_fix_after_n_points_must_be_at_least_12(bad):
    with pytest.raises(ValueError, match="fix_after_n_points"):
        validate_fix_after_n_points(bad)


def test_fix_after_n_points_accepts_none_and_12():
    validate_fix_after_n_points(None)
    validate_fix_after_n_points(12)
