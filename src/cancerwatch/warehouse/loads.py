"""Which loads brought which published months: what a digest of changes compares.

Every statement is fixed text with parameters.
"""

from __future__ import annotations

from datetime import date

import duckdb


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def published_loads(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Each loaded (not unloaded) file that holds published facts, oldest load first: its id, name,
    status and the first and last month of its facts (current or since revised)."""
    return _dicts(
        con.execute(
            """SELECT s.source_id, s.file_name, coalesce(s.status, 'not stated') AS status,
                      min(f.period) AS first_month, max(f.period) AS last_month
               FROM facts f JOIN sources s ON s.source_id = f.source_id
               WHERE f.dataset = 'published' AND s.unloaded_at IS NULL
               GROUP BY ALL ORDER BY s.source_id"""
        )
    )


def last_month_held(loads: list[dict], up_to_source: int) -> date | None:
    """The latest month the loads up to and including ``up_to_source`` held (None before any)."""
    months = [r["last_month"] for r in loads if r["source_id"] <= up_to_source]
    return max(months) if months else None
