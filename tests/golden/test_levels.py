"""Levels add up to England; quarters are sums of months; thresholds follow the calendar."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from cancerwatch.queries import MetricQuery, metrics

APR, SEP = date(2023, 4, 1), date(2023, 9, 1)


def _by_period(rows):
    out = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        out[r["period_start"]][0] += r["total"]
        out[r["period_start"]][1] += r["within_standard"]
    return dict(out)


@pytest.mark.parametrize("standard", ["fds", "31d", "62d"])
@pytest.mark.parametrize(
    ("level", "basis"),
    [
        ("provider", "provider"),
        ("icb", "provider"),
        ("alliance", "provider"),
        ("region", "provider"),
        ("sub_icb", "commissioner"),
        ("icb", "commissioner"),
        ("alliance", "commissioner"),
        ("region", "commissioner"),
    ],
)
def test_level_adds_up_to_england(warehouse, standard, level, basis):
    rows = metrics(warehouse, MetricQuery(standard=standard, level=level, basis=basis, date_from=APR, date_to=SEP))
    eng = metrics(warehouse, MetricQuery(standard=standard, level="national", basis=basis, date_from=APR, date_to=SEP))
    assert _by_period(rows) == {r["period_start"]: [r["total"], r["within_standard"]] for r in eng}


def test_twenty_one_alliances_plus_unmapped(warehouse):
    rows = metrics(warehouse, MetricQuery(standard="fds", level="alliance", date_from=SEP, date_to=SEP))
    codes = [r["org_code"] for r in rows]
    assert len(codes) == 22 and codes[-1] == "UNMAPPED"
    assert max(r["rank"] for r in rows if r["rank"]) == 21


def test_bassetlaw_counts_towards_south_yorkshire_alliance(warehouse):
    """02Q sits in Nottingham and Nottinghamshire ICB but South Yorkshire and Bassetlaw Alliance."""
    sub = metrics(warehouse, MetricQuery(standard="fds", level="sub_icb", date_from=SEP, date_to=SEP))
    alli = metrics(
        warehouse,
        MetricQuery(
            standard="fds", level="alliance", basis="commissioner", org="E56000025", date_from=SEP, date_to=SEP
        ),
    )[0]
    members = {"02P", "02X", "03L", "03N", "02Q"}
    assert alli["total"] == sum(r["total"] for r in sub if r["org_code"] in members)


@pytest.mark.parametrize("standard", ["fds", "62d"])
def test_quarter_is_sum_of_months(warehouse, standard):
    months = metrics(warehouse, MetricQuery(standard=standard, level="alliance", date_from=APR, date_to=SEP))
    quarters = metrics(
        warehouse, MetricQuery(standard=standard, level="alliance", period="quarter", date_from=APR, date_to=SEP)
    )
    sums = defaultdict(float)
    for r in months:
        q = "2023-04-01" if r["period_start"] < "2023-07-01" else "2023-07-01"
        sums[(q, r["org_code"])] += r["total"]
    assert {(r["period_start"], r["org_code"]): r["total"] for r in quarters} == dict(sums)
    assert all(r["months"] == 3 for r in quarters)


def test_threshold_in_force_each_month(warehouse):
    rows = metrics(
        warehouse, MetricQuery(standard="fds", period="quarter", date_from=date(2021, 4, 1), date_to=date(2022, 3, 1))
    )
    assert [(r["period_label"], r["threshold"]) for r in rows] == [
        ("2021/22 Q1", None),
        ("2021/22 Q2", None),
        ("2021/22 Q3", 0.75),
        ("2021/22 Q4", 0.75),
    ]
    assert all(r["met"] is (None if r["threshold"] is None else r["performance"] >= 0.75) for r in rows)


def test_comparison_with_england_uses_the_interval(warehouse):
    rows = metrics(warehouse, MetricQuery(standard="62d", level="provider", date_from=SEP, date_to=SEP))
    for r in rows:
        if r["compared_with_england"] == "better":
            assert r["ci_low"] > r["england_performance"]
        elif r["compared_with_england"] == "worse":
            assert r["ci_high"] < r["england_performance"]
        elif r["compared_with_england"] == "similar":
            assert r["ci_low"] <= r["england_performance"] <= r["ci_high"]


def test_ties_share_a_rank(warehouse):
    rows = metrics(warehouse, MetricQuery(standard="62d", level="provider", by="route", date_from=SEP, date_to=SEP))
    by_group = defaultdict(list)
    for r in rows:
        if r["rank"] is not None:
            by_group[r["route"]].append(r)
    for members in by_group.values():
        for a in members:
            for b in members:
                if a["performance"] == b["performance"]:
                    assert a["rank"] == b["rank"]
                elif a["performance"] > b["performance"]:
                    assert a["rank"] < b["rank"]
