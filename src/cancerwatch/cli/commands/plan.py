"""``cancerwatch plan``: referral forecast and diagnostic capacity scenario for an Alliance."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, emit
from cancerwatch.periods import parse_month
from cancerwatch.warehouse.connect import open_duckdb

COLUMNS = (
    "month",
    "alliance_demand",
    "alliance_lower",
    "alliance_upper",
    "backlog",
    "weekly_capacity",
    "modelled_fds",
    "ambition",
)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("plan")
    def plan_command(
        alliance: Annotated[str, typer.Option(help="Cancer Alliance code, e.g. E56000005")],
        scenario: Annotated[
            Path | None, typer.Option(help="scenario TOML (see planning/example_scenario.toml)")
        ] = None,
        target: Annotated[
            float | None, typer.Option(help="FDS share to reach (default: the latest FDS planning ambition)")
        ] = None,
        by: Annotated[str | None, typer.Option(help="month to reach it by, YYYY-MM (default: end of forecast)")] = None,
        horizon: Annotated[int, typer.Option(min=12, max=24, help="months to forecast")] = 12,
        service_days: Annotated[float, typer.Option(min=1, max=25, help="mean diagnostic work-up, days")] = 10.0,
        chart: Annotated[Path | None, typer.Option(help="write a chart (.html)")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Forecast referrals with intervals, back-test it, and size the diagnostic capacity for the FDS target."""
        from cancerwatch.errors import UsageError
        from cancerwatch.planning.capacity_plan import plan_alliance
        from cancerwatch.planning.scenarios import load_scenario

        if target is not None and not 0 < target < 1:
            raise UsageError("--target is a proportion between 0 and 1, e.g. 0.8")
        con = open_duckdb(db_path(db), read_only=True)
        try:
            plan = plan_alliance(
                con,
                alliance.upper(),
                scenario=load_scenario(scenario),
                target=target,
                horizon=horizon,
                target_month=parse_month(by) if by else None,
                service_days=service_days,
            )
        finally:
            con.close()
        if chart is not None:
            from cancerwatch.planning.charts import plan_figure

            if chart.suffix.lower() != ".html":
                raise UsageError("--chart writes an .html file (PNG export would need a browser)")
            plan_figure(plan).write_html(str(chart), include_plotlyjs=True, full_html=True)
        if (fmt or None) is Format.json:
            payload = asdict(plan)
            payload["scenario"]["schemes"] = [asdict(s) for s in plan.scenario.schemes]
            sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
            return
        emit(
            plan.forecast_rows,
            fmt,
            title=f"{plan.alliance_name}: forecast and modelled FDS ({plan.scenario.name})",
            columns=COLUMNS,
        )
        cap, cal = plan.capacity, plan.calibration
        err = typer.echo
        err(plan.backtest_verdict, err=True)
        err(
            f"Calibration ({cal['fit_months']} months fitted, {cal['validation_months']} held back): weekly "
            f"capacity {cal['weekly_capacity']:,.0f}, backlog now {cal['backlog_now']:,.0f}; error "
            f"{cal['fit_mae_points']:.1f} points fitted, {cal['validation_mae_points']:.1f} points held back.",
            err=True,
        )
        if cap["reachable"]:
            err(
                f"To reach {cap['target']:.0%} FDS by {cap['target_month']}: {cap['weekly_capacity_needed']:,.0f} "
                f"diagnostic completions a week ({cap['increase_pct']:+.1f}% on today's estimated capacity).",
                err=True,
            )
        else:
            err(cap["note"], err=True)
