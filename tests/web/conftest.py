"""Fixtures for the web and API tests: apps built on copies of the loaded bundled warehouse.

Each app gets its own copy of the warehouse file, so uploads and the read-only connections of
other tests never meet.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from cancerwatch.config import Settings  # noqa: E402
from cancerwatch.web.app import create_app  # noqa: E402

API_TOKEN = "test-token-0123456789"


def copy_warehouse(source: Path, target_dir: Path, name: str) -> Path:
    """A copy of the warehouse file (and its WAL, if any) under ``target_dir``."""
    target = target_dir / name
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def make_client(path: Path, *, public: bool = False, **settings: object) -> TestClient:
    """A TestClient over a new app (server errors come back as 500 responses, not exceptions)."""
    options = {"api_token": API_TOKEN, **settings}
    app = create_app(path, settings=Settings(db_path=path, **options), public=public)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def web_db(warehouse_path, tmp_path_factory) -> Path:
    """A read-mostly copy of the bundled warehouse shared by the session's apps."""
    return copy_warehouse(warehouse_path, tmp_path_factory.mktemp("web"), "web.duckdb")


@pytest.fixture(scope="session")
def client(web_db) -> TestClient:
    """The internal (unsuppressed) app."""
    with make_client(web_db) as c:
        yield c


@pytest.fixture(scope="session")
def public_client(web_db) -> TestClient:
    """The public app: published figures as published, no uploads, no record-level figures."""
    with make_client(web_db, public=True) as c:
        yield c


@pytest.fixture
def upload_client(warehouse_path, tmp_path) -> TestClient:
    """An internal app over its own copy, for tests that write."""
    with make_client(copy_warehouse(warehouse_path, tmp_path, "upload.duckdb")) as c:
        yield c
