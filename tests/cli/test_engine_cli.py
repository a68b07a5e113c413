"""``--engine spark`` prints exactly what the DuckDB engine prints (issue 9), through the CLI.

Covers ``metrics`` (warehouse and ``--parquet``), ``record-metrics`` (standards straight from a
pathway file, facts kept with ``--facts-out``) and ``ptl`` (from a pathway file and from the
warehouse), plus ``--out`` as Parquet. Usage errors need no Spark and are not marked.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app
from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.engines import export_parquet

runner = CliRunner()
SPARK_MARKS = (
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime on PATH: PySpark needs one"),
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pip install -e '.[dev,spark]' for pyspark"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
)


def on_spark(test):
    """Mark a test as a Spark test (skipped without Java or PySpark)."""
    for mark in SPARK_MARKS:
        test = mark(test)
    return test


def _run(*args: str) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


def _both(*args: str) -> tuple[str, str]:
    """Output of the same command on the DuckDB engine and on the Spark engine."""
    return _run(*args, "--engine", "duckdb"), _run(*args, "--engine", "spark")


@pytest.fixture(scope="module")
def pathways(tmp_path_factory):
    """20,000 synthetic pathways written by ``cancerwatch synth``."""
    path = tmp_path_factory.mktemp("cli-engine") / "pathways.parquet"
    _run("synth", "--pathways", "20000", "--seed", "11", "--out", path)
    return path


@pytest.fixture(scope="module")
def record_warehouse(warehouse_path, pathways, tmp_path_factory):
    """A copy of the bundled warehouse with the synthetic pathways loaded."""
    path = tmp_path_factory.mktemp("cli-engine-wh") / "cancerwatch.duckdb"
    shutil.copy(warehouse_path, path)
    con = open_duckdb(path)
    try:
        load_files(con, [pathways])
    finally:
        con.close()
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("--standard", "62d", "--level", "alliance", "--period", "quarter", "--format", "csv"),
        ("--standard", "fds", "--from", "2023-04", "--to", "2023-09", "--format", "json"),
        ("--standard", "31d", "--level", "provider", "--by", "modality", "--period", "year", "--format", "csv"),
    ],
    ids=["62d-alliance-quarter", "fds-national", "31d-provider-modality"],
)
@on_spark
def test_metrics_spark_equals_duckdb(warehouse_path, args):
    duck, sparks = _both("metrics", *args, "--db", warehouse_path)
    assert duck == sparks and len(duck.splitlines()) > 1


@on_spark
def test_metrics_from_month_partitioned_parquet(warehouse, warehouse_path, tmp_path):
    export_parquet(warehouse, tmp_path / "store", ["facts"])
    args = ("metrics", "--standard", "62d", "--level", "region", "--period", "month", "--format", "json")
    expected = _run(*args, "--db", warehouse_path)
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.parquet"
        got = _run(*args, "--db", warehouse_path, "--engine", engine, "--parquet", tmp_path / "store", "--out", out)
        assert got == expected
        assert pq.read_table(out).to_pylist() == json.loads(expected)


@on_spark
def test_record_metrics_spark_equals_duckdb_and_facts_round_trip(warehouse_path, pathways, tmp_path):
    args = ("record-metrics", "--pathways", pathways, "--level", "alliance", "--db", warehouse_path, "--format", "json")
    duck = _run(*args, "--engine", "duckdb", "--facts-out", tmp_path / "duckdb")
    sparks = _run(*args, "--engine", "spark", "--facts-out", tmp_path / "spark", "--out", tmp_path / "rows.parquet")
    assert duck == sparks
    rows = json.loads(duck)
    assert {r["standard"] for r in rows} == {"fds", "31d", "62d"} and {r["source"] for r in rows} == {"record"}
    assert pq.read_table(tmp_path / "rows.parquet").to_pylist() == rows
    # The facts kept by --facts-out are a month-partitioned store that `metrics --parquet` reads.
    assert any(p.name.startswith("period=") for p in (tmp_path / "spark" / "facts").iterdir())
    fds = [r for r in rows if r["standard"] == "fds"]
    again = _run(
        "metrics", "--standard", "fds", "--level", "alliance", "--dataset", "record", "--db", warehouse_path,
        "--parquet", tmp_path / "spark", "--engine", "spark", "--format", "json",
    )  # fmt: skip
    assert json.loads(again) == fds


@on_spark
@pytest.mark.parametrize("source", ["file", "warehouse"])
def test_ptl_spark_equals_duckdb(record_warehouse, pathways, source):
    provider = pq.read_table(pathways, columns=["first_provider_code"]).column(0)[0].as_py()
    args = ["ptl", "--provider", provider, "--db", record_warehouse, "--format", "json", "--as-of", "2024-03-31"]
    if source == "file":
        args += ["--pathways", pathways]
    duck, sparks = _both(*args)
    assert duck == sparks
    out = json.loads(duck)
    assert out["rows"] and out["summary"] and out["weeks"]
    assert "patient_id" not in duck


def test_unknown_engine_and_out_suffix_are_usage_errors(warehouse_path, tmp_path):
    res = runner.invoke(app, ["metrics", "--standard", "fds", "--db", str(warehouse_path), "--engine", "flink"])
    assert res.exit_code == 2
    res = runner.invoke(
        app, ["metrics", "--standard", "fds", "--db", str(warehouse_path), "--out", str(tmp_path / "x.csv")]
    )
    assert res.exit_code != 0 and "--out" in str(res.exception) and not (tmp_path / "x.csv").exists()


def test_record_metrics_rejects_missing_pathways_and_other_standards(warehouse_path, tmp_path):
    res = runner.invoke(
        app, ["record-metrics", "--pathways", str(tmp_path / "none.parquet"), "--db", str(warehouse_path)]
    )
    assert res.exit_code != 0 and "no such file" in str(res.exception) + res.output
    res = runner.invoke(
        app, ["record-metrics", "--pathways", str(tmp_path), "--standard", "2ww", "--db", str(warehouse_path)]
    )
    assert res.exit_code != 0


def test_spark_settings_from_the_environment(monkeypatch):
    from cancerwatch.errors import UsageError
    from cancerwatch.warehouse.engines.spark_engine import env_conf as _env_conf

    monkeypatch.setenv("CANCERWATCH_SPARK_CONF", "spark.sql.shuffle.partitions=64, spark.executor.memory=8g")
    assert _env_conf() == {"spark.sql.shuffle.partitions": "64", "spark.executor.memory": "8g"}
    monkeypatch.setenv("CANCERWATCH_SPARK_CONF", "spark.executor.memory")
    with pytest.raises(UsageError):
        _env_conf()
