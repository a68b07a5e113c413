"""Annual reports printed at load time (``cancerwatch load --reports``), sent by the report route."""

from __future__ import annotations

import io

import pypdf
import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app as cli
from cancerwatch.config import Settings
from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.reports.preprinted import prepare_reports, report_key
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.prepared import bump_version, find_report
from cancerwatch.web.routes.report import _printed
from tests.conftest import DATA
from tests.web.conftest import copy_warehouse, make_client

ALLIANCE = "E56000005"
YEAR = "2024/25"
URL = f"/report/alliance/{ALLIANCE}"


@pytest.fixture(scope="module")
def printed_db(warehouse_path, tmp_path_factory):
    """A copy of the bundled warehouse with one Alliance's reports printed for both kinds of server."""
    path = copy_warehouse(warehouse_path, tmp_path_factory.mktemp("printed"), "printed.duckdb")
    done = prepare_reports(path, Settings(db_path=path), ["internal", "public"], codes=[ALLIANCE], processes=1)
    assert done.reports == 2 and done.version is not None
    return path


@pytest.fixture(scope="module")
def printed_clients(printed_db):
    """An internal and a public app over the warehouse with the printed reports."""
    with make_client(printed_db) as internal, make_client(printed_db, public=True) as public:
        yield {False: internal, True: public}


def _pdf(client, url: str) -> bytes:
    response = client.get(url)
    while response.status_code == 202:  # the "Preparing the PDF" page
        response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return response.content


def _pages(document: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages]


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public"])
def test_a_printed_report_is_the_report_built_on_request(printed_db, printed_clients, client, public_client, public):
    """The HTML printed at load time is byte for byte the one a server builds on request for the
    same visitor, and the PDF has the same pages and text."""
    printed, built = printed_clients[public], public_client if public else client
    sent = printed.get(f"{URL}.html")
    assert sent.status_code == 200
    key = report_key(
        "alliance", ALLIANCE, YEAR, Disclosure.from_settings(Settings(), public=public, record_access=False)
    )
    con = open_duckdb(printed_db, read_only=True)
    try:
        kept_html, kept_pdf = find_report(con, key, "html"), find_report(con, key, "pdf")
    finally:
        con.close()
    assert kept_html is not None and kept_pdf is not None
    assert sent.content == kept_html
    assert sent.text == built.get(f"{URL}.html?year={YEAR}").text
    document = _pdf(printed, f"{URL}.pdf")
    assert document == kept_pdf
    if not public:  # the PDF is printed from the HTML compared above; once is enough
        assert _pages(document) == _pages(_pdf(built, f"{URL}.pdf?year={YEAR}"))


def test_the_internal_and_public_reports_differ_where_the_viewers_do(printed_clients):
    """Each kind of server has its own printed copy: the record-level section's note differs."""
    a, b = (printed_clients[public].get(f"{URL}.html").text for public in (False, True))
    assert a != b
    assert "which this public site does not publish" in b and "shown only to signed-in users" in a


def test_a_signed_in_viewer_and_another_year_are_not_sent_a_printed_report(printed_db):
    con = open_duckdb(printed_db, read_only=True)
    try:
        viewer = Disclosure.from_settings(Settings(), public=False, record_access=True)
        assert _printed(Reader(con, viewer), "alliance", ALLIANCE, YEAR, "html") is None
        anonymous = Disclosure.from_settings(Settings(), public=False, record_access=False)
        assert _printed(Reader(con, anonymous), "alliance", ALLIANCE, YEAR, "html") is not None
        assert _printed(Reader(con, anonymous), "alliance", ALLIANCE, "2023/24", "html") is None
        assert _printed(Reader(con, anonymous), "alliance", "E56000007", YEAR, "html") is None
    finally:
        con.close()


def test_a_new_data_version_drops_the_printed_reports(printed_db, tmp_path):
    path = copy_warehouse(printed_db, tmp_path, "bumped.duckdb")
    key = report_key("alliance", ALLIANCE, YEAR, Disclosure.from_settings(Settings(), record_access=False))
    con = open_duckdb(path)
    try:
        assert find_report(con, key, "html") is not None
        con.begin()
        bump_version(con)
        con.commit()
        assert find_report(con, key, "html") is None
        assert con.execute("SELECT count(*) FROM prepared_reports").fetchone() == (0,)
    finally:
        con.close()


def test_load_with_reports_prints_them_after_the_load(tmp_path):
    """``cancerwatch load --reports`` loads, then prints every Alliance's report (none here: a
    lookup has no figures) and says how many; an unknown mode is refused in one line."""
    db = tmp_path / "w.duckdb"
    lookup = sorted((DATA / "geo").glob("*.csv"))[0]
    result = CliRunner().invoke(cli, ["load", str(lookup), "--db", str(db), "--reports", "internal", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "annual reports printed: 0 (internal)" in result.output
    refused = CliRunner().invoke(cli, ["load", str(lookup), "--db", str(db), "--reports", "everyone"])
    assert refused.exit_code == 2 and "everyone" in refused.output
