"""A partial or older file never lowers another organisation's figures, and any load can be undone."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from cancerwatch.errors import InputError, UsageError
from cancerwatch.ingest.load import load_files
from cancerwatch.ingest.unload import unload_source
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.warehouse.connect import open_duckdb
from tests.conftest import DATA, PROVIDER_EXTRACT

HEADER = [
    "PERIOD",
    "YEAR",
    "MONTH",
    "STANDARD",
    "ORG CODE",
    "STAGE/ROUTE",
    "TREATMENT MODALITY",
    "CANCER TYPE",
    "TOTAL TREATED",
    "WITHIN STANDARD",
    "BREACHES",
]
RBQ_ROW = [
    "2023-09-01",
    "2023/24",
    "SEP",
    "28-day FDS",
    "RBQ",
    "URGENT SUSPECTED CANCER",
    "",
    "Suspected breast cancer",
    "10",
    "9",
    "1",
]


def _england(con: duckdb.DuckDBPyConnection, standard: str = "fds") -> float:
    sep = date(2023, 9, 1)
    [row] = metrics(con, MetricQuery(standard, "national", "month", date_from=sep, date_to=sep))
    return row["total"]


def _provider(con: duckdb.DuckDBPyConnection, code: str) -> float:
    sep = date(2023, 9, 1)
    [row] = metrics(con, MetricQuery("fds", "provider", "month", code, date_from=sep, date_to=sep))
    return row["total"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("supersession") / "w.duckdb"
    con = open_duckdb(path)
    load_files(con, [*sorted(DATA.glob("geo/*.csv")), PROVIDER_EXTRACT])
    con.close()
    return path


def _one_row_file(tmp_path: Path) -> Path:
    path = tmp_path / "one-row.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER, RBQ_ROW])
    return path


def test_a_one_row_file_supersedes_only_its_own_organisation(loaded, tmp_path):
    work = tmp_path / "w.duckdb"
    work.write_bytes(loaded.read_bytes())
    con = open_duckdb(work)
    england, rbq, other = _england(con), _provider(con, "RBQ"), _provider(con, "RJ1")
    assert england == 258858  # NHS England, FDS, September 2023
    [result] = load_files(con, [_one_row_file(tmp_path)])
    assert result.status == "loaded"
    # Only RBQ's September FDS figures are replaced; every other organisation keeps its own.
    assert _provider(con, "RBQ") == 10
    assert _provider(con, "RJ1") == other
    assert _england(con) == england - rbq + 10
    assert (
        result.superseded
        == con.execute(
            "SELECT count(*) FROM facts WHERE superseded_by = ? AND org_code = 'RBQ'", [result.source_id]
        ).fetchone()[0]
    )
    # ...and the load can be undone: the real extract's figures are current again.
    done = unload_source(con, result.source_id)
    assert done.restored > 0
    assert _england(con) == england and _provider(con, "RBQ") == rbq
    # Reloading the undone file is a new load, not "unchanged".
    [again] = load_files(con, [_one_row_file(tmp_path)])
    assert again.status == "loaded"
    con.close()


def test_unloading_the_only_vintage_removes_its_figures(loaded, tmp_path):
    work = tmp_path / "w.duckdb"
    work.write_bytes(loaded.read_bytes())
    con = open_duckdb(work)
    source_id = con.execute("SELECT source_id FROM sources WHERE kind = 'cwt_provider'").fetchone()[0]
    unload_source(con, source_id)
    assert con.execute("SELECT count(*) FROM facts").fetchone()[0] == 0
    assert con.execute("SELECT unloaded_at IS NOT NULL FROM sources WHERE source_id = ?", [source_id]).fetchone()[0]
    with pytest.raises(UsageError, match="already unloaded"):
        unload_source(con, source_id)
    with pytest.raises(UsageError, match="no loaded file"):
        unload_source(con, 99_999)
    con.close()


def test_an_unload_that_fails_changes_nothing(loaded, tmp_path, monkeypatch):
    work = tmp_path / "w.duckdb"
    work.write_bytes(loaded.read_bytes())
    con = open_duckdb(work)
    before = con.execute("SELECT count(*), sum(total) FROM facts WHERE superseded_by IS NULL").fetchone()
    source_id = con.execute("SELECT source_id FROM sources WHERE kind = 'cwt_provider'").fetchone()[0]
    import cancerwatch.ingest.unload as unload

    def boom(_con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(unload, "recompute_current", boom)
    with pytest.raises(RuntimeError):
        unload.unload_source(con, source_id)
    assert con.execute("SELECT count(*), sum(total) FROM facts WHERE superseded_by IS NULL").fetchone() == before
    con.close()


def _workbook(path: Path, sheets: dict[str, list[list]], hidden: set[str] = frozenset()) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def _rows(code: str, total: str) -> list[list]:
    return [HEADER, [*RBQ_ROW[:4], code, *RBQ_ROW[5:8], total, total, "0"]]


def test_every_data_sheet_is_read_and_counted(empty_warehouse, tmp_path):
    path = _workbook(tmp_path / "two.xlsx", {"Part 1": _rows("RBQ", "5"), "Part 2": _rows("RJ1", "7")})
    [result] = load_files(empty_warehouse, [path])
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    codes = {r[0] for r in empty_warehouse.execute("SELECT org_code FROM facts").fetchall()}
    assert codes == {"RBQ", "RJ1"}


def test_a_hidden_data_sheet_is_refused_and_named(empty_warehouse, tmp_path):
    path = _workbook(tmp_path / "hidden.xlsx", {"Current": _rows("RBQ", "5"), "Old": _rows("RBQ", "9")}, hidden={"Old"})
    with pytest.raises(InputError, match="hidden sheet 'Old'"):
        load_files(empty_warehouse, [path])
    assert empty_warehouse.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_two_sheets_giving_the_same_figures_are_refused(empty_warehouse, tmp_path):
    path = _workbook(tmp_path / "dup.xlsx", {"A": _rows("RBQ", "5"), "B": _rows("RBQ", "5")})
    with pytest.raises(InputError, match="sheets 'A' and 'B' both hold RBQ"):
        load_files(empty_warehouse, [path])
