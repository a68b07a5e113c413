"""The scratch in-memory DuckDB database that the readers' bulk checks run in.

Opening an in-memory database costs about 15 ms and closing it about 10 ms, more than checking a
small file; so each process keeps one, and every file gets its own connection to it
(:func:`scratch`): the tables a reader registers or creates there are that connection's own and
go with it, so files never see each other's rows.

The database runs its queries on one thread. A load reads its files in parallel, one worker
process per CPU (``ingest.load.parse_files``); one file's checks on several threads as well only
make the processes contend for the same cores (a monthly workbook's checks take about three
times as long on two threads as on one when both cores are already busy).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_lock = threading.Lock()
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None


def _shared() -> duckdb.DuckDBPyConnection:
    """The process's scratch database (opened anew in a forked child: a DuckDB handle is not inherited)."""
    global _database
    with _lock:
        if _database is None or _database[0] != os.getpid():
            _database = (os.getpid(), duckdb.connect(":memory:", config={"threads": 1}))
        return _database[1]


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own to the scratch database, closed (with its temporary tables and
    registered Arrow tables) when the block ends."""
    con = _shared().cursor()
    try:
        yield con
    finally:
        con.close()
