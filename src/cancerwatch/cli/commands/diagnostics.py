"""``cancerwatch diagnostics``: DM01 waiting lists, waits and activity per test (the read API in
``diagnostics_queries.py``); ``cancerwatch workforce``: staff by main staff group beside the
organisation's performance (``workforce_queries.py``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cancerwatch.catalogue.diagnostics import ALL_TESTS, cancer_pathway_tests, diagnostic_tests
from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, default_format, emit
from cancerwatch.diagnostics_queries import DiagnosticsQuery, diagnostics
from cancerwatch.periods import parse_month
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.workforce_queries import performance_beside, workforce


class Level(StrEnum):
    """Levels DM01 (provider-based) and the workforce statistics can be shown at."""

    national = "national"
    region = "region"
    alliance = "alliance"
    icb = "icb"
    provider = "provider"


TABLE_COLUMNS = (
    "period_label",
    "org_code",
    "org_name",
    "test_name",
    "waiting_list",
    "waiting_6plus",
    "waiting_13plus",
    "share_6plus",
    "threshold",
    "met",
    "england_share_6plus",
    "total_activity",
)
WORKFORCE_COLUMNS = ("staff_group_name", "headcount", "fte", "fte_share")
PERFORMANCE_COLUMNS = ("measure", "period_label", "value", "numerator", "denominator", "threshold", "met")
TEST_HELP = (
    "a DM01 test, repeatable: "
    + ", ".join((*diagnostic_tests(), ALL_TESTS))
    + f" (all = every test together; default: the cancer-pathway tests {', '.join(cancer_pathway_tests())})"
)


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""

    @app.command("diagnostics")
    def diagnostics_command(
        level: Annotated[Level, typer.Option(help="level of the NHS hierarchy (DM01 is provider-based)")] = (
            Level.national
        ),
        org: Annotated[str | None, typer.Option(help="one organisation code")] = None,
        test: Annotated[list[str] | None, typer.Option("--test", help=TEST_HELP)] = None,
        from_: Annotated[str | None, typer.Option("--from", help="first month, YYYY-MM")] = None,
        to: Annotated[str | None, typer.Option("--to", help="last month, YYYY-MM")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """DM01 diagnostics per test: waiting list, 6+ and 13+ week waits against the 1% standard, activity."""
        query = DiagnosticsQuery(
            level=level.value,
            org=org,
            tests=tuple(t.strip().lower() for t in test or ()),
            date_from=parse_month(from_) if from_ else None,
            date_to=parse_month(to) if to else None,
        )
        con = open_duckdb(db_path(db), read_only=True)
        try:
            rows = diagnostics(con, query)
        finally:
            con.close()
        emit(rows, fmt, title=f"DM01 diagnostics by {level.value}", columns=TABLE_COLUMNS)

    @app.command("workforce")
    def workforce_command(
        org: Annotated[
            str | None, typer.Option(help="organisation code (a trust, an ICB, a region, an Alliance)")
        ] = None,
        level: Annotated[Level, typer.Option(help="level of the organisation")] = Level.provider,
        month: Annotated[str | None, typer.Option(help="month, YYYY-MM (default: the latest loaded)")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """FTE and headcount by staff group (NHS Workforce Statistics) beside the same month's performance."""
        con = open_duckdb(db_path(db), read_only=True)
        try:
            rows = workforce(con, org, level=level.value, month=parse_month(month) if month else None)
            first = rows[0]
            perf = performance_beside(con, org, level=level.value, month=parse_month(first["period_label"]))
        finally:
            con.close()
        fmt = fmt or default_format()
        title = f"{first['org_name']} ({first['org_code']}), {first['period_label']}"
        if fmt is Format.json:
            emit(rows, fmt, extra={"performance": perf})
        elif fmt is Format.csv:
            beside = {
                f"{p['measure']}_{'share_6plus' if p['measure'] == 'dm01' else 'performance'}": p["value"] for p in perf
            }
            emit([{**r, **beside} for r in rows], fmt)
        else:
            emit(rows, fmt, title=f"Staff by main staff group: {title}", columns=WORKFORCE_COLUMNS)
            emit(perf, fmt, title=f"Performance in the same month: {title}", columns=PERFORMANCE_COLUMNS)
