"""Escalation rule invariants (Hypothesis): a minimum denominator only ever removes evidence, a
rule never fires on fewer periods than it needs, and trial limits never escalate."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.accountability.escalation import (
    FIRED,
    MIN_SPC_POINTS,
    NOT_FIRED,
    STATUSES,
    TOO_FEW_PERIODS,
    below_threshold_k_of_n,
    spc_assurance_fail,
)
from cancerwatch.periods import add_months

performances = st.floats(min_value=0.0, max_value=1.0)
totals = st.one_of(st.integers(min_value=1, max_value=400).map(float), st.floats(min_value=0.5, max_value=400.0))


@st.composite
def series(draw, max_size=24):
    size = draw(st.integers(min_value=0, max_value=max_size))
    threshold = draw(st.sampled_from([0.75, 0.85, 0.96, None]))
    rows = []
    for i in range(size):
        p, total = draw(performances), draw(totals)
        rows.append(
            {
                "period_start": add_months(date(2021, 4, 1), i).isoformat(),
                "period_label": f"{add_months(date(2021, 4, 1), i):%Y-%m}",
                "performance": p,
                "threshold": threshold,
                "met": None if threshold is None else p >= threshold,
                "total": total,
                "within_standard": p * total,
            }
        )
    return rows


@st.composite
def k_and_n(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    return draw(st.integers(min_value=1, max_value=n)), n


@given(series(), k_and_n(), st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_a_higher_minimum_denominator_never_adds_failures(rows, kn, low, high):
    k, n = kn
    low, high = sorted((low, high))
    loose = below_threshold_k_of_n(rows, k, n, min_denominator=low)
    strict = below_threshold_k_of_n(rows, k, n, min_denominator=high)
    assert strict.failures <= loose.failures
    assert not strict.fired or loose.fired
    assert strict.status in STATUSES and loose.status in STATUSES


@given(series(), k_and_n(), st.floats(min_value=0, max_value=100))
def test_k_of_n_fires_only_on_n_periods_and_k_failures_with_enough_patients(rows, kn, least):
    k, n = kn
    a = below_threshold_k_of_n(rows, k, n, min_denominator=least)
    assert len(a.rows) <= n and a.failures <= len(a.rows)
    if len(rows) < n:
        assert a.status == TOO_FEW_PERIODS and not a.fired
    if a.fired:
        failing = [
            r
            for r in a.rows
            if r["total"] >= least and r["threshold"] is not None and r["performance"] < r["threshold"]
        ]
        assert a.status == FIRED and len(failing) >= k
    if all(r["threshold"] is None or r["performance"] >= r["threshold"] for r in rows):
        assert not a.fired


@given(series(max_size=MIN_SPC_POINTS - 1))
def test_trial_limits_never_escalate(rows):
    a = spc_assurance_fail(rows, improvement_direction="increase", min_points=1)
    assert a.status == TOO_FEW_PERIODS and not a.fired


@given(series(max_size=20), st.floats(min_value=0, max_value=100))
def test_spc_rule_charts_only_months_with_enough_patients(rows, least):
    a = spc_assurance_fail(rows, improvement_direction="increase", min_denominator=least)
    assert all(r["total"] >= least for r in a.rows)
    if a.status in (FIRED, NOT_FIRED):
        assert len(a.rows) >= MIN_SPC_POINTS
