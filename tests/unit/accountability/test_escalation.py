"""Escalation rules on hand-made series at their boundaries, and on the real data."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.accountability.escalation import (
    ENDED,
    FIRED,
    NOT_FIRED,
    TOO_FEW_PATIENTS,
    TOO_FEW_PERIODS,
    Escalation,
    below_threshold_k_of_n,
    covered_periods,
    escalate,
    funnel_low_outlier_k_of_n,
    get_rule,
    parse_rules,
    rules,
    spc_assurance_fail,
    trend_of,
)
from cancerwatch.accountability.letter import render_letter
from cancerwatch.errors import UsageError
from cancerwatch.periods import add_months


def _series(perfs, threshold=0.85, totals=None, step=1, start=date(2022, 4, 1)):
    """Time-ordered metric rows, one per period of ``step`` months; ``None`` in ``perfs`` leaves a gap."""
    totals = totals or [100.0] * len(perfs)
    rows = []
    for i, (p, total) in enumerate(zip(perfs, totals, strict=True)):
        if p is None:
            continue
        at = add_months(start, i * step)
        rows.append(
            {
                "period_label": f"{at:%Y-%m}",
                "period_start": at.isoformat(),
                "performance": p,
                "threshold": threshold,
                "met": None if threshold is None else p >= threshold,
                "total": total,
                "within_standard": p * total,
                "england_performance": 0.7,
                "months": step,
            }
        )
    return rows


@pytest.mark.parametrize(
    ("perfs", "status", "failures"),
    [
        ([0.8, 0.8, 0.8, 0.9], FIRED, 3),  # exactly k = 3 of n = 4
        ([0.8, 0.8, 0.9, 0.9], NOT_FIRED, 2),  # k − 1
        ([0.8, 0.9, 0.9, 0.8, 0.8], NOT_FIRED, 2),  # only the last n = 4 count: the first failure is too old
        ([0.85, 0.85, 0.85, 0.85], NOT_FIRED, 0),  # exactly on the threshold is met
    ],
)
def test_below_threshold_k_of_n(perfs, status, failures):
    a = below_threshold_k_of_n(_series(perfs), k=3, n=4)
    assert (a.status, a.fired, a.failures) == (status, status == FIRED, failures)
    assert len(a.rows) == 4


def test_three_quarters_are_too_few_for_a_four_quarter_rule_and_say_so():
    three = below_threshold_k_of_n(_series([0.8, 0.8, 0.8], step=3), k=3, n=4, period="quarter")
    assert (three.status, three.fired, three.summary) == (TOO_FEW_PERIODS, False, "too few quarters: 3 of 4")
    four = below_threshold_k_of_n(_series([0.8, 0.8, 0.8, 0.8], step=3), k=3, n=4, period="quarter")
    assert (four.status, four.fired, four.summary) == (FIRED, True, "below threshold in 4 of the last 4 quarters")


def test_a_gap_shortens_the_window():
    """Quarters 1, 2 and 4 of a year: the unbroken run that ends with the latest is one quarter."""
    a = below_threshold_k_of_n(_series([0.8, 0.8, None, 0.8], step=3), k=3, n=4, period="quarter")
    assert a.summary == "too few quarters: 1 of 4"


def test_a_period_with_no_row_in_the_covered_window_had_no_patients():
    periods = [add_months(date(2022, 4, 1), 3 * i) for i in range(4)]
    a = below_threshold_k_of_n(
        _series([0.8, 0.8, None, 0.8], step=3), k=3, n=4, period="quarter", periods=periods, min_denominator=20
    )
    assert a.status == FIRED and a.failures == 3  # three of four quarters, the missing one no evidence
    a = below_threshold_k_of_n(
        _series([0.8, None, None, 0.8], step=3), k=3, n=4, period="quarter", periods=periods, min_denominator=20
    )
    assert a.status == TOO_FEW_PATIENTS


def test_periods_without_threshold_are_not_failures():
    a = below_threshold_k_of_n(_series([0.5, 0.5, 0.5, 0.5], threshold=None), k=3, n=4)
    assert (a.fired, a.failures) == (False, 0)


@pytest.mark.parametrize(("small", "status", "failures"), [(20, FIRED, 5), (19.5, NOT_FIRED, 4), (19, NOT_FIRED, 4)])
def test_minimum_denominator_at_the_limit_and_below(small, status, failures):
    """Five failing months and one passing; the fifth failing month has ``small`` patients.
    At the minimum of 20 it counts (5 of 6 fire); below it, it is no evidence (4 of 6)."""
    a = below_threshold_k_of_n(
        _series([0.5, 0.5, 0.5, 0.5, 0.5, 0.9], totals=[100, 100, 100, 100, small, 100]), k=5, n=6, min_denominator=20
    )
    assert (a.status, a.failures) == (status, failures)


def test_a_unit_with_a_handful_of_patients_a_month_is_not_escalated():
    a = below_threshold_k_of_n(_series([0.2] * 6, totals=[5] * 6), k=5, n=6, min_denominator=20)
    assert a.status == TOO_FEW_PATIENTS and not a.fired
    assert a.summary == "too few patients: 0 of the last 6 months had at least 20 patients, and the rule needs 5"
    assert below_threshold_k_of_n(_series([0.2] * 6, totals=[5] * 6), k=5, n=6).fired  # no minimum: it would


# An XmR chart of 0.50, 0.52, 0.50, … on 13 months: mean (7 × 0.50 + 6 × 0.52) / 13 = 0.5092, every
# moving range 0.02 (none screened out), so the process limits are 0.5092 ± 2.66 × 0.02 = 0.4560
# and 0.5624. The 85% threshold lies above the upper limit, on the failing side for a standard
# where higher is better: assurance "consistently failing" (NHSRplotthedots).
def _failing(n, totals=None):
    return _series([0.50 if i % 2 == 0 else 0.52 for i in range(n)], totals=totals)


def test_mdc_rule_needs_13_points():
    twelve = spc_assurance_fail(_failing(12), improvement_direction="increase")
    assert (twelve.status, twelve.fired) == (TOO_FEW_PERIODS, False)
    assert twelve.summary == "too few months: 12 of 13 (trial limits)"
    thirteen = spc_assurance_fail(_failing(13), improvement_direction="increase")
    assert (thirteen.status, thirteen.fired) == (FIRED, True)
    assert thirteen.summary.startswith("SPC assurance consistent_fail") and thirteen.failures == 13


def test_mdc_rule_never_takes_fewer_than_13_points():
    assert not spc_assurance_fail(_failing(12), improvement_direction="increase", min_points=6).fired


def test_mdc_rule_uses_the_unbroken_run_of_latest_months():
    gap = _failing(14)
    del gap[1]  # the second month is missing: the run that ends with the latest is 12 months
    a = spc_assurance_fail(gap, improvement_direction="increase")
    assert (a.status, len(a.rows)) == (TOO_FEW_PERIODS, 12)


@pytest.mark.parametrize(("small", "status"), [(20, FIRED), (19, TOO_FEW_PATIENTS)])
def test_mdc_rule_minimum_denominator_at_the_limit_and_below(small, status):
    totals = [100] * 13
    totals[6] = small  # the seventh of 13 months: below the minimum it cuts the run to six months
    a = spc_assurance_fail(_failing(13, totals), improvement_direction="increase", min_denominator=20)
    assert a.status == status
    if status == TOO_FEW_PATIENTS:
        assert a.summary.startswith("too few patients: only the last 6 months in a row had at least 20 patients")


def test_funnel_rule_counts_low_outliers_with_enough_patients():
    rows = _series([0.5, 0.5, 0.5], step=3, totals=[100, 100, 19])
    for r, flag in zip(rows, ("low", "", "low"), strict=True):
        r["funnel_outlier"] = flag
    a = funnel_low_outlier_k_of_n(rows, k=2, n=3, min_denominator=20)
    assert (a.status, a.failures) == (NOT_FIRED, 1)  # the third quarter has 19 patients: no evidence
    assert funnel_low_outlier_k_of_n(rows, k=2, n=3).status == FIRED
    assert funnel_low_outlier_k_of_n(rows[:2], k=2, n=3).summary == "too few quarters: 2 of 3"


def test_covered_periods_needs_a_complete_quarter_from_some_organisation():
    rows = _series([0.5, 0.5, 0.5], step=3)
    rows[-1]["months"] = 1  # the latest quarter has only its first month: not complete
    assert covered_periods(rows, "quarter") == [date(2022, 4, 1), date(2022, 7, 1)]
    small = {**rows[0], "org_code": "X", "months": 1}  # one organisation with one month in a complete quarter
    assert date(2022, 4, 1) in covered_periods([small, rows[0]], "quarter")


def test_rules_catalogue_defaults_and_validation():
    assert {r.min_denominator for r in rules().values()} == {20}
    assert get_rule("mdc_consistently_failing").min_points == 13
    base = {"kind": "spc_assurance_fail", "description": "", "period": "month"}
    with pytest.raises(ValueError, match="min_points 12: limits on fewer than 13 points are trial limits"):
        parse_rules({"rules": {"x": {**base, "min_points": 12}}})
    with pytest.raises(ValueError, match="need 1 <= k <= n"):
        parse_rules({"rules": {"x": {"kind": "below_threshold_k_of_n", "description": "", "period": "month", "k": 5}}})
    with pytest.raises(ValueError, match="unknown key 'min_patients'"):
        parse_rules({"rules": {"x": {**base, "min_points": 13, "min_patients": 5}}})
    own = parse_rules(
        {"defaults": {"min_denominator": 20}, "rules": {"x": {**base, "min_points": 13, "min_denominator": 5}}}
    )
    assert own["x"].min_denominator == 5


@pytest.mark.parametrize(
    ("perfs", "trend"),
    [
        ([0.60, 0.62, 0.64, 0.66], "improving"),
        ([0.66, 0.64, 0.62, 0.60], "deteriorating"),
        ([0.60, 0.601, 0.60, 0.601], "no clear change"),
        ([0.6, 0.7], "too few points"),
    ],
)
def test_trend(perfs, trend):
    assert trend_of(_series(perfs)) == trend


def test_unknown_rule():
    with pytest.raises(UsageError, match="unknown escalation rule 'x'"):
        get_rule("x")


def test_real_data_62_day_providers(warehouse):
    items = escalate(warehouse, standard="62d", level="provider", rule_id="below_threshold_5_of_6_months")
    assert items and all(e.fired and e.failures >= 5 and e.periods_considered == 6 for e in items)
    for e in items:  # only months with at least 20 patients count as failures
        assert sum(1 for r in e.evidence if r["total"] >= 20 and r["performance"] < r["threshold"]) >= 5
        assert e.evidence[-1]["period_label"] == "2025-07"  # the window ends at the latest month
    # Manchester University NHS FT: 425.5 to 514.5 patients a month, below 85% in every month of
    # February – July 2025 (provider workbooks)
    assert "R0A" in {e.org_code for e in items}
    everyone = escalate(
        warehouse, standard="62d", level="provider", rule_id="below_threshold_5_of_6_months", include_all=True
    )
    assert len(everyone) > len(items)
    assert all(not e.fired for e in everyone[len(items) :])
    # Royal Papworth: 19.5, 24, 16, 16.5, 22.5 and 15 patients in February – July 2025: two months
    # reach the 20-patient minimum, the rule needs five
    papworth = next(e for e in everyone if e.org_code == "RGM")
    assert [r["total"] for r in papworth.evidence] == [19.5, 24, 16, 16.5, 22.5, 15]
    assert papworth.status == TOO_FEW_PATIENTS
    for e in everyone:
        if e.status == TOO_FEW_PATIENTS:
            assert sum(1 for r in e.evidence if r["total"] >= 20) < 5


def test_letter_lists_the_evidence():
    e = Escalation(
        "R0A",
        "Manchester University NHS FT",
        "provider",
        "62d",
        "below_threshold_5_of_6_months",
        "Below the operational threshold in at least 5 of the last 6 months",
        True,
        6,
        6,
        _series([0.5, 0.52, 0.49, 0.45, 0.47, 0.44], start=date(2023, 1, 1)),
        "below threshold in 6 of the last 6 months",
        "deteriorating",
    )
    md = render_letter(e, fmt="md", today=date(2023, 11, 1))
    assert "To: the National Cancer Director, NHS England" in md
    assert md.count("\n| 2023-") == 6 and "| 44.0% | 85.0% | no |" in md
    html = render_letter(e, fmt="html", today=date(2023, 11, 1))
    assert html.startswith("<!doctype html>") and "<table>" in html and "<strong>deteriorating</strong>" in html


@pytest.mark.parametrize(("standard", "level"), [("62d", "provider"), ("fds", "alliance"), ("fds", "sub_icb")])
def test_mdc_rule_on_real_data_has_no_evidence_from_under_13_months(warehouse, standard, level):
    """Issue 19: the rule once escalated 86 providers for 62-day on six months. Now every escalation
    rests on at least 13 consecutive months, each with at least 20 patients; shorter series say why."""
    items = escalate(warehouse, standard=standard, level=level, rule_id="mdc_consistently_failing", include_all=True)
    assert items
    for e in items:
        if e.fired:
            assert len(e.evidence) >= 13 and all(r["total"] >= 20 for r in e.evidence), e.org_code
        if e.status == TOO_FEW_PERIODS:
            assert e.summary.startswith("too few months: ") and len(e.evidence) < 13
    if level == "sub_icb":  # sub-ICB locations: April – September 2023 only (six months)
        assert all(e.status == TOO_FEW_PERIODS and not e.fired for e in items)


def test_merged_alliances_are_not_judged_after_they_ended(warehouse):
    items = escalate(
        warehouse, standard="62d", level="alliance", rule_id="below_threshold_3_of_4_quarters", include_all=True
    )
    ended = {e.org_code: e for e in items if e.status == ENDED}
    assert set(ended) == {"EOE-NORTH", "EOE-SOUTH"}
    assert ended["EOE-NORTH"].summary == "closed or merged: its figures end 2023/24 Q4"
    assert not any(e.fired for e in ended.values())


def test_quarterly_rules_on_real_data_say_there_are_too_few_quarters(warehouse):
    """Sub-ICB locations have April – September 2023 only: two quarters (October 2023 came by ICB)."""
    for rule_id, need in (("below_threshold_3_of_4_quarters", 4), ("worse_than_england_2_of_3_quarters", 3)):
        items = escalate(warehouse, standard="62d", level="sub_icb", rule_id=rule_id, include_all=True)
        assert items and {e.summary for e in items} == {f"too few quarters: 2 of {need}"}, rule_id


def test_funnel_rule_needs_n_periods(warehouse):
    """Nine complete quarters at Alliance level (2023/24 Q1 – 2025/26 Q1): every current Alliance
    is judged on the last three; the two merged in April 2024 are not judged."""
    items = escalate(
        warehouse, standard="62d", level="alliance", rule_id="worse_than_england_2_of_3_quarters", include_all=True
    )
    assert len(items) == 22
    current = [e for e in items if e.status != ENDED]
    assert len(current) == 20 and all(e.periods_considered == 3 for e in current)
    assert all("funnel_outlier" in r for e in current for r in e.evidence)
