"""What the indicator readers share: finding the header, reading cells, building the
``indicator_values`` rows, and writing them in the load transaction.

Every reader follows the loader's rules (docs/data-quality.md): a file whose layout is wrong
raises one :class:`~cancerwatch.errors.InputError` naming the file, row and column; a row that
is wrong, or that cancerwatch does not use (another stratum, an area type it does not report
on), is quarantined with its reason, so rows read = rows loaded + rows quarantined. Reasons for
rows that are valid but not used start with ``not used:``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, overload

import duckdb
import pyarrow as pa

from cancerwatch.errors import InputError
from cancerwatch.ingest.parsed import ParsedFile, Rejection, rows_table
from cancerwatch.ingest.values import ValueProblem, clean, parse_number
from cancerwatch.warehouse.schema import scalar

HEADER_SEARCH_ROWS = 25  # published CSVs may carry a few title lines above the header
MAX_VALUE = 1e12  # no indicator cell comes near this; larger values are keying errors

INDICATOR_SCHEMA = pa.schema(
    [
        ("indicator_id", pa.string()),
        ("period_start", pa.date32()),
        ("period_type", pa.string()),
        ("org_code", pa.string()),
        ("org_level", pa.string()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("value", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
    ]
)

# Reference-like tables written by load.py's _write_reference (delete, then insert from new_ref).
INDICATOR_REFERENCE_SQL = {
    "alliance_workforce_register": (
        "DELETE FROM alliance_workforce_register WHERE (alliance_code, as_of) IN "
        "(SELECT alliance_code, as_of FROM new_ref)",
        "INSERT INTO alliance_workforce_register SELECT $source_id, alliance_code, team_posts_funded, "
        "team_posts_filled, workforce_plan_published, as_of, source FROM new_ref",
    ),
    # one vintage only: ratios between years are meaningful within one vintage of the series
    "deflator_series": (
        "DELETE FROM deflator_series",
        "INSERT INTO deflator_series SELECT $source_id, year_start, year_label, deflator FROM new_ref",
    ),
}


class RowProblem(ValueError):
    """A row that cannot be loaded: the column at fault and the reason kept in quarantine."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class Sheet:
    """The data rows of a file below its header, with columns looked up by name."""

    file: str
    header: list[str]
    header_row: int  # 1-based row number of the header
    rows: list[list]
    index: dict[str, int]

    def records(self) -> Iterator[tuple[int, dict[str, str], dict[str, object]]]:
        """(row number, cells by canonical column name, raw row by header) for non-blank rows."""
        for offset, row in enumerate(self.rows[self.header_row :], start=self.header_row + 1):
            if not any(clean(c) for c in row):
                continue
            cells = {name: clean(row[i]) if i < len(row) else "" for name, i in self.index.items()}
            raw = {h or f"column {i + 1}": (row[i] if i < len(row) else None) for i, h in enumerate(self.header)}
            yield offset, cells, raw


def open_sheet(
    parsed: ParsedFile,
    rows: list[list],
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    layout: str,
) -> Sheet:
    """Find the header (within the first rows) that has every ``required`` column.

    Columns are matched by name, ignoring case and surrounding spaces; extra columns are kept in
    the raw row. A missing column raises InputError naming the best candidate header row.
    """
    best: tuple[int, int, dict[str, int]] | None = None
    for n, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {clean(c).lower(): i for i, c in reversed(list(enumerate(row))) if clean(c)}
        index = {c: names[c.lower()] for c in (*required, *optional) if c.lower() in names}
        found = sum(c in index for c in required)
        if best is None or found > best[1]:
            best = (n, found, index)
        if found == len(required):
            header = [clean(c) for c in row]
            return Sheet(parsed.path.name, header, n + 1, rows, index)
    if best is None:
        raise InputError("no data rows", file=parsed.path.name)
    missing = next(c for c in required if c not in best[2])
    raise InputError(
        f"missing column {missing!r} (expected the {layout} layout: {', '.join(required)})",
        file=parsed.path.name,
        row=best[0] + 1,
        column=missing,
    )


