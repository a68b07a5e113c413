"""Read record-level pathway files (CSV or Parquet, docs/record-level.md) and load them with their facts.

Reading and validation run in DuckDB (``read_csv`` with every column as text, or Parquet through
Arrow), so a file of tens of millions of rows is checked in one query. Row numbers count as a
spreadsheet does: in a CSV file the header is row 1 and the first pathway row 2; Parquet rows are
numbered from 1. Columns are matched case-insensitively; columns outside the contract are kept,
as JSON text, in ``extra``.

CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, or
Windows-1252, as the published extracts may; anything but UTF-8 is transcoded to a temporary
UTF-8 copy first. A row with more or fewer fields than the header is quarantined by its row
number; the rest of the file loads.

Loading (:func:`write_pathways`) inserts the pathways, computes the FDS, 31-day and 62-day facts
from them (``metrics.pathways.record_facts``) and stores those as ``dataset = 'record'``. A file's
facts supersede the current record-level facts of every month they cover: a record-level file is a
complete extract for its months, so the later load is the current one.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cancerwatch.errors import InputError
from cancerwatch.ingest.parsed import ParsedFile, Rejection
from cancerwatch.ingest.readers.pathway_checks import (
    ADJUSTMENTS,
    COLUMNS,
    FIRST_SEEN_ADJUSTMENT,
    LEGACY_ADJUSTMENT,
    LONG_ROW,
    PATHWAY_SCHEMA,
    REQUIRED_COLUMNS,
    SHORT_ROW,
    CheckContext,
    check_sql,
)

CONTRACT = tuple(c for c, _ in COLUMNS)
#: Quarantine keeps a rejected row verbatim except its patient identifier, which never leaves the
#: ``pathways`` table (the contract: "pseudonymised patient identifier (never shown)").
WITHHELD = "[withheld]"
#: What the load summary says of a file with the legacy adjustment column (docs/record-level.md).
LEGACY_NOTE = (
    f"legacy column {LEGACY_ADJUSTMENT!r} read as {FIRST_SEEN_ADJUSTMENT!r} (FDS and 62-day clocks only); "
    "give first_seen_adjustment_days and treatment_adjustment_days instead"
)
_CHUNK = 1 << 20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_OVERFLOW = "__overflow"
#: DuckDB's null string, set to text no valid cell holds, so that an empty cell reads as '' and
#: only the padding of a short row reads as NULL.
_NULL_MARK = "\x1fcancerwatch-padding\x1f"


def future_from(today: date | None = None) -> date:
    """The first day of the month after ``today``'s: dates from it on are in the future."""
    d = today or date.today()
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def looks_like_pathways(path: Path) -> bool:
    """True when a CSV file's header names ``pathway_id`` and ``referral_date`` (in any encoding read)."""
    try:
        encoding = _encoding(path, sample_only=True)
        header = _header_of(path, encoding)
    except (InputError, OSError, csv.Error):
        return False
    names = {h.strip().lower() for h in header}
    return {"pathway_id", "referral_date"} <= names


# --- encodings ---------------------------------------------------------------------------------


def _encoding(path: Path, *, sample_only: bool = False) -> str:
    """``utf-16`` (byte-order mark), ``utf-8`` (valid throughout) or ``cp1252``.

    ``sample_only`` looks at the first megabyte only (enough to read a header).
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(_UTF16_BOMS):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                decoder.decode(chunk)
                if sample_only:
                    return "utf-8"
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _decoded(path: Path, encoding: str) -> Iterator[str]:
    """The file's text in chunks (strict decoding: an undecodable byte is an InputError)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                yield decoder.decode(chunk)
            yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError(
            "text is neither UTF-8, UTF-16 (with a byte-order mark) nor Windows-1252", file=path.name
        ) from None


def _header_of(path: Path, encoding: str) -> list[str]:
    """The header row: the first record of the file's first megabyte (later bytes may not decode)."""
    with path.open("rb") as fh:
        text = fh.read(_CHUNK).decode(encoding, errors="replace")
    text = text.removeprefix("\ufeff")
    first = next(csv.reader(io.StringIO(text, newline="")), None)
    if not first:
        raise InputError("no header row", file=path.name)
    return first


