"""Shared fixtures: a warehouse loaded from the bundled real NHS England and ONS files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
PROVIDER_EXTRACT = DATA / "nhse" / "CWT-CRS-Apr-2023-to-Sep-2023-Data-Extract-Provider.xlsx"
SUB_ICB_EXTRACT = DATA / "nhse" / "CWT-CRS-Apr-2023-to-Oct-2023-Data-Extract-ICB-Sub-Location.xlsx"
NATIONAL_SERIES = DATA / "nhse" / "Cancer-Waiting-Times-National-Time-Series-Oct-2009-Sep-2023.xlsx"


WORKBOOKS = DATA / "nhse" / "monthly-workbooks"
DM01_FILES = sorted((DATA / "nhse" / "diagnostics-dm01").glob("*.xls"))
WORKFORCE_FILE = DATA / "nhse" / "workforce" / "NHS Workforce Statistics, May 2025 England and Organisation.xlsx"


def bundled_files() -> list[Path]:
    """Every bundled file cancerwatch loads (reference lookups first, then everything under nhse/)."""
    published = sorted(p for p in DATA.glob("nhse/**/*") if p.suffix.lower() in (".xlsx", ".xls"))
    return sorted(DATA.glob("geo/*.csv")) + published


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory) -> Path:
    """A DuckDB file with every bundled file loaded."""
    path = tmp_path_factory.mktemp("warehouse") / "cancerwatch.duckdb"
    con = open_duckdb(path)
    load_files(con, bundled_files())
    con.close()
    return path


@pytest.fixture(scope="session")
def warehouse(warehouse_path):
    """A read-only connection to the loaded warehouse."""
    con = open_duckdb(warehouse_path, read_only=True)
    yield con
    con.close()


@pytest.fixture
def empty_warehouse(tmp_path):
    """A fresh, empty warehouse."""
    con = open_duckdb(tmp_path / "empty.duckdb")
    yield con
    con.close()


def pytest_sessionfinish(session, exitstatus):
    """With ``CANCERWATCH_FORBID_SKIPS=1`` (set by ``scripts/test.sh``, so in CI) a skipped test fails
    the run: a missing Java, PySpark or chromium must not pass silently as skipped Spark or browser tests."""
    if os.environ.get("CANCERWATCH_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} tests were skipped, and this run must run every test", red=True)
        session.exitstatus = 1
