"""Clock rules: scope, stops, waits and boundaries of the FDS, 31-day and 62-day standards.

Hand-worked from the CWT guidance v12.1 rules (docs/record-level.md). Day 0 is the clock start
(DAY0, a Monday). Adjustments: the first-seen adjustment shortens the FDS and 62-day waits, the
treatment adjustment (a declined offer of admitted treatment) the 31-day and 62-day waits.
"""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.metrics.pathways import clocks

from .conftest import DAY0, day, evaluate, pathway


def fds_case(end=None, dtt=None, adj=0, route="urgent_suspected_cancer", kind=None, tadj=0):
    return pathway(
        route=route,
        fds_end_date=day(end),
        decision_to_treat_date=day(dtt),
        first_seen_adjustment_days=adj,
        treatment_adjustment_days=tadj,
        treatment_kind=kind,
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
    "first_seen_moves_29_to_28": (fds_case(29, adj=1), True, True, 28, True),
    "first_seen_moves_30_to_29": (fds_case(30, adj=1), True, True, 29, False),
    "treatment_pause_never_shortens_fds_28": (fds_case(28, tadj=5), True, True, 28, True),
    "treatment_pause_never_shortens_fds_29": (fds_case(29, tadj=5), True, True, 29, False),
    "dtt_stop_with_first_seen_and_pause": (fds_case(40, dtt=30, adj=2, tadj=9), True, True, 28, True),
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


def treated(treat, dtt, *, kind="first", route="urgent_suspected_cancer", adj=0, tadj=0, modality="surgery"):
    return pathway(
        route=route,
        treatment_kind=kind,
        treatment_date=day(treat),
        decision_to_treat_date=day(dtt),
        first_seen_adjustment_days=adj,
        treatment_adjustment_days=tadj,
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
    "d31_first_seen_not_applied": (treated(72, 40, adj=5), True, 32, False, "first_treatment", True, 67, False),
    # a pause after a declined admitted offer: 31 and 62 days, never the FDS
    "d31_pause_moves_32_to_31": (treated(72, 40, tadj=1), True, 31, True, "first_treatment", True, 71, False),
    "d31_pause_moves_33_to_32": (treated(73, 40, tadj=1), True, 32, False, "first_treatment", True, 72, False),
    "subsequent_pause_35_to_31": (
        treated(135, 100, kind="subsequent", tadj=4),
        True,
        31,
        True,
        "subsequent_treatment",
        False,
        131,
        False,
    ),
    "subsequent_pause_36_to_32": (
        treated(136, 100, kind="subsequent", tadj=4),
        True,
        32,
        False,
        "subsequent_treatment",
        False,
        132,
        False,
    ),
    "d62_pause_moves_63_to_62": (treated(63, 50, tadj=1), True, 12, True, "first_treatment", True, 62, True),
    "d62_pause_moves_64_to_63": (treated(64, 50, tadj=1), True, 13, True, "first_treatment", True, 63, False),
    "d62_both_move_65_to_62": (treated(65, 60, adj=1, tadj=2), True, 3, True, "first_treatment", True, 62, True),
    "d62_both_move_66_to_63": (treated(66, 60, adj=1, tadj=2), True, 4, True, "first_treatment", True, 63, False),
    "pause_longer_than_31_day_wait": (treated(70, 60, tadj=15), True, 0, True, "first_treatment", True, 55, True),
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
        [pathway(first_seen_adjustment_days=2, treatment_adjustment_days=3, decision_to_treat_date=day(10))],
        fds=lambda t: clocks.fds_wait(t, day(30)),
        d62=lambda t: clocks.d62_wait(t, day(30)),
        d31=lambda t: clocks.d31_wait(t, day(30)),
    )
    assert got == {"fds": 28, "d62": 25, "d31": 17}


def test_each_adjustment_applies_to_the_clocks_the_guidance_names():
    assert clocks.CLOCK_ADJUSTMENTS == {
        "fds": ("first_seen_adjustment_days",),
        "31d": ("treatment_adjustment_days",),
        "62d": ("first_seen_adjustment_days", "treatment_adjustment_days"),
    }


def test_thresholds_come_from_the_catalogue():
    assert (clocks.FDS_DAYS, clocks.D31_DAYS, clocks.D62_DAYS) == (28, 31, 62)
    assert set(clocks.FDS_ROUTES) == {"urgent_suspected_cancer", "screening", "breast_symptomatic"}
    assert set(clocks.D62_ROUTES) == set(clocks.FDS_ROUTES) | {"consultant_upgrade"}
    assert DAY0.weekday() == 0
