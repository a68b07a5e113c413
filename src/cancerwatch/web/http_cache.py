"""HTTP revalidation: an ``ETag`` per warehouse version, page and viewer, and ``304 Not Modified``.

A page, export or API answer can only change when the data does (a load, an unload, an upload),
so its entity tag is a digest of the warehouse version
(:meth:`~cancerwatch.warehouse.pool.Warehouse.version`), the path and query, and the kind of
viewer: the public site, an anonymous internal viewer, or one signed-in viewer (their session
cookie or bearer token, digested), so that pages with record-level figures are never shared
between viewers. A request whose ``If-None-Match`` names the current tag gets ``304`` without the
page being built (RFC 9110 §13.1.2, §15.4.5). Tags are weak (``W/``) because the same page may
be sent compressed or not. Responses say ``Cache-Control: private, no-cache`` (``public`` on the
public site): browsers keep them and revalidate each time. Sign-in and upload pages, which carry
per-visit form tokens, and static files (which have their own validators) are left alone.

A 304 carries only the tag and ``Cache-Control``: the browser keeps the stored page's other
headers, including its Content-Security-Policy.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cancerwatch.http import AppState
from cancerwatch.web.auth import COOKIE

UNCACHED_PREFIXES = ("/upload", "/login", "/logout", "/static", "/assets/swagger")


def viewer_kind(public: bool, headers: Headers) -> str:
    """``public``, ``internal`` (anonymous) or a digest naming one signed-in viewer."""
    if public:
        return "public"
    credential = headers.get("authorization") or ""
    cookies = headers.get("cookie") or ""
    if COOKIE in cookies:
        credential += "|" + cookies
    if not credential:
        return "internal"
    return "viewer-" + hashlib.sha256(credential.encode()).hexdigest()[:16]


def entity_tag(version: str, viewer: str, path: str, query: str) -> str:
    """The weak entity tag of one page for one viewer at one warehouse version."""
    digest = hashlib.sha256(f"{version}\n{viewer}\n{path}?{query}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Weak comparison of ``If-None-Match`` against ``tag`` (``*`` matches any)."""
    if not if_none_match:
        return False
    wanted = tag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == wanted for t in if_none_match.split(","))


class ETagMiddleware:
    """Adds the entity tag to successful GET responses and answers revalidation with 304."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or path.startswith(UNCACHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        viewer = viewer_kind(self.state.public, headers)
        tag = entity_tag(self.state.warehouse.version(), viewer, path, scope.get("query_string", b"").decode("latin-1"))
        cache_control = f"{'public' if viewer == 'public' else 'private'}, no-cache"
        if matches(headers.get("if-none-match"), tag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(b"etag", tag.encode()), (b"cache-control", cache_control.encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                out = MutableHeaders(scope=message)
                if "etag" not in out and "set-cookie" not in out:
                    out["ETag"] = tag
                    out.setdefault("Cache-Control", cache_control)
            await send(message)

        await self.app(scope, receive, tagged)
