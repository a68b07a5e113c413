"""Fixtures for the indicator tests: the hand-made files in tests/data/indicators/ (published
layouts, illustrative values), loaded on top of the bundled ONS and ODS lookups so that ONS
codes map to ODS codes and providers roll up to ICBs, Alliances and regions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data" / "indicators"
GEO = sorted((REPO / "data" / "geo").glob("*.csv"))
GOOD_FILES = [
    "fingertips_all_data.csv",
    "cpes_results.csv",
    "workforce_statistics.csv",
    "alliance_workforce_register.csv",
    "programme_budgeting.csv",
    "gdp_deflator.csv",
]


def quarantine(con, file_name: str) -> list[tuple]:
    """(row, column, reason) of a file's quarantined rows, in row order."""
    return con.execute(
        "SELECT row_number, column_name, reason FROM quarantine WHERE file_name = ? ORDER BY row_number",
        [file_name],
    ).fetchall()


@pytest.fixture(scope="module")
def indicator_db_path(tmp_path_factory) -> Path:
    """A warehouse with the lookups and every well-formed indicator fixture loaded."""
    path = tmp_path_factory.mktemp("indicators") / "cancerwatch.duckdb"
    con = open_duckdb(path)
    load_files(con, GEO)
    load_files(con, [DATA / f for f in GOOD_FILES])
    con.close()
    return path


@pytest.fixture(scope="module")
def indicator_db(indicator_db_path):
    """A read-only connection to that warehouse."""
    con = open_duckdb(indicator_db_path, read_only=True)
    yield con
    con.close()


@pytest.fixture
def geo_warehouse(tmp_path):
    """A fresh warehouse with only the lookups loaded."""
    con = open_duckdb(tmp_path / "geo.duckdb")
    load_files(con, GEO)
    yield con
    con.close()