@contextlib.contextmanager
def _utf8(path: Path, encoding: str) -> Iterator[Path]:
    """``path`` itself when UTF-8, else a temporary UTF-8 copy (removed afterwards)."""
    if encoding == "utf-8":
        yield path
        return
    fd, name = tempfile.mkstemp(prefix="cancerwatch-pathways-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            for part in _decoded(path, encoding):
                out.write(part.removeprefix("\ufeff") if out.tell() == 0 else part)
        yield Path(name)
    finally:
        os.unlink(name)


# --- reading -----------------------------------------------------------------------------------


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    """A CSV file as text columns named as its header, with the row-shape flags.

    The header is read in Python; DuckDB reads the body with one more column than the header, so
    a row with extra fields fills it (and is flagged, not refused), and pads short rows with NULL.
    """
    encoding = _encoding(path)
    header = _header_of(path, encoding)
    columns = {f"__c{i}": "VARCHAR" for i in range(len(header))} | {_OVERFLOW: "VARCHAR"}
    spec = ", ".join(f"{_sql_text(k)}: {_sql_text(v)}" for k, v in columns.items())
    with _utf8(path, encoding) as source:
        sql = (
            f"SELECT * FROM read_csv({_sql_text(str(source))}, auto_detect = false, header = false, skip = 1, "  # noqa: S608 - a quoted path, generated names
            f"delim = ',', quote = '\"', escape = '\"', columns = {{{spec}}}, null_padding = true, "
            f"strict_mode = false, parallel = false, nullstr = {_sql_text(_NULL_MARK)})"
        )
        try:
            body = con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise InputError(f"not a readable CSV file ({_first_line(exc)})", file=path.name) from None
    long_row = body.column(_OVERFLOW).is_valid()
    short_row = body.column(len(header) - 1).is_null() if header else pa.repeat(False, body.num_rows)
    body = body.drop_columns([_OVERFLOW]).rename_columns(header)
    return body.append_column(LONG_ROW, long_row).append_column(SHORT_ROW, short_row)


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[pa.Table, int]:
    """The file as an Arrow table with its own column names, and the row number of its first row."""
    if path.suffix.lower() == ".parquet":
        try:
            return pq.read_table(path), 1
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"not a readable Parquet file ({_first_line(exc)})", file=path.name) from None
    return _read_csv(con, path), 2


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _canonical(raw: pa.Table, path: Path, first_row: int) -> tuple[pa.Table, dict[str, str], list[str], dict[str, str]]:
    """Rename columns to the contract's names (extras to ``__x<i>``) and add ``__row``.

    Returns the renamed table, new name → original name, the extras' original names, and contract
    column → the name the file gives it where they differ (the legacy adjustment column, read as
    the first-seen adjustment). A file with the legacy column beside either new one is refused.
    """
    keys = [name.strip().lower() for name in raw.column_names]
    labels: dict[str, str] = {}
    if LEGACY_ADJUSTMENT in keys:
        if any(k in ADJUSTMENTS for k in keys):
            raise InputError(
                f"ambiguous adjustments: legacy column {LEGACY_ADJUSTMENT!r} beside "
                "first_seen_adjustment_days or treatment_adjustment_days; give the two new columns only",
                file=path.name,
                column=LEGACY_ADJUSTMENT,
            )
        labels[FIRST_SEEN_ADJUSTMENT] = LEGACY_ADJUSTMENT
        keys = [FIRST_SEEN_ADJUSTMENT if k == LEGACY_ADJUSTMENT else k for k in keys]
    names: list[str] = []
    original: dict[str, str] = {}
    extras: list[str] = []
    seen: dict[str, str] = {}
    for name, key in zip(raw.column_names, keys, strict=True):
        if name in (LONG_ROW, SHORT_ROW):
            names.append(name)
            continue
        if key in CONTRACT:
            if key in seen:
                raise InputError(f"column {key!r} appears twice ({seen[key]!r} and {name!r})", file=path.name)
            seen[key] = name
            new = key
        else:
            new = f"__x{len(extras)}"
            extras.append(name)
        names.append(new)
        original[new] = name
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise InputError(
            f"missing required column {missing[0]!r} (record-level pathway contract, docs/record-level.md)",
            file=path.name,
            column=missing[0],
        )
    table = raw.rename_columns(names)
    rows = pa.array(range(first_row, first_row + raw.num_rows), type=pa.int64())
    return table.append_column("__row", rows), original, extras, labels


