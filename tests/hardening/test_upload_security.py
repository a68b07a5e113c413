"""Uploads and sessions under attack (issue 20): nothing a file does ends the server, the body is
bounded before it is read, a session form needs its own origin and CSRF token, signing out ends
the session, sign-in is rate limited, short tokens are refused, every response has security headers.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from benchmarks.bench_web import running_server
from cancerwatch.config import Settings
from cancerwatch.errors import InputError, UsageError
from cancerwatch.ingest.isolated import parse_isolated
from cancerwatch.ingest.limits import work_limits
from cancerwatch.web.app import create_app
from cancerwatch.web.upload_store import PREFIX
from tests.conftest import PROVIDER_EXTRACT
from tests.hardening import crafted
from tests.unit.ingest.conftest import provider_row, write_csv

TOKEN = "upload-security-token-0123"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/json"}


def _app(db: Path, **settings: object):
    return create_app(db, settings=Settings(db_path=db, api_token=TOKEN, **settings))


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "w.duckdb"


def _csv(tmp_path: Path) -> tuple[str, bytes, str]:
    path = write_csv(tmp_path / "extract.csv", [provider_row()])
    return (path.name, path.read_bytes(), "text/csv")


def _signed_in(client: TestClient) -> str:
    """Sign in through the form; the CSRF token of the upload form."""
    assert client.post("/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/upload").text).group(1)


# --- the body is bounded before it is read ----------------------------------------------------------


FILE_PART = b'--x\r\nContent-Disposition: form-data; name="files"; filename="big.csv"\r\n\r\n'


def _call(app, headers: dict[str, str], chunks: int, chunk_bytes: int = 1 << 20) -> tuple[int, int]:
    """POST /upload straight to the ASGI app: one file part of ``chunks`` chunks; (status, chunks read)."""
    read = 0
    status = 0

    async def receive():
        nonlocal read
        if read < chunks:
            read += 1
            body = (FILE_PART if read == 1 else b"") + b"x" * chunk_bytes
            return {"type": "http.request", "body": body, "more_body": read < chunks}
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": "/upload",
        "raw_path": b"/upload",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "testserver", **headers}.items()],
    }
    asyncio.run(app(scope, receive, send))
    return status, read


def test_a_4gb_upload_without_a_token_is_refused_unread(db):
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": str(4 * 2**30)}
    status, read = _call(_app(db), headers, chunks=4096)
    assert (status, read) == (401, 0)


def test_a_declared_size_over_the_cap_is_refused_unread(db):
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": str(4 * 2**30), **BEARER}
    status, read = _call(_app(db, max_upload_bytes=10 * 2**20), headers, chunks=4096)
    assert (status, read) == (413, 0)


def test_a_body_without_a_declared_size_stops_at_the_cap(db):
    before = set(Path(tempfile.gettempdir()).glob(f"{PREFIX}*"))
    headers = {"content-type": "multipart/form-data; boundary=x", **BEARER}
    status, read = _call(_app(db, max_upload_bytes=10 * 2**20), headers, chunks=4096)
    assert status == 413 and read <= 11  # the first chunk past 10 MB, no further
    assert set(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")) == before  # its folder is gone


def test_upload_errors_are_json_when_asked(db, tmp_path):
    c = TestClient(_app(db, max_upload_bytes=1000))
    big = ("big.csv", b"x" * 5000, "text/csv")
    r = c.post("/upload", files={"files": big}, headers={**BEARER, **JSON})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = c.post("/upload", files={"files": _csv(tmp_path)}, headers=JSON)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorised"
    off = TestClient(create_app(db, settings=Settings(db_path=db)))
    r = off.post("/upload", files={"files": _csv(tmp_path)}, headers=JSON)
    assert r.status_code == 403 and r.json()["error"]["code"] == "uploads_disabled"


# --- sessions: origin, CSRF token, sign-out, rate limit, token length ------------------------------


def test_a_cross_origin_post_with_the_session_cookie_is_refused(db, tmp_path):
    c = TestClient(_app(db))
    csrf = _signed_in(c)
    files = {"files": _csv(tmp_path)}
    evil = c.post("/upload", data={"csrf_token": csrf}, files=files, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert c.post("/upload", files=files).status_code == 403  # no CSRF token
    assert c.post("/upload", data={"csrf_token": "guess"}, files=files).status_code == 403
    ok = c.post("/upload", data={"csrf_token": csrf}, files=files, headers={"Origin": "http://testserver"})
    assert ok.status_code == 200 and 'id="upload-results"' in ok.text
    assert c.get("/api/v1/sources").json()["rows"][0]["file_name"] == "extract.csv"


def test_the_session_cookie_stops_working_after_sign_out(db):
    c = TestClient(_app(db))
    _signed_in(c)
    cookie = c.cookies.get("cancerwatch_session")
    assert c.post("/logout", follow_redirects=False).status_code == 303
    replay = TestClient(_app(db))  # a copy of the cookie, kept by an attacker
    replay.app = c.app
    replay.cookies.set("cancerwatch_session", cookie)
    assert replay.get("/upload", follow_redirects=False).headers["location"] == "/login"


def test_sign_in_is_rate_limited(db):
    c = TestClient(_app(db))
    for _ in range(5):
        assert c.post("/login", data={"token": "wrong-guess-0123456789"}).status_code == 401
    blocked = c.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in blocked.text


def test_wrong_bearer_tokens_are_rate_limited(db, tmp_path):
    c = TestClient(_app(db))
    wrong = {"Authorization": "Bearer wrong-guess-0123456789", **JSON}
    codes = [c.post("/upload", files={"files": _csv(tmp_path)}, headers=wrong).status_code for _ in range(6)]
    assert codes == [401] * 4 + [429] * 2


def test_a_short_token_stops_the_server_starting(db):
    with pytest.raises(UsageError, match="CANCERWATCH_API_TOKEN has 5 characters: use at least 16"):
        create_app(db, settings=Settings(db_path=db, api_token="short"))
    done = subprocess.run(
        [sys.executable, "-m", "cancerwatch", "serve", "--db", str(db), "--get", "/"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CANCERWATCH_API_TOKEN": "short"},
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("cancerwatch: CANCERWATCH_API_TOKEN has 5 characters")


# --- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/data", "/api/v1/standards", "/static/cancerwatch.css", "/nowhere", "/login"])
def test_security_headers_on_every_response(db, path):
    r = TestClient(_app(db)).get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "cache-control" not in r.headers or "no-store" not in r.headers["cache-control"]


def test_the_api_docs_page_allows_only_its_own_inline_script(db):
    r = TestClient(_app(db)).get("/api/docs")
    assert r.status_code == 200
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", r.headers["content-security-policy"])


def test_authenticated_json_is_not_stored(db):
    c = TestClient(_app(db))
    assert c.get("/api/v1/sources", headers=BEARER).headers["cache-control"] == "no-store"
    _signed_in(c)
    assert c.get("/api/v1/sources").headers["cache-control"] == "no-store"
    assert "no-store" not in c.get("/static/cancerwatch.css").headers.get("cache-control", "")


# --- nothing a file does ends the server -----------------------------------------------------------


def test_stale_upload_folders_are_removed_at_start_up(db):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    stale = Path(tempfile.gettempdir()) / f"{PREFIX}{dead_pid}-left-by-a-kill"
    live = Path(tempfile.gettempdir()) / f"{PREFIX}{os.getpid()}-in-flight"
    for folder in (stale, live):
        (folder / "00").mkdir(parents=True, exist_ok=True)
        (folder / "00" / "extract.csv").write_text("x")
    try:
        _app(db)
        assert not stale.exists(), "a killed server's upload folder is removed"
        assert live.exists(), "a running server's upload folder is left alone"
    finally:
        for folder in (stale, live):
            if folder.exists():
                shutil.rmtree(folder)


@pytest.mark.slow
def test_crafted_files_through_a_live_server(tmp_path):
    """The two crash shapes, a file too big for the reader's memory and a reader out of time: each
    is a 4xx with one line, the server keeps serving, and no upload folder is left behind."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    shapes = {
        "strings.xlsx": crafted.claim_shared_strings(crafted.provider_workbook(tmp_path / "strings.xlsx")),
        "xfd.xlsx": crafted.far_cell(crafted.provider_workbook(tmp_path / "xfd.xlsx"), "XFD1048576"),
    }
    env = {"CANCERWATCH_API_TOKEN": TOKEN, "TMPDIR": str(tmp), "CANCERWATCH_UPLOAD_MEMORY_BYTES": str(700 * 2**20)}
    with running_server(tmp_path / "live.duckdb", env=env) as base:
        for name, path in shapes.items():
            r = httpx.post(
                f"{base}/upload", files={"files": (name, path.read_bytes())}, headers={**BEARER, **JSON}, timeout=120
            )
            assert r.status_code == 400, r.text
            message = r.json()["error"]["message"]
            assert message.startswith(name) and "\n" not in message, message
        big = httpx.post(
            f"{base}/upload",
            files={"files": (PROVIDER_EXTRACT.name, PROVIDER_EXTRACT.read_bytes())},
            headers={**BEARER, **JSON},
            timeout=300,
        )
        assert big.status_code == 400, big.text
        assert "CANCERWATCH_UPLOAD_MEMORY_BYTES" in big.json()["error"]["message"]
        assert httpx.get(f"{base}/api/v1/sources", timeout=30).json()["rows"] == []
        assert httpx.get(f"{base}/", timeout=60).status_code == 200  # still serving
    assert not list(tmp.glob(f"{PREFIX}*")), "upload folders are removed"


