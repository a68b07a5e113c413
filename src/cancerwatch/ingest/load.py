"""Transactional, idempotent loading of parsed sources into the warehouse.

Guarantees (docs/data-quality.md):

- all or nothing: every file named in one ``load`` is parsed and validated first; then all of
  them are written in one transaction, so a failure leaves the warehouse as it was;
- an identical file (same SHA-256) loaded again is a no-op that says so;
- which vintage of a month is current is decided from what the files say (status, coverage,
  grain), never from load order (``ingest.vintages``); superseded figures stay queryable
  (``superseded_by`` names the current file), and any load can be undone (``ingest.unload``);
- rows read = rows loaded + rows quarantined, for every file, checked before commit.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cancerwatch.errors import InputError
from cancerwatch.ingest.detect import detect, extract_sheets
from cancerwatch.ingest.grid import Grid, is_xlsx
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers import dm01, reference, workforce_statistics
from cancerwatch.ingest.readers.commissioner_workbook import read_commissioner_workbook
from cancerwatch.ingest.readers.cwt_extract import PROVIDER, SUB_ICB, Layout, read_extract
from cancerwatch.ingest.readers.cwt_workbook import read_cwt_workbook
from cancerwatch.ingest.readers.indicator_formats import INDICATOR_KINDS, read_indicator_file
from cancerwatch.ingest.readers.indicator_rows import INDICATOR_REFERENCE_SQL, write_indicators
from cancerwatch.ingest.readers.national_series import read_national_series
from cancerwatch.ingest.vintages import recompute_current
from cancerwatch.warehouse.hierarchy import rebuild_organisations
from cancerwatch.warehouse.prepared import bump_version
from cancerwatch.warehouse.schema import scalar

Prepare = Callable[[duckdb.DuckDBPyConnection], object]
"""Computes prepared views inside a load's transaction (see :func:`write_parsed`)."""

#: Kinds whose figures the vintage rules of ``ingest.vintages`` decide between.
FACT_KINDS = ("cwt_provider", "cwt_sub_icb", "cwt_workbook", "commissioner_workbook", "national_series")
REFERENCE_KINDS = ("ons_sub_icb_lookup", "ods_trusts", "ons_cancer_alliances", "tumour_note")


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
    arrived_superseded: int = 0  # this file's own figures that a newer vintage already supersedes
    vintage: str = ""  # what the file says about itself (status, grain), as used by the vintage rules
    notes: list[str] = field(default_factory=list)


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
    if kind in (PROVIDER.kind, SUB_ICB.kind):
        _read_extract_sheets(parsed, grid, PROVIDER if kind == PROVIDER.kind else SUB_ICB)
    elif kind == "cwt_workbook":
        read_cwt_workbook(parsed, grid)
        parsed.grain = "provider" if parsed.basis == "provider" else "icb"
    elif kind == "commissioner_workbook":
        parsed.basis = "commissioner"
        read_commissioner_workbook(parsed, grid)
        parsed.grain = commissioner_grain(parsed.facts)
    elif kind == "national_series":
        parsed.basis = "provider"
        parsed.grain = "national"
        read_national_series(parsed, grid)
    elif kind == "ons_sub_icb_lookup":
        reference.read_ons_lookup(parsed, grid.rows(sheet))
    elif kind == "ods_trusts":
        reference.read_ods_trusts(parsed, grid.rows(sheet))
    elif kind == "ons_cancer_alliances":
        reference.read_ons_alliances(parsed, grid.rows(sheet))
    elif kind == "tumour_note":
        reference.read_tumour_note(parsed, grid)
    elif kind in INDICATOR_KINDS:
        read_indicator_file(parsed, grid.rows(sheet), kind)
    elif kind == dm01.KIND:
        dm01.read_dm01(parsed, grid)
    elif kind == workforce_statistics.KIND:
        workforce_statistics.read_workforce_statistics(parsed, grid)
    if parsed.rows_read == 0:
        raise InputError("no data rows", file=path.name)
    return parsed


