"""``cancerwatch sources``, ``revisions``, ``quarantine`` and ``unload``: what is loaded, what
revised what, what was rejected, and undoing a load."""

from __future__ import annotations

from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import emit
from cancerwatch.ingest.unload import unload_source
from cancerwatch.read.preparation import prepare_views
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.status import quarantine_rows, revision_rows, source_rows


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""

    @app.command("sources")
    def sources_command(
        restore: Annotated[
            int | None,
            typer.Option(help="undo the load with this id: its figures go, the previous vintage is current again"),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Loaded files with status, grain, rows read, loaded and quarantined, and what they supersede."""
        if restore is not None:
            _unload(restore, db)
            return
        con = open_duckdb(db_path(db), read_only=True)
        try:
            emit(source_rows(con), fmt, title="Loaded sources")
        finally:
            con.close()

    @app.command("unload")
    def unload_command(
        source_id: Annotated[int, typer.Argument(help="the id `cancerwatch sources` shows")], db: DbOption = None
    ) -> None:
        """Undo one load (transactionally): its rows go and what it superseded is current again."""
        _unload(source_id, db)

    @app.command("revisions")
    def revisions_command(
        standard: Annotated[str | None, typer.Option(help="one standard only, e.g. fds")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Months a later vintage revised: England totals old → current, by basis and standard."""
        con = open_duckdb(db_path(db), read_only=True)
        try:
            emit(revision_rows(con, standard=standard), fmt, title="Revisions")
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


def _unload(source_id: int, db: object) -> None:
    con = open_duckdb(db_path(db))  # type: ignore[arg-type]
    try:
        done = unload_source(con, source_id, prepare=prepare_views)
    finally:
        con.close()
    typer.echo(
        f"unloaded {done.file_name} (id {done.source_id}): {done.rows_removed:,} rows removed, "
        f"{done.restored:,} earlier figures current again"
    )
