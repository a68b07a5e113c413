"""What the warehouse holds: loaded sources and quarantined rows (for the CLI, API and data page).

Quarantine reasons and raw rows of record-level sources (pathway files) can hold patient data
(a pathway id, a date, text typed into the wrong column), so they are withheld unless the caller
asks for them with ``record_level=True``: the web does so only for a signed-in user outside
public mode, the CLI only with ``--record-level``. Counts are always given.
"""

from __future__ import annotations

import duckdb

WITHHELD = "withheld: a record-level file (sign in to see its reasons)"


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def source_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every loaded file, newest first, with counts and how many of its facts were superseded."""
    cur = con.execute("""
        SELECT s.source_id, s.file_name, s.kind, s.basis, strftime(s.first_month, '%Y-%m') AS first_month,
               strftime(s.last_month, '%Y-%m') AS last_month, coalesce(s.status, 'not stated') AS status,
               s.grain, s.complete, s.rows_read, s.rows_loaded, s.rows_quarantined,
               (SELECT count(*) FROM facts f WHERE f.source_id = s.source_id AND f.superseded_by IS NOT NULL)
                   AS facts_superseded,
               substr(s.sha256, 1, 12) AS sha256, strftime(s.loaded_at, '%Y-%m-%d %H:%M') AS loaded_at,
               strftime(s.unloaded_at, '%Y-%m-%d %H:%M') AS unloaded_at
        FROM sources s ORDER BY s.source_id DESC""")
    return _dicts(cur)


_RECORD_LEVEL = "coalesce(s.kind IN ('pathways'), false)"


def quarantine_rows(con: duckdb.DuckDBPyConnection, *, limit: int = 50, record_level: bool = False) -> list[dict]:
    """Quarantined rows, most recent load first; reasons and raw rows of record-level files only if asked."""
    cur = con.execute(
        f"""SELECT q.file_name, q.sheet, q.row_number, q.column_name,
                   CASE WHEN {_RECORD_LEVEL} AND NOT $shown THEN $withheld ELSE q.reason END AS reason,
                   CASE WHEN {_RECORD_LEVEL} AND NOT $shown THEN NULL ELSE q.raw_row END AS raw_row
            FROM quarantine q LEFT JOIN sources s USING (source_id)
            ORDER BY q.source_id DESC, q.row_number LIMIT $limit""",  # noqa: S608 - a fixed expression
        {"shown": record_level, "withheld": WITHHELD, "limit": limit},
    )
    return _dicts(cur)


def quarantine_counts(con: duckdb.DuckDBPyConnection, *, record_level: bool = False) -> list[dict]:
    """Quarantined rows per file and reason; a record-level file's reasons are one withheld line unless asked."""
    cur = con.execute(
        f"""SELECT q.file_name,
                   CASE WHEN {_RECORD_LEVEL} AND NOT $shown THEN $withheld ELSE q.reason END AS reason,
                   count(*) AS rows
            FROM quarantine q LEFT JOIN sources s USING (source_id) GROUP BY ALL
            ORDER BY rows DESC, q.file_name, reason""",  # noqa: S608 - a fixed expression
        {"shown": record_level, "withheld": WITHHELD},
    )
    return _dicts(cur)


def revision_rows(con: duckdb.DuckDBPyConnection, *, standard: str | None = None) -> list[dict]:
    """Each month a later vintage revised: England totals as the older file gave them and as they
    are now, by basis and standard (the published breakdowns summed once: cancer type, not
    modality), with the change. Equal figures are listed too, with a change of zero, so that a
    vintage that merely repeats a month is visible as such."""
    cur = con.execute(
        """WITH old AS (
             SELECT f.basis, f.standard, f.period, f.source_id, any_value(f.superseded_by) AS revised_by,
                    sum(f.total) AS total, sum(f.within_standard) AS within_standard
             FROM facts f
             WHERE f.dataset = 'published' AND f.superseded_by IS NOT NULL AND f.breakdown <> 'modality'
               AND ($standard IS NULL OR f.standard = $standard)
             GROUP BY ALL),
           now AS (
             SELECT basis, standard, period, sum(total) AS total, sum(within_standard) AS within_standard
             FROM facts WHERE dataset = 'published' AND superseded_by IS NULL AND breakdown <> 'modality'
             GROUP BY ALL)
           SELECT o.basis, o.standard, strftime(o.period, '%Y-%m') AS month,
                  so.file_name AS old_file, so.status AS old_status, sn.file_name AS current_file,
                  sn.status AS current_status, o.total AS old_total, n.total AS current_total,
                  n.total - o.total AS change_total, o.within_standard AS old_within,
                  n.within_standard AS current_within, n.within_standard - o.within_standard AS change_within
           FROM old o
           JOIN now n USING (basis, standard, period)
           JOIN sources so ON so.source_id = o.source_id
           JOIN sources sn ON sn.source_id = o.revised_by
           ORDER BY o.period, o.basis, o.standard, so.file_name""",
        {"standard": standard},
    )
    return _dicts(cur)


def revised_files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Which loaded file revised which earlier file's figures, and over which months (the data page)."""
    return _dicts(
        con.execute(
            """SELECT f.superseded_by AS revised_by, n.file_name AS revised_by_file, f.source_id,
                      o.file_name, f.basis, f.standard, strftime(min(f.period), '%Y-%m') AS first_month,
                      strftime(max(f.period), '%Y-%m') AS last_month, count(*) AS facts
               FROM facts f
               JOIN sources o ON o.source_id = f.source_id
               JOIN sources n ON n.source_id = f.superseded_by
               WHERE f.superseded_by IS NOT NULL
               GROUP BY ALL ORDER BY revised_by DESC, f.source_id DESC, f.standard"""
        )
    )


def unmapped_code_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Organisation codes in current facts that no reference data names (kept, reported)."""
    return _dicts(
        con.execute(
            """SELECT f.org_code, f.basis, count(*) AS facts, sum(f.total) AS patients,
                      string_agg(DISTINCT s.file_name, '; ') AS files
               FROM facts f JOIN sources s ON s.source_id = f.source_id
               WHERE f.superseded_by IS NULL
                 AND f.org_code NOT IN (SELECT org_code FROM organisations)
               GROUP BY f.org_code, f.basis ORDER BY patients DESC, f.org_code"""
        )
    )


def warehouse_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """Headline counts of what the warehouse holds."""
    row = con.execute(
        """SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM facts WHERE superseded_by IS NULL),
                  (SELECT count(*) FROM facts WHERE superseded_by IS NOT NULL), (SELECT count(*) FROM quarantine),
                  (SELECT count(*) FROM organisations)"""
    ).fetchone()
    keys = ("sources", "current_facts", "superseded_facts", "quarantined_rows", "organisations")
    return dict(zip(keys, row or (0, 0, 0, 0, 0), strict=True))
