"""62-day breach allocation between referring and treating providers: hand-worked cases.

Every case is worked from the National Cancer Breach Allocation Guidance table. Day 0 is the clock start; "wait" is the
treatment day less the adjustment; "receipt" is the IPT day; "after" is treatment − receipt.
"""

from __future__ import annotations

import pytest

from cancerwatch.metrics.pathways import breach_allocation as ba
from cancerwatch.metrics.pathways import clocks

from .conftest import day, evaluate, pathway


def case(treat, *, ipt=None, treating="RAL", first="RBK", adj=0, tadj=0):
    return pathway(
        treatment_kind="first",
        treatment_date=day(treat),
        decision_to_treat_date=day(min(treat, 5)),
        ipt_date=day(ipt),
        first_provider_code=first,
        treating_provider_code=treating,
        first_seen_adjustment_days=adj,
        treatment_adjustment_days=tadj,
    )


# id: (pathway, first share, treating share, within)
CASES = {
    # no inter-provider transfer: the first provider carries the whole pathway
    "no_ipt_within": (case(40, treating=None), 1.0, 0.0, True),
    "no_ipt_breach": (case(80, treating=None), 1.0, 0.0, False),
    "no_ipt_day_62_within": (case(62, treating=None), 1.0, 0.0, True),
    "no_ipt_day_63_breach": (case(63, treating=None), 1.0, 0.0, False),
    "treated_elsewhere_without_receipt_date": (case(80, treating="RAL"), 1.0, 0.0, False),
    "receipt_date_but_no_treating_provider": (case(80, ipt=20, treating=None), 1.0, 0.0, False),
    "same_provider_ipt_breach_early": (case(80, ipt=20, treating="RBK"), 1.0, 0.0, False),
    "same_provider_ipt_breach_late": (case(100, ipt=50, treating="RBK"), 1.0, 0.0, False),
    "same_provider_ipt_within": (case(40, ipt=20, treating="RBK"), 1.0, 0.0, True),
    # with an IPT, within 62 days: shared
    "ipt_within_early_receipt": (case(30, ipt=10), 0.5, 0.5, True),
    "ipt_within_late_receipt": (case(62, ipt=50), 0.5, 0.5, True),
    "ipt_within_day_62_receipt_38": (case(62, ipt=38), 0.5, 0.5, True),
    "ipt_within_day_62_receipt_39_after_23": (case(62, ipt=39), 0.5, 0.5, True),
    "ipt_within_receipt_on_day_0": (case(20, ipt=0), 0.5, 0.5, True),
    "ipt_within_receipt_day_62": (case(62, ipt=62), 0.5, 0.5, True),
    # breach, transfer received on or before day 38: the treating provider carries it
    "breach_receipt_day_38": (case(63, ipt=38), 0.0, 1.0, False),
    "breach_receipt_day_37": (case(100, ipt=37), 0.0, 1.0, False),
    "breach_receipt_day_0": (case(70, ipt=0), 0.0, 1.0, False),
    "breach_receipt_day_38_long_wait": (case(150, ipt=38), 0.0, 1.0, False),
    "breach_receipt_day_1": (case(64, ipt=1), 0.0, 1.0, False),
    # breach, received after day 38, treated within 24 days of receipt: the referring provider
    "breach_receipt_39_after_24": (case(63, ipt=39), 1.0, 0.0, False),
    "breach_receipt_60_after_24": (case(84, ipt=60), 1.0, 0.0, False),
    "breach_receipt_63_after_0": (case(63, ipt=63), 1.0, 0.0, False),
    "breach_receipt_90_after_10": (case(100, ipt=90), 1.0, 0.0, False),
    "breach_treated_before_receipt": (case(65, ipt=70), 1.0, 0.0, False),
    # breach, received after day 38, treatment more than 24 days after receipt: shared
    "breach_receipt_39_after_25": (case(64, ipt=39), 0.5, 0.5, False),
    "breach_receipt_60_after_25": (case(85, ipt=60), 0.5, 0.5, False),
    "breach_receipt_39_after_81": (case(120, ipt=39), 0.5, 0.5, False),
    "breach_receipt_45_after_60": (case(105, ipt=45), 0.5, 0.5, False),
    # adjustments shorten the wait, but not the receipt day or the 24-day window
    "adjusted_to_62_within_ipt": (case(70, ipt=50, adj=8), 0.5, 0.5, True),
    "adjusted_to_62_within_no_ipt": (case(70, treating=None, adj=8), 1.0, 0.0, True),
    "adjusted_to_63_breach_after_32": (case(71, ipt=39, adj=8), 0.5, 0.5, False),
    "adjusted_breach_receipt_day_38": (case(80, ipt=38, adj=10), 0.0, 1.0, False),
    "adjusted_breach_receipt_day_39": (case(80, ipt=39, adj=10), 0.5, 0.5, False),
    "adjusted_breach_after_24": (case(69, ipt=45, adj=5), 1.0, 0.0, False),
    "adjusted_breach_after_25": (case(70, ipt=45, adj=5), 0.5, 0.5, False),
    "adjustment_longer_than_wait": (case(30, ipt=10, adj=40), 0.5, 0.5, True),
    "adjusted_from_65_to_62": (case(65, ipt=45, adj=3), 0.5, 0.5, True),
    "adjusted_from_66_to_63": (case(66, ipt=45, adj=3), 1.0, 0.0, False),
    # a treatment pause shortens the 62-day wait too; neither adjustment moves the receipt day
    "pause_to_62_within_receipt_39": (case(64, ipt=39, tadj=2), 0.5, 0.5, True),
    "pause_breach_receipt_day_38": (case(70, ipt=38, tadj=5), 0.0, 1.0, False),
    "pause_breach_receipt_day_39_after_31": (case(70, ipt=39, tadj=5), 0.5, 0.5, False),
    "first_seen_does_not_move_receipt_39_to_37": (case(80, ipt=39, adj=2), 0.5, 0.5, False),
    "first_seen_receipt_day_38_unadjusted": (case(80, ipt=38, adj=2), 0.0, 1.0, False),
    "both_breach_treated_24th_day_after_receipt": (case(69, ipt=45, adj=2, tadj=1), 1.0, 0.0, False),
    "both_breach_treated_25th_day_after_receipt": (case(70, ipt=45, adj=2, tadj=1), 0.5, 0.5, False),
    "both_to_62_within_treated_25th_day": (case(70, ipt=45, adj=4, tadj=4), 0.5, 0.5, True),
    # missing first-provider code: still a transfer to a different treating provider
    "unknown_first_provider_breach_early": (case(80, ipt=20, first=None), 0.0, 1.0, False),
    "unknown_first_provider_within": (case(40, ipt=20, first=None), 0.5, 0.5, True),
}


