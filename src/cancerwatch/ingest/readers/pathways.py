"""Read record-level pathway files (CSV or Parquet; docs/record-level.md) and load them with their facts.

Reading and validation run in DuckDB (``read_csv`` with every column as text, or Parquet through
Arrow), so a file of tens of millions of rows is checked in one query. Rows numbers count as a
spreadsheet does: in a CSV file the header is row 1 and the first pathway row 2; Parquet rows are
numbered from 1. Columns are matched case-insensitively; columns outside the contract are kept,
as JSON text, in ``extra``.

Loading (:func:`write_pathways`) inserts the pathways, computes the FDS, 31-day and 62-day facts
from them (``metrics.pathways.record_facts``) and stores those as ``dataset = 'record'``. A file's
facts supersede the current record-level facts of every month they cover: a record-level file is a
complete extract for its months, so the later load is the current one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cancerwatch.errors import InputError
from cancerwatch.ingest.parsed import ParsedFile, Rejection
from cancerwatch.ingest.readers.pathway_checks import COLUMNS, PATHWAY_SCHEMA, REQUIRED_COLUMNS, check_sql

CONTRACT = tuple(c for c, _ in COLUMNS)
#: Quarantine keeps a rejected row verbatim except its patient identifier, which never leaves the
#: ``pathways`` table (docs/record-level.md, input contract: "pseudonymised patient identifier (never shown)").
WITHHELD = "[withheld]"


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[pa.Table, int]:
    """The file as an Arrow table with its own column names, and the row number of its first row."""
    if path.suffix.lower() == ".parquet":
        try:
            return pq.read_table(path), 1
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"not a readable Parquet file ({_first_line(exc)})", file=path.name) from None
    try:
        rel = con.read_csv(str(path), all_varchar=True, header=True, sep=",", quotechar='"')
        return rel.to_arrow_table(), 2
    except duckdb.Error as exc:
        raise InputError(f"not a readable CSV file ({_first_line(exc)})", file=path.name) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _canonical(raw: pa.Table, path: Path, first_row: int) -> tuple[pa.Table, dict[str, str], list[str]]:
    """Rename columns to the contract's names (extras to ``__x<i>``) and add ``__row``.

    Returns the renamed table, new name → original name, and the extras' original names.
    """
    names, original, extras = [], {}, []
    seen: dict[str, str] = {}
    for name in raw.column_names:
        key = name.strip().lower()
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
    return table.append_column("__row", rows), original, extras


def read_pathways(parsed: ParsedFile, path: Path) -> None:
    """Read and validate a pathway file into ``parsed`` (rows, rejections, pathways, months)."""
    con = duckdb.connect()
    try:
        raw, first_row = _read_raw(con, path)
        if raw.num_rows == 0:
            raise InputError("no data rows", file=path.name)
        src, original, extras = _canonical(raw, path, first_row)
        del raw
        present = {c: src.schema.field(c).type for c in CONTRACT if c in src.column_names}
        con.register("src", src)
        sql, params = check_sql(present, extras)
        con.execute(sql, params)
        parsed.rows_read = src.num_rows
        parsed.pathways = _valid_rows(con)
        parsed.rejections = _rejections(con, original)
        parsed.months = [r[0] for r in con.execute(MONTHS_SQL).fetchall()]
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
    raws = [
        {original[k]: (WITHHELD if k == "patient_id" and v is not None else v) for k, v in r.items() if k != "__row"}
        for r in raw_rows.to_pylist()
    ]
    return [Rejection(row, column, reason, raw) for (row, column, reason), raw in zip(problems, raws, strict=True)]


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
        superseded = con.execute(
            """UPDATE facts SET superseded_by = ?
               WHERE superseded_by IS NULL AND dataset = 'record'
                 AND period IN (SELECT DISTINCT period FROM new_facts)""",
            [source_id],
        ).fetchone()[0]
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
