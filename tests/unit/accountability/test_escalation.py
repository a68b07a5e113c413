"""Escalation rules on hand-made series, and on the real data."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.accountability.escalation import Escalation, below_threshold_k_of_n, escalate, get_rule, trend_of
from cancerwatch.accountability.letter import render_letter
from cancerwatch.errors import UsageError


def _series(perfs, threshold=0.85):
    return [
        {
            "period_label": f"2023-{i + 1:02d}",
            "period_start": f"2023-{i + 1:02d}-01",
            "performance": p,
            "threshold": threshold,
            "met": None if threshold is None else p >= threshold,
            "total": 100.0,
            "within_standard": p * 100,
            "england_performance": 0.7,
        }
        for i, p in enumerate(perfs)
    ]


@pytest.mark.parametrize(
    ("perfs", "fires", "failures"),
    [
        ([0.8, 0.8, 0.8, 0.9], True, 3),  # exactly k = 3 of n = 4
        ([0.8, 0.8, 0.9, 0.9], False, 2),  # k − 1
        ([0.8, 0.9, 0.9, 0.8, 0.8], False, 2),  # only the last n = 4 count: the first failure is too old
        ([0.85, 0.85, 0.85, 0.85], False, 0),  # exactly on the threshold is met
        ([0.8, 0.8, 0.8], False, 3),  # fewer than n periods never fire
    ],
)
def test_below_threshold_k_of_n(perfs, fires, failures):
    fired, n_fail, last = below_threshold_k_of_n(_series(perfs), k=3, n=4)
    assert (fired, n_fail) == (fires, failures)
    assert len(last) == min(4, len(perfs))


def test_periods_without_threshold_are_not_failures():
    fired, n_fail, _ = below_threshold_k_of_n(_series([0.5, 0.5, 0.5, 0.5], threshold=None), k=3, n=4)
    assert (fired, n_fail) == (False, 0)


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
    codes = {e.org_code for e in items}
    assert "R0A" in codes  # Manchester University NHS FT: 62-day below 85% every month of Apr–Sep 2023
    everyone = escalate(
        warehouse, standard="62d", level="provider", rule_id="below_threshold_5_of_6_months", include_all=True
    )
    assert len(everyone) > len(items)
    assert all(not e.fired for e in everyone[len(items) :])


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
        _series([0.5, 0.52, 0.49, 0.45, 0.47, 0.44]),
        "below threshold in 6 of the last 6 months",
        "deteriorating",
    )
    md = render_letter(e, fmt="md", today=date(2023, 11, 1))
    assert "To: the National Cancer Director, NHS England" in md
    assert md.count("\n| 2023-") == 6 and "| 44.0% | 85.0% | no |" in md
    html = render_letter(e, fmt="html", today=date(2023, 11, 1))
    assert html.startswith("<!doctype html>") and "<table>" in html and "<strong>deteriorating</strong>" in html


def test_mdc_assurance_rule_on_real_data(warehouse):
    items = escalate(warehouse, standard="fds", level="alliance", rule_id="mdc_consistently_failing")
    assert "CA-EEN" in {e.org_code for e in items}  # East of England - North: FDS 58–66% all six months
    for e in items:
        assert e.fired and "assurance consistent_fail" in e.summary
        assert all(r["performance"] < 0.75 for r in e.evidence)


def test_funnel_rule_needs_n_periods(warehouse):
    """Two quarters of data: a 2-of-3-quarters rule cannot fire, but every Alliance is assessed."""
    items = escalate(
        warehouse, standard="62d", level="alliance", rule_id="worse_than_england_2_of_3_quarters", include_all=True
    )
    assert len(items) == 21
    assert all(not e.fired and e.periods_considered == 2 for e in items)
    assert all("funnel_outlier" in r for e in items for r in e.evidence)
