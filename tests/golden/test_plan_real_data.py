"""Capacity planning on the bundled data (issue 7 "done when")."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cancerwatch.cli.app import app
from cancerwatch.planning.capacity_plan import plan_alliance
from cancerwatch.planning.scenarios import Scenario


def test_plan_for_an_alliance(warehouse):
    plan = plan_alliance(warehouse, "E56000005", scenario=Scenario())
    assert len(plan.forecast_rows) == 12 and plan.forecast_rows[0]["month"] == "2025-08"  # after July 2025
    assert all(r["alliance_lower"] <= r["alliance_demand"] <= r["alliance_upper"] for r in plan.forecast_rows)
    # back-test on the real national series, 2016-2019 origins: reported either way
    assert plan.backtest["model_mape"] > 0 and plan.backtest["naive_mape"] > 0
    assert plan.backtest["model_beats_naive"] is True
    cal = plan.calibration
    assert cal["fit_months"] == 26 and cal["validation_months"] == 2  # 28 months, April 2023 – July 2025
    assert cal["validation_mae_points"] < 15  # held-back months reproduced to within 15 points
    assert plan.capacity["reachable"] and plan.capacity["weekly_capacity_needed"] > 0
    shares = sum(p["demand_share"] for p in plan.pathways)
    assert abs(shares - 1) < 1e-9


def test_plan_cli(warehouse_path, tmp_path):
    chart = tmp_path / "plan.html"
    res = CliRunner().invoke(
        app, ["plan", "--alliance", "E56000035", "--db", str(warehouse_path), "--format", "json", "--chart", str(chart)]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert len(payload["forecast_rows"]) == 12 and payload["capacity"]["target"] == 0.8
    assert "Back-test over 3 origins" in payload["backtest_verdict"]
    assert chart.read_text().count("plotly") > 10