@pytest.mark.slow
def test_a_reader_stuck_at_its_memory_limit_is_refused_for_memory(tmp_path):
    """Under a tight address-space limit native code may block instead of failing (an allocation
    that fails inside a thread pool leaves a task unfinished, and the reader waits for it for
    ever). Such a reader is stopped once it is seen idle at its limit, and the refusal names the
    memory setting, well before the time limit would name the time setting."""
    with pytest.raises(InputError) as err:
        parse_isolated(
            [PROVIDER_EXTRACT], limits=work_limits(), memory_bytes=700 * 2**20, seconds=150, workdir=tmp_path
        )
    message = str(err.value)
    assert message.startswith(PROVIDER_EXTRACT.name) and "\n" not in message, message
    assert "CANCERWATCH_UPLOAD_MEMORY_BYTES" in message, message


@pytest.mark.slow
def test_an_upload_that_runs_out_of_time_is_refused(db, tmp_path, monkeypatch):
    c = TestClient(_app(db, upload_seconds=1))
    files = {"files": (PROVIDER_EXTRACT.name, PROVIDER_EXTRACT.read_bytes())}
    r = c.post("/upload", files=files, headers={**BEARER, **JSON})
    assert r.status_code == 400
    assert "set CANCERWATCH_UPLOAD_SECONDS to change it" in r.json()["error"]["message"]
    assert c.get("/api/v1/sources").json()["rows"] == []


@pytest.mark.slow
def test_readers_are_served_while_an_upload_is_read(tmp_path):
    """The upload's files are read outside the writer lock: readers keep getting answers meanwhile
    (before, every reader waited for the whole parse)."""
    with running_server(tmp_path / "live.duckdb", env={"CANCERWATCH_API_TOKEN": TOKEN}) as base:
        answered: list[float] = []
        stop = threading.Event()

        def poll() -> None:
            with httpx.Client(base_url=base, timeout=120) as c:
                while not stop.is_set():
                    if c.get("/api/v1/sources").status_code == 200:
                        answered.append(time.monotonic())

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            started = time.monotonic()
            r = httpx.post(
                f"{base}/upload",
                files={"files": (PROVIDER_EXTRACT.name, PROVIDER_EXTRACT.read_bytes())},
                headers={**BEARER, **JSON},
                timeout=300,
            )
            finished = time.monotonic()
        finally:
            stop.set()
            poller.join(timeout=120)
    assert r.status_code == 200, r.text
    during = [t for t in answered if started <= t <= finished]
    assert len(during) >= 20, f"{len(during)} reads answered during the upload"
