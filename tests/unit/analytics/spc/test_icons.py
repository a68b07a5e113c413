"""Labels, point types, variation and assurance icons (NHSRplotthedots 0.2.2)."""

from __future__ import annotations

import math

import pytest

from cancerwatch.analytics.spc.icons import (
    SPC_COLOURS,
    assurance_type,
    direction_code,
    point_colour,
    point_type,
    special_cause_types,
    variation_icon,
)


class TestSpecialCauseTypes:
    def test_priority_outside_then_trend_then_two_of_three_then_shift(self):
        #            outside trend two3 shift relative
        rows = [
            (1, 1, 1, 1, 1),
            (0, -1, 1, 1, 1),
            (0, 0, 1, 1, 1),
            (0, 0, 0, -1, -1),
            (-1, 0, 0, 0, -1),
            (0, 0, 0, 0, 1),
            (0, 1, 0, 0, -1),
            (0, 0, -1, 0, -1),
            (0, 0, 0, 1, 1),
        ]
        labels = special_cause_types(*zip(*rows, strict=True))
        assert labels == [
            "Above UCL",
            "7 Point Trend (Decreasing)",
            "2 in 3 Above CL",
            "7 Points Below CL",
            "Below LCL",
            "Common Cause",
            "7 Point Trend (Increasing)",
            "2 in 3 Below CL",
            "7 Points Above CL",
        ]

    def test_labels_follow_configured_run_lengths(self):
        labels = special_cause_types([0, 0], [1, 0], [0, 0], [0, 1], [1, 1], shift_length=8, trend_length=6)
        assert labels == ["6 Point Trend (Increasing)", "8 Points Above CL"]


class TestPointType:
    @pytest.mark.parametrize(
        ("label", "direction", "expected"),
        [
            ("Above UCL", "increase", "special_cause_improvement"),
            ("Above UCL", "decrease", "special_cause_concern"),
            ("Below LCL", "increase", "special_cause_concern"),
            ("Below LCL", "decrease", "special_cause_improvement"),
            ("7 Point Trend (Increasing)", "increase", "special_cause_improvement"),
            ("7 Point Trend (Decreasing)", "decrease", "special_cause_improvement"),
            ("2 in 3 Below CL", "increase", "special_cause_concern"),
            ("7 Points Above CL", "decrease", "special_cause_concern"),
            ("Above UCL", "neutral", "special_cause_neutral_high"),
            ("7 Points Below CL", "neutral", "special_cause_neutral_low"),
            ("Common Cause", "increase", "common_cause"),
            ("Common Cause", "neutral", "common_cause"),
        ],
    )
    def test_classification(self, label, direction, expected):
        assert point_type(label, direction) == expected

    def test_unknown_direction_is_refused(self):
        with pytest.raises(ValueError, match="improvement_direction"):
            direction_code("up")


class TestVariationIcon:
    @pytest.mark.parametrize(
        ("last", "direction", "icon"),
        [
            ("common_cause", "increase", "common_cause"),
            ("special_cause_improvement", "increase", "improvement_high"),
            ("special_cause_improvement", "decrease", "improvement_low"),
            ("special_cause_concern", "increase", "concern_low"),
            ("special_cause_concern", "decrease", "concern_high"),
            ("special_cause_neutral_high", "neutral", "neutral_high"),
            ("special_cause_neutral_low", "neutral", "neutral_low"),
        ],
    )
    def test_icon_of_the_last_point(self, last, direction, icon):
        assert variation_icon(last, direction) == icon

    def test_unknown_point_type_is_refused(self):
        with pytest.raises(ValueError):
            variation_icon("special_cause_whatever", "increase")


class TestAssuranceType:
    # limits 0.70 – 0.80
    @pytest.mark.parametrize(
        ("target", "direction", "expected"),
        [
            (0.69, "increase", "consistent_pass"),
            (0.81, "increase", "consistent_fail"),
            (0.69, "decrease", "consistent_fail"),
            (0.81, "decrease", "consistent_pass"),
            (0.75, "increase", "inconsistent"),
            (0.70, "increase", "inconsistent"),  # target equal to a limit: hit and miss
            (0.80, "increase", "inconsistent"),
            (0.80, "decrease", "inconsistent"),
        ],
    )
    def test_boundaries(self, target, direction, expected):
        assert assurance_type(target, 0.70, 0.80, direction) == expected

    def test_none_without_target_or_with_neutral_direction_or_no_limits(self):
        assert assurance_type(None, 0.7, 0.8, "increase") is None
        assert assurance_type(0.5, 0.7, 0.8, "neutral") is None
        assert assurance_type(0.5, math.nan, math.nan, "increase") is None


def test_colours_are_the_making_data_count_palette():
    assert point_colour("special_cause_improvement") == "#00b0f0"
    assert point_colour("special_cause_concern") == "#e46c0a"
    assert point_colour("special_cause_neutral_high") == "#490092"
    assert point_colour("special_cause_neutral_low") == "#490092"
    assert point_colour("common_cause") == "#a6a6a6"
    assert point_colour("common_cause", {"common_cause": "#000000"}) == "#000000"
    assert SPC_COLOURS["target"] == "#de1b1b"
