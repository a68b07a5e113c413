"""``cancerwatch plan``: referral demand, DM01 capacity and backlog, and the activity targets need."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, default_format, emit
from cancerwatch.periods import parse_month
from cancerwatch.warehouse.connect import open_duckdb

COLUMNS = (
    "month",
    "referrals",
    "referrals_lower",
    "referrals_upper",
    "cancer_tests",
    "cancer_capacity",
    "backlog",
    "modelled_fds",
    "ambition",
)
TEST_COLUMNS = (
    "test",
    "activity_now",
    "demand_forecast",
    "waiting_list",
    "waiting_6plus",
    "backlog_to_clear",
    "activity_needed_dm01",
    "gap_dm01_pct",
    "activity_needed_fds",
)


def _lines(plan) -> list[str]:
    """The plan's findings and assumptions, one sentence a line."""
    conv, fds, cap, dm = plan.conversion, plan.fds_model, plan.capacity, plan.dm01
    tpr = conv["tests_per_referral"]
    d = plan.demand
    lines = [
        f"Demand: urgent referrals seen (usc_foa + ubs_fha), {d['first_month']} – {d['last_month']}"
        + (
            f", summed from {' and '.join(d['predecessors'])} to {d['summed_from_predecessors'][-1]}"
            if d["summed_from_predecessors"]
            else ""
        )
        + f"; {plan.backtest['method']}.",
        plan.backtest_verdict,
        f"Tests per referral ({conv['months']}): {tpr['mean']:.2f} DM01 pathway tests per referral seen "
        f"(sd {tpr['sd']:.2f}, {tpr['low']:.2f} to {tpr['high']:.2f}); cancer share {conv['cancer_share']:.0%} "
        f"gives {conv['cancer_tests_per_referral']:.2f} cancer-pathway tests per referral.",
        f"FDS model: delay behind the 6+ week backlog {fds['delay_days_now']:.1f} days now; work-up "
        f"{fds['service_days']:.1f} days; modelled FDS within {fds['fit_mae_points']:.1f} points of observed "
        f"over {fds['fit_months']} months.",
    ]
    if cap["reachable"]:
        lines.append(
            f"To reach {cap['target']:.0%} FDS by {cap['target_month']} ({cap['target_source']}): "
            f"{cap['activity_needed_fds']:,.0f} pathway tests a month ({cap['increase_pct_fds']:+.1f}% on "
            f"{cap['activity_now']:,.0f} now, {cap['activity_now_months']})."
        )
    else:
        lines.append(f"{cap['note']} ({cap['target_source']}).")
    lines.append(
        f"DM01 six-week standard by {cap['target_month']} (no more than {dm['max_share_6plus']:.0%} waiting 6+ weeks, "
        f"{dm['kind']}): {dm['activity_needed']:,.0f} tests a month in all ({dm['gap_pct']:+.1f}% on now), clearing "
        f"{dm['backlog_to_clear']:,.0f} of {dm['waiting_6plus']:,.0f} 6+ week waiters; "
        + (
            f"{dm['short']:,.0f} more a month in {', '.join(dm['tests_short'])}."
            if dm["tests_short"]
            else "every test has the activity."
        )
    )
    for a in plan.assumptions:
        value = f"{a['value']:.3g}"
        sure = f", {a['confidence']}" if a["confidence"] else ""
        lines.append(f"Assumption {a['option']} = {value} ({a['from']}{sure}): {a['label']}; source: {a['source']}.")
    return lines


def _rounded(row: dict) -> dict:
    """A test row for the table: counts to whole tests, percentages to one decimal."""
    return {k: (round(v, 1) if k.endswith("_pct") else round(v)) if isinstance(v, float) else v for k, v in row.items()}


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("plan")
    def plan_command(
        alliance: Annotated[str, typer.Option(help="Cancer Alliance code, e.g. E56000005")],
        scenario: Annotated[
            Path | None, typer.Option(help="scenario TOML (see planning/example_scenario.toml)")
        ] = None,
        target: Annotated[
            float | None, typer.Option(help="FDS share to reach (default: the ambition for the target month)")
        ] = None,
        by: Annotated[
            str | None, typer.Option(help="month to reach it by, YYYY-MM (default: the ambition's month)")
        ] = None,
        horizon: Annotated[int, typer.Option(min=12, max=24, help="months to forecast")] = 12,
        cancer_share: Annotated[
            float | None,
            typer.Option(help="share of DM01 pathway-test activity serving cancer pathways (default 0.15, assumption)"),
        ] = None,
        fixed_days: Annotated[
            float | None, typer.Option(help="days from referral to the first test being possible (default 3)")
        ] = None,
        service_days: Annotated[
            float | None, typer.Option(help="mean diagnostic work-up, days (default: fitted to observed FDS)")
        ] = None,
        tests_per_referral: Annotated[
            float | None,
            typer.Option(help="cancer-pathway DM01 tests per urgent referral (default: estimated from the data)"),
        ] = None,
        chart: Annotated[Path | None, typer.Option(help="write a chart (.html)")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Forecast referrals with a back-test, and size the DM01 activity the FDS ambition and the
        six-week diagnostic standard need, from real DM01 activity and waiting lists."""
        from cancerwatch.errors import UsageError
        from cancerwatch.planning.capacity_plan import plan_alliance
        from cancerwatch.planning.scenarios import load_scenario

        if target is not None and not 0 < target < 1:
            raise UsageError("--target is a proportion between 0 and 1, e.g. 0.80")
        if chart is not None and chart.suffix.lower() != ".html":
            raise UsageError("--chart writes an .html file (PNG export would need a browser)")
        con = open_duckdb(db_path(db), read_only=True)
        try:
            plan = plan_alliance(
                con,
                alliance.upper(),
                scenario=load_scenario(scenario),
                target=target,
                horizon=horizon,
                target_month=parse_month(by) if by else None,
                cancer_share=cancer_share,
                fixed_days=fixed_days,
                service_days=service_days,
                tests_per_referral_override=tests_per_referral,
            )
        finally:
            con.close()
        if chart is not None:
            from cancerwatch.planning.charts import plan_figure

            plan_figure(plan).write_html(str(chart), include_plotlyjs=True, full_html=True)
        lines = _lines(plan)
        if (fmt or None) is Format.json:
            payload = asdict(plan)
            payload["scenario"]["schemes"] = [asdict(s) for s in plan.scenario.schemes]
            payload["summary"] = lines
            sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
            return
        emit(
            plan.forecast_rows,
            fmt,
            title=f"{plan.alliance_name}: referral forecast and modelled FDS ({plan.scenario.name})",
            columns=COLUMNS,
        )
        if (fmt or default_format()) is Format.table:  # CSV carries the forecast rows; JSON everything
            emit(
                [_rounded(r) for r in plan.tests],
                fmt,
                title=f"{plan.alliance_name}: DM01 activity a month, now and needed by {plan.capacity['target_month']}",
                columns=TEST_COLUMNS,
            )
        for line in lines:
            typer.echo(line, err=True)