def _read_extract_sheets(parsed: ParsedFile, grid: Grid, layout: Layout) -> None:
    """Read every data sheet of a CRS extract (``detect.extract_sheets``) into ``parsed``.

    A key (month, standard, organisation, breakdown) in two sheets would be counted twice: the
    file is refused, naming both sheets. The status is what the file's name says ("Final").
    """
    parsed.basis = layout.basis
    parsed.grain = "provider" if layout is PROVIDER else "sub_icb"
    parsed.status = "final" if re.search(r"(?<![a-z])final(?![a-z])", parsed.path.stem, re.IGNORECASE) else None
    tables = []
    for sheet in extract_sheets(grid, layout.kind):
        part = ParsedFile(path=parsed.path, sha256=parsed.sha256, kind=parsed.kind)
        read_extract(part, grid.table(sheet), layout, None if grid.is_csv else str(sheet))
        parsed.rows_read += part.rows_read
        parsed.rejections.extend(part.rejections)
        if part.facts is not None:
            tables.append((sheet, part.facts))
    if len(tables) > 1:
        _refuse_overlapping_sheets(parsed.path.name, tables)
    parsed.facts = pa.concat_tables([t for _, t in tables]) if tables else None
    parsed.months = sorted({m for _, t in tables for m in pc.unique(t.column("period")).to_pylist()})


def _refuse_overlapping_sheets(file: str, tables: list[tuple[str | int, pa.Table]]) -> None:
    keys = ("period", "standard", "org_code", "route", "modality", "cancer_type", "breakdown")
    seen: dict[tuple, str | int] = {}
    for sheet, table in tables:
        for row in table.select(list(keys)).to_pylist():
            k = tuple(row.values())
            if k in seen and seen[k] != sheet:
                raise InputError(
                    f"sheets {seen[k]!r} and {sheet!r} both hold {row['org_code']} {row['standard']} "
                    f"{row['period']:%Y-%m}: the figures would be counted twice",
                    file=file,
                )
            seen[k] = sheet


def commissioner_grain(facts: pa.Table | None) -> str:
    """``icb`` when most organisation codes are ICB codes (three characters starting ``Q``), else
    ``sub_icb`` (sub-ICB locations, or the CCGs whose codes they kept)."""
    codes = set(facts.column("org_code").to_pylist()) if facts is not None else set()
    icb = sum(1 for c in codes if len(c) == 3 and c.startswith("Q"))
    return "icb" if codes and icb * 2 > len(codes) else "sub_icb"


def _parse_pathways(path: Path, digest: str) -> ParsedFile:
    from cancerwatch.ingest.readers.pathways import read_pathways  # record level: optional module

    parsed = ParsedFile(path=path, sha256=digest, kind="pathways", basis="record")
    read_pathways(parsed, path)
    return parsed


LOADABLE_SUFFIXES = (".csv", ".xlsx", ".xls", ".parquet")


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files to load: each file as given, and for a folder every loadable file inside it (any
    depth, sorted; .csv, .xlsx, .xls, .parquet: other files such as boundaries and READMEs are not
    sources). A folder with nothing to load is refused."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in LOADABLE_SUFFIXES)
            if not found:
                raise InputError("folder holds no .csv, .xlsx, .xls or .parquet files", file=str(p))
            out.extend(found)
        else:
            out.append(p)
    return out


def parse_files(
    paths: Sequence[Path], *, on_parsed: Callable[[Path], None] | None = None, workers: int | None = None
) -> list[ParsedFile]:
    """Read and validate every file (no warehouse needed: safe to run outside the writer lock).

    Files are read in parallel worker processes (``workers``, default: one per CPU, at most one per
    file; ``$CANCERWATCH_INGEST_WORKERS`` overrides); results keep the order of ``paths``, and the
    first file that cannot be read stops the whole batch with its one-line error, as before.
    """
    return list(iter_parsed(paths, on_parsed=on_parsed, workers=workers))


def iter_parsed(
    paths: Sequence[Path], *, on_parsed: Callable[[Path], None] | None = None, workers: int | None = None
) -> Generator[ParsedFile, None, None]:
    """What :func:`parse_files` returns, file by file in the order of ``paths``: each as soon as
    it and every file before it are read, while the workers go on reading the rest.

    Closing the iterator early (``close()``) cancels the files not yet started.
    """
    paths = [Path(p) for p in paths]
    n = _workers(workers, len(paths))
    if n <= 1:
        for p in paths:
            parsed = parse_file(p)
            if on_parsed:
                on_parsed(p)
            yield parsed
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ready: dict[int, ParsedFile] = {}
    given = 0  # files handed on so far: paths[:given]
    broken = False
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(parse_file, p): i for i, p in enumerate(paths)}
        try:
            for future in _completed(futures):
                i = futures[future]
                ready[i] = future.result()
                if on_parsed:
                    on_parsed(paths[i])
                while given in ready:
                    parsed = ready.pop(given)
                    given += 1
                    yield parsed
        except BrokenProcessPool:
            # A worker died (killed, or out of memory): read the files here instead, one by one,
            # so that a file that takes its reader down is named by the ordinary error path.
            broken = True
        except BaseException:  # a file that cannot be read, or the iterator closed early
            for f in futures:
                f.cancel()
            raise
    if broken:
        yield from iter_parsed(paths[given:], on_parsed=on_parsed, workers=1)


