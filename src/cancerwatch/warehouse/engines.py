"""Query engines for the metric expressions: DuckDB (the default) or PySpark, through Ibis.

The metric rules are Ibis expressions (``cancerwatch.metrics.performance``) over four tables:
``facts``, ``org_rollup``, ``national_series`` and ``tumour_map``. An engine is an Ibis backend
on which those four names resolve to the warehouse's data, so the same expressions run on either
engine and there is no second implementation of any rule (issue 9, docs/architecture.md).

- ``duckdb``: the warehouse connection itself, or, with ``parquet_dir``, an in-memory DuckDB
  over a Parquet dataset in the layout below.
- ``spark``: a local SparkSession (master from ``spark_master``, else
  ``$CANCERWATCH_SPARK_MASTER``, else ``local[2]``) whose temporary views read a Parquet
  dataset: the one given by ``parquet_dir``, or one exported from the warehouse into a
  temporary directory that lives as long as the backend.

Parquet layout (``--parquet DIR``)::

    DIR/facts/period=YYYY-MM-01/*.parquet     facts, partitioned by month (Hive style)
    DIR/org_rollup/*.parquet                  optional; otherwise taken from the warehouse
    DIR/national_series/*.parquet             optional; otherwise taken from the warehouse
    DIR/tumour_map/*.parquet                  optional; otherwise taken from the warehouse

Counts are ``DECIMAL(14,1)`` everywhere (62-day shared pathways give half patients): the
export keeps the decimal type, and both engines read every table with the warehouse's own
schema, so no count ever passes through a float before it is summed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from cancerwatch.errors import UsageError
from cancerwatch.warehouse.connect import ibis_backend

ENGINES = ("duckdb", "spark")
TABLES = ("facts", "org_rollup", "national_series", "tumour_map")
PARTITION_COLUMN = {"facts": "period"}
SMALL_TABLES = ("org_rollup", "tumour_map")  # broadcast to every task on Spark
DEFAULT_SPARK_MASTER = "local[2]"
#: ``source_id`` of facts computed from a pathway dataset rather than loaded into the warehouse.
RECORD_SOURCE_ID = 0

# Sized for a 2-core, 24 GB machine: local mode runs the executor inside the driver JVM.
SPARK_CONF = {
    "spark.app.name": "cancerwatch",
    "spark.driver.memory": "2g",
    "spark.driver.maxResultSize": "1g",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Few shuffle partitions: the grouped results are small (organisations × periods); adaptive
    # query execution coalesces them further and picks broadcast joins at run time.
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.autoBroadcastJoinThreshold": str(64 * 1024 * 1024),
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
}


def spark_master(master: str | None = None) -> str:
    """The Spark master URL: ``master``, else ``$CANCERWATCH_SPARK_MASTER``, else ``local[2]``."""
    return master or os.environ.get("CANCERWATCH_SPARK_MASTER") or DEFAULT_SPARK_MASTER


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The process's SparkSession (created on first use with ``SPARK_CONF``, then
    ``$CANCERWATCH_SPARK_CONF``, then ``conf``; reused after).

    Spark allows one active session per JVM, so a second call returns the first session; the
    master and memory settings of the first call stay in force.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise UsageError("the spark engine needs pyspark: pip install 'cancerwatch[spark]'") from exc
    master = spark_master(master)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no hostname lookup, no warning
    builder = SparkSession.builder.master(master)
    for key, value in {**SPARK_CONF, **_env_conf(), **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _env_conf() -> dict[str, str]:
    """Spark settings from ``$CANCERWATCH_SPARK_CONF`` (``key=value,key=value``), e.g. for a cluster."""
    pairs = [p.strip() for p in os.environ.get("CANCERWATCH_SPARK_CONF", "").split(",") if p.strip()]
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise UsageError(f"$CANCERWATCH_SPARK_CONF: {bad[0]!r} is not key=value")
    return dict(p.split("=", 1) for p in pairs)


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path | str, tables: Iterable[str] = TABLES) -> Path:
    """Write the warehouse's metric tables to ``directory`` in the ``--parquet`` layout.

    ``facts`` is partitioned by month; DuckDB writes ``DECIMAL(14,1)`` as a Parquet decimal, so
    half patients survive exactly.
    """
    directory = Path(directory)
    for name in tables:
        if name not in TABLES:
            raise UsageError(f"unknown table {name!r}: use one of {', '.join(TABLES)}")
        target = directory / name
        target.mkdir(parents=True, exist_ok=True)
        options = "FORMAT parquet, COMPRESSION zstd"
        if name in PARTITION_COLUMN:
            options += f", PARTITION_BY ({PARTITION_COLUMN[name]}), OVERWRITE_OR_IGNORE"
            sql = f"COPY (SELECT * FROM {name}) TO '{_sql_path(target)}' ({options})"  # noqa: S608 - TABLES names
        else:
            sql = f"COPY (SELECT * FROM {name}) TO '{_sql_path(target / 'part-0.parquet')}' ({options})"  # noqa: S608
        con.execute(sql)
    return directory


def open_engine(
    engine: str,
    con: duckdb.DuckDBPyConnection,
    *,
    spark_master: str | None = None,
    parquet_dir: Path | str | None = None,
) -> ibis.BaseBackend:
    """An Ibis backend whose ``facts``, ``org_rollup``, ``national_series`` and ``tumour_map`` hold the data.

    ``con`` is the open warehouse; it supplies every table that ``parquet_dir`` does not
    (and the table schemas). ``spark_master`` overrides ``$CANCERWATCH_SPARK_MASTER``.
    """
    _check_engine(engine)
    parquet = _parquet_tables(Path(parquet_dir)) if parquet_dir is not None else {}
    if engine == "duckdb":
        return ibis_backend(con) if not parquet else _duckdb_over_parquet(con, parquet)
    return _spark(con, parquet, spark_master)


def close_engine(backend: ibis.BaseBackend) -> None:
    """Release what ``open_engine`` made: its temporary export and, for Spark, its views.

    The SparkSession itself is left running (one per process); the warehouse connection
    is the caller's to close.
    """
    finaliser = getattr(backend, "_cancerwatch_cleanup", None)
    if finaliser is not None:
        finaliser()


def write_results(rows: list[dict], path: Path | str) -> Path:
    """Write result rows (as ``metrics()`` returns them) to a Parquet file at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")
    return path


