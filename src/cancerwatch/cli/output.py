"""Print rows as a Rich table, CSV or JSON (``--format table|csv|json``).

A table is the default on a terminal, CSV when output goes to a pipe or a file (docs/cli.md). A
table asked for in a pipe is drawn at its own width, never folded into 80 columns: a file or a
pager keeps each row on one line.

CSV and JSON carry the field names of the CLI contract (docs/cli.md). CSV text comes from
:mod:`cancerwatch.exports`, which neutralises cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum

from rich.console import Console
from rich.table import Table

from cancerwatch.exports import FORMULA_PREFIXES, neutralise, to_csv

__all__ = ["FORMULA_PREFIXES", "Format", "default_format", "emit", "neutralise", "table_console", "to_csv"]

PIPE_WIDTH = 100_000
"""Columns a table may take off a terminal: a table is as wide as its widest row there."""


class Format(StrEnum):
    """Output formats of every data command."""

    table = "table"
    csv = "csv"
    json = "json"


def default_format() -> Format:
    """Table on a terminal, CSV when piped (docs/architecture.md, CLI contract: table is the default on a terminal)."""
    return Format.table if sys.stdout.isatty() else Format.csv


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1:
            return f"{value:,.0f}"
        if abs(value) < 1:
            return f"{value:.4f}"
        return f"{value:,.1f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def emit(
    rows: Sequence[dict],
    fmt: Format | None,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    extra: dict | None = None,
) -> None:
    """Write rows to stdout in the requested format (``extra`` adds top-level JSON keys)."""
    fmt = fmt or default_format()
    if fmt is Format.json:
        payload: object = {"rows": list(rows), **extra} if extra else list(rows)
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(to_csv(rows))
        return
    cols = list(columns or (rows[0].keys() if rows else []))
    console = table_console()
    if title and not console.is_terminal:  # a title line of its own: not padded to the table's width
        console.print(title, markup=False)
    table = Table(title=title if console.is_terminal else None, show_lines=False, header_style="bold")
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*[_cell(r.get(c)) for c in cols])
    console.print(table)


def table_console() -> Console:
    """The console tables print on: the terminal's width on a terminal; elsewhere (a pipe, a file)
    wide enough for any table, so rows are never folded (Rich would assume 80 columns)."""
    console = Console()
    if console.is_terminal:
        return console
    return Console(width=PIPE_WIDTH, no_color=True, highlight=False)
