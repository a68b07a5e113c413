"""Storage of views prepared at load time, and the warehouse's data version.

``warehouse_version`` holds one counter, bumped by every load or unload that changed the data
(:func:`bump_version`, inside that transaction). ``prepared_views`` holds one JSON payload per
``(kind, key)``, zlib-compressed (level 1: about a tenth of the bytes, so a lookup reads less),
stamped with the version it was computed for; bumping the version deletes them all, so a
payload is only ever read for the data it was computed from. ``prepared_reports`` holds the annual
reports printed at load time (HTML and PDF, :func:`store_reports`, :func:`find_report`), apart
from the views so that reading every view at once does not read them. What is prepared, and
how, is the read layer's business (``cancerwatch.read.preparation``); this module only stores
and finds payloads. A warehouse without these tables (opened read-only before its migration)
simply has nothing prepared.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import duckdb
import pyarrow as pa


def data_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's data version, or None when the warehouse predates prepared views."""
    try:
        row = con.execute("SELECT max(version) FROM warehouse_version").fetchone()
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row and row[0] is not None else None


def bump_version(con: duckdb.DuckDBPyConnection) -> int:
    """Start a new data version (the caller holds the write transaction); drop every prepared view."""
    con.execute("UPDATE warehouse_version SET version = version + 1")
    con.execute("DELETE FROM prepared_views")
    con.execute("DELETE FROM prepared_reports")
    version = data_version(con)
    return 0 if version is None else version


def store(con: duckdb.DuckDBPyConnection, version: int, payloads: Iterable[tuple[str, str, str]]) -> int:
    """Keep ``(kind, key, payload)`` rows for ``version``; returns how many were stored."""
    kinds, keys, bodies = [], [], []
    for kind, key, payload in payloads:
        kinds.append(kind)
        keys.append(key)
        bodies.append(zlib.compress(payload.encode(), 1))
    if kinds:
        table = pa.table({"kind": kinds, "key": keys, "payload": pa.array(bodies, pa.binary())})
        con.register("prepared_batch", table)
        try:
            con.execute(
                "INSERT OR REPLACE INTO prepared_views SELECT ?, kind, key, payload FROM prepared_batch", [version]
            )
        finally:
            con.unregister("prepared_batch")
    return len(kinds)


def lookup(con: duckdb.DuckDBPyConnection, kind: str, key: str) -> str | None:
    """The payload prepared for ``(kind, key)`` at the current version, if there is one.

    The version is compared in Python: DuckDB reads a parameterised join of the two tables by
    scanning every payload, tens of milliseconds per lookup (docs/performance.md). The stored
    payload is decompressed here."""
    payload = _current(con, "SELECT version, payload FROM prepared_views WHERE kind = ? AND key = ?", [kind, key])
    return None if payload is None else decoded(payload)


def _current(con: duckdb.DuckDBPyConnection, sql: str, params: list[str]) -> bytes | None:
    """The compressed body ``sql`` finds (a ``(version, body)`` row), if it was stored for the
    current data version; None without the table (a warehouse before its migration)."""
    try:
        row = con.execute(sql, params).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None or row[0] != data_version(con):
        return None
    return row[1]  # type: ignore[no-any-return]


def payloads(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], bytes]:
    """Every payload prepared for the current data version, compressed, by ``(kind, key)``.

    One read of the whole table (about 20 MB for the bundled data, tens of milliseconds) instead
    of one lookup of several milliseconds per view; decompress with :func:`decoded`."""
    version = data_version(con)
    if version is None:
        return {}
    rows = con.execute("SELECT kind, key, payload FROM prepared_views WHERE version = ?", [version]).fetchall()
    return {(kind, key): payload for kind, key, payload in rows}


def decoded(payload: bytes) -> str:
    """The text of a stored payload."""
    return zlib.decompress(payload).decode()


def has_prepared(con: duckdb.DuckDBPyConnection) -> bool:
    """True when views are prepared for the warehouse's current data version.

    A statement with a parameter: the server asks this before serving, so DuckDB's one-off cost
    of the first bound parameter (importing pandas) is not paid by the first request."""
    version = data_version(con)
    if version is None:
        return False
    row = con.execute("SELECT count(*) FROM prepared_views WHERE version = ?", [version]).fetchone()
    return bool(row and row[0])


def store_reports(con: duckdb.DuckDBPyConnection, version: int, bodies: Iterable[tuple[str, str, bytes]]) -> int:
    """Keep ``(key, format, body)`` reports printed for ``version``; returns how many were stored."""
    rows = [(version, key, fmt, zlib.compress(body, 1)) for key, fmt, body in bodies]
    if rows:
        con.executemany("INSERT OR REPLACE INTO prepared_reports VALUES (?, ?, ?, ?)", rows)
    return len(rows)


def find_report(con: duckdb.DuckDBPyConnection, key: str, fmt: str) -> bytes | None:
    """The report printed at load time for ``key`` in ``fmt`` at the current version, if there is one."""
    body = _current(con, "SELECT version, body FROM prepared_reports WHERE key = ? AND format = ?", [key, fmt])
    return None if body is None else zlib.decompress(body)
