"""Print rows as a Rich table, CSV or JSON (``--format table|csv|json``).

CSV and JSON carry the exact field names of design.md. CSV cells that a spreadsheet would run
as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with an
apostrophe (OWASP CSV-injection guidance); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum

from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    """Output formats of every data command."""

    table = "table"
    csv = "csv"
    json = "json"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Make a text cell safe for spreadsheets; leave numbers alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(rows: Sequence[dict], fields: Sequence[str] | None = None) -> str:
    """Rows as CSV text with a header row."""
    fields = list(fields or (rows[0].keys() if rows else []))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    # With "\n" line endings the csv module leaves a bare "\r" unquoted, and readers would split
    # the row there: such rows are written with every field quoted.
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(fields)
    for r in rows:
        cells = ["" if r.get(f) is None else neutralise(r.get(f)) for f in fields]
        (quoted if any(isinstance(c, str) and "\r" in c for c in cells) else writer).writerow(cells)
    return buf.getvalue()


def default_format() -> Format:
    """Table on a terminal, CSV when piped (design.md: table is the default on a terminal)."""
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
    console = Console()
    cols = list(columns or (rows[0].keys() if rows else []))
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*[_cell(r.get(c)) for c in cols])
    console.print(table)
