"""Options shared by every command (docs/architecture.md, CLI contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.output import Format
from cancerwatch.config import load_settings

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="warehouse file (default: $CANCERWATCH_DB, else ./cancerwatch.duckdb)"),
]
FormatOption = Annotated[Format | None, typer.Option("--format", help="table (default on a terminal), csv or json")]


def db_path(db: Path | None) -> Path:
    """The warehouse path: --db, else $CANCERWATCH_DB, else ./cancerwatch.duckdb."""
    return load_settings(db_path=db).db_path
