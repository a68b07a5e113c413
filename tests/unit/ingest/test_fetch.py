"""``cancerwatch fetch`` against a local HTTP server on loopback serving fixture files."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from datetime import date

import pytest
import xlsxwriter
from typer.testing import CliRunner

from cancerwatch.cli.app import app
from cancerwatch.ingest.fetch import urls_for

from .conftest import PROVIDER_HEADER, provider_row


@pytest.fixture
def server(tmp_path):
    """Serve ``tmp_path/site`` on 127.0.0.1 on a free port."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _xlsx(path, header, rows):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Extract")
    ws.write_row(0, 0, header)
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 0, [float(c) if c.replace(".", "").isdigit() and j >= 8 else c for j, c in enumerate(r)])
    wb.close()


def test_urls_follow_the_publication_pattern():
    assert urls_for(date(2023, 10, 1), "https://example.org/{year}/{month2}") == [
        "https://example.org/2023/12/CWT-CRS-Oct-2023-Data-Extract-Provider.xlsx",
        "https://example.org/2023/12/CWT-CRS-Oct-2023-Data-Extract-ICB-Sub-Location.xlsx",
    ]


def test_fetch_downloads_and_loads(server, tmp_path):
    site, base = server
    _xlsx(
        site / "CWT-CRS-Oct-2023-Data-Extract-Provider.xlsx",
        PROVIDER_HEADER,
        [provider_row(period="2023-10-01", total="10", within="7", breaches="3")],
    )
    _xlsx(
        site / "CWT-CRS-Oct-2023-Data-Extract-ICB-Sub-Location.xlsx",
        [
            "PERIOD",
            "YEAR",
            "MONTH",
            "STANDARD",
            "ICB SUB LOCATION",
            "SUB-CATEGORY",
            "TOTAL",
            "WITHIN STANDARD",
            "BREACHES",
        ],
        [["2023-10-01", "2023/24", "OCT", "28-day FDS", "02Q", "", "10", "7", "3"]],
    )
    res = CliRunner().invoke(
        app, ["fetch", "--month", "2023-10", "--base-url", base, "--db", str(tmp_path / "w.duckdb"), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["status"], r["rows_loaded"]) for r in rows] == [("loaded", 1), ("loaded", 1)]


def test_not_yet_published_is_a_clear_error(server, tmp_path):
    _, base = server
    res = CliRunner().invoke(
        app, ["fetch", "--month", "2030-01", "--base-url", base, "--db", str(tmp_path / "w.duckdb")]
    )
    assert res.exit_code != 0
    assert "not published yet (or moved)" in str(res.exception)


def test_offline_is_a_clear_error(tmp_path):
    from cancerwatch.errors import FetchError
    from cancerwatch.ingest.fetch import download

    with pytest.raises(FetchError, match=r"cannot reach http://127\.0\.0\.1:9/x\.xlsx \(offline\?"):
        download(["http://127.0.0.1:9/x.xlsx"], tmp_path)
