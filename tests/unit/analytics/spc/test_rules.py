"""Each Making Data Count rule on tiny hand-made vectors (NHSRplotthedots 0.2.2 rules)."""

from __future__ import annotations

import math

import pytest

from cancerwatch.analytics.spc.rules import (
    close_to_limits,
    outside_limits,
    relative_to_mean,
    shift,
    trend,
    two_of_three_near_limit,
)


class TestOutsideLimits:
    def test_strictly_beyond_each_limit(self):
        assert outside_limits([11, -1, 5], lpl=0, upl=10).tolist() == [1, -1, 0]

    def test_point_exactly_on_a_limit_is_inside(self):
        assert outside_limits([10, 0], lpl=0, upl=10).tolist() == [0, 0]

    def test_nan_limits_flag_nothing(self):
        assert outside_limits([1, 100], lpl=math.nan, upl=math.nan).tolist() == [0, 0]


class TestCloseToLimits:
    # mean 0, limits ±3, near band beyond ±2
    def test_band_is_beyond_two_sigma_and_up_to_the_limit(self):
        got = close_to_limits([2.5, 3, 3.5, 2, -2.5, -3, -3.5, -2, 0], -3, 3, -2, 2)
        assert got.tolist() == [1, 1, 0, 0, -1, -1, 0, 0, 0]


class TestRelativeToMean:
    def test_sign_with_zero_on_the_mean(self):
        assert relative_to_mean([1, 2, 3], 2).tolist() == [-1, 0, 1]


class TestShift:
    def test_exactly_seven_above_flags_all_seven(self):
        assert shift([-1] + [1] * 7 + [-1]).tolist() == [0] + [1] * 7 + [0]

    def test_six_above_is_not_a_shift(self):
        assert shift([-1] + [1] * 6 + [-1]).tolist() == [0] * 8

    def test_longer_run_flags_every_point(self):
        assert shift([1] * 9).tolist() == [1] * 9

    def test_below_the_mean_is_minus_one(self):
        assert shift([-1] * 7).tolist() == [-1] * 7

    def test_a_point_on_the_mean_breaks_the_run(self):
        assert shift([1] * 4 + [0] + [1] * 4).tolist() == [0] * 9

    def test_configurable_length(self):
        assert shift([1] * 6, length=6).tolist() == [1] * 6
        assert shift([1] * 5, length=6).tolist() == [0] * 5

    def test_empty_and_short(self):
        assert shift([]).tolist() == []
        assert shift([1, 1]).tolist() == [0, 0]


class TestTrend:
    def test_exactly_seven_increasing_flags_all_seven(self):
        assert trend([5, 1, 2, 3, 4, 5, 6, 7]).tolist() == [0] + [1] * 7

    def test_six_increasing_is_not_a_trend(self):
        assert trend([5, 1, 2, 3, 4, 5, 6, 0]).tolist() == [0] * 8

    def test_decreasing_is_minus_one(self):
        assert trend([7, 6, 5, 4, 3, 2, 1]).tolist() == [-1] * 7

    def test_a_tie_breaks_the_trend(self):
        assert trend([1, 2, 3, 4, 4, 5, 6, 7]).tolist() == [0] * 8

    def test_trend_may_cross_the_mean(self):
        assert trend([-3, -2, -1, 0, 1, 2, 3]).tolist() == [1] * 7

    def test_turning_point_takes_the_direction_of_the_trend_it_starts(self):
        values = [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]
        assert trend(values).tolist() == [1] * 6 + [-1] * 7

    def test_tie_at_the_turn_keeps_each_trend_its_own_points(self):
        values = [1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1]
        assert trend(values).tolist() == [1] * 7 + [-1] * 7

    def test_configurable_length(self):
        assert trend([1, 2, 3, 4, 5], length=5).tolist() == [1] * 5
        assert trend([1, 2, 3, 4], length=5).tolist() == [0] * 4

    def test_empty_and_short(self):
        assert trend([]).tolist() == []
        assert trend([1, 2, 3]).tolist() == [0, 0, 0]

    @pytest.mark.parametrize("bad", [1, 0, 2.5])
    def test_length_must_be_a_whole_number_of_at_least_two(self, bad):
        with pytest.raises(ValueError, match="length"):
            trend([1, 2, 3], length=bad)


class TestTwoOfThree:
    def test_flags_only_the_points_in_the_band(self):
        close = [0, 1, 0, 1, 0]
        rel = [1, 1, 1, 1, 1]
        assert two_of_three_near_limit(close, rel).tolist() == [0, 1, 0, 1, 0]

    def test_two_adjacent_in_the_band(self):
        assert two_of_three_near_limit([-1, -1, 0], [-1, -1, -1]).tolist() == [-1, -1, 0]

    def test_one_in_the_band_is_not_enough(self):
        assert two_of_three_near_limit([1, 0, 0, 0, 1], [1] * 5).tolist() == [0] * 5

    def test_window_must_be_all_on_one_side_of_the_mean(self):
        # two close points above, but the third point of every window containing both is below
        assert two_of_three_near_limit([1, 0, 1], [1, -1, 1]).tolist() == [0, 0, 0]

    def test_close_points_on_opposite_sides_do_not_combine(self):
        assert two_of_three_near_limit([1, -1, 0], [1, -1, 1]).tolist() == [0, 0, 0]

    def test_a_point_beyond_the_limit_is_not_close(self):
        # the middle point is outside the limits (close = 0): only one point is in the band
        assert two_of_three_near_limit([1, 0, 0], [1, 1, 1]).tolist() == [0, 0, 0]

    def test_shorter_than_the_window(self):
        assert two_of_three_near_limit([1, 1], [1, 1]).tolist() == [0, 0]
        assert two_of_three_near_limit([], []).tolist() == []

    def test_lengths_must_match(self):
        with pytest.raises(ValueError):
            two_of_three_near_limit([1, 1, 1], [1, 1])
