"""Versioned warehouse schema: numbered SQL migrations applied in order when a warehouse opens.

Tables: ``sources`` (loaded files), ``facts`` (counts by month × standard × organisation ×
breakdown), ``national_series``, ``quarantine``, ``organisations``, ``org_hierarchy`` (time-versioned),
``tumour_map`` and ``pathways`` (record level).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import duckdb

_MIGRATION_RE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every packaged migration, in order."""
    folder = resources.files("cancerwatch.warehouse").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _MIGRATION_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this warehouse (0 for a new file)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def apply_migrations(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every packaged migration not yet applied, in order; return the highest version.

    Each is recorded by number, so a migration numbered below one already applied (merged later)
    is still applied."""
    schema_version(con)
    applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    current = max(applied, default=0)
    for version, name, sql in migrations():
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = max(current, version)
    return current


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> Any:
    """The first value of the first row of ``sql`` (aggregates and ``RETURNING``-less DML counts)."""
    row = con.execute(sql, params).fetchone() if params is not None else con.execute(sql).fetchone()
    if row is None:
        raise LookupError(f"no row from: {sql.split(None, 1)[0]} …")
    return row[0]
