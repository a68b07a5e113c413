"""ETag / 304 keyed on the warehouse version, page and viewer; compressed HTML, JSON and CSV."""

from __future__ import annotations

from pathlib import Path

from cancerwatch.ingest.load import load_files
from tests.web.conftest import API_TOKEN, copy_warehouse, make_client

DATA = Path(__file__).resolve().parents[2] / "data"


def test_a_page_revalidates_with_304(client):
    first = client.get("/")
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag.startswith('W/"')
    assert "no-cache" in first.headers["cache-control"]
    again = client.get("/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get("/", headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_tags_differ_by_page_query_and_viewer(client, public_client):
    tags = {
        client.get("/").headers["etag"],
        client.get("/?format=json").headers["etag"],
        client.get("/league?standard=fds").headers["etag"],
        public_client.get("/").headers["etag"],
        client.get("/api/v1/standards", headers={"Authorization": f"Bearer {API_TOKEN}"}).headers["etag"],
        client.get("/api/v1/standards").headers["etag"],
    }
    assert len(tags) == 6
    # a signed-in viewer's tag never answers an anonymous request
    mine = client.get("/", headers={"Authorization": f"Bearer {API_TOKEN}"}).headers["etag"]
    assert client.get("/", headers={"If-None-Match": mine}).status_code == 200


def test_a_load_gives_new_tags(warehouse_path, tmp_path):
    path = copy_warehouse(warehouse_path, tmp_path, "etag.duckdb")
    with make_client(path) as c:
        before = c.get("/league?standard=62d").headers["etag"]
        assert c.get("/league?standard=62d", headers={"If-None-Match": before}).status_code == 304
        with c.app.state.cancerwatch.warehouse.writer() as con:
            load_files(con, [DATA / "geo" / "ods_etr_nhs_trusts.csv"])
        after = c.get("/league?standard=62d", headers={"If-None-Match": before})
        assert after.status_code == 200 and after.headers["etag"] != before


def test_forms_with_per_visit_tokens_are_not_tagged(client):
    assert "etag" not in client.get("/login").headers


def test_html_json_and_csv_are_compressed(client):
    for path in (
        "/",
        "/league?standard=62d&level=provider&format=json",
        "/league?standard=62d&level=provider&format=csv",
    ):
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", path
    r = client.get("/api/v1/metrics?standard=62d&level=alliance", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
