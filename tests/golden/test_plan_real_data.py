"""Capacity planning on the bundled data: first-appointment referrals as demand, DM01 as capacity."""

from __future__ import annotations

import json
import math
import statistics
from datetime import date
from importlib import resources

import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app
from cancerwatch.diagnostics_queries import capacity_and_backlog
from cancerwatch.errors import NoData
from cancerwatch.planning.capacity_plan import plan_alliance
from cancerwatch.planning.scenarios import Scenario
from cancerwatch.queries import MetricQuery, metrics


@pytest.fixture(scope="module")
def cheshire(warehouse):
    return plan_alliance(warehouse, "E56000005", scenario=Scenario())


def test_demand_is_referrals_seen_october_2023_to_july_2025(cheshire, warehouse):
    d = cheshire.demand
    assert (d["first_month"], d["last_month"], d["months"]) == ("2023-10", "2025-07", 22)
    usc = metrics(warehouse, MetricQuery(standard="usc_foa", level="alliance", org="E56000005"))
    ubs = metrics(warehouse, MetricQuery(standard="ubs_fha", level="alliance", org="E56000005"))
    assert d["observed"][-1]["referrals"] == usc[-1]["total"] + ubs[-1]["total"]
    assert d["observed"][0]["referrals"] == 14262 + 362  # October 2023: USC 14,262 + breast symptoms 362
    rows = cheshire.forecast_rows
    assert len(rows) == 12 and rows[0]["month"] == "2025-08"
    assert all(r["referrals_lower"] <= r["referrals"] <= r["referrals_upper"] for r in rows)


def test_backtest_is_reported_with_model_and_naive_mape(cheshire):
    bt = cheshire.backtest
    assert bt["origins"][0] == "2024-09" and bt["origins"][-1] == "2025-06" and bt["forecasts"] == 55
    assert 0 < bt["model_mape"] < 0.10 and 0 < bt["naive_mape"] < 0.10
    assert bt["seasonality_from"] == "2010-01 to 2020-02"
    assert "Back-test over 10 origins" in cheshire.backtest_verdict


def test_dm01_activity_and_backlog_as_read_from_the_warehouse(cheshire, warehouse):
    rows = capacity_and_backlog(warehouse, "E56000005")
    by_month: dict[str, int] = {}
    for r in rows:
        by_month[r["period_start"][:7]] = by_month.get(r["period_start"][:7], 0) + r["activity"]
    now = statistics.fmean(by_month[m] for m in ("2025-05", "2025-06", "2025-07"))
    assert cheshire.capacity["activity_now"] == pytest.approx(now)
    july = {r["test"]: r for r in rows if r["period_start"].startswith("2025-07")}
    colon = next(t for t in cheshire.tests if t["test"] == "colonoscopy")
    assert (colon["waiting_list"], colon["waiting_6plus"]) == (
        july["colonoscopy"]["backlog"],
        july["colonoscopy"]["backlog_6plus"],
    )
    assert (colon["waiting_list"], colon["waiting_6plus"]) == (2804, 433)  # DM01 July 2025, the Alliance's trusts
    # at most 1% waiting 6+ weeks by March 2026 (the operational standard; no ambition is in force then)
    assert cheshire.dm01["max_share_6plus"] == 0.01 and cheshire.dm01["kind"] == "operational"
    assert colon["backlog_to_clear"] == pytest.approx((433 - 0.01 * 2804) / 0.99)
    assert colon["activity_needed_dm01"] == pytest.approx(colon["demand_forecast"] + colon["backlog_to_clear"] / 8)


def test_conversion_and_capacity_needed_are_finite_and_reported(cheshire):
    tpr = cheshire.conversion["tests_per_referral"]
    assert tpr["months"] == 12 and tpr["low"] <= tpr["mean"] <= tpr["high"] and tpr["sd"] > 0
    assert cheshire.conversion["cancer_tests_per_referral"] == pytest.approx(
        0.15 * cheshire.conversion["tests_per_referral_pooled"]
    )
    assert math.isfinite(cheshire.dm01["activity_needed"]) and cheshire.dm01["activity_needed"] > 0
    assert all(math.isfinite(t["activity_needed_dm01"]) for t in cheshire.tests)
    assert sum(t["activity_mix"] for t in cheshire.tests) == pytest.approx(1)
    cap = cheshire.capacity
    assert (cap["target"], cap["target_month"]) == (0.8, "2026-03")  # the FDS ambition for March 2026
    fds = cheshire.fds_model
    assert fds["fit_months"] == 12 and fds["fit_mae_points"] < 5
    if cap["reachable"]:
        assert math.isfinite(cap["activity_needed_fds"])
    else:
        assert cap["best_possible_fds"] < 0.8 and "schemes" in cap["note"]
    assert {a["option"] for a in cheshire.assumptions} == {
        "--cancer-share",
        "--fixed-days",
        "--service-days",
        "--tests-per-referral",
    }
    assert all(a["source"] for a in cheshire.assumptions)


def test_east_of_england_reads_across_april_2024(warehouse):
    plan = plan_alliance(warehouse, "E56000035", scenario=Scenario())
    d = plan.demand
    assert d["first_month"] == "2023-10" and d["months"] == 22
    assert d["summed_from_predecessors"] == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    october = 0.0
    for std in ("usc_foa", "ubs_fha"):
        for r in metrics(warehouse, MetricQuery(standard=std, level="alliance", date_to=date(2023, 10, 1))):
            if r["org_code"] in ("EOE-NORTH", "EOE-SOUTH") and r["period_start"].startswith("2023-10"):
                october += r["total"]
    assert d["observed"][0]["referrals"] == october > 0
    assert plan.conversion["months"] == "2024-08 to 2025-07"  # DM01 starts August 2024, inside E56000035's life
    assert math.isfinite(plan.dm01["activity_needed"])
    with pytest.raises(NoData, match="planned under its successor"):  # six months, October 2023 – March 2024
        plan_alliance(warehouse, "EOE-NORTH", scenario=Scenario())


def test_plan_cli(warehouse_path, tmp_path):
    chart = tmp_path / "plan.html"
    example = str(resources.files("cancerwatch.planning").joinpath("example_scenario.toml"))
    args = ["plan", "--alliance", "E56000035", "--db", str(warehouse_path), "--format", "json"]
    res = CliRunner().invoke(app, [*args, "--chart", str(chart), "--scenario", example, "--cancer-share", "0.2"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert len(payload["forecast_rows"]) == 12 and payload["capacity"]["target"] == 0.8
    assert payload["scenario"]["extra_capacity_pct"] == 10
    assert any(line.startswith("Back-test over 10 origins") for line in payload["summary"])
    share = next(a for a in payload["assumptions"] if a["option"] == "--cancer-share")
    assert share["value"] == 0.2 and share["from"] == "given"
    assert any("--service-days" in line and "fitted" in line for line in payload["summary"])
    assert chart.read_text().count("plotly") > 10
    bad = CliRunner().invoke(app, [*args, "--cancer-share", "2"])
    assert bad.exit_code != 0 and "--cancer-share must be between" in str(bad.exception)
    table = CliRunner().invoke(
        app, ["plan", "--alliance", "E56000005", "--db", str(warehouse_path), "--format", "table"]
    )
    assert table.exit_code == 0, table.output
    assert "DM01 six-week standard by 2026-03" in table.output and "Assumption --cancer-share" in table.output
