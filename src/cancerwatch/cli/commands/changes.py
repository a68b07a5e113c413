"""``cancerwatch changes``: what the latest load (or the loads after a source, or the months since
a month) changed, per organisation."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import emit
from cancerwatch.warehouse.connect import open_duckdb

TABLE_COLUMNS = ("kind", "level", "org_code", "org_name", "summary", "href")
"""Columns of the terminal table (CSV and JSON carry every field)."""


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("changes")
    def changes_command(
        since: Annotated[
            str | None,
            typer.Option(
                "--since",
                help="a source id (changes the loads after it brought) or a month YYYY-MM (changes since it); "
                "default: the latest load",
            ),
        ] = None,
        org: Annotated[str | None, typer.Option("--org", help="only this organisation's code")] = None,
        level: Annotated[
            list[str] | None,
            typer.Option("--level", help="national, region, alliance, icb or provider (repeat; default: all)"),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """New SPC signals and assurance changes, standards newly met or missed, new escalations and
        ones ended, the largest movers on the same month last year, and revised published months:
        one row per change, with the page that shows it."""
        from cancerwatch.read.changes import DIGEST_LEVELS, change_rows, changes
        from cancerwatch.read.context import Reader
        from cancerwatch.read.serialise import jsonable

        con = open_duckdb(db_path(db), read_only=True)
        try:
            digest = changes(Reader(con), since=since, org=org, levels=tuple(level) if level else DIGEST_LEVELS)
        finally:
            con.close()
        compared = f"{digest.month} against {digest.baseline}" if digest.month and digest.baseline else ""
        title = f"Changes: {digest.since}" + (f" ({compared})" if compared else "")
        extra = {k: jsonable(getattr(digest, k)) for k in ("since", "month", "baseline", "loads", "counts", "note")}
        emit(change_rows(digest), fmt, title=title, columns=TABLE_COLUMNS, extra=extra)
        counted = ", ".join(f"{n} {k}" for k, n in digest.counts.items() if n) or "no changes"
        sys.stderr.write(f"{title}: {counted}" + (f". {digest.note}" if digest.note else "") + "\n")
