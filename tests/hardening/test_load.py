"""The live server under load (issue 11): a bounded load test, and readers during a load's commit.

Both tests start ``cancerwatch serve`` themselves on a free loopback port, over a copy of the
bundled warehouse, and stop it when they finish.

- 50 concurrent clients for 60 s (``$CANCERWATCH_LOAD_SECONDS`` shortens it for local runs)
  over the dashboard pages and the JSON API, after one warm-up request per path: no errors;
  p50/p95/p99 are printed.
- While an upload loads a file through the server, readers polling the API see the warehouse
  either wholly before or wholly after the load: every response is one of the two snapshots,
  never a mixture (half a month, or some of the file's months without the others).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time

import httpx
import pytest

from benchmarks.bench_web import load_test, running_server, warm_up
from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb
from tests.conftest import DATA, NATIONAL_SERIES, PROVIDER_EXTRACT, SUB_ICB_EXTRACT

CLIENTS = 50
SECONDS = float(os.environ.get("CANCERWATCH_LOAD_SECONDS", "60"))
TOKEN = "load-test-token-0123456789"


@pytest.mark.slow
def test_fifty_clients_for_a_minute_without_errors(warehouse_path, tmp_path, capsys):
    db = tmp_path / "load.duckdb"
    shutil.copyfile(warehouse_path, db)
    with running_server(db) as base:
        warm_up(base)  # the cold first request of each page is the page benchmark's business
        result = asyncio.run(load_test(base, CLIENTS, SECONDS))
    with capsys.disabled():
        print("\n" + result.report())
    assert result.clients == CLIENTS and result.seconds >= SECONDS
    assert result.requests > CLIENTS  # every client got answers, not just one each
    assert not result.errors, result.errors[:10]
    assert result.p(95) < 30_000  # nothing waited out the client timeout


# Commissioner-basis monthly rows by ICB: the sub-ICB extract adds seven months of them at once.
SNAPSHOT = "/api/v1/metrics?standard=fds&level=icb&basis=commissioner&period=month&limit=10000"


def _rows(response: httpx.Response) -> tuple:
    body = response.json()
    return tuple(sorted((r["period_start"], r["org_code"], r["total"], r["within_standard"]) for r in body["rows"]))


@pytest.mark.slow
def test_readers_see_all_of_a_load_or_none_of_it(tmp_path):
    db = tmp_path / "before.duckdb"
    con = open_duckdb(db)
    load_files(con, [*sorted(DATA.glob("geo/*.csv")), NATIONAL_SERIES, PROVIDER_EXTRACT])
    con.close()
    with running_server(db, env={"CANCERWATCH_API_TOKEN": TOKEN}) as base:
        with httpx.Client(base_url=base, timeout=60) as client:
            before = client.get(SNAPSHOT)
            assert before.status_code in (200, 404)
            before_rows = _rows(before) if before.status_code == 200 else ()

        seen: list[tuple[int, tuple, float]] = []
        stop = threading.Event()

        def poll() -> None:
            with httpx.Client(base_url=base, timeout=120) as c:
                while not stop.is_set():
                    r = c.get(SNAPSHOT)
                    seen.append((r.status_code, _rows(r) if r.status_code == 200 else (), time.monotonic()))

        pollers = [threading.Thread(target=poll) for _ in range(4)]
        for t in pollers:
            t.start()
        time.sleep(0.5)
        started = time.monotonic()
        try:
            with httpx.Client(base_url=base, timeout=300) as client:
                upload = client.post(
                    "/upload",
                    files={"files": (SUB_ICB_EXTRACT.name, SUB_ICB_EXTRACT.read_bytes())},
                    headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
                )
            finished = time.monotonic()
            time.sleep(0.5)
        finally:
            stop.set()
            for t in pollers:
                t.join(timeout=120)
        assert upload.status_code == 200, upload.text
        (result,) = upload.json()["results"]
        assert result["status"] == "loaded", result

        with httpx.Client(base_url=base, timeout=60) as client:
            after = client.get(SNAPSHOT)
        assert after.status_code == 200
        after_rows = _rows(after)

    new_months = {r[0] for r in after_rows} - {r[0] for r in before_rows}
    assert len(new_months) >= 6, new_months  # the extract's months arrived together
    assert [s for s, _, _ in seen if s not in (200, 404)] == []
    snapshots = {(200, before_rows) if before_rows else (404, ()), (200, after_rows)}
    mixed = [(s, len(rows)) for s, rows, _ in seen if (s, rows) not in snapshots]
    assert not mixed, f"{len(mixed)} responses were neither before nor after the load: {mixed[:3]}"
    assert sum(1 for _, _, t in seen if started <= t <= finished) > 0  # reads overlapped the load
    assert all(rows == after_rows for s, rows, t in seen if t > finished + 0.1)  # no stale cache after it
