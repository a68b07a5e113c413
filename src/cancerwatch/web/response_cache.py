"""Rendered responses kept per warehouse version, for viewers who are not signed in.

A page, export or API answer is a function of the data, the path and query, and the kind of viewer
(``http_cache.viewer_kind``); the data can only change with a load, an unload or an upload, which
changes :meth:`~cancerwatch.warehouse.pool.Warehouse.version`. So a ``200`` answer to a ``GET``
without credentials is kept under ``(version, viewer kind, path, query, gzip or not)`` and sent
again, byte for byte, to the next such request; a new version starts afresh. Nothing is kept for
a signed-in viewer or a request with a bearer token (record-level figures are shown only to them),
for a response that sets a cookie, for the sign-in and upload pages (per-visit form tokens), or
for static files, and the cache holds at most :data:`MAX_BYTES` (least recently used dropped).

The policy headers are added outside (``security_headers``): a page's body carries no per-response
value, since its one inline script is allowed by hash.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cancerwatch.http import AppState
from cancerwatch.web.http_cache import UNCACHED_PREFIXES, viewer_kind

MAX_BYTES = 256 * 1024**2
"""Bytes of kept bodies (the bundled data's pages are 20–200 KB compressed)."""
MAX_BODY = 8 * 1024**2
"""A larger body (an export of every row, say) is not kept."""
ANONYMOUS = ("public", "internal")


@dataclass(frozen=True)
class Kept:
    """One kept response: its status, headers and body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseStore:
    """A least-recently-used store of :class:`Kept` responses bounded by their bodies' bytes."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, ...], Kept] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()

    def get(self, version: str, key: tuple[str, ...]) -> Kept | None:
        with self._lock:
            if version != self._version:
                return None
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, version: str, key: tuple[str, ...], kept: Kept) -> None:
        with self._lock:
            if version != self._version:  # a new version of the data: nothing kept is valid
                self._items.clear()
                self._bytes = 0
                self._version = version
            old = self._items.pop(key, None)
            self._bytes -= len(old.body) if old else 0
            self._items[key] = kept
            self._bytes += len(kept.body)
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class ResponseCacheMiddleware:
    """Answers a repeated anonymous ``GET`` from the :class:`ResponseStore` (see the module)."""

    def __init__(self, app: ASGIApp, state: AppState, store: ResponseStore | None = None) -> None:
        self.app = app
        self.state = state
        self.store = store if store is not None else ResponseStore()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or path.startswith(UNCACHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        viewer = viewer_kind(self.state.public, headers)
        if viewer not in ANONYMOUS:
            await self.app(scope, receive, send)
            return
        gzip = "gzip" in headers.get("accept-encoding", "")
        query = scope.get("query_string", b"").decode("latin-1")
        key = (viewer, path, query, "gzip" if gzip else "identity")
        version = self.state.warehouse.version()
        kept = self.store.get(version, key)
        if kept is not None:
            await send({"type": "http.response.start", "status": kept.status, "headers": list(kept.headers)})
            await send({"type": "http.response.body", "body": kept.body})
            return

        start: Message | None = None
        parts: list[bytes] = []
        size = 0

        async def keeping(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                # the app's own headers: the middlewares outside add theirs to ``message`` as it passes
                start = {**message, "headers": list(message["headers"])}
            elif message["type"] == "http.response.body" and start is not None and size <= MAX_BODY:
                parts.append(message.get("body", b""))
                size += len(parts[-1])
                done = not message.get("more_body", False)
                # kept only if no load committed while it was made (it may hold either version's figures)
                if done and _keepable(start) and size <= MAX_BODY and self.state.warehouse.version() == version:
                    self.store.put(version, key, Kept(start["status"], list(start["headers"]), b"".join(parts)))
            await send(message)

        await self.app(scope, receive, keeping)


def _keepable(start: Message) -> bool:
    """A complete ``200`` that sets no cookie and does not forbid storing."""
    headers = Headers(raw=start["headers"])
    return start["status"] == 200 and "set-cookie" not in headers and "no-store" not in headers.get("cache-control", "")