def write_parquet(
    backend: ibis.BaseBackend, expr: ir.Table, path: Path | str, *, partition_by: str | None = None
) -> Path:
    """Run ``expr`` on ``backend`` and write the rows as Parquet: one file, or a Hive-partitioned folder.

    With ``partition_by``, ``path`` is a folder (``path/<column>=<value>/*.parquet``) that must not
    hold Parquet files yet; the rows never pass through Python on either engine.
    """
    path = Path(path)
    if partition_by is not None and path.exists() and any(path.rglob("*.parquet")):
        raise UsageError(f"{path}: already holds Parquet files; choose an empty folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    if backend.name == "pyspark":
        df = backend.raw_sql(backend.compile(expr))
        writer = df.write.mode("overwrite").option("compression", "zstd")
        if partition_by is not None:
            writer = writer.partitionBy(partition_by)
        writer.parquet(str(path))
        return path
    if partition_by is not None:
        backend.to_parquet(expr, path, partition_by=partition_by, compression="zstd")
    else:
        backend.to_parquet(expr, path, compression="zstd")
    return path


def read_pathways(backend: ibis.BaseBackend, path: Path | str) -> ir.Table:
    """Pathways from a Parquet file or folder (Hive partitions read as columns) as ``backend``'s ``pathways``."""
    source = _pathway_source(path)
    if backend.name == "pyspark":
        backend._session.read.parquet(str(source)).createOrReplaceTempView("pathways")
    else:
        _duckdb_pathways_view(backend.con, source)
    return backend.table("pathways")


def read_facts(backend: ibis.BaseBackend, directory: Path | str, schema: ibis.Schema) -> ir.Table:
    """A facts dataset partitioned by month (``directory/period=YYYY-MM-01/``) as ``backend``'s ``facts``.

    Read with ``schema`` (the warehouse's), so counts stay exact decimals on both engines.
    """
    directory = Path(directory)
    if backend.name == "pyspark":
        backend._session.read.schema(_spark_schema(schema)).parquet(str(directory)).createOrReplaceTempView("facts")
    else:
        backend.con.execute(_duckdb_parquet_view("facts", directory, schema))
    return backend.table("facts")


def open_pathways(
    engine: str,
    con: duckdb.DuckDBPyConnection,
    pathways: Path | str | None = None,
    *,
    spark_master: str | None = None,
) -> ibis.BaseBackend:
    """An Ibis backend with a ``pathways`` table: record-level pathways for the record-level rules.

    ``pathways`` is a Parquet file or a folder of Parquet files (Hive partitions, such as
    ``referral_month=2024-01-01/``, are read as columns); without it, the warehouse's own
    ``pathways`` table (Spark reads a temporary export of it without ``patient_id``, which no
    rule uses).
    """
    _check_engine(engine)
    source = _pathway_source(pathways) if pathways is not None else None
    if engine == "duckdb":
        if source is None:
            return ibis_backend(con)
        backend = _memory_backend()
        read_pathways(backend, source)
        return backend
    backend = _spark(con, {}, spark_master, tables=())
    if source is None:
        source = backend._cancerwatch_tmp / "pathways.parquet"
        sql = f"COPY (SELECT * EXCLUDE (patient_id) FROM pathways) TO '{_sql_path(source)}' (FORMAT parquet)"  # noqa: S608
        con.execute(sql)
    read_pathways(backend, source)
    return backend


def record_facts_rows(pathways: ir.Table, facts_schema: ibis.Schema) -> ir.Table:
    """The record-level rules (``record_facts``) as rows of the warehouse's ``facts`` table.

    ``dataset`` is ``record``, ``source_id`` is ``RECORD_SOURCE_ID`` and nothing is superseded;
    counts take the warehouse's exact decimal type (halves are exact in binary, so the cast from
    the rules' sums loses nothing).
    """
    from cancerwatch.metrics.pathways.record_facts import record_facts

    f = record_facts(pathways)
    return (
        f.select(
            source_id=ibis.literal(RECORD_SOURCE_ID),
            dataset=ibis.literal("record"),
            **{c: f[c] for c in f.columns},
            superseded_by=ibis.null("int32"),
        )
        .select(*facts_schema.names)
        .cast(facts_schema)
    )


def open_record_engine(
    engine: str,
    con: duckdb.DuckDBPyConnection,
    pathways: Path | str,
    *,
    spark_master: str | None = None,
    facts_dir: Path | str | None = None,
) -> ibis.BaseBackend:
    """An engine (as :func:`open_engine`) whose ``facts`` are the record-level facts of ``pathways``.

    The record-level rules run once on the engine and their facts are materialised (DuckDB: an
    in-memory table; Spark: a Parquet dataset partitioned by month, read back), so every metric
    query after that reads the facts only. With ``facts_dir``, the facts are also kept there in
    the ``--parquet`` layout (``facts_dir/facts/period=YYYY-MM-01/``) for ``metrics --parquet``.
    ``org_rollup``, ``national_series`` and ``tumour_map`` come from the warehouse ``con``.
    """
    _check_engine(engine)
    source = _pathway_source(pathways)
    facts_schema = ibis_backend(con).table("facts").schema()
    others = [name for name in TABLES if name != "facts"]
    if engine == "duckdb":
        backend = _memory_backend()
        _copy_tables(con, backend.con, others)
        backend.create_table("facts", record_facts_rows(read_pathways(backend, source), facts_schema))
        if facts_dir is not None:
            write_parquet(backend, backend.table("facts"), Path(facts_dir) / "facts", partition_by="period")
        return backend
    backend = _spark(con, {}, spark_master, tables=others)
    target = Path(facts_dir if facts_dir is not None else backend._cancerwatch_tmp / "record") / "facts"
    write_parquet(
        backend, record_facts_rows(read_pathways(backend, source), facts_schema), target, partition_by="period"
    )
    read_facts(backend, target, facts_schema)
    return backend


# -- internals ------------------------------------------------------------------------------------


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


def _memory_backend() -> ibis.BaseBackend:
    """An Ibis backend on a fresh in-memory DuckDB, closed by :func:`close_engine`."""
    mem = duckdb.connect()
    backend = ibis_backend(mem)
    backend._cancerwatch_cleanup = weakref.finalize(backend, mem.close)
    return backend


def _parquet_tables(directory: Path) -> dict[str, Path]:
    if not (directory / "facts").is_dir():
        raise UsageError(f"{directory}: no facts/ folder (expected facts/period=YYYY-MM-01/*.parquet)")
    found = {name: directory / name for name in TABLES if (directory / name).is_dir()}
    if not any(found["facts"].rglob("*.parquet")):
        raise UsageError(f"{directory / 'facts'}: no Parquet files")
    return found


def _pathway_source(path: Path | str) -> Path:
    path = Path(path)
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise UsageError(f"{path}: no Parquet files")
    elif not path.is_file():
        raise UsageError(f"{path}: no such file or folder")
    elif path.suffix.lower() != ".parquet":
        raise UsageError(f"{path.name}: pathways must be Parquet (a .parquet file or a folder of them)")
    return path


def _duckdb_pathways_view(mem: duckdb.DuckDBPyConnection, source: Path) -> None:
    if source.is_dir():
        glob = _sql_path(source / "**" / "*.parquet")
        read = f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
    else:
        read = f"read_parquet('{_sql_path(source)}')"
    mem.execute(f"CREATE OR REPLACE VIEW pathways AS SELECT * FROM {read}")  # noqa: S608 - a quoted path


def _copy_tables(con: duckdb.DuckDBPyConnection, mem: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """Copy warehouse tables (the small ones) into another DuckDB, types unchanged."""
    for name in names:
        mem.register(f"_{name}_arrow", con.table(name).to_arrow_table())
        mem.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}_arrow")  # noqa: S608 - TABLES names
        mem.unregister(f"_{name}_arrow")


def _duckdb_parquet_view(name: str, directory: Path, schema: ibis.Schema) -> str:
    """SQL for a view ``name`` over the Parquet files under ``directory``, cast to ``schema``."""
    from ibis.backends.sql.datatypes import DuckDBType

    glob = _sql_path(directory / "**" / "*.parquet")
    casts = ", ".join(f'CAST("{c}" AS {DuckDBType.to_string(t)}) AS "{c}"' for c, t in schema.items())
    hive = "true" if name in PARTITION_COLUMN else "false"
    return (
        f"CREATE OR REPLACE VIEW {name} AS SELECT {casts} FROM read_parquet('{glob}', "  # noqa: S608 - TABLES names
        f"hive_partitioning = {hive}, union_by_name = true)"
    )


def _duckdb_over_parquet(con: duckdb.DuckDBPyConnection, parquet: dict[str, Path]) -> ibis.BaseBackend:
    """A fresh in-memory DuckDB with views over the Parquet dataset, typed as in the warehouse."""
    backend = _memory_backend()
    warehouse = ibis_backend(con)
    for name in TABLES:
        if name in parquet:
            backend.con.execute(_duckdb_parquet_view(name, parquet[name], warehouse.table(name).schema()))
        else:
            _copy_tables(con, backend.con, [name])
    return backend


def _spark(
    con: duckdb.DuckDBPyConnection,
    parquet: dict[str, Path],
    master: str | None,
    *,
    tables: Iterable[str] = TABLES,
) -> ibis.BaseBackend:
    from pyspark.sql import functions as F

    # A session of its own (sharing the one SparkContext): its temporary views cannot clash
    # with another engine's in the same process.
    session = spark_session(master).newSession()
    tables = tuple(tables)
    missing = [name for name in tables if name not in parquet]
    tmp = tempfile.TemporaryDirectory(prefix="cancerwatch-spark-")
    if missing:
        export_parquet(con, tmp.name, missing)
        parquet = {**parquet, **{name: Path(tmp.name) / name for name in missing}}
    warehouse = ibis_backend(con)
    for name in tables:
        schema = _spark_schema(warehouse.table(name).schema())
        df = session.read.schema(schema).parquet(str(parquet[name]))
        if name in SMALL_TABLES:
            df = F.broadcast(df)
        df.createOrReplaceTempView(name)
    backend = ibis.pyspark.connect(session)
    backend._cancerwatch_tmp = Path(tmp.name)

    def cleanup() -> None:
        with contextlib.suppress(Exception):  # the session may already be stopped (interpreter exit)
            for name in session.catalog.listTables():
                if name.isTemporary:
                    session.catalog.dropTempView(name.name)
        tmp.cleanup()

    backend._cancerwatch_cleanup = weakref.finalize(backend, cleanup)
    return backend


def _spark_schema(schema: ibis.Schema) -> Any:
    """The warehouse schema as a Spark ``StructType`` (decimals keep precision and scale)."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    return PySparkSchema.from_ibis(schema)
