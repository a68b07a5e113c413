"""The served warehouse: one shared read-only connection, a writer for uploads, and a result memo.

DuckDB lets one process write a file or many read it. The pool opens one read-only connection
when a reader needs it, gives each reader its own cursor (connections are not shared between
threads), and closes it two seconds after the last reader, so that ``cancerwatch load`` in another
process can take the file between bursts of traffic (and a reader arriving during such a load
waits for its commit). A writer (an upload) waits for readers in flight, opens the file
read-write, loads and closes it.

The warehouse has a *version*: it changes whenever the data can have changed (a write through
this pool, or a commit by another process seen on disk). Memoised results are kept per version,
so they are recomputed after every load; the same version can key HTTP caches and prepared rows.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb

from cancerwatch.errors import CancerwatchError
from cancerwatch.warehouse.connect import open_duckdb

CACHE_ENTRIES = 4096
IDLE_CLOSE_SECONDS = 2.0  # release the file this long after the last reader, so CLI loads can run
T = TypeVar("T")


class Memo(Protocol):
    """Something that computes a value once per key (and per warehouse version)."""

    def memo(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """``compute()``, or the value kept for ``key``."""
        ...


class DictMemo:
    """A memo for one short-lived reader (a CLI command, a report): a plain dictionary."""

    def __init__(self) -> None:
        self._values: dict[tuple[Hashable, ...], Any] = {}

    def memo(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per key."""
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]  # type: ignore[no-any-return]


class ReadWriteLock:
    """Many readers or one writer; a waiting writer blocks new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the lock for reading."""
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
        """Hold the lock for writing (waits for readers in flight)."""
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
    """The served warehouse file: per-reader cursors, a writer for uploads, a result memo."""

    def __init__(self, path: Path | str, *, idle_close_seconds: float = IDLE_CLOSE_SECONDS) -> None:
        self.path = Path(path)
        self.idle_close_seconds = idle_close_seconds
        self._migrate()
        self._lock = ReadWriteLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._timer: threading.Timer | None = None
        self._con_lock = threading.Lock()
        self._cache: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._seen: tuple[object, ...] | None = None
        self.generation = 0

    def _migrate(self) -> None:
        """Bring the schema up to date when the file can be opened for writing at once."""
        # When another process holds the file, serve it as it is.
        with contextlib.suppress(duckdb.Error, CancerwatchError):
            open_duckdb(self.path, wait=0).close()

    def _on_disk(self) -> tuple[object, ...]:
        """Size and modification time of the file and its WAL: they change when a load commits."""
        out: list[object] = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    def version(self) -> str:
        """A token that changes whenever the data may have changed (writes here or commits elsewhere)."""
        with self._cache_lock:
            self._refresh()
            return f"{self.generation}-{abs(hash(self._seen)):x}"

    def _refresh(self) -> None:
        """Empty the memo when the file changed on disk (the caller holds ``_cache_lock``)."""
        seen = self._on_disk()
        if seen != self._seen:
            self._cache.clear()
            self._seen = seen

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
        """A cursor for one reader (the shared read-only connection is opened on demand)."""
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

    @contextmanager
    def memo_checkpoint(self) -> Iterator[None]:
        """On leaving, forget what the memo gained inside (a rehearsal leaves no figures behind)."""
        with self._cache_lock:
            before = set(self._cache)
        try:
            yield
        finally:
            with self._cache_lock:
                for key in [k for k in self._cache if k not in before]:
                    del self._cache[key]

    def memo(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per version of the data and key (least recently used evicted).

        The memo is emptied after an upload and whenever the file changed on disk (a load by
        another process while the server was idle).
        """
        with self._cache_lock:
            self._refresh()
            full = (self.generation, *key)
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]  # type: ignore[no-any-return]
        value = compute()
        with self._cache_lock:
            self._cache[full] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value
