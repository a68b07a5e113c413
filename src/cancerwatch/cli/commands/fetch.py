"""``cancerwatch fetch --month YYYY-MM``: download that month's published extracts and load them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, emit
from cancerwatch.config import load_settings
from cancerwatch.ingest.fetch import download, urls_for
from cancerwatch.ingest.load import load_files
from cancerwatch.periods import parse_month
from cancerwatch.read.preparation import prepare_views
from cancerwatch.warehouse.connect import open_duckdb


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("fetch")
    def fetch(
        month: Annotated[str, typer.Option(help="data month, YYYY-MM")],
        base_url: Annotated[
            str | None,
            typer.Option(
                help="base URL ({year}/{month2} of publication allowed); "
                "default: $CANCERWATCH_FETCH_BASE_URL or NHS England"
            ),
        ] = None,
        keep: Annotated[Path | None, typer.Option(help="keep the downloaded files in this folder")] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Download a month's provider and sub-ICB extracts, then load them (all or nothing)."""
        settings = load_settings(fetch_base_url=base_url)
        urls = urls_for(parse_month(month), settings.fetch_base_url)
        with tempfile.TemporaryDirectory() as tmp:
            files = download(urls, keep or Path(tmp))
            con = open_duckdb(db_path(db))
            try:
                results = load_files(con, [f.path for f in files], prepare=prepare_views)
            finally:
                con.close()
        emit(
            [
                {
                    "file": r.file,
                    "status": r.status,
                    "rows_read": r.rows_read,
                    "rows_loaded": r.rows_loaded,
                    "rows_quarantined": r.rows_quarantined,
                }
                for r in results
            ],
            fmt or Format.table,
            title="Fetched",
        )
