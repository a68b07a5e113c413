"""The overview: England's tiles per headline standard, and the Making Data Count summary matrix of
every region and Cancer Alliance (variation and assurance icons, the latest month, the change on
the previous month and on the same month a year before), sortable.

The matrix follows NHS England's Making Data Count guidance ("Making data count: strengthening your
decisions", 2019: a summary table of measures with their variation and assurance icons, then the
charts behind them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard, headline_standards
from cancerwatch.errors import UsageError
from cancerwatch.periods import add_months
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import latest, level_rows, series, shown, spc_for
from cancerwatch.variation import SpcView

MATRIX_LEVELS = ("region", "alliance")
"""Levels of the summary matrix, in the order they are listed."""
MATRIX_MEASURES = ("performance", "change_month", "change_year")
"""What the matrix can be sorted on for each standard (besides the organisation's name)."""


def row_months_before(rows: list[dict], row: dict, months: int) -> dict | None:
    """The row of ``rows`` (one organisation's series) ``months`` before ``row``'s month, if any."""
    start = add_months(date.fromisoformat(str(row["period_start"])[:10]), -months).isoformat()
    return next((r for r in rows if str(r["period_start"])[:10] == start), None)


def change_on(rows: list[dict], row: dict | None, months: int) -> float | None:
    """Performance of ``row`` minus that ``months`` earlier (a proportion: 0.012 is 1.2 points);
    None when either month has no performance."""
    if row is None or row.get("performance") is None:
        return None
    before = row_months_before(rows, row, months)
    if before is None or before.get("performance") is None:
        return None
    return float(row["performance"]) - float(before["performance"])


@dataclass
class Tile:
    """One headline standard for one organisation: its monthly series, latest month and SPC, and the
    change in performance on the previous month and on the same month a year before."""

    standard: Standard
    latest: dict | None
    rows: list[dict]
    spc: SpcView
    change_month: float | None = None
    change_year: float | None = None


@dataclass
class MatrixCell:
    """One organisation × standard cell of the summary matrix (no row: no figures that month)."""

    standard: str
    row: dict | None
    variation_type: str | None
    assurance_type: str | None
    spc_note: str | None
    change_month: float | None
    change_year: float | None


@dataclass
class MatrixRow:
    """One organisation of the matrix, a cell per headline standard."""

    org_code: str
    org_name: str
    level: str
    cells: dict[str, MatrixCell]


@dataclass
class Matrix:
    """Regions and Alliances × headline standards, each level's rows sorted by ``sort``."""

    standards: list[Standard]
    groups: dict[str, list[MatrixRow]]
    sort: str
    direction: str
    sorts: list[str] = field(default_factory=list)


@dataclass
class Overview:
    """England by headline standard, and the summary matrix of regions and Alliances."""

    tiles: list[Tile]
    standards: list[Standard]
    alliances: list[dict]
    latest_month: str | None
    spc_note: str | None
    disclosure: str
    matrix: Matrix | None = None


def tile_of(reader: Reader, sid: str, level: str, org: str | None) -> Tile:
    """The tile of one standard for one organisation."""
    rows = shown(reader, series(reader, sid, level, org))
    last = rows[-1] if rows else None
    return Tile(
        get_standard(sid),
        last,
        rows,
        spc_for(reader, sid, level, org),
        change_on(rows, last, 1),
        change_on(rows, last, 12),
    )


def tiles(reader: Reader, level: str, org: str | None) -> list[Tile]:
    """One tile per headline standard: the shown monthly rows, the latest one and the policy's SPC."""
    return [tile_of(reader, sid, level, org) for sid in headline_standards()]


def matrix_sorts() -> list[str]:
    """Sort keys of the matrix: ``org_name`` and ``<standard>:<measure>``."""
    return ["org_name", *(f"{sid}:{m}" for sid in headline_standards() for m in MATRIX_MEASURES)]


def sort_matrix(rows: list[MatrixRow], sort: str, direction: str) -> list[MatrixRow]:
    """``rows`` by name, or by one standard's measure (organisations without it always last)."""
    if sort not in matrix_sorts():
        raise UsageError(f"unknown sort {sort!r}: use one of {', '.join(matrix_sorts())}")
    if direction not in ("asc", "desc"):
        raise UsageError("dir must be asc or desc")
    reverse = direction == "desc"
    if sort == "org_name":
        return sorted(rows, key=lambda r: (r.org_name.lower(), r.org_code), reverse=reverse)
    sid, measure = sort.split(":")

    def value(r: MatrixRow) -> float | None:
        c = r.cells.get(sid)
        if c is None:
            return None
        v = (c.row or {}).get("performance") if measure == "performance" else getattr(c, measure)
        return None if v is None else float(v)

    present = sorted((r for r in rows if value(r) is not None), key=lambda r: value(r) or 0.0, reverse=reverse)
    return present + sorted((r for r in rows if value(r) is None), key=lambda r: r.org_name.lower())


def matrix(reader: Reader, sort: str = "org_name", direction: str = "asc") -> Matrix:
    """The summary matrix: every region and Alliance with figures in a headline standard's latest
    month (the Alliances that merged into East of England in April 2024 have none, so are not
    listed), its SPC icons from the variation policy, latest value and changes."""
    groups: dict[str, list[MatrixRow]] = {}
    for level in MATRIX_LEVELS:
        found: dict[str, MatrixRow] = {}
        for sid in headline_standards():
            for r in latest(level_rows(reader, sid, level)):
                if r["org_code"] != UNMAPPED_CODE:
                    found.setdefault(r["org_code"], MatrixRow(r["org_code"], r["org_name"], level, {}))
        for org in found.values():
            for sid in headline_standards():
                t = tile_of(reader, sid, level, org.org_code)
                org.cells[sid] = MatrixCell(
                    sid,
                    t.latest,
                    t.spc.variation_type if t.spc.available else None,
                    t.spc.assurance_type if t.spc.available else None,
                    None if t.spc.available else t.spc.note,
                    t.change_month,
                    t.change_year,
                )
        groups[level] = sort_matrix(list(found.values()), sort, direction)
    return Matrix([get_standard(s) for s in headline_standards()], groups, sort, direction, matrix_sorts())


def overview(reader: Reader, *, sort: str = "org_name", direction: str = "asc") -> Overview:
    """The overview page's figures (the matrix sorted by ``sort`` and ``direction``)."""
    national = tiles(reader, "national", None)
    grid = matrix(reader, sort, direction)
    alliances = [
        {
            "org_code": r.org_code,
            "org_name": r.org_name,
            "by_standard": {sid: c.row for sid, c in r.cells.items() if c.row is not None},
        }
        for r in sort_matrix(grid.groups.get("alliance", []), "org_name", "asc")
    ]
    months = [t.latest["period_start"] for t in national if t.latest]
    missing = [t for t in national if t.rows and not t.spc.available]
    return Overview(
        tiles=national,
        standards=[get_standard(s) for s in headline_standards()],
        alliances=alliances,
        latest_month=max(months) if months else None,
        spc_note=missing[0].spc.note if missing else None,
        disclosure=reader.disclosure.label("published"),
        matrix=grid,
    )
