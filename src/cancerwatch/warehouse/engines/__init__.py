"""Query engines for the metric and record-level expressions, one module per backend, through Ibis.

The metric rules are Ibis expressions (``cancerwatch.metrics.performance``) over four tables:
``facts``, ``org_rollup``, ``national_series`` and ``tumour_map``; the record-level rules
(``cancerwatch.metrics.pathways``) read ``pathways``. An engine (``base.Engine``) is a way to open
an Ibis backend on which those names resolve, so the same expressions run on every engine and there
is no second implementation of any rule (docs/scale-out.md):

- ``duckdb`` (``duckdb_engine``): the warehouse connection itself, or an in-memory DuckDB over a
  Parquet dataset;
- ``spark`` (``spark_engine``): a SparkSession whose temporary views read a Parquet dataset (the
  one given, or one exported from the warehouse).

The functions below find the engine by name (``--engine``) or by the backend it opened, and never
branch on either: what differs between engines is in their modules.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir

from cancerwatch.errors import UsageError
from cancerwatch.warehouse.engines.base import (
    PARTITION_COLUMN,
    RECORD_SOURCE_ID,
    TABLES,
    Engine,
    EngineSettings,
    RecordRules,
    check_empty_target,
    close_backend,
    export_parquet,
    parquet_tables,
    pathway_source,
    write_results,
)
from cancerwatch.warehouse.engines.duckdb_engine import DuckDBEngine
from cancerwatch.warehouse.engines.spark_engine import SPARK_CONF, SparkEngine, spark_master, spark_session

__all__ = [
    "ENGINES",
    "PARTITION_COLUMN",
    "RECORD_SOURCE_ID",
    "SPARK_CONF",
    "TABLES",
    "Engine",
    "EngineSettings",
    "close_engine",
    "engine_of",
    "export_parquet",
    "get_engine",
    "open_engine",
    "open_pathways",
    "open_record_engine",
    "read_facts",
    "read_pathways",
    "spark_master",
    "spark_session",
    "write_parquet",
    "write_results",
]

_ENGINE_TYPES: dict[str, type[DuckDBEngine] | type[SparkEngine]] = {e.name: e for e in (DuckDBEngine, SparkEngine)}
#: The names ``--engine`` takes.
ENGINES = tuple(_ENGINE_TYPES)
_BY_BACKEND = {e.backend_name: e for e in _ENGINE_TYPES.values()}


def get_engine(name: str, *, spark_master: str | None = None) -> Engine:
    """The engine called ``name`` (``duckdb`` or ``spark``), with its settings."""
    try:
        engine_type = _ENGINE_TYPES[name]
    except KeyError:
        raise UsageError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}") from None
    return engine_type(EngineSettings(spark_master=spark_master))


def engine_of(backend: ibis.BaseBackend) -> Engine:
    """The engine that runs on ``backend`` (an Ibis DuckDB or PySpark backend)."""
    try:
        return _BY_BACKEND[backend.name]()
    except KeyError:
        raise UsageError(f"no cancerwatch engine runs on the {backend.name!r} backend") from None


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
    chosen = get_engine(engine, spark_master=spark_master)
    parquet = parquet_tables(Path(parquet_dir)) if parquet_dir is not None else {}
    return chosen.metric_tables(con, parquet)


def close_engine(backend: ibis.BaseBackend) -> None:
    """Release what ``open_engine`` made: its temporary export and, for Spark, its views.

    The SparkSession itself is left running (one per process); the warehouse connection
    is the caller's to close.
    """
    close_backend(backend)


def write_parquet(
    backend: ibis.BaseBackend, expr: ir.Table, path: Path | str, *, partition_by: str | None = None
) -> Path:
    """Run ``expr`` on ``backend`` and write the rows as Parquet: one file, or a Hive-partitioned folder.

    With ``partition_by``, ``path`` is a folder (``path/<column>=<value>/*.parquet``) that must not
    hold Parquet files yet; the rows never pass through Python on either engine.
    """
    path = Path(path)
    check_empty_target(path, partition_by)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine_of(backend).write_parquet(backend, expr, path, partition_by)
    return path


def read_pathways(backend: ibis.BaseBackend, path: Path | str) -> ir.Table:
    """Pathways from a Parquet file or folder (Hive partitions read as columns) as ``backend``'s ``pathways``."""
    return engine_of(backend).read_pathways(backend, pathway_source(path))


def read_facts(backend: ibis.BaseBackend, directory: Path | str, schema: ibis.Schema) -> ir.Table:
    """A facts dataset partitioned by month (``directory/period=YYYY-MM-01/``) as ``backend``'s ``facts``.

    Read with ``schema`` (the warehouse's), so counts stay exact decimals on every engine.
    """
    return engine_of(backend).read_facts(backend, Path(directory), schema)


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
    chosen = get_engine(engine, spark_master=spark_master)
    source = pathway_source(pathways) if pathways is not None else None
    return chosen.pathway_tables(con, source)


def open_record_engine(
    engine: str,
    con: duckdb.DuckDBPyConnection,
    pathways: Path | str,
    *,
    rules: RecordRules,
    spark_master: str | None = None,
    facts_dir: Path | str | None = None,
) -> ibis.BaseBackend:
    """An engine (as :func:`open_engine`) whose ``facts`` are the record-level facts of ``pathways``.

    ``rules`` are the record-level rules (``metrics.pathways.record_facts.warehouse_fact_rows``).
    They run once on the engine and their facts are materialised (DuckDB: an in-memory table;
    Spark: a Parquet dataset partitioned by month, read back), so every metric query after that
    reads the facts only. With ``facts_dir``, the facts are also kept there in the ``--parquet``
    layout (``facts_dir/facts/period=YYYY-MM-01/``) for ``metrics --parquet``. ``org_rollup``,
    ``national_series`` and ``tumour_map`` come from the warehouse ``con``.
    """
    chosen = get_engine(engine, spark_master=spark_master)
    target = Path(facts_dir) if facts_dir is not None else None
    if target is not None:
        check_empty_target(target / "facts", "period")
        target.mkdir(parents=True, exist_ok=True)
    return chosen.record_tables(con, pathway_source(pathways), rules, target)
