"""SPC and funnel plots on the bundled real data (issue 5 "done when")."""

from __future__ import annotations

import itertools
import json
import math
from datetime import date
from statistics import mean

import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import spc_chart
from cancerwatch.variation import funnel


def _independent_xmr(values, screen=True):
    """A plain re-implementation of the XmR limits (docs/statistics.md, XmR charts) to check against."""
    mr = [abs(b - a) for a, b in itertools.pairwise(values)]
    mrbar = mean(mr)
    if screen:
        mrbar = mean([m for m in mr if m < 3.267 * mrbar])
    centre = mean(values)
    return centre, centre - 2.66 * mrbar, centre + 2.66 * mrbar


@pytest.mark.parametrize("screen", [True, False])
def test_england_fds_spc(warehouse, screen):
    chart = spc_chart(Reader(warehouse), "fds", screen_outliers=screen)
    values = [r["performance"] for r in metrics(warehouse, MetricQuery(standard="fds"))]
    assert [p["value"] for p in chart.points] == values and len(values) == 52  # Apr 2021 – Jul 2025
    centre, lpl, upl = _independent_xmr(values, screen)
    s = chart.summary[-1]
    assert (s["mean"], s["lpl"], s["upl"]) == pytest.approx((centre, lpl, upl))
    # assurance: the 75% threshold lies inside the limits -> hit and miss
    assert lpl <= 0.75 <= upl and s["assurance_type"] == "inconsistent"
    assert s["variation_type"] == chart.points[-1]["point_type"]
    for p in chart.points:
        if p["value"] > upl:
            assert p["point_type"] == "special_cause_improvement"
        elif p["value"] < lpl:
            assert p["point_type"] == "special_cause_concern"


def test_every_alliance_fds_spc(warehouse):
    alliances = {r["org_code"] for r in metrics(warehouse, MetricQuery(standard="fds", level="alliance"))} - {
        "UNMAPPED"
    }
    # 21 Alliances to March 2024, 20 from April 2024: East of England North and South became one
    assert len(alliances) == 22
    # North and South: Apr 2023 – Mar 2024; East of England reads on across April 2024 as their sum
    months = {"EOE-NORTH": 12, "EOE-SOUTH": 12}
    for code in sorted(alliances):
        chart = spc_chart(Reader(warehouse), "fds", "alliance", code)
        assert len(chart.points) == months.get(code, 28), code
        assert all(p["target"] == 0.75 for p in chart.points)
        s = chart.summary[-1]
        assert s["short_group_warning"] is (len(chart.points) < 13)  # fewer than 13 points: trial limits
        expected = "consistent_pass" if s["lpl"] > 0.75 else "consistent_fail" if s["upl"] < 0.75 else "inconsistent"
        assert s["assurance_type"] == expected, code


def test_april_2023_fds_provider_funnel_with_overdispersion(warehouse):
    plain = funnel(warehouse, standard="fds", level="provider", period_start=date(2023, 4, 1), overdispersion=False)
    adjusted = funnel(warehouse, standard="fds", level="provider", period_start=date(2023, 4, 1), overdispersion=True)
    policy = funnel(warehouse, standard="fds", level="provider", period_start=date(2023, 4, 1))
    assert plain.phi > 1 and adjusted.adjusted and adjusted.tau2 > 0
    assert policy.adjusted and policy.rows == adjusted.rows  # the variation policy adjusts when phi > 1
    n_plain = sum(1 for r in plain.rows if r["outlier"])
    n_adjusted = sum(1 for r in adjusted.rows if r["outlier"])
    assert 0 < n_adjusted < n_plain  # overdispersion handled: far fewer outliers than raw binomial limits
    total = sum(r["denominator"] for r in plain.rows)
    assert total == 215_274  # every provider of April 2023, England's total
    assert plain.target == pytest.approx(153_593 / 215_274)


def test_62_day_provider_funnel_september_2023_against_england_and_the_standard(warehouse):
    """Issue 19: φ and τ² come from the pooled rate whatever the centre line (FunnelPlotR)."""
    sep = date(2023, 9, 1)
    england = funnel(warehouse, standard="62d", level="provider", period_start=sep, overdispersion=True)
    assert round(england.phi, 2) == 6.10 and round(england.tau2, 4) == 0.0080 and england.adjusted
    assert {r["org_code"]: r["outlier"] for r in england.rows if r["outlier"]} == {
        "REP": "low",
        "RM1": "low",
        "RP4": "high",
    }
    pooled = sum(r["numerator"] for r in england.rows) / sum(r["denominator"] for r in england.rows)
    assert england.target == pytest.approx(pooled)

    standard = funnel(
        warehouse, standard="62d", level="provider", period_start=sep, overdispersion=True, target="threshold"
    )
    assert standard.target == 0.85
    assert (standard.phi, standard.tau2) == (england.phi, england.tau2)
    # the adjusted 99.8% limits around 85%, worked from the definition with the pooled τ²
    centre, tau2 = math.asin(math.sqrt(0.85)), england.tau2
    for r in standard.rows:
        half = 3.090232 * math.sqrt(1 / (4 * r["denominator"]) + tau2)
        low = math.sin(max(centre - half, 0.0)) ** 2
        assert r["lower998"] == pytest.approx(low)
        assert r["outlier"] == ("low" if r["performance"] < low else "")
    at_76 = next(r for r in standard.rows if r["denominator"] == 76)
    assert round(at_76["lower998"], 2) == 0.56  # not 0.13 as when φ was measured around 85%
    lows = {r["org_code"] for r in standard.rows if r["outlier"] == "low"}
    assert {"REP", "RM1"} <= lows and len(lows) == 39


def test_spc_cli_json_fields(warehouse_path):
    res = CliRunner().invoke(app, ["spc", "--standard", "62d", "--db", str(warehouse_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert list(payload["points"][0]) == [
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
    ]
    assert {"variation_type", "assurance_type"} <= set(payload["summary"][-1])


def test_funnel_cli_csv_fields(warehouse_path):
    res = CliRunner().invoke(
        app,
        [
            "funnel",
            "--standard",
            "62d",
            "--level",
            "alliance",
            "--period",
            "quarter",
            "--period-start",
            "2023-07",
            "--target",
            "threshold",
            "--db",
            str(warehouse_path),
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    header = res.stdout.splitlines()[0].split(",")
    assert header == [
        "org_code",
        "org_name",
        "numerator",
        "denominator",
        "performance",
        "lower95",
        "upper95",
        "lower998",
        "upper998",
        "outlier",
        "phi",
        "tau2",
    ]
    assert len(res.stdout.splitlines()) == 22
