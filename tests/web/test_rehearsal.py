"""``cancerwatch serve`` rehearses one request of every page type before it listens, and forgets
what those requests computed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import cancerwatch.web.app as web_app
from cancerwatch.config import Settings
from cancerwatch.web.app import create_app, warm_cache
from tests.read.test_prepared import _prepared_copy


@pytest.fixture(scope="module")
def prepared_web_db(warehouse_path, tmp_path_factory):
    """The bundled warehouse with the FDS views prepared, as a load would."""
    path = tmp_path_factory.mktemp("rehearsal") / "prepared.duckdb"
    _prepared_copy(warehouse_path, path, ["fds"])
    return path


def _app(path, *, warm: bool):
    return create_app(path, settings=Settings(db_path=path), warm=warm)


def test_every_page_type_is_rehearsed_and_nothing_is_kept(prepared_web_db, monkeypatch):
    answered: dict[str, int] = {}
    rehearse = web_app.rehearse

    async def recording(app, paths):
        answered.update(await rehearse(app, paths))
        return answered

    monkeypatch.setattr(web_app, "rehearse", recording)
    app = _app(prepared_web_db, warm=True)
    with TestClient(app):
        state = app.state.cancerwatch
        served_keys = set(state.warehouse._cache)
        assert len(app.state.responses) == 0  # no rehearsed answer is kept

    kinds = ("/", "/map", "/league", "/data", "/search", "/about", "/api/v1/metrics", "/alliance/")
    kinds += tuple(f"/org/{level}/" for level in ("region", "icb", "sub_icb", "provider"))
    for kind in kinds:
        assert any(p == kind or (kind != "/" and p.startswith(kind)) for p in answered), kind
    assert set(answered.values()) == {200}, answered

    # the memo holds the common views only, as a server that did not rehearse
    plain = _app(prepared_web_db, warm=False)
    warm_cache(plain.state.cancerwatch)
    assert served_keys == set(plain.state.cancerwatch.warehouse._cache)


def test_a_page_after_the_rehearsal_is_the_page_without_it(prepared_web_db):
    paths = ["/", "/org/icb/QE1", "/alliance/E56000005?standard=fds", "/map?standard=fds"]
    with (
        TestClient(_app(prepared_web_db, warm=True)) as rehearsed,
        TestClient(_app(prepared_web_db, warm=False)) as cold,
    ):
        for path in paths:
            a, b = rehearsed.get(path), cold.get(path)
            assert a.status_code == b.status_code == 200
            assert a.text == b.text, path


def test_memo_checkpoint_forgets_only_what_was_added(tmp_path):
    from cancerwatch.warehouse.connect import open_duckdb
    from cancerwatch.warehouse.pool import Warehouse

    open_duckdb(tmp_path / "w.duckdb").close()
    warehouse = Warehouse(tmp_path / "w.duckdb")
    assert warehouse.memo(("kept",), lambda: 1) == 1
    with warehouse.memo_checkpoint():
        assert warehouse.memo(("added",), lambda: 2) == 2
        assert warehouse.memo(("kept",), lambda: 3) == 1
    assert warehouse.memo(("kept",), lambda: 4) == 1
    assert warehouse.memo(("added",), lambda: 5) == 5  # computed again
