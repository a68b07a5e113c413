"""What the warehouse holds: loaded sources and quarantined rows (for the CLI and data page)."""

from __future__ import annotations

import duckdb


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def source_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every loaded file, newest first, with counts and how many of its facts were superseded."""
    cur = con.execute("""
        SELECT s.source_id, s.file_name, s.kind, s.basis, strftime(s.first_month, '%Y-%m') AS first_month,
               strftime(s.last_month, '%Y-%m') AS last_month, s.rows_read, s.rows_loaded, s.rows_quarantined,
               (SELECT count(*) FROM facts f WHERE f.source_id = s.source_id AND f.superseded_by IS NOT NULL)
                   AS facts_superseded,
               substr(s.sha256, 1, 12) AS sha256, strftime(s.loaded_at, '%Y-%m-%d %H:%M') AS loaded_at
        FROM sources s ORDER BY s.source_id DESC""")
    return _dicts(cur)


def quarantine_rows(con: duckdb.DuckDBPyConnection, *, limit: int = 50) -> list[dict]:
    """Quarantined rows, most recent load first."""
    cur = con.execute(
        """SELECT file_name, sheet, row_number, column_name, reason, raw_row FROM quarantine
                         ORDER BY source_id DESC, row_number LIMIT ?""",
        [limit],
    )
    return _dicts(cur)


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Quarantined rows per file and reason."""
    cur = con.execute("""SELECT file_name, reason, count(*) AS rows FROM quarantine GROUP BY ALL
                         ORDER BY rows DESC""")
    return _dicts(cur)
