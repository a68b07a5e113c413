"""Quarantine of record-level files leaks nothing (issue 20, High 2): the reasons and raw rows of a
pathway file are shown only to a signed-in user, never on the public site, never by default in
the status helpers the CLI uses.

The pathway file has a name and date of birth typed into the route column, so a reason that
quotes the cell, or the raw row, would carry them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cancerwatch.cli.app import app as cli
from cancerwatch.config import Settings
from cancerwatch.ingest.load import load_files
from cancerwatch.synth import generate
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.status import WITHHELD, quarantine_counts, quarantine_rows
from cancerwatch.web.app import create_app
from tests.unit.ingest.conftest import provider_row, write_csv

TOKEN = "quarantine-access-token-0123"
SECRET = "John Smith 01/02/1960"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quarantine-access")
    pathways = folder / "pathways.parquet"
    generate(60, 11, pathways)
    table = pq.read_table(pathways)
    routes = table.column("route").to_pylist()
    routes[3] = SECRET
    table = table.set_column(table.column_names.index("route"), "route", pa.array(routes))
    pq.write_table(table, pathways)
    extract = write_csv(folder / "extract.csv", [provider_row(), provider_row(org="R B K")])
    path = folder / "w.duckdb"
    con = open_duckdb(path)
    load_files(con, [pathways, extract])
    assert con.execute("SELECT count(*) FROM quarantine WHERE raw_row LIKE ?", [f"%{SECRET}%"]).fetchone()[0] == 1
    con.close()
    return path


def _client(db: Path, *, public: bool = False) -> TestClient:
    return TestClient(create_app(db, settings=Settings(db_path=db, api_token=TOKEN), public=public))


def _quarantine(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["quarantine"]


def test_the_api_withholds_record_level_reasons(db):
    signed_in = {"Authorization": f"Bearer {TOKEN}"}
    for client, headers in ((_client(db, public=True), signed_in), (_client(db), {})):
        response = client.get("/api/v1/sources", headers=headers)
        assert SECRET not in response.text
        rows = _quarantine(response)
        assert {"file_name": "pathways.parquet", "reason": WITHHELD, "rows": 1} in rows
        assert any(r["file_name"] == "extract.csv" and "'R B K'" in r["reason"] for r in rows), rows
    shown = _quarantine(_client(db).get("/api/v1/sources", headers=signed_in))
    assert any(r["file_name"] == "pathways.parquet" and r["reason"] != WITHHELD for r in shown), shown


def test_the_data_page_withholds_record_level_reasons(db):
    assert SECRET not in _client(db, public=True).get("/data").text
    internal = _client(db)
    page = internal.get("/data")
    assert SECRET not in page.text and WITHHELD in page.text
    assert internal.post("/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
    assert WITHHELD not in internal.get("/data").text  # signed in: the reason itself


def test_the_status_helpers_withhold_by_default(db):
    con = open_duckdb(db, read_only=True)
    try:
        rows = quarantine_rows(con, limit=100)
        pathway = [r for r in rows if r["file_name"] == "pathways.parquet"]
        assert pathway and all(r["reason"] == WITHHELD and r["raw_row"] is None for r in pathway)
        assert SECRET not in json.dumps(rows, default=str)
        assert SECRET not in json.dumps(quarantine_counts(con))
        extract = [r for r in rows if r["file_name"] == "extract.csv"]
        assert extract and all(r["raw_row"] for r in extract)  # published aggregates stay visible
        assert SECRET in json.dumps(quarantine_rows(con, limit=100, record_level=True), default=str)
    finally:
        con.close()


def test_the_cli_withholds_unless_asked(db):
    plain = CliRunner().invoke(cli, ["quarantine", "--db", str(db), "--format", "json"])
    assert plain.exit_code == 0 and SECRET not in plain.stdout and "withheld" in plain.stdout
    asked = CliRunner().invoke(cli, ["quarantine", "--db", str(db), "--format", "json", "--record-level"])
    assert asked.exit_code == 0 and re.search(r"John Smith", asked.stdout)
