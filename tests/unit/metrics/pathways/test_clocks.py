"""Clock rules: scope, stops, waits and boundaries of the FDS, 31-day and 62-day standards.

Hand-worked from docs/cwt-rules.md, consolidated standards and clock rules;
docs/record-level.md, rules and their sources. Day 0 is the clock start (DAY0, a Monday).
"""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.metrics.pathways import clocks

from .conftest import DAY0, day, evaluate, pathway


def fds_case(end=None, dtt=None, adj=0, route="urgent_suspected_cancer", kind=None):
    return pathway(
        route=route, fds_end_date=day(end), decision_to_treat_date=day(dtt), adjustment_days=adj, treatment_kind=kind
    )


# id: (pathway, in scope, counted, wait, within)
FDS_CASES = {
    "day_28_within": (fds_case(28), True, True, 28, True),
    "day_29_breach": (fds_case(29), True, True, 29, False),
    "day_0_within": (fds_case(0), True, True, 0, True),
    "dtt_earlier_stops_clock": (fds_case(40, dtt=28), True, True, 28, True),
    "end_earlier_than_dtt": (fds_case(29, dtt=35), True, True, 29, False),
    "dtt_only": (fds_case(dtt=20), True, True, 20, True),
    "adjusted_31_to_28": (fds_case(31, adj=3), True, True, 28, True),
    "adjusted_32_to_29": (fds_case(32, adj=3), True, True, 29, False),
    "adjustment_longer_than_wait": (fds_case(5, adj=9), True, True, 0, True),
    "screening_in_scope": (fds_case(10, route="screening"), True, True, 10, True),
    "breast_symptomatic_in_scope": (fds_case(29, route="breast_symptomatic"), True, True, 29, False),
    "upgrade_out_of_scope": (fds_case(10, route="consultant_upgrade"), False, False, 10, True),
    "other_route_out_of_scope": (fds_case(10, route="other"), False, False, 10, True),
    "subsequent_treatment_row_out_of_scope": (fds_case(10, kind="subsequent"), False, False, 10, True),
    "first_treatment_row_in_scope": (fds_case(10, kind="first"), True, True, 10, True),
    "open_not_counted": (fds_case(), True, False, None, None),
}


@pytest.fixture(scope="module")
def fds_results(backend):
    out = evaluate(
        backend,
        [c[0] for c in FDS_CASES.values()],
        in_scope=clocks.fds_in_scope,
        counted=clocks.fds_counted,
        wait=clocks.fds_wait,
        within=lambda t: clocks.within_standard(clocks.fds_wait(t), clocks.FDS_DAYS),
    )
    return dict(zip(FDS_CASES, out, strict=True))


@pytest.mark.parametrize("name", list(FDS_CASES))
def test_fds(fds_results, name):
    _, in_scope, counted, wait, within = FDS_CASES[name]
    assert fds_results[name] == {"in_scope": in_scope, "counted": counted, "wait": wait, "within": within}


def treated(treat, dtt, *, kind="first", route="urgent_suspected_cancer", adj=0, modality="surgery"):
    return pathway(
        route=route,
        treatment_kind=kind,
        treatment_date=day(treat),
        decision_to_treat_date=day(dtt),
        adjustment_days=adj,
        treatment_modality=modality,
    )


