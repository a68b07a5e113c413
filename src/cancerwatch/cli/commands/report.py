"""``cancerwatch report``: the annual progress report for England or one organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, db_path
from cancerwatch.warehouse.connect import open_duckdb


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("report")
    def report_command(
        org: Annotated[str, typer.Option(help="organisation code (Alliance, region, ICB, sub-ICB, provider) or ENG")],
        year: Annotated[str, typer.Option(help="NHS financial year, e.g. 2023/24")],
        out: Annotated[Path, typer.Option(help="output file: .html, or .pdf (needs WeasyPrint and pango)")],
        public: Annotated[
            bool,
            typer.Option(
                "--public", help="public version: no figures computed from record-level data (docs/reports.md)"
            ),
        ] = False,
        level: Annotated[
            str | None, typer.Option(help="level of --org when its code exists at more than one level")
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Annual progress report (HTML or PDF): standards met, trends, peers, detail, escalations, data quality."""
        from cancerwatch.config import load_settings
        from cancerwatch.reports import write_report

        con = open_duckdb(db_path(db), read_only=True)
        try:
            report = write_report(con, org, year, out, public=public, level=level, settings=load_settings())
        finally:
            con.close()
        typer.echo(f"wrote {out} ({report.org.name}, {report.year['label']}: {report.coverage['text']})", err=True)