@overload
def number(cells: dict[str, str], column: str, *, required: Literal[True] = ..., negative_ok: bool = ...) -> float: ...
@overload
def number(cells: dict[str, str], column: str, *, required: bool, negative_ok: bool = ...) -> float | None: ...
def number(
    cells: dict[str, str],
    column: str,
    *,
    required: bool = True,
    negative_ok: bool = False,
) -> float | None:
    """A numeric cell (thousands separators and a leading £ allowed); None when empty and optional."""
    text = cells.get(column, "")
    if not text:
        if required:
            raise RowProblem(column, f"{column} is empty")
        return None
    try:
        value = parse_number(text.strip().removeprefix("£"), column)
    except ValueProblem as problem:
        raise RowProblem(column, str(problem)) from None
    if not math.isfinite(value):
        raise RowProblem(column, f"{column} {text!r} is not a finite number")
    if value < 0 and not negative_ok:
        raise RowProblem(column, f"{column} {value:g} is negative")
    if abs(value) > MAX_VALUE:
        raise RowProblem(column, f"{column} {value:g} is implausibly large")
    return value


def check_interval(value: float, low: float | None, high: float | None, low_col: str, high_col: str) -> None:
    """Both limits or neither, and low ≤ value ≤ high."""
    if (low is None) != (high is None):
        raise RowProblem(low_col if low is None else high_col, "only one confidence limit is given")
    if low is not None and high is not None:
        if low > value:
            raise RowProblem(low_col, f"{low_col} {low:g} is above the value {value:g}")
        if high < value:
            raise RowProblem(high_col, f"{high_col} {high:g} is below the value {value:g}")


class Duplicates:
    """Refuse a second row for a key already read (the first row stands)."""

    def __init__(self, what: str, note: str = "") -> None:
        self.what = what
        self.note = note
        self.seen: dict[tuple, tuple[int, tuple]] = {}

    def check(self, key: tuple, row_number: int, values: tuple, column: str | None = None) -> None:
        """Raise RowProblem when ``key`` was seen: a duplicate or a conflicting figure."""
        if key not in self.seen:
            self.seen[key] = (row_number, values)
            return
        first, first_values = self.seen[key]
        if first_values == values:
            note = f"; {self.note}" if self.note else ""
            raise RowProblem(column, f"duplicate of row {first} (same {self.what}{note})")
        raise RowProblem(column, f"conflicts with row {first}: a different figure for the same {self.what}")


def read_rows(parsed: ParsedFile, sheet: Sheet, convert: Callable[[int, dict[str, str]], tuple]) -> list[tuple]:
    """Convert every data row; quarantine the ones that raise RowProblem (rows read counted here)."""
    out = []
    for n, cells, raw in sheet.records():
        parsed.rows_read += 1
        try:
            out.append(convert(n, cells))
        except RowProblem as p:
            parsed.rejections.append(Rejection(n, p.column, p.reason, raw))
    return out


def indicator_table(rows: list[tuple]) -> pa.Table:
    """Build the ``indicator_values`` Arrow table from tuples in :data:`INDICATOR_SCHEMA` order."""
    return rows_table(rows, INDICATOR_SCHEMA)


def write_indicators(con: duckdb.DuckDBPyConnection, source_id: int, parsed: ParsedFile) -> int:
    """Insert a file's indicator figures; they supersede current figures for the same keys.

    Sources such as Fingertips republish whole series at each refresh, so the file loaded later
    is the later vintage: current figures for the same indicator, period and organisation are
    marked ``superseded_by`` this source and stay queryable. Returns how many were superseded.
    """
    con.register("new_indicators", parsed.indicators)
    try:
        superseded = scalar(
            con,
            """UPDATE indicator_values SET superseded_by = ?
               WHERE superseded_by IS NULL
                 AND (indicator_id, period_type, period_start, org_level, org_code) IN
                     (SELECT indicator_id, period_type, period_start, org_level, org_code FROM new_indicators)""",
            [source_id],
        )
        con.execute(
            """INSERT INTO indicator_values
               SELECT ?, indicator_id, period_start, period_type, org_code, org_level,
                      numerator, denominator, value, ci_low, ci_high, NULL
               FROM new_indicators""",
            [source_id],
        )
    finally:
        con.unregister("new_indicators")
    return int(superseded)
