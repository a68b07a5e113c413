"""Open the warehouse: a DuckDB file by default, with the schema brought up to date."""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis

from cancerwatch.warehouse.schema import apply_migrations


def open_duckdb(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the DuckDB warehouse at ``path`` and apply migrations.

    A read-only open of a file that does not exist yet creates it first, so front ends
    can be pointed at an empty warehouse.
    """
    path = Path(path)
    if read_only:
        if not path.exists():
            open_duckdb(path).close()
        con = duckdb.connect(str(path), read_only=True)
        return con
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    apply_migrations(con)
    return con


def ibis_backend(con: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """Wrap an open DuckDB connection as an Ibis backend (metrics are Ibis expressions)."""
    return ibis.duckdb.from_connection(con)
