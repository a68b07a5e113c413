"""Dependencies shared by the JSON API and the web pages: the warehouse and the settings.

DuckDB lets one process write a file or many read it. The server opens one read-only
connection when a request needs it, gives each request its own cursor (connections are not
shared between threads), and closes it two seconds after the last request, so that
``cancerwatch load`` in another process can take the file between bursts of traffic (and a
request arriving during such a load waits for its commit). An upload through the web takes the
warehouse for writing: it waits for requests in flight, opens the file read-write, loads and
closes it. Query results are cached until the data change: after an upload, or when the file
changed on disk.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import Depends, Request

from cancerwatch.catalogue.suppression import NHSD_2018_MIN_SHOWN, validate_policy
from cancerwatch.config import Settings
from cancerwatch.errors import CancerwatchError
from cancerwatch.read.disclosure import apply_suppression
from cancerwatch.warehouse.connect import open_duckdb

CACHE_ENTRIES = 512
IDLE_CLOSE_SECONDS = 2.0  # release the file this long after the last request, so CLI loads can run


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer blocks new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Warehouse:
    """The served warehouse file: per-request cursors, a writer for uploads, a result cache."""

    def __init__(self, path: Path | str, *, idle_close_seconds: float = IDLE_CLOSE_SECONDS) -> None:
        self.path = Path(path)
        self.idle_close_seconds = idle_close_seconds
        self._migrate()
        self._lock = _ReadWriteLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._timer: threading.Timer | None = None
        self._con_lock = threading.Lock()
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._seen: tuple | None = None
        self.generation = 0

    def _migrate(self) -> None:
        """Bring the schema up to date when the file can be opened for writing at once."""
        # When another process holds the file, serve it as it is.
        with contextlib.suppress(duckdb.Error, CancerwatchError):
            open_duckdb(self.path, wait=0).close()

    def _version(self) -> tuple:
        """Size and modification time of the file and its WAL: they change when a load commits."""
        out = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._con_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is None:
                # Waits (``$CANCERWATCH_LOCK_WAIT``) while another process is loading.
                self._con = open_duckdb(self.path, read_only=True)
            self._users += 1
            return self._con.cursor()

    def _release(self, cur: duckdb.DuckDBPyConnection) -> None:
        cur.close()
        with self._con_lock:
            self._users -= 1
            if self._users == 0 and self._con is not None and self._timer is None:
                self._timer = threading.Timer(self.idle_close_seconds, self._close_if_idle)
                self._timer.daemon = True
                self._timer.start()

    def _close_if_idle(self) -> None:
        with self._con_lock:
            self._timer = None
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one request (the shared read-only connection is opened on demand)."""
        with self._lock.read():
            cur = self._cursor()
            try:
                yield cur
            finally:
                self._release(cur)

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, exclusive of every reader (for uploads)."""
        with self._lock.write():
            self.close()
            try:
                con = open_duckdb(self.path)
                try:
                    yield con
                finally:
                    con.close()
            finally:
                with self._cache_lock:
                    self._cache.clear()
                    self.generation += 1

    def close(self) -> None:
        """Close the shared connection now (idle, before a write, or at shutdown)."""
        with self._con_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is not None:
                self._con.close()
                self._con = None

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per state of the data and key (least recently used evicted).

        The cache is emptied after an upload and whenever the file changed on disk (a load by
        another process while the server was idle).
        """
        version = self._version()
        with self._cache_lock:
            if version != self._seen:
                self._cache.clear()
                self._seen = version
            full = (self.generation, *key)
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
        value = compute()
        with self._cache_lock:
            self._cache[full] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value


@dataclass(frozen=True)
class AppState:
    """What every request may need: the warehouse, the settings and the mode."""

    warehouse: Warehouse
    settings: Settings
    public: bool

    def suppression_steps(self) -> list[tuple[str, int]]:
        """The disclosure-control policies applied to every output, in order.

        Internal mode applies the configured policy. Public mode applies at least
        ``nhsd_2018``; a configured ``threshold`` policy with a limit above 8 is applied on top.
        """
        policy, threshold = self.settings.suppression_policy, self.settings.suppression_threshold
        validate_policy(policy, threshold)
        if not self.public:
            return [] if policy == "none" else [(policy, threshold)]
        steps = [("nhsd_2018", NHSD_2018_MIN_SHOWN)]
        if policy == "threshold" and threshold > NHSD_2018_MIN_SHOWN:
            steps.append(("threshold", threshold))
        return steps

    def suppression_label(self) -> str:
        """Human-readable name of the policy in force."""
        steps = self.suppression_steps()
        if not steps:
            return "none"
        return " + ".join(p if p != "threshold" else f"threshold (below {t})" for p, t in steps)

    def suppress(self, rows: list[dict]) -> list[dict]:
        """Rows with the disclosure-control policy applied (always a new list of new dicts)."""
        steps = self.suppression_steps()
        if not steps:
            return [{**r, "suppressed": []} for r in rows]
        for policy, threshold in steps:
            rows = apply_suppression(rows, policy, threshold)
        return rows


def get_state(request: Request) -> AppState:
    """The application's state (set by ``create_app``)."""
    return request.app.state.cancerwatch


def get_con(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse cursor for the duration of one request."""
    with get_state(request).warehouse.reader() as cur:
        yield cur


State = Annotated[AppState, Depends(get_state)]
Con = Annotated[duckdb.DuckDBPyConnection, Depends(get_con)]