def read_pathways(parsed: ParsedFile, path: Path, *, today: date | None = None) -> None:
    """Read and validate a pathway file into ``parsed`` (rows, rejections, pathways, months, notes).

    ``today`` (default: the current date) fixes the month of loading, after which dates are in
    the future.
    """
    con = duckdb.connect()
    try:
        raw, first_row = _read_raw(con, path)
        if raw.num_rows == 0:
            raise InputError("no data rows", file=path.name)
        src, original, extras, labels = _canonical(raw, path, first_row)
        del raw
        present = {c: src.schema.field(c).type for c in CONTRACT if c in src.column_names}
        con.register("src", src)
        ctx = CheckContext(future_from=future_from(today), labels=labels, shape=LONG_ROW in src.column_names)
        sql, params = check_sql(present, extras, ctx)
        con.execute(sql, params)
        parsed.rows_read = src.num_rows
        parsed.pathways = _valid_rows(con)
        parsed.rejections = _rejections(con, original)
        parsed.months = [r[0] for r in con.execute(MONTHS_SQL).fetchall()]
        if labels:
            parsed.notes.append(LEGACY_NOTE)
        con.unregister("src")
    finally:
        con.close()


def _valid_rows(con: duckdb.DuckDBPyConnection) -> pa.Table:
    cols = ", ".join(PATHWAY_SCHEMA.names)
    table = con.execute(f"SELECT {cols} FROM checked WHERE problem_reason IS NULL").to_arrow_table()  # noqa: S608 - contract names
    return table.cast(PATHWAY_SCHEMA)


def _rejections(con: duckdb.DuckDBPyConnection, original: dict[str, str]) -> list[Rejection]:
    problems = con.execute(
        "SELECT __row, problem_column, problem_reason FROM checked WHERE problem_reason IS NOT NULL ORDER BY __row"
    ).fetchall()
    if not problems:
        return []
    raw_rows = con.execute(
        """SELECT * FROM src WHERE __row IN (SELECT __row FROM checked WHERE problem_reason IS NOT NULL)
           ORDER BY __row"""
    ).to_arrow_table()
    raws = [{original[k]: _raw_cell(k, v) for k, v in r.items() if k in original} for r in raw_rows.to_pylist()]
    return [Rejection(row, column, reason, raw) for (row, column, reason), raw in zip(problems, raws, strict=True)]


def _raw_cell(column: str, value: object) -> object:
    """A cell as the quarantine keeps it: empty is None, and the patient identifier is withheld."""
    if value == "":
        return None
    return WITHHELD if column == "patient_id" and value is not None else value


# Months of the clock stops of the loaded rows: FDS stop (earlier of FDS end and DTT) and treatment.
MONTHS_SQL = """
    SELECT DISTINCT CAST(date_trunc('month', stop) AS DATE) AS month FROM (
        SELECT least(coalesce(fds_end_date, decision_to_treat_date),
                     coalesce(decision_to_treat_date, fds_end_date)) AS stop
        FROM checked WHERE problem_reason IS NULL
        UNION ALL SELECT treatment_date FROM checked WHERE problem_reason IS NULL
    ) WHERE stop IS NOT NULL ORDER BY 1
"""


def write_pathways(con: duckdb.DuckDBPyConnection, source_id: int, parsed: ParsedFile) -> int:
    """Insert the pathways and their record-level facts; return how many facts they supersede.

    Runs inside the loader's transaction. Facts of the months this file covers replace the current
    record-level facts of those months (``superseded_by`` = this source), as published revisions do.
    """
    from cancerwatch.metrics.pathways.record_facts import FACT_COLUMNS, record_facts
    from cancerwatch.warehouse.connect import ibis_backend

    cols = ", ".join(PATHWAY_SCHEMA.names)
    con.register("new_pathways", parsed.pathways)
    try:
        con.execute(
            f"INSERT INTO pathways (source_id, {cols}) SELECT ?, {cols} FROM new_pathways",  # noqa: S608 - contract names
            [source_id],
        )
    finally:
        con.unregister("new_pathways")
    backend = ibis_backend(con)
    p = backend.table("pathways")
    facts = backend.to_pyarrow(record_facts(p.filter(p.source_id == source_id)))
    con.register("new_facts", facts)
    try:
        updated = con.execute(
            """UPDATE facts SET superseded_by = ?
               WHERE superseded_by IS NULL AND dataset = 'record'
                 AND period IN (SELECT DISTINCT period FROM new_facts)""",
            [source_id],
        ).fetchone()
        superseded = updated[0] if updated else 0
        con.execute(
            f"""INSERT INTO facts
                SELECT ?, 'record', basis, period, standard, org_code, route, modality, cancer_type,
                       tumour_scheme, breakdown, total, within_standard, breaches, NULL
                FROM (SELECT {", ".join(FACT_COLUMNS)} FROM new_facts)""",  # noqa: S608 - constant names
            [source_id],
        )
    finally:
        con.unregister("new_facts")
    return int(superseded)
