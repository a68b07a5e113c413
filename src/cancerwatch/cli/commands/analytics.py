"""``cancerwatch spc`` and ``cancerwatch funnel``: the variation policy (``cancerwatch.variation``) on the
command line; options override the policy for one run (docs/methods.md, "Variation policy")."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, emit
from cancerwatch.periods import parse_month
from cancerwatch.warehouse.connect import open_duckdb

SPC_FIELDS = (
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
)
FUNNEL_FIELDS = (
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
)


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""

    @app.command("spc")
    def spc_command(
        standard: Annotated[str, typer.Option(help="standard id")],
        level: Annotated[str, typer.Option(help="national, region, alliance, icb, sub_icb or provider")] = "national",
        org: Annotated[str | None, typer.Option(help="organisation code (omit for England)")] = None,
        period: Annotated[str, typer.Option(help="month (SPC charts are monthly)")] = "month",
        target: Annotated[
            float | None, typer.Option(help="target (default: the threshold in force each month)")
        ] = None,
        rebase: Annotated[
            list[str] | None,
            typer.Option(help="YYYY-MM starting a new limits group (repeatable; default: the policy's dates)"),
        ] = None,
        no_rebase: Annotated[
            bool, typer.Option("--no-rebase", help="one group of limits, ignoring the policy's rebase dates")
        ] = False,
        from_: Annotated[str | None, typer.Option("--from", help="first month, YYYY-MM")] = None,
        to: Annotated[str | None, typer.Option("--to", help="last month, YYYY-MM")] = None,
        basis: Annotated[str | None, typer.Option(help="provider or commissioner")] = None,
        mdc_excel: Annotated[
            bool, typer.Option("--mdc-excel", help="no moving-range screening, as the Making Data Count Excel tool")
        ] = False,
        summary: Annotated[
            bool, typer.Option("--summary", help="CSV/table: print the summary instead of points")
        ] = False,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Making Data Count XmR chart: limits, special-cause rules, variation and assurance icons."""
        from cancerwatch.errors import UsageError
        from cancerwatch.read.context import Reader
        from cancerwatch.read.figures import spc_chart

        if period != "month":
            raise UsageError("SPC charts here are monthly: --period month")
        if no_rebase and rebase:
            raise UsageError("--rebase and --no-rebase contradict each other")
        dates = () if no_rebase else (tuple(parse_month(r) for r in rebase) if rebase else None)
        con = open_duckdb(db_path(db), read_only=True)
        try:
            chart = spc_chart(
                Reader(con),
                standard,
                level,
                org,
                basis=basis,
                date_from=parse_month(from_) if from_ else None,
                date_to=parse_month(to) if to else None,
                target=target,
                rebase=dates,
                screen_outliers=False if mdc_excel else None,
            )
        finally:
            con.close()
        if (fmt or None) is Format.json:
            payload = {
                "standard": standard,
                "level": level,
                "org_code": chart.org_code,
                "org_name": chart.org_name,
                "points": [{k: p[k] for k in SPC_FIELDS} for p in chart.points],
                "summary": chart.summary,
                "rebased_at": chart.view.rebased_at,
            }
            sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
            return
        if summary:
            emit(chart.summary, fmt, title=f"SPC summary: {chart.org_name}, {standard}")
        else:
            emit(
                [{k: p[k] for k in SPC_FIELDS} for p in chart.points],
                fmt,
                title=f"SPC: {chart.org_name}, {standard} — variation {chart.summary[-1]['variation_type']}, "
                f"assurance {chart.summary[-1]['assurance_type']}",
            )
        if chart.view.rebased_at:
            since = ", ".join(chart.view.rebased_at)
            typer.echo(f"note: limits recalculated from {since} (variation policy)", err=True)

    @app.command("funnel")
    def funnel_command(
        standard: Annotated[str, typer.Option(help="standard id")],
        level: Annotated[str, typer.Option(help="region, alliance, icb, sub_icb or provider")] = "provider",
        period: Annotated[str, typer.Option(help="month, quarter or year")] = "month",
        period_start: Annotated[str, typer.Option(help="first month of the period, YYYY-MM")] = "2023-04",
        target: Annotated[
            str | None,
            typer.Option(
                help="centre line: england (its performance in the period) or threshold (default: the policy's); "
                "φ and τ² always come from the pooled rate"
            ),
        ] = None,
        overdispersion: Annotated[
            bool | None,
            typer.Option(
                "--overdispersion/--no-overdispersion",
                help="additive random-effects limits (default: the policy, when phi > 1 with enough organisations)",
            ),
        ] = None,
        basis: Annotated[str | None, typer.Option(help="provider or commissioner")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Funnel plot data: every organisation's performance against 95% and 99.8% limits."""
        from cancerwatch.variation import funnel

        con = open_duckdb(db_path(db), read_only=True)
        try:
            f = funnel(
                con,
                standard=standard,
                level=level,
                period=period,
                period_start=parse_month(period_start),
                target=target,
                overdispersion=overdispersion,
                basis=basis,
            )
        finally:
            con.close()
        rows = [{k: r.get(k) for k in FUNNEL_FIELDS} for r in f.rows]
        if (fmt or None) is Format.json:
            payload = {
                "standard": standard,
                "level": level,
                "period_label": f.period_label,
                "target": f.target,
                "target_kind": f.target_kind,
                "phi": f.phi,
                "tau2": f.tau2,
                "adjusted": f.adjusted,
                "rows": rows,
            }
            sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
            return
        emit(
            rows,
            fmt,
            title=f"Funnel: {standard}, {level}, {f.period_label} — target {f.target:.3f}, "
            f"phi {f.phi:.2f}, tau2 {f.tau2:.5f}{' (adjusted)' if f.adjusted else ''}",
        )
