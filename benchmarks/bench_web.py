"""Web benchmark: Alliance page server time, then a bounded load test, against a live server.

Loads every bundled file into a temporary warehouse (or uses ``--db``), starts
``cancerwatch serve`` on a free loopback port in a subprocess, and measures:

1. Alliance page server time (the app's ``Server-Timing`` header): the first request of each
   standard, straight after start-up, is reported separately as the cold baseline (queries
   computed while the server warms its cache); then ``--requests`` (200) requests cycle
   through the 21 Alliances and the three standards.
   Target: p95 ≤ 150 ms.
2. A bounded load test: ``--clients`` (50) concurrent httpx clients for ``--duration`` (60) s
   over a mix of Alliance pages, the England overview, the league table and the JSON API.
   Target: no errors.

Run: ``python benchmarks/bench_web.py [--duration 60] [--requests 200] [--clients 50]``.
Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
STANDARDS = ("fds", "31d", "62d")
P95_TARGET_MS = 150.0


def bundled_files() -> list[Path]:
    """Every bundled file (reference lookups first), as tests/conftest.py loads them."""
    return sorted(DATA.glob("geo/*.csv")) + sorted(DATA.glob("nhse/*.xlsx"))


def build_warehouse(path: Path) -> None:
    """Load every bundled file into a new warehouse at ``path``."""
    from cancerwatch.ingest.load import load_files
    from cancerwatch.warehouse.connect import open_duckdb

    con = open_duckdb(path)
    try:
        load_files(con, bundled_files())
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(db: Path, *, env: dict[str, str] | None = None):
    """``cancerwatch serve`` on a free loopback port in a subprocess; yields its base URL.

    ``env``: extra environment for the server (e.g. ``CANCERWATCH_API_TOKEN``).
    """
    port = free_port()
    cmd = [sys.executable, "-m", "cancerwatch", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"server exited: {log.read().decode(errors='replace')}")
                try:
                    if httpx.get(base + "/api/v1/standards", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start within 60 s")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def server_ms(response: httpx.Response) -> float:
    """The app's own time from the ``Server-Timing: app;dur=X`` header."""
    timing = response.headers.get("server-timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def alliance_codes(base: str) -> list[str]:
    body = httpx.get(base + "/api/v1/organisations", params={"level": "alliance"}).json()
    return [r["org_code"] for r in body["rows"]]


def bench_alliance_pages(base: str, requests: int) -> bool:
    """Sequential Alliance page requests; prints cold and warm server times."""
    codes = alliance_codes(base)
    pages = [f"/alliance/{c}?standard={s}" for s in STANDARDS for c in codes]
    with httpx.Client(base_url=base, timeout=60) as client:
        cold = []
        for s in STANDARDS:
            r = client.get(f"/alliance/{codes[0]}?standard={s}")
            r.raise_for_status()
            cold.append(server_ms(r))
        server, wall = [], []
        for path in itertools.islice(itertools.cycle(pages), requests):
            t0 = time.perf_counter()
            r = client.get(path)
            wall.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            server.append(server_ms(r))
    print(
        "Alliance page, first request per standard (server just started, cache still warming): "
        + ", ".join(f"{c:.0f}" for c in cold)
        + " ms"
    )
    print(f"Alliance page, {requests} requests over {len(pages)} pages (21 Alliances x 3 standards):")
    print(
        f"  server time  p50 {statistics.median(server):6.1f} ms   p95 {percentile(server, 95):6.1f} ms"
        f"   max {max(server):6.1f} ms"
    )
    print(f"  client time  p50 {statistics.median(wall):6.1f} ms   p95 {percentile(wall, 95):6.1f} ms")
    ok = percentile(server, 95) <= P95_TARGET_MS
    print(f"  target p95 <= {P95_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return ok


@dataclass
class LoadResult:
    """What a load test saw: request count, errors and client-side latency percentiles (ms)."""

    clients: int
    seconds: float
    paths: int
    latencies_ms: list[float]
    errors: list[str]

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q) if self.latencies_ms else float("nan")

    def report(self) -> str:
        lines = [
            f"Load test: {self.clients} concurrent clients for {self.seconds:.0f} s over {self.paths} paths",
            f"  requests {self.requests:,}   throughput {self.requests / self.seconds:,.0f} req/s"
            f"   errors {len(self.errors)}",
        ]
        if self.latencies_ms:
            lines.append(
                f"  latency  p50 {statistics.median(self.latencies_ms):6.1f} ms   p95 {self.p(95):6.1f} ms"
                f"   p99 {self.p(99):6.1f} ms"
            )
        lines += [f"  error: {e}" for e in self.errors[:10]]
        lines.append(f"  target 0 errors: {'met' if not self.errors else 'MISSED'}")
        return "\n".join(lines)


LOAD_MIX_EXTRA = (
    "/",
    "/league?standard=62d&level=provider",
    "/league?standard=fds&level=alliance&sort=total&dir=asc",
    "/api/v1/metrics?standard=62d&level=alliance",
    "/api/v1/spc?standard=fds",
    "/api/v1/funnel?standard=62d&level=alliance",
    "/api/v1/organisations?q=leeds",
)


def load_mix(base: str) -> list[str]:
    """The paths the load test cycles through: Alliance pages, overview, league table, JSON API."""
    codes = alliance_codes(base)
    return [f"/alliance/{c}?standard={s}" for s in STANDARDS for c in codes[:7]] + list(LOAD_MIX_EXTRA)


def warm_up(base: str) -> None:
    """Request every path of the mix once, as users' first visits after a restart would."""
    with httpx.Client(base_url=base, timeout=120) as client:
        for path in load_mix(base):
            client.get(path)


async def load_test(base: str, clients: int, duration: float) -> LoadResult:
    """``clients`` concurrent clients for ``duration`` seconds over the dashboard and the JSON API.

    Each client holds one connection and requests its next path as soon as the last one is
    answered. An error is a transport failure, a 5xx, or a 4xx on a path that must exist.
    """
    mix = load_mix(base)
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + duration

    async def client_loop(i: int) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            for path in itertools.cycle(mix[i % len(mix) :] + mix[: i % len(mix)]):
                if time.monotonic() >= stop:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    if r.status_code >= 500 or (r.status_code >= 400 and "/spc" not in path and "/funnel" not in path):
                        errors.append(f"{r.status_code} {path}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__} {path}")
                latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.monotonic()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    return LoadResult(clients, time.monotonic() - t0, len(mix), latencies, errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an already loaded warehouse (default: load the bundled files)")
    parser.add_argument("--requests", type=int, default=200, help="Alliance page requests to time")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients in the load test")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "bench.duckdb"
            t0 = time.perf_counter()
            build_warehouse(db)
            print(f"loaded the bundled files in {time.perf_counter() - t0:.1f} s")
        with running_server(db) as base:
            pages_ok = bench_alliance_pages(base, args.requests)
            result = asyncio.run(load_test(base, args.clients, args.duration))
            print(result.report())
            load_ok = not result.errors
    sys.exit(0 if pages_ok and load_ok else 1)


if __name__ == "__main__":
    main()
