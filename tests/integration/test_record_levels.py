"""Record-level figures at every organisation level, with the reference organisations loaded.

1. The trust-shaped file of ``test_record_level`` (nine pathways, hand-worked) goes in with the ODS
   trusts, the ONS sub-ICB lookup and the Alliance catalogue; FDS, 31-day and 62-day come out per
   provider, sub-ICB location, ICB, Alliance, region and England, half patients included.
2. ``metrics.pathways.levels.level_counts`` (all standards × levels in one expression) equals
   ``metric_counts`` asked one standard and level at a time, on a synthetic England sample.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cancerwatch.catalogue.standards import get_standard
from cancerwatch.ingest.load import load_files
from cancerwatch.metrics.pathways.levels import level_combinations, level_counts
from cancerwatch.metrics.performance import metric_counts
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.synth import generate
from cancerwatch.warehouse.connect import ibis_backend, open_duckdb, to_arrow

from .test_record_level import TRUST_ROWS, write_csv

GEO = sorted((Path(__file__).resolve().parents[2] / "data" / "geo").glob("*.csv"))

# Where the trust file's organisations sit (ODS trust file, ONS July 2022 lookup, Alliance catalogue):
# RBK Walsall → ICB QUA, RXK Sandwell → QHL, both West Midlands Alliance (E56000007), region Y60;
# RAL Royal Free → QMJ, North Central London (E56000027), Y56. Patients' sub-ICB locations:
# 00L → ICB QHM, Northern Alliance (E56000029), Y63; 15N → QJK, Peninsula (E56000014), Y58.


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("levels")
    con = open_duckdb(tmp / "trust.duckdb")
    load_files(con, GEO)
    [res] = load_files(con, [write_csv(tmp / "trust_pathways.csv", TRUST_ROWS)])
    assert (res.rows_read, res.rows_loaded) == (9, 9)
    yield con
    con.close()


def figures(con, standard, level, basis=None, month=None):
    rows = metrics(con, MetricQuery(standard=standard, level=level, basis=basis, dataset="record"))
    return {
        r["org_code"]: (r["total"], r["within_standard"], r["breaches"])
        for r in rows
        if month is None or r["period_start"] == month
    }


# 62 days (hand-worked in test_record_level): RBK 2.5 (1.5 within), RAL 3 (0.5), RXK 1.5 (1).
D62_PROVIDER_BASIS = {
    "provider": {"RBK": (2.5, 1.5, 1.0), "RAL": (3.0, 0.5, 2.5), "RXK": (1.5, 1.0, 0.5)},
    "icb": {"QUA": (2.5, 1.5, 1.0), "QMJ": (3.0, 0.5, 2.5), "QHL": (1.5, 1.0, 0.5)},
    "alliance": {"E56000007": (4.0, 2.5, 1.5), "E56000027": (3.0, 0.5, 2.5)},
    "region": {"Y60": (4.0, 2.5, 1.5), "Y56": (3.0, 0.5, 2.5)},
    "national": {"ENG": (7.0, 3.0, 4.0)},
}
# By the patient's sub-ICB location, each pathway is one whole patient: 00L has pathways 1–5 and 9
# (within: 1 and 2), 15N has pathway 6 (within, day 62).
D62_COMMISSIONER_BASIS = {
    "sub_icb": {"00L": (6.0, 2.0, 4.0), "15N": (1.0, 1.0, 0.0)},
    "icb": {"QHM": (6.0, 2.0, 4.0), "QJK": (1.0, 1.0, 0.0)},
    "alliance": {"E56000029": (6.0, 2.0, 4.0), "E56000014": (1.0, 1.0, 0.0)},
    "region": {"Y63": (6.0, 2.0, 4.0), "Y58": (1.0, 1.0, 0.0)},
    "national": {"ENG": (7.0, 3.0, 4.0)},
}


@pytest.mark.parametrize("level", list(D62_PROVIDER_BASIS))
def test_62_day_at_every_level_on_the_provider_basis(warehouse, level):
    assert figures(warehouse, "62d", level, "provider") == D62_PROVIDER_BASIS[level]


@pytest.mark.parametrize("level", list(D62_COMMISSIONER_BASIS))
def test_62_day_at_every_level_on_the_commissioner_basis(warehouse, level):
    assert figures(warehouse, "62d", level, "commissioner") == D62_COMMISSIONER_BASIS[level]


def test_fds_per_provider_by_month(warehouse):
    # FDS routes, not subsequent: pathways 1, 2, 3, 4 (RBK), 6 (RXK), 9 (RAL); the FDS clock stops
    # ten days after referral, so every one is within 28 days. Referral 40 or 50 days before
    # 15 May 2023 → stop in April; 62, 70 or 80 days before → March.
    assert figures(warehouse, "fds", "provider", month="2023-03-01") == {
        "RBK": (2.0, 2.0, 0.0),
        "RXK": (1.0, 1.0, 0.0),
        "RAL": (1.0, 1.0, 0.0),
    }
    assert figures(warehouse, "fds", "provider", month="2023-04-01") == {"RBK": (2.0, 2.0, 0.0)}
    assert figures(warehouse, "fds", "sub_icb", month="2023-03-01") == {"00L": (3.0, 3.0, 0.0), "15N": (1.0, 1.0, 0.0)}


def test_31_day_per_treating_provider(warehouse):
    # Every row is a treatment five days after the decision to treat; the treating provider counts.
    assert figures(warehouse, "31d", "provider") == {
        "RBK": (3.0, 3.0, 0.0),
        "RAL": (5.0, 5.0, 0.0),
        "RXK": (1.0, 1.0, 0.0),
    }
    assert figures(warehouse, "31d", "alliance", "provider") == {
        "E56000007": (4.0, 4.0, 0.0),
        "E56000027": (5.0, 5.0, 0.0),
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synthetic-levels")
    con = open_duckdb(tmp / "synthetic.duckdb")
    load_files(con, GEO)
    load_files(con, [generate(6_000, 5, tmp / "synthetic.parquet", con=con, chunk_rows=2_500)])
    yield con
    con.close()


def test_level_counts_equal_metric_counts_one_at_a_time(synthetic):
    backend = ibis_backend(synthetic)
    facts, rollup = backend.table("facts"), backend.table("org_rollup")
    record = facts.filter(facts.dataset == "record", facts.superseded_by.isnull())
    got = {}
    for r in level_counts(record, rollup).to_pyarrow().to_pylist():
        key = (r["standard"], r["basis"], r["level"], r["period_start"], r["unit_code"])
        got[key] = (float(r["total"]), float(r["within_standard"]), float(r["breaches"]))
    expected = {}
    for std in ("fds", "31d", "62d"):
        for basis, level in level_combinations():
            t = metric_counts(
                facts, rollup, get_standard(std), level=level, period="month", basis=basis, dataset="record"
            )
            for r in t.to_pyarrow().to_pylist():
                key = (std, basis, level, r["period_start"], r["unit_code"])
                expected[key] = (float(r["total"]), float(r["within_standard"]), float(r["breaches"]))
    assert got == expected
    levels = {(k[1], k[2]) for k in got}
    assert levels == set(level_combinations())
    mapped = {k[4] for k in got if k[2] == "alliance"} - {"UNMAPPED"}
    assert mapped, "synthetic providers and sub-ICB locations map to Alliances"
    assert any(v[0] != int(v[0]) for k, v in got.items() if k[2] == "provider" and k[0] == "62d")


def test_to_arrow_equals_to_pyarrow(synthetic):
    """The benchmark's fetch (compiled SQL straight to Arrow) returns what Ibis's ``to_pyarrow`` does."""
    backend = ibis_backend(synthetic)
    facts, rollup = backend.table("facts"), backend.table("org_rollup")
    expr = level_counts(facts.filter(facts.dataset == "record"), rollup).order_by(
        ["standard", "basis", "level", "period_start", "unit_code"]
    )
    assert to_arrow(backend, expr).equals(expr.to_pyarrow())
