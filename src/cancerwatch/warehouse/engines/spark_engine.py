"""The PySpark engine (``--engine spark``): a local SparkSession, or a cluster's.

The session's master comes from the settings, else ``$CANCERWATCH_SPARK_MASTER``, else
``local[2]``; ``$CANCERWATCH_SPARK_CONF`` adds settings. Its temporary views read Parquet datasets:
the one given by ``--parquet`` (or ``--pathways``), or one exported from the warehouse into a
temporary folder that lives as long as the backend. Record-level facts are written as a Parquet
dataset partitioned by month and read back, so every query after that reads the facts only.
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

from cancerwatch.errors import UsageError
from cancerwatch.warehouse.connect import ibis_backend
from cancerwatch.warehouse.engines.base import TABLES, EngineSettings, RecordRules, export_parquet, sql_path

SMALL_TABLES = ("org_rollup", "tumour_map")  # broadcast to every task
DEFAULT_SPARK_MASTER = "local[2]"

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
    for key, value in {**SPARK_CONF, **env_conf(), **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def env_conf() -> dict[str, str]:
    """Spark settings from ``$CANCERWATCH_SPARK_CONF`` (``key=value,key=value``), e.g. for a cluster."""
    pairs = [p.strip() for p in os.environ.get("CANCERWATCH_SPARK_CONF", "").split(",") if p.strip()]
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise UsageError(f"$CANCERWATCH_SPARK_CONF: {bad[0]!r} is not key=value")
    return dict(p.split("=", 1) for p in pairs)


class SparkEngine:
    """PySpark through Ibis (``--engine spark``)."""

    name = "spark"
    backend_name = "pyspark"

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()

    def metric_tables(self, con: duckdb.DuckDBPyConnection, parquet: dict[str, Path]) -> ibis.BaseBackend:
        return self.backend(con, parquet)

    def pathway_tables(self, con: duckdb.DuckDBPyConnection, source: Path | None) -> ibis.BaseBackend:
        backend = self.backend(con, {}, tables=())
        if source is None:  # a temporary export of the warehouse's pathways, without patient_id (no rule uses it)
            source = backend._cancerwatch_tmp / "pathways.parquet"
            sql = f"COPY (SELECT * EXCLUDE (patient_id) FROM pathways) TO '{sql_path(source)}' (FORMAT parquet)"  # noqa: S608
            con.execute(sql)
        self.read_pathways(backend, source)
        return backend

    def record_tables(
        self, con: duckdb.DuckDBPyConnection, source: Path, rules: RecordRules, facts_dir: Path | None
    ) -> ibis.BaseBackend:
        facts_schema = ibis_backend(con).table("facts").schema()
        backend = self.backend(con, {}, tables=[name for name in TABLES if name != "facts"])
        target = (facts_dir if facts_dir is not None else backend._cancerwatch_tmp / "record") / "facts"
        self.write_parquet(backend, rules(self.read_pathways(backend, source), facts_schema), target, "period")
        self.read_facts(backend, target, facts_schema)
        return backend

    def read_pathways(self, backend: ibis.BaseBackend, source: Path) -> ir.Table:
        backend._session.read.parquet(str(source)).createOrReplaceTempView("pathways")
        return backend.table("pathways")

    def read_facts(self, backend: ibis.BaseBackend, directory: Path, schema: ibis.Schema) -> ir.Table:
        backend._session.read.schema(spark_schema(schema)).parquet(str(directory)).createOrReplaceTempView("facts")
        return backend.table("facts")

    def write_parquet(self, backend: ibis.BaseBackend, expr: ir.Table, path: Path, partition_by: str | None) -> None:
        df = backend.raw_sql(backend.compile(expr))
        writer = df.write.mode("overwrite").option("compression", "zstd")
        if partition_by is not None:
            writer = writer.partitionBy(partition_by)
        writer.parquet(str(path))

    def backend(
        self, con: duckdb.DuckDBPyConnection, parquet: dict[str, Path], *, tables: Iterable[str] = TABLES
    ) -> ibis.BaseBackend:
        """An Ibis PySpark backend whose temporary views ``tables`` read ``parquet``, or a temporary
        export of the warehouse for the tables it lacks.
        """
        from pyspark.sql import functions as F

        # A session of its own (sharing the one SparkContext): its temporary views cannot clash
        # with another engine's in the same process.
        session = spark_session(self.settings.spark_master).newSession()
        tables = tuple(tables)
        missing = [name for name in tables if name not in parquet]
        tmp = tempfile.TemporaryDirectory(prefix="cancerwatch-spark-")
        if missing:
            export_parquet(con, tmp.name, missing)
            parquet = {**parquet, **{name: Path(tmp.name) / name for name in missing}}
        warehouse = ibis_backend(con)
        for name in tables:
            df = session.read.schema(spark_schema(warehouse.table(name).schema())).parquet(str(parquet[name]))
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


def spark_schema(schema: ibis.Schema) -> Any:
    """The warehouse schema as a Spark ``StructType`` (decimals keep precision and scale)."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    return PySparkSchema.from_ibis(schema)
