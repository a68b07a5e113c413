"""The same metric expressions on PySpark give exactly the DuckDB rows (issue 9).

Every standard × level × period on the bundled real data is run through ``metrics()`` on both
engines and compared field by field (counts, performance, intervals, thresholds, England
comparison, rank), and the raw summed counts are compared as exact decimals before any float
conversion. The national figures on Spark must also equal NHS England's published check figures.

SQL engines return grouped rows in no particular order, and ``queries._rank`` breaks ties in
performance by input order; so both engines' counts are put in one canonical order before
``metrics()`` enriches them (``_canonical_counts``). Row order is not part of any rule.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest

import cancerwatch.queries as queries
from cancerwatch.catalogue.organisations import LEVELS
from cancerwatch.catalogue.standards import headline_standards, standards
from cancerwatch.errors import CancerwatchError
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.warehouse.engines import TABLES, close_engine, export_parquet, open_engine, write_results

pytestmark = [
    pytest.mark.spark,
    pytest.mark.timeout(2700),  # the first test builds every case on both engines (the module fixture)
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime on PATH: PySpark needs one"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # pandas 3 deprecations inside PySpark and Ibis
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[dev,spark]')")

PERIODS = ("month", "quarter", "year")
STANDARDS = tuple(standards())
# every standard at every level by month; quarters and years for the headline standards (the
# same expression with a coarser period key, so a sample keeps the run within CI's budget)
CASES = [(s, lv, "month") for s in STANDARDS for lv in LEVELS] + [
    (s, lv, p) for s in headline_standards() for lv in LEVELS for p in PERIODS[1:]
]


def _key(row: dict) -> tuple:
    return (row["period_start"], row["unit_code"], row.get("by_value") or "", row.get("source") or "")


class _Recorded:
    """An expression whose fetched rows are kept, per engine and query, in one canonical order."""

    def __init__(self, expr, key: tuple, seen: dict) -> None:
        self._expr, self._key, self._seen = expr, key, seen

    def to_pyarrow(self):
        table = self._expr.to_pyarrow()
        self._seen[self._key] = sorted(table.to_pylist(), key=_key)
        return table

    def __getattr__(self, name):
        return getattr(self._expr, name)


@pytest.fixture(scope="module")
def canonical_counts():
    """Record every performance table fetched, per engine and query, before any float conversion."""
    original = queries.performance_table
    seen: dict[tuple, list[dict]] = {}

    def wrapped(tables, standard, spec):
        expr = original(tables, standard, spec)
        return _Recorded(expr, (expr.get_backend().name, standard.id, spec), seen)

    queries.performance_table = wrapped
    yield seen
    queries.performance_table = original


@pytest.fixture(scope="session")
def spark(warehouse):
    """One SparkSession (local[2]) for the test session, with the warehouse tables cached in it."""
    backend = open_engine("spark", warehouse)
    for name in TABLES:
        backend._session.catalog.cacheTable(name)
    yield backend
    close_engine(backend)


def _run(con, q: MetricQuery, backend=None):
    """``metrics()`` rows, or the error it raised (both engines must agree on either)."""
    try:
        return metrics(con, q, backend=backend)
    except CancerwatchError as exc:
        return (type(exc).__name__, str(exc))


@pytest.fixture(scope="module")
def results(warehouse, spark, canonical_counts):
    """Every case on both engines: Spark jobs run from a few threads, so they overlap."""
    t0 = time.perf_counter()
    queries_ = {case: MetricQuery(standard=case[0], level=case[1], period=case[2]) for case in CASES}
    duck = {case: _run(warehouse, q) for case, q in queries_.items()}

    def on_spark(case):
        cur = warehouse.cursor()  # a DuckDB cursor per thread, for organisation names
        try:
            return case, _run(cur, queries_[case], backend=spark)
        finally:
            cur.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        sparks = dict(pool.map(on_spark, CASES))
    print(f"\n{len(CASES)} cases on DuckDB and Spark in {time.perf_counter() - t0:.1f} s")
    return duck, sparks


@pytest.mark.parametrize(("standard", "level", "period"), CASES, ids=["-".join(c) for c in CASES])
def test_rows_identical(results, standard, level, period):
    duck, sparks = results
    d, s = duck[(standard, level, period)], sparks[(standard, level, period)]
    assert type(d) is type(s)
    if isinstance(d, tuple):  # both engines refused the query (no data): same error
        assert d == s
        return
    assert len(d) == len(s) > 0
    for a, b in zip(d, s, strict=True):
        assert a.keys() == b.keys()
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def test_raw_counts_are_identical_decimals(results, canonical_counts):
    """Summed counts agree as exact decimals, before any float conversion (half patients)."""
    spark_keys = [k for k in canonical_counts if k[0] == "pyspark"]
    assert len(spark_keys) >= len(CASES) / 2
    halves = 0
    for _, *q in spark_keys:
        d, s = canonical_counts[("duckdb", *q)], canonical_counts[("pyspark", *q)]
        assert [_key(r) for r in d] == [_key(r) for r in s]
        for a, b in zip(d, s, strict=True):
            for field in ("total", "within_standard", "breaches"):
                assert isinstance(b[field], Decimal) and a[field] == b[field], (q, field, a, b)
                halves += b[field] % 1 != 0
            assert (a.get("months"), a.get("last_month")) == (b.get("months"), b.get("last_month"))
    assert halves > 0  # the data has shared 62-day pathways, and they survived on Spark


@pytest.mark.parametrize(
    ("month", "standard", "total", "within"),
    [("2023-04", "fds", 215_274, 153_593), ("2023-09", "62d", 22_747.5, 14_403.5)],
)
def test_spark_reproduces_published_check_figures(warehouse, spark, month, standard, total, within):
    d = date.fromisoformat(month + "-01")
    (row,) = metrics(warehouse, MetricQuery(standard=standard, date_from=d, date_to=d), backend=spark)
    assert (row["total"], row["within_standard"], row["breaches"]) == (total, within, total - within)
    assert row["source"] == "published" and row["org_code"] == "ENG"


def test_spark_over_month_partitioned_parquet(warehouse, spark, tmp_path):
    """The ``--parquet DIR`` layout (facts partitioned by month) gives the same rows on both engines."""
    export_parquet(warehouse, tmp_path, ["facts"])
    assert sorted(p.name for p in (tmp_path / "facts").iterdir())[0] == "period=2021-07-01"
    q = MetricQuery(standard="62d", level="alliance", period="quarter")
    expected = _comparable(metrics(warehouse, q))
    for engine in ("spark", "duckdb"):
        backend = open_engine(engine, warehouse, parquet_dir=tmp_path)
        try:
            assert dict(backend.table("facts").schema()) == dict(spark.table("facts").schema())
            assert _comparable(metrics(warehouse, q, backend=backend)) == expected
        finally:
            close_engine(backend)


def _comparable(rows):
    return sorted((r["period_start"], r["org_code"], r["total"], r["within_standard"], r["breaches"]) for r in rows)


def test_write_results_round_trips(warehouse, spark, tmp_path):
    import pyarrow.parquet as pq

    rows = metrics(warehouse, MetricQuery(standard="62d", level="region", period="quarter"), backend=spark)
    path = write_results(rows, tmp_path / "out" / "62d.parquet")
    assert pq.read_table(path).to_pylist() == rows