@pytest.fixture(scope="module")
def results(backend):
    rows = [c[0] for c in CASES.values()]
    out = evaluate(
        backend,
        rows,
        first=ba.first_provider_share,
        treating=ba.treating_provider_share,
        within=lambda t: clocks.within_standard(clocks.d62_wait(t), clocks.D62_DAYS),
        ipt=ba.is_inter_provider_transfer,
    )
    return dict(zip(CASES, out, strict=True))


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_allocation(results, name):
    _, first, treating, within = CASES[name]
    got = results[name]
    assert (got["first"], got["treating"], got["within"]) == (first, treating, within)
    assert got["first"] + got["treating"] == 1.0


def test_same_provider_is_not_a_transfer(results):
    assert results["same_provider_ipt_breach_early"]["ipt"] is False
    assert results["ipt_within_early_receipt"]["ipt"] is True


def test_thresholds_are_the_guidance_days():
    assert (ba.HANDOVER_DAY, ba.TREATING_WINDOW_DAYS, clocks.D62_DAYS) == (38, 24, 62)


def test_allocate_pathways_rows(backend):
    from .conftest import table

    rows = [
        {**case(30, ipt=10), "pathway_id": "shared"},
        {**case(63, ipt=38), "pathway_id": "treating"},
        {**case(63, ipt=39), "pathway_id": "referring"},
        {**case(80, treating=None, first=None), "pathway_id": "unknown"},
    ]
    t = ba.allocate_pathways(table(rows))
    got = sorted(
        (r["pathway_id"], r["provider_code"], r["role"], r["share"])
        for r in backend.to_pyarrow(t.select("pathway_id", "provider_code", "role", "share")).to_pylist()
    )
    assert got == [
        ("referring", "RBK", "first", 1.0),
        ("shared", "RAL", "treating", 0.5),
        ("shared", "RBK", "first", 0.5),
        ("treating", "RAL", "treating", 1.0),
        ("unknown", "UNKNOWN", "first", 1.0),
    ]
