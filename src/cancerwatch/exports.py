"""Downloadable exports shared by the CLI and the web: CSV text and formatted Excel workbooks.

Text cells that a spreadsheet would run as formulas (starting ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are prefixed with an apostrophe, as the OWASP CSV-injection guidance advises;
numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PROPORTION_FIELDS = {"performance", "ci_low", "ci_high", "threshold", "ambition", "england_performance"}


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


def xlsx_bytes(rows: Sequence[dict], *, title: str, fields: Sequence[str] | None = None) -> bytes:
    """A one-sheet workbook: bold header, percentages formatted, filters and frozen header."""
    fields = list(fields or (rows[0].keys() if rows else []))
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("cancerwatch")
    bold = wb.add_format({"bold": True, "bg_color": "#005EB8", "font_color": "#FFFFFF"})
    pct = wb.add_format({"num_format": "0.0%"})
    num = wb.add_format({"num_format": "#,##0.0"})
    ws.write(0, 0, title, wb.add_format({"bold": True, "font_size": 14}))
    for j, f in enumerate(fields):
        ws.write(2, j, f, bold)
        ws.set_column(j, j, max(10, min(40, len(f) + 4)))
    for i, r in enumerate(rows, start=3):
        for j, f in enumerate(fields):
            v = r.get(f)
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                ws.write_number(i, j, v, pct if f in PROPORTION_FIELDS else num)
            else:
                ws.write_string(i, j, str(neutralise(v)))
    ws.freeze_panes(3, 0)
    if rows:
        ws.autofilter(2, 0, 2 + len(rows), len(fields) - 1)
    wb.close()
    return buf.getvalue()


def write_xlsx(rows: Sequence[dict], path: Path, *, title: str) -> None:
    """Write :func:`xlsx_bytes` to ``path``."""
    Path(path).write_bytes(xlsx_bytes(rows, title=title))
