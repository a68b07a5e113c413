"""Transactional, idempotent loading of parsed sources into the warehouse.

Guarantees (design.md "Quality bars"):

- all or nothing: every file named in one ``load`` is parsed and validated first; then all of
  them are written in one transaction, so a failure leaves the warehouse as it was;
- an identical file (same SHA-256) loaded again is a no-op that says so;
- a file covering months already loaded supersedes them (provisional → revised) for the same
  basis and standard; superseded figures stay queryable (``superseded_by`` names the reviser);
- rows read = rows loaded + rows quarantined, for every file, checked before commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from cancerwatch.errors import InputError
from cancerwatch.ingest.detect import detect
from cancerwatch.ingest.grid import Grid, is_xlsx
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers import reference
from cancerwatch.ingest.readers.commissioner_workbook import read_commissioner_workbook
from cancerwatch.ingest.readers.cwt_extract import PROVIDER, SUB_ICB, read_extract
from cancerwatch.ingest.readers.indicator_formats import INDICATOR_KINDS, read_indicator_file
from cancerwatch.ingest.readers.indicator_rows import INDICATOR_REFERENCE_SQL, write_indicators
from cancerwatch.ingest.readers.national_series import read_national_series
from cancerwatch.warehouse.hierarchy import rebuild_organisations

REFERENCE_KINDS = ("ons_sub_icb_lookup", "ods_trusts", "tumour_note")


@dataclass
class LoadResult:
    """What happened to one file."""

    file: str
    kind: str
    status: str  # loaded | unchanged
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    months: list[str] = field(default_factory=list)
    superseded: int = 0
    source_id: int | None = None
    unmapped_codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a legacy column read (docs/record-level.md)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_file(path: Path) -> ParsedFile:
    """Read and validate one file of any supported kind (InputError if unreadable)."""
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, not a file", file=str(path))
    if path.suffix.lower() == ".parquet":
        return _parse_pathways(path, sha256_of(path))
    from cancerwatch.ingest.readers.pathways import looks_like_pathways

    if not is_xlsx(path) and path.stat().st_size and looks_like_pathways(path):  # read by DuckDB, not as a grid
        return _parse_pathways(path, sha256_of(path))
    grid = Grid(path)
    kind, sheet = detect(grid)
    parsed = ParsedFile(path=path, sha256=sha256_of(path), kind=kind)
    if kind == "pathways":
        return _parse_pathways(path, parsed.sha256)
    sheet_label = None if grid.is_csv else str(sheet)
    if kind == PROVIDER.kind:
        parsed.basis = "provider"
        read_extract(parsed, grid.table(sheet), PROVIDER, sheet_label)
    elif kind == SUB_ICB.kind:
        parsed.basis = "commissioner"
        read_extract(parsed, grid.table(sheet), SUB_ICB, sheet_label)
    elif kind == "commissioner_workbook":
        parsed.basis = "commissioner"
        read_commissioner_workbook(parsed, grid)
    elif kind == "national_series":
        parsed.basis = "provider"
        read_national_series(parsed, grid)
    elif kind == "ons_sub_icb_lookup":
        reference.read_ons_lookup(parsed, grid.rows(sheet))
    elif kind == "ods_trusts":
        reference.read_ods_trusts(parsed, grid.rows(sheet))
    elif kind == "tumour_note":
        reference.read_tumour_note(parsed, grid)
    elif kind in INDICATOR_KINDS:
        read_indicator_file(parsed, grid.rows(sheet), kind)
    if parsed.rows_read == 0:
        raise InputError("no data rows", file=path.name)
    return parsed


def _parse_pathways(path: Path, digest: str) -> ParsedFile:
    from cancerwatch.ingest.readers.pathways import read_pathways  # record level: optional module

    parsed = ParsedFile(path=path, sha256=digest, kind="pathways", basis="record")
    read_pathways(parsed, path)
    return parsed


def parse_files(paths: Sequence[Path], *, on_parsed: Callable[[Path], None] | None = None) -> list[ParsedFile]:
    """Read and validate every file (no warehouse needed: safe to run outside the writer lock)."""
    parsed_files = []
    for p in paths:
        parsed_files.append(parse_file(Path(p)))
        if on_parsed:
            on_parsed(Path(p))
    return parsed_files


def write_parsed(con: duckdb.DuckDBPyConnection, parsed_files: Sequence[ParsedFile]) -> list[LoadResult]:
    """Write already-parsed files in one transaction (all or nothing); one result per file."""
    results: list[LoadResult] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for parsed in parsed_files:
            results.append(_write(con, parsed))
        if any(r.status == "loaded" for r in results) or not _has_organisations(con):
            rebuild_organisations(con)
        for r in results:
            if r.status == "loaded" and r.kind not in REFERENCE_KINDS:
                r.unmapped_codes = unmapped_codes(con, r.source_id)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return results


def load_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    on_parsed: Callable[[Path], None] | None = None,
) -> list[LoadResult]:
    """Parse every file, then write them all in one transaction; return one result per file."""
    return write_parsed(con, parse_files(paths, on_parsed=on_parsed))


def _has_organisations(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM organisations").fetchone()[0])


def _write(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> LoadResult:
    months = [m.isoformat()[:7] for m in parsed.months]
    existing = con.execute("SELECT source_id FROM sources WHERE sha256 = ?", [parsed.sha256]).fetchone()
    if existing:
        return LoadResult(
            parsed.path.name,
            parsed.kind,
            "unchanged",
            parsed.rows_read,
            parsed.rows_loaded,
            len(parsed.rejections),
            months,
            source_id=existing[0],
            notes=list(parsed.notes),
        )
    loaded = parsed.rows_loaded
    if parsed.rows_read != loaded + len(parsed.rejections):  # pragma: no cover - invariant
        raise AssertionError(f"{parsed.path.name}: rows do not reconcile")
    source_id = con.execute("SELECT nextval('source_id_seq')").fetchone()[0]
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            source_id,
            parsed.path.name,
            parsed.sha256,
            parsed.kind,
            parsed.basis,
            parsed.months[0] if parsed.months else None,
            parsed.months[-1] if parsed.months else None,
            ",".join(months),
            parsed.publication,
            datetime.now(),
            parsed.rows_read,
            loaded,
            len(parsed.rejections),
        ],
    )
    superseded = 0
    if parsed.facts is not None:
        superseded = _write_facts(con, source_id, parsed)
    if parsed.national is not None:
        superseded = _write_national(con, source_id, parsed)
    if parsed.pathways is not None:
        from cancerwatch.ingest.readers.pathways import write_pathways

        superseded = write_pathways(con, source_id, parsed)
    if parsed.indicators is not None:
        superseded = write_indicators(con, source_id, parsed)
    for table_name, table in parsed.reference.items():
        _write_reference(con, source_id, table_name, table)
    if parsed.rejections:
        con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                [source_id, parsed.path.name, r.sheet, r.row_number, r.column, r.reason, r.raw_json()]
                for r in parsed.rejections
            ],
        )
    return LoadResult(
        parsed.path.name,
        parsed.kind,
        "loaded",
        parsed.rows_read,
        loaded,
        len(parsed.rejections),
        months,
        superseded,
        source_id,
        notes=list(parsed.notes),
    )


def _write_facts(con: duckdb.DuckDBPyConnection, source_id: int, parsed: ParsedFile) -> int:
    """Insert facts; the later vintage of a (basis, month, standard) is current.

    Vintage rule: NHS England publishes monthly, so a file whose coverage ends later was
    published later. Existing current figures from a file ending no later than this one are
    superseded by it; figures this file repeats from an older month than a loaded file's
    coverage are stored already superseded by that later file. Source: domain brief 3.6
    ("prefer the latest vintage by default, and never mix vintages").
    """
    con.register("new_facts", parsed.facts)
    last = parsed.months[-1] if parsed.months else None
    try:
        superseded = con.execute(
            """UPDATE facts SET superseded_by = ?
               WHERE superseded_by IS NULL AND dataset = 'published' AND basis = ?
                 AND (period, standard) IN (SELECT DISTINCT period, standard FROM new_facts)
                 AND source_id IN (SELECT source_id FROM sources WHERE last_month <= ?)""",
            [source_id, parsed.basis, last],
        ).fetchone()[0]
        con.execute(
            """INSERT INTO facts
               SELECT ?, 'published', ?, n.period, n.standard, n.org_code, n.route, n.modality, n.cancer_type,
                      n.tumour_scheme, n.breakdown, n.total, n.within_standard, n.breaches, later.source_id
               FROM new_facts n
               LEFT JOIN (SELECT f.period, f.standard, max(f.source_id) AS source_id FROM facts f
                          JOIN sources s USING (source_id)
                          WHERE f.superseded_by IS NULL AND f.dataset = 'published' AND f.basis = ?
                            AND s.last_month > ? GROUP BY ALL) later
                 ON later.period = n.period AND later.standard = n.standard""",
            [source_id, parsed.basis, parsed.basis, last],
        )
    finally:
        con.unregister("new_facts")
    return int(superseded)


def _write_national(con: duckdb.DuckDBPyConnection, source_id: int, parsed: ParsedFile) -> int:
    con.register("new_national", parsed.national)
    try:
        superseded = con.execute(
            """UPDATE national_series SET superseded_by = ?
               WHERE superseded_by IS NULL AND (period_type, period_start, standard) IN
                     (SELECT DISTINCT period_type, period_start, standard FROM new_national)""",
            [source_id],
        ).fetchone()[0]
        con.execute(
            """INSERT INTO national_series SELECT ?, period_type, period_start, period_label, standard,
                      total, within_standard, breaches, NULL FROM new_national""",
            [source_id],
        )
    finally:
        con.unregister("new_national")
    return int(superseded)


REFERENCE_SQL = {
    "tumour_map": (
        "DELETE FROM tumour_map",
        "INSERT INTO tumour_map SELECT group_2023, group_2022, source FROM new_ref",
    ),
    "ref_sub_icb_lookup": (
        "DELETE FROM ref_sub_icb_lookup WHERE valid_from IN (SELECT valid_from FROM new_ref)",
        "INSERT INTO ref_sub_icb_lookup SELECT $source_id, * FROM new_ref",
    ),
    "ref_trusts": ("DELETE FROM ref_trusts", "INSERT INTO ref_trusts SELECT $source_id, * FROM new_ref"),
    **INDICATOR_REFERENCE_SQL,
}


def _write_reference(con: duckdb.DuckDBPyConnection, source_id: int, table_name: str, table) -> None:
    """Replace a reference table's vintage with the newly loaded one."""
    delete, insert = REFERENCE_SQL[table_name]
    con.register("new_ref", table)
    try:
        con.execute(delete)
        con.execute(insert, {"source_id": source_id} if "$source_id" in insert else None)
    finally:
        con.unregister("new_ref")


def unmapped_codes(con: duckdb.DuckDBPyConnection, source_id: int | None) -> list[str]:
    """Organisation codes in a source's facts that no reference data names (kept, reported)."""
    rows = con.execute(
        """SELECT DISTINCT f.org_code FROM facts f
           WHERE f.source_id = ? AND f.org_code NOT IN (SELECT org_code FROM organisations)
           ORDER BY 1""",
        [source_id],
    ).fetchall()
    return [r[0] for r in rows]
