"""The record-level rules give exactly the same figures on PySpark as on DuckDB (issue 9).

One million synthetic pathways (``cancerwatch.synth``, England-shaped, on the bundled organisation
codes) go through the record-level rules (``record_facts``: FDS, 31-day, 62-day with breach
allocation, both bases, every breakdown) on each engine; each engine writes its facts as a Parquet
dataset partitioned by month. The two datasets must hold the same rows to the half patient, and
every standard × level (on each basis) × month from ``metrics()`` must be identical, field by field.

The pathways are generated once per test session into a temporary folder.
"""

from __future__ import annotations

import shutil
import time

import duckdb
import pytest

from cancerwatch.catalogue.organisations import levels_for_basis
from cancerwatch.metrics.pathways.clocks import RECORD_STANDARDS
from cancerwatch.metrics.pathways.record_facts import warehouse_fact_rows
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.warehouse.engines import close_engine, open_record_engine

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime on PATH: PySpark needs one"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[dev,spark]')")

PATHWAYS = 1_000_000
SEED = 2024
CASES = [
    (s, basis, level)
    for s in RECORD_STANDARDS
    for basis in ("provider", "commissioner")
    for level in levels_for_basis(basis)
]
FACT_KEY = "basis, period, standard, org_code, route, modality, cancer_type, tumour_scheme, breakdown"


@pytest.fixture(scope="session")
def synthetic_pathways(tmp_path_factory):
    """One million synthetic pathways (one Parquet file), generated once per session."""
    from cancerwatch.synth import generate

    path = tmp_path_factory.mktemp("synthetic") / f"pathways_{PATHWAYS}.parquet"
    return generate(PATHWAYS, SEED, path)


@pytest.fixture(scope="module")
def engines(warehouse, synthetic_pathways, tmp_path_factory):
    """The record-level facts of the synthetic pathways on each engine, kept as Parquet by month."""
    out = tmp_path_factory.mktemp("record-facts")
    backends, timings = {}, {}
    for engine in ("duckdb", "spark"):
        t0 = time.perf_counter()
        backends[engine] = open_record_engine(
            engine, warehouse, synthetic_pathways, rules=warehouse_fact_rows, facts_dir=out / engine
        )
        timings[engine] = time.perf_counter() - t0
    print(f"\nrecord-level facts of {PATHWAYS:,} pathways: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    yield backends, out
    for backend in backends.values():
        close_engine(backend)


def _read(directory) -> str:
    return f"read_parquet('{directory}/facts/**/*.parquet', hive_partitioning = true)"


def test_record_facts_identical_to_the_half_patient(engines):
    """Both engines wrote the same facts, month-partitioned; counts compared as exact decimals."""
    _, out = engines
    con = duckdb.connect()
    duck, spark = _read(out / "duckdb"), _read(out / "spark")
    months = {p.name for p in (out / "duckdb" / "facts").iterdir()}
    assert months == {p.name for p in (out / "spark" / "facts").iterdir() if p.is_dir()}
    assert len(months) >= 12 and all(m.startswith("period=") for m in months)
    n_duck, halves = con.execute(f"SELECT count(*), count(*) FILTER (total % 1 <> 0) FROM {duck}").fetchone()
    assert n_duck > 100_000 and halves > 0  # shared 62-day pathways give half patients
    assert con.execute(f"SELECT count(*) FROM {spark}").fetchone()[0] == n_duck
    cols = f"{FACT_KEY}, CAST(total AS DECIMAL(14,1)), CAST(within_standard AS DECIMAL(14,1)), breaches"
    for a, b in ((duck, spark), (spark, duck)):
        diff = con.execute(f"SELECT {cols} FROM {a} EXCEPT ALL SELECT {cols} FROM {b} LIMIT 5").fetchall()
        assert diff == [], diff
    (dtype,) = {r[1] for r in con.execute(f"DESCRIBE SELECT total, within_standard FROM {spark}").fetchall()}
    assert dtype == "DECIMAL(14,1)"


@pytest.fixture(scope="module")
def results(warehouse, engines):
    backends, _ = engines
    out = {}
    for engine, backend in backends.items():
        for standard, basis, level in CASES:
            q = MetricQuery(standard=standard, level=level, basis=basis, period="month", dataset="record")
            out[(engine, standard, basis, level)] = metrics(warehouse, q, backend=backend)
    return out


@pytest.mark.parametrize(("standard", "basis", "level"), CASES, ids=["-".join(c) for c in CASES])
def test_every_standard_level_month_identical(results, standard, basis, level):
    d, s = results[("duckdb", standard, basis, level)], results[("spark", standard, basis, level)]
    assert len(d) == len(s) > 0
    assert len({r["period_start"] for r in d}) >= 12
    for a, b in zip(d, s, strict=True):
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b.get(k)}
    if level == "national":
        assert all(r["source"] == "record" and r["total"] > 0 for r in d)
