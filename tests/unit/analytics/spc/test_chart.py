"""``compute_spc`` by its contract: fields, rule priority, rebasing, icons, validation."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from cancerwatch.analytics.spc import compute_spc
from cancerwatch.analytics.spc.chart import rebase_groups

REFERENCE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
POINT_FIELDS = [
    "period_start",
    "value",
    "mean",
    "lpl",
    "upl",
    "rebase_group",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "special_cause_type",
    "point_type",
    "target",
    "short_group_warning",
]


def months(n: int, start: date = date(2022, 4, 1)) -> list[date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days(n: int) -> list[date]:
    return [date(2024, 1, 1) + timedelta(days=i) for i in range(n)]


class TestReferenceVector:
    def test_screened_limits_and_the_ten_is_above(self):
        r = compute_spc(days(18), REFERENCE)
        p = r.points[4]
        assert round(p.mean, 3) == 1.944 and round(p.upl, 2) == 4.60 and round(p.lpl, 2) == -0.72
        assert p.outside_limits and p.special_cause_type == "Above UCL"
        assert p.point_type == "special_cause_improvement"
        assert sum(q.outside_limits for q in r.points) == 1
        assert r.variation_type == "common_cause" and r.variation_icon == "common_cause"

    def test_unscreened_limits_like_mdc_excel(self):
        r = compute_spc(days(18), REFERENCE, screen_outliers=False)
        p = r.points[4]
        assert round(p.upl, 2) == 6.95 and round(p.lpl, 2) == -3.06
        assert p.outside_limits

    def test_improvement_direction_decrease_makes_the_ten_a_concern(self):
        r = compute_spc(days(18), REFERENCE, improvement_direction="decrease")
        assert r.points[4].point_type == "special_cause_concern"

    def test_neutral_direction(self):
        r = compute_spc(days(18), REFERENCE, improvement_direction="neutral", target=3)
        assert r.points[4].point_type == "special_cause_neutral_high"
        assert r.assurance_type is None


class TestRows:
    def test_rows_carry_exactly_the_design_fields_in_order(self):
        rows = compute_spc(days(18), REFERENCE, target=3).to_rows()
        assert len(rows) == 18
        assert all(list(row) == POINT_FIELDS for row in rows)
        assert rows[0]["target"] == 3.0
        assert rows[4]["relative_to_mean"] == 1 and rows[0]["relative_to_mean"] == -1

    def test_summary_rows(self):
        s = compute_spc(days(18), REFERENCE, target=5).summary_rows()
        assert len(s) == 1
        assert s[0]["variation_type"] == "common_cause"
        assert s[0]["assurance_type"] == "consistent_fail"  # 5 > UPL 4.60, higher is better
        assert s[0]["n"] == 18 and s[0]["special_cause_improvement"] == 1 and s[0]["common_cause"] == 17

    def test_single_point_rows_are_json_safe(self):
        rows = compute_spc(["2024-01-01"], [0.7]).to_rows()
        assert rows[0]["upl"] is None and rows[0]["lpl"] is None
        json.dumps(rows, default=str)

    def test_points_come_out_in_date_order(self):
        r = compute_spc([date(2024, 3, 1), date(2024, 1, 1), date(2024, 2, 1)], [3, 1, 2], target=[30, 10, 20])
        assert [p.value for p in r.points] == [1, 2, 3]
        assert [p.target for p in r.points] == [10, 20, 30]


class TestRulesThroughTheChart:
    def test_shift_of_seven_each_side(self):
        values = [1, 2, 1, 2, 1, 2, 1, 3, 4, 3, 4, 3, 4, 3]
        r = compute_spc(months(14), values)
        assert [p.special_cause_type for p in r.points] == ["7 Points Below CL"] * 7 + ["7 Points Above CL"] * 7
        assert r.variation_icon == "improvement_high"

    def test_a_point_on_the_mean_breaks_the_shift(self):
        values = [3, 4, 3, 2, 3, 4, 3, 1, 0, 1, 1, 1, 1, 1]  # mean exactly 2
        r = compute_spc(months(14), values)
        assert r.points[0].mean == 2 and r.points[3].relative_to_mean == 0
        assert [p.special_cause_type for p in r.points[:7]] == ["Common Cause"] * 7
        assert [p.special_cause_type for p in r.points[7:]] == ["7 Points Below CL"] * 7
        assert r.variation_type == "special_cause_concern" and r.variation_icon == "concern_low"

    def test_outside_limits_outranks_trend_and_trend_outranks_two_in_three(self):
        r = compute_spc(months(7), [1, 2, 3, 4, 5, 6, 7])  # mean 4, limits 1.34 – 6.66
        labels = [p.special_cause_type for p in r.points]
        assert labels == ["Below LCL"] + ["7 Point Trend (Increasing)"] * 5 + ["Above UCL"]
        assert r.points[1].close_to_limits == -1  # in the band, but the trend label wins
        assert r.points[0].point_type == "special_cause_concern"

    def test_point_exactly_on_the_upper_limit_is_not_outside(self):
        baseline = [0, 1] * 6  # mean 0.5, MRbar 1 → UPL = 0.5 + 2.66
        r = compute_spc(months(13), [*baseline, 0.5 + 2.66], fix_after_n_points=12)
        last = r.points[-1]
        assert last.value == last.upl
        assert not last.outside_limits and last.close_to_limits == 1
        assert last.special_cause_type == "Common Cause"  # one point in the band is not two in three

    def test_two_in_three_flags_only_the_near_points(self):
        baseline = [0, 1] * 6
        near = 0.5 + 2.0  # beyond the two-sigma line (0.5 + 1.7733), inside the UPL (3.16)
        r = compute_spc(months(15), [*baseline, near, 1.0, near], fix_after_n_points=12)
        labels = [p.special_cause_type for p in r.points[-3:]]
        assert labels == ["2 in 3 Above CL", "Common Cause", "2 in 3 Above CL"]


class TestAssurance:
    values = (0.70, 0.72, 0.71, 0.73, 0.70, 0.72, 0.71, 0.73, 0.70, 0.72, 0.71, 0.73, 0.72)

    def test_pass_fail_and_hit_and_miss(self):
        r = compute_spc(months(13), self.values)
        lpl, upl = r.points[0].lpl, r.points[0].upl
        assert compute_spc(months(13), self.values, target=lpl - 0.001).assurance_type == "consistent_pass"
        assert compute_spc(months(13), self.values, target=upl + 0.001).assurance_type == "consistent_fail"
        assert compute_spc(months(13), self.values, target=0.71).assurance_type == "inconsistent"
        assert compute_spc(months(13), self.values, target=lpl).assurance_type == "inconsistent"
        assert compute_spc(months(13), self.values, target=upl).assurance_type == "inconsistent"

    def test_decrease_swaps_pass_and_fail(self):
        r = compute_spc(months(13), self.values)
        upl = r.points[0].upl
        got = compute_spc(months(13), self.values, target=upl + 0.001, improvement_direction="decrease")
        assert got.assurance_type == "consistent_pass"

    def test_no_target_no_assurance(self):
        assert compute_spc(months(13), self.values).assurance_type is None

    def test_assurance_uses_the_last_points_target(self):
        targets = [0.5] * 12 + [0.9]
        assert compute_spc(months(13), self.values, target=targets).assurance_type == "consistent_fail"


class TestRebase:
    group0 = (5, 3, 5, 3, 5, 3, 5, 3, 1, 2, 3, 4)
    group1 = (5, 6, 7, 3, 5, 3, 5, 3, 5, 3, 5, 3)

    def test_without_rebase_the_trend_runs_across(self):
        r = compute_spc(months(24), [*self.group0, *self.group1])
        assert any("Trend" in p.special_cause_type for p in r.points)

    def test_rebase_resets_groups_and_rules_never_cross(self):
        dates = months(24)
        r = compute_spc(dates, [*self.group0, *self.group1], rebase=[dates[12]], target=4)
        assert [p.rebase_group for p in r.points] == [0] * 12 + [1] * 12
        assert not any("Trend" in p.special_cause_type for p in r.points)
        assert r.points[0].mean == pytest.approx(sum(self.group0) / 12)
        assert r.points[12].mean == pytest.approx(sum(self.group1) / 12)
        assert len(r.summary) == 2
        assert r.summary[0].assurance_type is None and r.summary[1].assurance_type == "inconsistent"
        assert all(p.short_group_warning for p in r.points)  # 12 < 13: trial limits

    def test_rebase_date_between_points_starts_at_the_next_point(self):
        dates = months(6)
        assert rebase_groups(dates, [date(2022, 6, 15)]).tolist() == [0, 0, 0, 1, 1, 1]
        assert rebase_groups(dates, ["2022-04-01", date(2030, 1, 1)]).tolist() == [0] * 6

    def test_short_group_warning_threshold_is_13(self):
        assert compute_spc(months(12), [1, 2] * 6).points[0].short_group_warning
        assert not compute_spc(months(13), [1, 2] * 6 + [1]).points[0].short_group_warning
