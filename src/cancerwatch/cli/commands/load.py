"""``cancerwatch load PATH...``: detect and load published extracts, lookups and pathway files."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, default_format, emit
from cancerwatch.config import load_settings
from cancerwatch.ingest.load import LoadResult, expand_paths, parse_files, write_parsed
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.read.preparation import prepare_views
from cancerwatch.reports.preprinted import prepare_reports
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.storage_errors import storage_error


class ReportMode(StrEnum):
    """The server whose visitors the reports are printed for."""

    internal = "internal"
    public = "public"


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("load")
    def load(
        paths: Annotated[
            list[Path], typer.Argument(help="files to load (xlsx, xls, csv, parquet), or folders of them")
        ],
        db: DbOption = None,
        fmt: FormatOption = None,
        reports: Annotated[
            list[ReportMode] | None,
            typer.Option(
                "--reports",
                help="after the load, print every Alliance's annual report (HTML and PDF) for the "
                "dashboard's visitors on an internal or public server, so that their first download "
                "is immediate; repeat for both",
            ),
        ] = None,
    ) -> None:
        """Load files in one transaction: all of them, or none. Identical files are skipped.

        Files are read and validated before the warehouse is opened, so readers of the warehouse
        (the web server) wait only for the commit.
        """
        paths = expand_paths(paths)
        target = db_path(db)
        err = Console(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("reading", total=len(paths))
            parsed = parse_files(paths, on_parsed=lambda p: bar.update(task, advance=1, description=f"read {p.name}"))
        results = _commit(target, parsed)
        if reports:
            modes = [m.value for m in dict.fromkeys(reports)]
            with err.status("printing the Alliances' annual reports"):
                printed = prepare_reports(target, load_settings(db_path=db), modes)
            typer.echo(f"annual reports printed: {printed.reports} ({', '.join(modes)})", err=True)
        rows = [
            {
                "file": r.file,
                "kind": r.kind,
                "status": r.status,
                "rows_read": r.rows_read,
                "rows_loaded": r.rows_loaded,
                "rows_quarantined": r.rows_quarantined,
                "months": f"{r.months[0]}..{r.months[-1]}" if r.months else "",
                "superseded": r.superseded,
                "unmapped_codes": " ".join(r.unmapped_codes),
            }
            for r in results
        ]
        chosen = fmt or default_format()
        emit(rows, chosen, title="Loaded")
        for r in results:
            if r.status == "unchanged":
                typer.echo(f"{r.file}: identical file already loaded; nothing to do", err=True)
            for note in r.notes:
                typer.echo(f"{r.file}: {note}", err=True)
        # the last line for a person: on stdout under a table, on stderr beside CSV or JSON
        typer.echo(load_summary(results), err=chosen is not Format.table)


def load_summary(results: list[LoadResult]) -> str:
    """One line on the whole load: rows read = rows loaded + rows quarantined (counted over the
    files loaded now; identical files already loaded are skipped and named as such).

    >>> load_summary([LoadResult("a.csv", "pathways", "loaded", 4, 2, 2)])
    '4 rows read, 2 loaded, 2 quarantined: see `cancerwatch quarantine`'
    >>> lookup = LoadResult("a.csv", "lookup", "loaded", 1200, 1200, 0)
    >>> load_summary([lookup, LoadResult("b.csv", "lookup", "unchanged", 0, 0, 0)])
    '1,200 rows read, 1,200 loaded, 0 quarantined; 1 file already loaded, skipped'
    """
    loaded = [r for r in results if r.status != "unchanged"]
    read, kept, rejected = (
        sum(getattr(r, f) for r in loaded) for f in ("rows_read", "rows_loaded", "rows_quarantined")
    )
    line = f"{read:,} rows read, {kept:,} loaded, {rejected:,} quarantined"
    if rejected:
        line += ": see `cancerwatch quarantine`"
    skipped = len(results) - len(loaded)
    if skipped:
        line += f"; {skipped} file{'s' if skipped > 1 else ''} already loaded, skipped"
    return line


def _commit(target: Path, parsed: list[ParsedFile]) -> list[LoadResult]:
    """Write the parsed files in one transaction; a failed write (disk full, read-only) is one line."""
    try:
        con = open_duckdb(target)
        try:
            return write_parsed(con, parsed, prepare=prepare_views)
        finally:
            con.close()
    except Exception as exc:
        failure = storage_error(exc, target)
        if failure is None:
            raise
        raise failure from None
