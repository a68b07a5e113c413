"""The DuckDB engine (the default): the warehouse connection itself, or an in-memory DuckDB.

- metric tables: the warehouse connection, or, with a ``--parquet`` dataset, an in-memory DuckDB
  with views over it (typed as in the warehouse) and copies of the warehouse tables it lacks;
- pathways: the warehouse's ``pathways`` table, or a view over a Parquet file or folder;
- record-level facts: the rules run once into an in-memory table.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir

from cancerwatch.warehouse.connect import ibis_backend
from cancerwatch.warehouse.engines.base import (
    PARTITION_COLUMN,
    TABLES,
    EngineSettings,
    RecordRules,
    sql_path,
)


class DuckDBEngine:
    """DuckDB, in this process (``--engine duckdb``)."""

    name = "duckdb"
    backend_name = "duckdb"

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()

    def metric_tables(self, con: duckdb.DuckDBPyConnection, parquet: dict[str, Path]) -> ibis.BaseBackend:
        if not parquet:
            return ibis_backend(con)
        backend = memory_backend()
        warehouse = ibis_backend(con)
        for name in TABLES:
            if name in parquet:
                backend.con.execute(_parquet_view(name, parquet[name], warehouse.table(name).schema()))
            else:
                copy_tables(con, backend.con, [name])
        return backend

    def pathway_tables(self, con: duckdb.DuckDBPyConnection, source: Path | None) -> ibis.BaseBackend:
        if source is None:
            return ibis_backend(con)
        backend = memory_backend()
        self.read_pathways(backend, source)
        return backend

    def record_tables(
        self, con: duckdb.DuckDBPyConnection, source: Path, rules: RecordRules, facts_dir: Path | None
    ) -> ibis.BaseBackend:
        facts_schema = ibis_backend(con).table("facts").schema()
        backend = memory_backend()
        copy_tables(con, backend.con, [name for name in TABLES if name != "facts"])
        backend.create_table("facts", rules(self.read_pathways(backend, source), facts_schema))
        if facts_dir is not None:
            self.write_parquet(backend, backend.table("facts"), facts_dir / "facts", "period")
        return backend

    def read_pathways(self, backend: ibis.BaseBackend, source: Path) -> ir.Table:
        if source.is_dir():
            glob = sql_path(source / "**" / "*.parquet")
            read = f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
        else:
            read = f"read_parquet('{sql_path(source)}')"
        backend.con.execute(f"CREATE OR REPLACE VIEW pathways AS SELECT * FROM {read}")  # noqa: S608 - a quoted path
        return backend.table("pathways")

    def read_facts(self, backend: ibis.BaseBackend, directory: Path, schema: ibis.Schema) -> ir.Table:
        backend.con.execute(_parquet_view("facts", directory, schema))
        return backend.table("facts")

    def write_parquet(self, backend: ibis.BaseBackend, expr: ir.Table, path: Path, partition_by: str | None) -> None:
        if partition_by is not None:
            backend.to_parquet(expr, path, partition_by=partition_by, compression="zstd")
        else:
            backend.to_parquet(expr, path, compression="zstd")


def memory_backend() -> ibis.BaseBackend:
    """An Ibis backend on a fresh in-memory DuckDB, closed by ``close_engine``."""
    mem = duckdb.connect()
    backend = ibis_backend(mem)
    backend._cancerwatch_cleanup = weakref.finalize(backend, mem.close)
    return backend


def copy_tables(con: duckdb.DuckDBPyConnection, mem: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """Copy warehouse tables (the small ones) into another DuckDB, types unchanged."""
    for name in names:
        mem.register(f"_{name}_arrow", con.table(name).to_arrow_table())
        mem.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}_arrow")  # noqa: S608 - TABLES names
        mem.unregister(f"_{name}_arrow")


def _parquet_view(name: str, directory: Path, schema: ibis.Schema) -> str:
    """SQL for a view ``name`` over the Parquet files under ``directory``, cast to ``schema``."""
    from ibis.backends.sql.datatypes import DuckDBType

    glob = sql_path(directory / "**" / "*.parquet")
    casts = ", ".join(f'CAST("{c}" AS {DuckDBType.to_string(t)}) AS "{c}"' for c, t in schema.items())
    hive = "true" if name in PARTITION_COLUMN else "false"
    return (
        f"CREATE OR REPLACE VIEW {name} AS SELECT {casts} FROM read_parquet('{glob}', "  # noqa: S608 - TABLES names
        f"hive_partitioning = {hive}, union_by_name = true)"
    )
