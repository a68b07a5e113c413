"""Open the warehouse: a DuckDB file by default, with the schema brought up to date."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis

from cancerwatch.errors import CancerwatchError
from cancerwatch.warehouse.schema import apply_migrations

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

LOCK_WAIT_SECONDS = float(os.environ.get("CANCERWATCH_LOCK_WAIT", "30"))


class WarehouseBusy(CancerwatchError):
    """Another process held the warehouse for longer than the lock wait."""


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Connect, waiting while another process holds the file's lock.

    DuckDB allows one writing process or many reading ones. Loads therefore serialise, and a
    reader that arrives during a load waits for its commit, so it never sees half a load.
    """
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                if "lock" in str(exc).lower():
                    raise WarehouseBusy(f"{path.name}: warehouse busy (another process is using it)") from None
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def open_duckdb(path: Path | str, *, read_only: bool = False, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the DuckDB warehouse at ``path`` and apply migrations.

    A read-only open of a file that does not exist yet creates it first, so front ends can be
    pointed at an empty warehouse. ``wait``: seconds to wait for another process's lock
    (default ``$CANCERWATCH_LOCK_WAIT`` or 30).
    """
    path = Path(path)
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    if read_only:
        if not path.exists():
            open_duckdb(path, wait=wait).close()
        return _connect(path, True, wait)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, False, wait)
    apply_migrations(con)
    return con


def ibis_backend(con: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """Wrap an open DuckDB connection as an Ibis backend (metrics are Ibis expressions)."""
    return ibis.duckdb.from_connection(con)


def to_arrow(backend: ibis.BaseBackend, expr: ir.Table) -> pa.Table:
    """Run ``expr`` on the DuckDB ``backend`` and return its rows as Arrow, typed as ``expr``'s schema.

    What ``expr.to_pyarrow()`` returns, without Ibis's result converter, which imports pandas the
    first time it runs in a process (about 0.4 s, more than a whole roll-up of the record-level facts).
    """
    con: duckdb.DuckDBPyConnection = backend.con  # type: ignore[attr-defined]
    table = con.sql(str(backend.compile(expr))).to_arrow_table()
    return table.cast(expr.schema().to_pyarrow())
