"""``cancerwatch sources`` and ``cancerwatch quarantine``: what is loaded and what was rejected."""

from __future__ import annotations

from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import emit
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.status import quarantine_rows, source_rows


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""

    @app.command("sources")
    def sources_command(db: DbOption = None, fmt: FormatOption = None) -> None:
        """Loaded files with rows read, loaded and quarantined, and what they supersede."""
        con = open_duckdb(db_path(db), read_only=True)
        try:
            emit(source_rows(con), fmt, title="Loaded sources")
        finally:
            con.close()

    @app.command("quarantine")
    def quarantine_command(
        limit: Annotated[int, typer.Option(help="rows to show")] = 50,
        record_level: Annotated[
            bool,
            typer.Option(
                "--record-level", help="also show reasons and raw rows of pathway files (they may hold patient data)"
            ),
        ] = False,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Rejected rows with file, sheet, row, column and reason (pathway files' only with --record-level)."""
        con = open_duckdb(db_path(db), read_only=True)
        try:
            emit(quarantine_rows(con, limit=limit, record_level=record_level), fmt, title="Quarantined rows")
        finally:
            con.close()