def _completed(futures: dict) -> Iterator:
    from concurrent.futures import as_completed

    return as_completed(futures)


def _workers(workers: int | None, files: int) -> int:
    if workers is None:
        env = os.environ.get("CANCERWATCH_INGEST_WORKERS", "")
        workers = int(env) if env.isdigit() else (os.cpu_count() or 1)
    if multiprocessing_child() or not _spawnable():
        return 1  # already in a worker (an upload's limited child process), or no main file to spawn from
    return max(1, min(workers, files))


def _spawnable() -> bool:
    """Worker processes are started by "spawn", which re-imports the main module from its file:
    a program read from standard input has none, so it reads its files itself."""
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path is not None and Path(path).exists()


def multiprocessing_child() -> bool:
    """True inside a worker process (daemonic processes cannot start their own)."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def write_parsed(
    con: duckdb.DuckDBPyConnection,
    parsed_files: Iterable[ParsedFile],
    *,
    prepare: Prepare | None = None,
) -> list[LoadResult]:
    """Write already-parsed files in one transaction (all or nothing); one result per file.

    ``parsed_files`` may be an iterator that reads them as it goes (:func:`iter_parsed`): an error
    while reading one rolls back the files written before it.

    When a file was loaded the warehouse's data version is bumped (dropping prepared views) and
    ``prepare(con)`` (the read layer's :func:`~cancerwatch.read.preparation.prepare_views`, passed
    by the front ends) computes the views the pages read, inside the same transaction.
    """
    results: list[LoadResult] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for parsed in parsed_files:
            results.append(_write(con, parsed))
        if any(r.status == "loaded" for r in results):
            recompute_current(con)
            _count_supersessions(con, results)
        if any(r.status == "loaded" for r in results) or not _has_organisations(con):
            rebuild_organisations(con)
        for r in results:
            if r.status == "loaded" and r.kind not in REFERENCE_KINDS:
                r.unmapped_codes = unmapped_codes(con, r.source_id)
        if any(r.status == "loaded" for r in results):
            bump_version(con)
            if prepare is not None:
                prepare(con)
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
    prepare: Prepare | None = None,
) -> list[LoadResult]:
    """Parse every file and write them all in one transaction; return one result per file.

    Each file is written (inside the transaction) as soon as it and every file before it are read,
    while the worker processes read the rest; the supersessions, the organisations and the
    prepared views are computed once all are written, and the transaction commits only then. A
    file that cannot be read rolls back the whole load, as does any failure while writing.
    (The command line's ``load`` reads every file before it opens the warehouse instead, so that
    readers of the warehouse wait only for the writing.)
    """
    parsed = iter_parsed(paths, on_parsed=on_parsed)
    try:
        return write_parsed(con, parsed, prepare=prepare)
    finally:
        parsed.close()  # after a failure: the files not yet started are not read


def _has_organisations(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM organisations"))


def _vintage_text(parsed: ParsedFile) -> str:
    parts = [parsed.status or "status not stated"]
    if parsed.grain:
        parts.append(f"{parsed.grain} rows")
    if parsed.complete:
        parts.append("complete (England check passed)")
    return ", ".join(parts)


def _write(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> LoadResult:
    months = [m.isoformat()[:7] for m in parsed.months]
    existing = con.execute(
        "SELECT source_id FROM sources WHERE sha256 = ? AND unloaded_at IS NULL", [parsed.sha256]
    ).fetchone()
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
            vintage=_vintage_text(parsed),
            notes=list(parsed.notes),
        )
    loaded = parsed.rows_loaded
    if parsed.rows_read != loaded + len(parsed.rejections):  # pragma: no cover - invariant
        raise AssertionError(f"{parsed.path.name}: rows do not reconcile")
    source_id = scalar(con, "SELECT nextval('source_id_seq')")
    con.execute(
        """INSERT INTO sources (source_id, file_name, sha256, kind, basis, first_month, last_month, months,
                                publication, loaded_at, rows_read, rows_loaded, rows_quarantined,
                                status, complete, grain)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
            parsed.status,
            parsed.complete,
            parsed.grain,
        ],
    )
    superseded = 0
    if parsed.facts is not None:
        _insert_arrow(con, "facts", parsed.facts, f"{source_id}, 'published', '{parsed.basis}'", "NULL")
    if parsed.bands is not None:
        _insert_arrow(con, "wait_bands", parsed.bands, f"{source_id}, '{parsed.basis}'", "NULL")
    if parsed.band_defs is not None:
        _insert_arrow(con, "wait_band_defs", parsed.band_defs, f"{source_id}", "")
    if parsed.names:
        names = sorted(parsed.names.items())
        table = pa.table({"org_code": [c for c, _ in names], "org_name": [n for _, n in names]})
        _insert_arrow(con, "ref_published_names", table, f"{source_id}, '{parsed.basis}'", "")
    if parsed.national is not None:
        _insert_arrow(con, "national_series", parsed.national, f"{source_id}", "NULL")
    if parsed.pathways is not None:
        from cancerwatch.ingest.readers.pathways import write_pathways

        superseded = write_pathways(con, source_id, parsed)
    if parsed.indicators is not None:
        superseded = write_indicators(con, source_id, parsed)
    if parsed.diagnostics is not None:
        superseded = dm01.write_diagnostics(con, source_id, parsed)
    if parsed.workforce is not None:
        superseded = workforce_statistics.write_workforce(con, source_id, parsed)
    for table_name, table in parsed.reference.items():
        _write_reference(con, source_id, table_name, table)
    if parsed.rejections:
        rejected = pa.table(
            {
                "file_name": [parsed.path.name] * len(parsed.rejections),
                "sheet": pa.array([r.sheet for r in parsed.rejections], type=pa.string()),
                "row_number": pa.array([r.row_number for r in parsed.rejections], type=pa.int64()),
                "column_name": pa.array([r.column for r in parsed.rejections], type=pa.string()),
                "reason": [r.reason for r in parsed.rejections],
                "raw_row": [r.raw_json() for r in parsed.rejections],
            }
        )
        _insert_arrow(con, "quarantine", rejected, f"{source_id}", "")
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
        vintage=_vintage_text(parsed),
        notes=list(parsed.notes),
    )


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, rows, prefix: str, suffix: str) -> None:
    """``INSERT INTO table SELECT prefix, <rows' columns>, suffix``: the source's own columns
    around an Arrow table's (names are fixed by the callers, never taken from input)."""
    con.register("_new_rows", rows)
    try:
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        tail = f", {suffix}" if suffix else ""
        con.execute(f"INSERT INTO {table} SELECT {prefix}, {cols}{tail} FROM _new_rows")  # noqa: S608
    finally:
        con.unregister("_new_rows")


def _count_supersessions(con: duckdb.DuckDBPyConnection, results: list[LoadResult]) -> None:
    """Per newly loaded file: other files' facts it now supersedes, and its own already superseded."""
    for r in results:
        if r.status != "loaded" or r.source_id is None or r.kind not in FACT_KINDS:
            continue
        row = con.execute(
            """SELECT (SELECT count(*) FROM facts WHERE superseded_by = $id AND source_id <> $id)
                    + (SELECT count(*) FROM national_series WHERE superseded_by = $id AND source_id <> $id),
                      (SELECT count(*) FROM facts WHERE source_id = $id AND superseded_by IS NOT NULL)
                    + (SELECT count(*) FROM national_series WHERE source_id = $id AND superseded_by IS NOT NULL)""",
            {"id": r.source_id},
        ).fetchone()
        by_it, own = row if row is not None else (0, 0)
        r.superseded, r.arrived_superseded = int(by_it), int(own)


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
    "ref_cancer_alliances": (
        "DELETE FROM ref_cancer_alliances",
        "INSERT INTO ref_cancer_alliances SELECT $source_id, * FROM new_ref",
    ),
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