# id: (pathway, 31-day in scope, 31-day wait, 31-day within, published route, 62-day in scope, 62-day wait, within)
TREATED_CASES = {
    "d31_day_31_within": (treated(71, 40), True, 31, True, "first_treatment", True, 71, False),
    "d31_day_32_breach": (treated(72, 40), True, 32, False, "first_treatment", True, 72, False),
    "d31_same_day": (treated(40, 40), True, 0, True, "first_treatment", True, 40, True),
    "subsequent_day_31": (
        treated(131, 100, kind="subsequent"),
        True,
        31,
        True,
        "subsequent_treatment",
        False,
        131,
        False,
    ),
    "subsequent_day_32": (
        treated(132, 100, kind="subsequent"),
        True,
        32,
        False,
        "subsequent_treatment",
        False,
        132,
        False,
    ),
    "d31_adjustment_not_applied": (treated(72, 40, adj=5), True, 32, False, "first_treatment", True, 67, False),
    "d62_day_62_within": (treated(62, 40), True, 22, True, "first_treatment", True, 62, True),
    "d62_day_63_breach": (treated(63, 40), True, 23, True, "first_treatment", True, 63, False),
    "d62_adjusted_65_to_62": (treated(65, 40, adj=3), True, 25, True, "first_treatment", True, 62, True),
    "d62_adjusted_66_to_63": (treated(66, 40, adj=3), True, 26, True, "first_treatment", True, 63, False),
    "d62_screening": (treated(50, 30, route="screening"), True, 20, True, "first_treatment", True, 50, True),
    "d62_breast_symptomatic": (
        treated(70, 30, route="breast_symptomatic"),
        True,
        40,
        False,
        "first_treatment",
        True,
        70,
        False,
    ),
    "d62_upgrade": (treated(63, 60, route="consultant_upgrade"), True, 3, True, "first_treatment", True, 63, False),
    "other_route_31_only": (treated(63, 60, route="other"), True, 3, True, "first_treatment", False, 63, False),
    "no_kind_not_counted": (treated(63, 60, kind=None), False, 3, True, "subsequent_treatment", False, 63, False),
    "no_dtt_not_in_31": (treated(63, None), False, None, None, "first_treatment", True, 63, False),
    "untreated_not_counted": (treated(None, 30), False, None, None, "first_treatment", False, None, None),
}


@pytest.fixture(scope="module")
def treated_results(backend):
    out = evaluate(
        backend,
        [c[0] for c in TREATED_CASES.values()],
        d31_in_scope=clocks.d31_in_scope,
        d31_wait=clocks.d31_wait,
        d31_within=lambda t: clocks.within_standard(clocks.d31_wait(t), clocks.D31_DAYS),
        d31_route=clocks.d31_route,
        d62_in_scope=clocks.d62_in_scope,
        d62_wait=clocks.d62_wait,
        d62_within=lambda t: clocks.within_standard(clocks.d62_wait(t), clocks.D62_DAYS),
    )
    return dict(zip(TREATED_CASES, out, strict=True))


@pytest.mark.parametrize("name", list(TREATED_CASES))
def test_31_and_62_day(treated_results, name):
    _, s31, w31, in31, route, s62, w62, in62 = TREATED_CASES[name]
    got = treated_results[name]
    assert got == {
        "d31_in_scope": s31,
        "d31_wait": w31,
        "d31_within": in31,
        "d31_route": route,
        "d62_in_scope": s62,
        "d62_wait": w62,
        "d62_within": in62,
    }


def test_month_counted_is_the_month_of_the_clock_stop(backend):
    rows = [
        pathway(
            fds_end_date=date(2023, 6, 1), decision_to_treat_date=date(2023, 5, 31), treatment_date=date(2023, 7, 1)
        ),
        pathway(fds_end_date=date(2023, 4, 30), treatment_date=date(2023, 5, 31)),
    ]
    got = evaluate(
        backend,
        rows,
        fds=lambda t: clocks.clock_month(clocks.fds_stop_date(t)),
        treatment=lambda t: clocks.clock_month(t.treatment_date),
    )
    assert got == [
        {"fds": date(2023, 5, 1), "treatment": date(2023, 7, 1)},
        {"fds": date(2023, 4, 1), "treatment": date(2023, 5, 1)},
    ]


def test_waits_to_an_as_of_date(backend):
    [got] = evaluate(
        backend,
        [pathway(adjustment_days=2, decision_to_treat_date=day(10))],
        fds=lambda t: clocks.fds_wait(t, day(30)),
        d62=lambda t: clocks.d62_wait(t, day(30)),
        d31=lambda t: clocks.d31_wait(t, day(30)),
    )
    assert got == {"fds": 28, "d62": 28, "d31": 20}


def test_thresholds_come_from_the_catalogue():
    assert (clocks.FDS_DAYS, clocks.D31_DAYS, clocks.D62_DAYS) == (28, 31, 62)
    assert set(clocks.FDS_ROUTES) == {"urgent_suspected_cancer", "screening", "breast_symptomatic"}
    assert set(clocks.D62_ROUTES) == set(clocks.FDS_ROUTES) | {"consultant_upgrade"}
    assert DAY0.weekday() == 0
