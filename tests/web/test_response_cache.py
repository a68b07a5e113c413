"""Rendered responses kept per warehouse version for viewers who are not signed in."""

from __future__ import annotations

from pathlib import Path

from cancerwatch.ingest.load import load_files
from cancerwatch.web.response_cache import Kept, ResponseStore
from cancerwatch.web.security_headers import inline_script_hashes
from tests.web.conftest import API_TOKEN, copy_warehouse, make_client

DATA = Path(__file__).resolve().parents[2] / "data"
BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


def _keys(client) -> set[tuple[str, ...]]:
    return set(client.app.state.responses._items)


def test_a_repeated_anonymous_page_is_sent_from_the_store(warehouse_path, tmp_path):
    path = copy_warehouse(warehouse_path, tmp_path, "kept.duckdb")
    with make_client(path) as c:
        first = c.get("/league?standard=62d", headers={"Accept-Encoding": "identity"})
        assert first.status_code == 200 and ("internal", "/league", "standard=62d", "identity") in _keys(c)
        # the store, not the route, answers now: take the route's data away and ask again
        stored = c.app.state.responses._items[("internal", "/league", "standard=62d", "identity")]
        c.app.state.responses._items[("internal", "/league", "standard=62d", "identity")] = Kept(
            stored.status, stored.headers, stored.body.replace(b"League table", b"KEPT-MARKER")
        )
        again = c.get("/league?standard=62d", headers={"Accept-Encoding": "identity"})
        assert b"KEPT-MARKER" in again.content
        assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
        # compressed and plain answers are kept apart
        c.get("/league?standard=62d", headers={"Accept-Encoding": "gzip"})
        assert ("internal", "/league", "standard=62d", "gzip") in _keys(c)


def test_a_load_starts_the_store_afresh(warehouse_path, tmp_path):
    path = copy_warehouse(warehouse_path, tmp_path, "renewed.duckdb")
    with make_client(path) as c:
        c.get("/league?standard=fds")
        key = ("internal", "/league", "standard=fds", "gzip")
        stored = c.app.state.responses._items[key]
        c.app.state.responses._items[key] = Kept(stored.status, stored.headers, b"stale")
        with c.app.state.cancerwatch.warehouse.writer() as con:
            load_files(con, [DATA / "geo" / "ods_etr_nhs_trusts.csv"])
        after = c.get("/league?standard=fds")
        assert after.status_code == 200 and after.content != b"stale" and b"League table" in after.content
        assert len(c.app.state.responses) == 1  # the earlier version's answers are gone


def test_signed_in_errors_cookies_and_forms_are_never_kept(warehouse_path, tmp_path):
    path = copy_warehouse(warehouse_path, tmp_path, "private.duckdb")
    with make_client(path) as c:
        assert c.get("/api/v1/standards", headers=BEARER).status_code == 200
        assert c.get("/org/icb/NOWHERE").status_code == 404
        assert c.get("/login").status_code == 200
        assert c.get("/static/cancerwatch.css").status_code == 200
        assert c.head("/").status_code in (200, 405)
        assert len(c.app.state.responses) == 0
        # what a signed-in viewer saw never answers an anonymous request
        assert c.get("/api/v1/metrics?standard=fds&level=national&dataset=record", headers=BEARER).status_code in (
            200,
            404,
        )
        assert c.get("/api/v1/metrics?standard=fds&level=national&dataset=record").status_code == 401
        assert len(c.app.state.responses) == 0


def test_public_and_internal_answers_are_kept_apart(client, public_client):
    internal = client.get("/data")
    public = public_client.get("/data")
    assert b"shown as published" in public.content and b"shown as published" not in internal.content
    assert client.get("/data").content == internal.content
    assert public_client.get("/data").content == public.content


def test_the_pages_inline_script_is_allowed_by_its_hash(client):
    r = client.get("/about")
    hashes = inline_script_hashes(r.text)
    assert hashes and "nonce" not in r.text
    assert all(f"'{h}'" in r.headers["content-security-policy"] for h in hashes)


def test_the_store_drops_the_least_recently_used_beyond_its_bytes():
    store = ResponseStore(max_bytes=10)
    for name in ("a", "b", "c"):
        store.put("v1", (name,), Kept(200, [], b"1234"))
    assert store.get("v1", ("a",)) is None and store.get("v1", ("b",)) and store.get("v1", ("c",))
    store.get("v1", ("b",))
    store.put("v1", ("d",), Kept(200, [], b"1234"))
    assert store.get("v1", ("c",)) is None and store.get("v1", ("b",)) is not None
    assert store.get("v2", ("b",)) is None  # another version of the data: nothing kept is valid
    store.put("v2", ("e",), Kept(200, [], b"12"))
    assert len(store) == 1


def test_a_kept_answer_carries_only_the_apps_own_headers(client):
    first = client.get("/about")
    again = client.get("/about")
    for r in (first, again):
        assert len(r.headers.get_list("server-timing")) == 1 and len(r.headers.get_list("etag")) == 1
        assert len(r.headers.get_list("content-security-policy")) == 1
