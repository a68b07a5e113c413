"""What every query engine offers (``Engine``), and what they share: the Parquet layout and its checks.

An engine is a way to run the Ibis expressions of the metric and record-level rules: it opens an
Ibis backend on which the warehouse's tables (or a Parquet dataset in the layout below) resolve,
reads pathway and fact datasets into it, and writes results as Parquet. The rules themselves are the
same expressions on every engine; an engine only decides where the tables come from.

Parquet layout (``--parquet DIR``)::

    DIR/facts/period=YYYY-MM-01/*.parquet     facts, partitioned by month (Hive style)
    DIR/org_rollup/*.parquet                  optional; otherwise taken from the warehouse
    DIR/national_series/*.parquet             optional; otherwise taken from the warehouse
    DIR/tumour_map/*.parquet                  optional; otherwise taken from the warehouse

Counts are ``DECIMAL(14,1)`` everywhere (62-day shared pathways give half patients): the export
keeps the decimal type, and every engine reads every table with the warehouse's own schema, so no
count ever passes through a float before it is summed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from cancerwatch.errors import UsageError

#: The tables the metric expressions read.
TABLES = ("facts", "org_rollup", "national_series", "tumour_map")
#: The column each table's Parquet dataset is partitioned by.
PARTITION_COLUMN = {"facts": "period"}
#: ``source_id`` of facts computed from a pathway dataset rather than loaded into the warehouse.
RECORD_SOURCE_ID = 0

#: The record-level rules as the engine runs them: pathways and the warehouse's ``facts`` schema in,
#: rows of that schema out (``metrics.pathways.record_facts.warehouse_fact_rows``).
RecordRules = Callable[[ir.Table, ibis.Schema], ir.Table]


@dataclass(frozen=True)
class EngineSettings:
    """Settings an engine may use (each ignores what does not concern it)."""

    #: Spark master URL (else ``$CANCERWATCH_SPARK_MASTER``, else ``local[2]``).
    spark_master: str | None = None


class Engine(Protocol):
    """A query engine: the backends it opens and how it reads and writes datasets."""

    #: The name ``--engine`` takes.
    name: str
    #: The name of the Ibis backends it opens (``ibis.BaseBackend.name``).
    backend_name: str

    def metric_tables(self, con: duckdb.DuckDBPyConnection, parquet: dict[str, Path]) -> ibis.BaseBackend:
        """A backend whose ``TABLES`` hold the data: ``parquet`` where given, else the warehouse ``con``."""
        ...

    def pathway_tables(self, con: duckdb.DuckDBPyConnection, source: Path | None) -> ibis.BaseBackend:
        """A backend with a ``pathways`` table: ``source`` (Parquet), else the warehouse's pathways."""
        ...

    def record_tables(
        self,
        con: duckdb.DuckDBPyConnection,
        source: Path,
        rules: RecordRules,
        facts_dir: Path | None,
    ) -> ibis.BaseBackend:
        """A backend whose ``facts`` are ``rules`` run once over the pathways of ``source``
        (materialised, and kept under ``facts_dir`` in the Parquet layout when given); the other
        ``TABLES`` come from the warehouse ``con``.
        """
        ...

    def read_pathways(self, backend: ibis.BaseBackend, source: Path) -> ir.Table:
        """Pathways from a Parquet file or folder (Hive partitions read as columns) as ``pathways``."""
        ...

    def read_facts(self, backend: ibis.BaseBackend, directory: Path, schema: ibis.Schema) -> ir.Table:
        """A facts dataset partitioned by month as ``facts``, read with the warehouse's ``schema``."""
        ...

    def write_parquet(self, backend: ibis.BaseBackend, expr: ir.Table, path: Path, partition_by: str | None) -> None:
        """Run ``expr`` and write its rows as Parquet (a folder of partitions with ``partition_by``)."""
        ...


def close_backend(backend: ibis.BaseBackend) -> None:
    """Release what an engine made for ``backend`` (temporary exports, views, in-memory databases)."""
    finaliser = getattr(backend, "_cancerwatch_cleanup", None)
    if finaliser is not None:
        finaliser()


def sql_path(path: Path) -> str:
    """``path`` as a single-quoted SQL string literal's content."""
    return str(path).replace("'", "''")


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
            sql = f"COPY (SELECT * FROM {name}) TO '{sql_path(target)}' ({options})"  # noqa: S608 - TABLES names
        else:
            sql = f"COPY (SELECT * FROM {name}) TO '{sql_path(target / 'part-0.parquet')}' ({options})"  # noqa: S608
        con.execute(sql)
    return directory


def write_results(rows: list[dict], path: Path | str) -> Path:
    """Write result rows (as ``metrics()`` returns them) to a Parquet file at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")
    return path


def parquet_tables(directory: Path) -> dict[str, Path]:
    """The tables of a ``--parquet`` dataset (``facts`` required)."""
    if not (directory / "facts").is_dir():
        raise UsageError(f"{directory}: no facts/ folder (expected facts/period=YYYY-MM-01/*.parquet)")
    found = {name: directory / name for name in TABLES if (directory / name).is_dir()}
    if not any(found["facts"].rglob("*.parquet")):
        raise UsageError(f"{directory / 'facts'}: no Parquet files")
    return found


def pathway_source(path: Path | str) -> Path:
    """A Parquet pathway file or folder, checked (one-line errors for anything else)."""
    path = Path(path)
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise UsageError(f"{path}: no Parquet files")
    elif not path.is_file():
        raise UsageError(f"{path}: no such file or folder")
    elif path.suffix.lower() != ".parquet":
        raise UsageError(f"{path.name}: pathways must be Parquet (a .parquet file or a folder of them)")
    return path


def check_empty_target(path: Path, partition_by: str | None) -> None:
    """A partitioned Parquet target must not hold Parquet files yet (nothing is overwritten by mistake)."""
    if partition_by is not None and path.exists() and any(path.rglob("*.parquet")):
        raise UsageError(f"{path}: already holds Parquet files; choose an empty folder")
