"""Security headers on every response (OWASP Secure Headers Project; MDN, Content-Security-Policy).

The pages load only cancerwatch's own scripts (``/static``, and Plotly from ``/assets``); figure
specifications are JSON data blocks, not scripts. The one inline script of the NHS.UK page
template (it marks the body as script-enabled) is allowed by its hash (``script_hashes``, from
``web.pages.template_script_hashes``), so a page's body does not depend on the response and can be
kept for the next viewer. Styles allow ``'unsafe-inline'`` because Plotly
sets ``style`` attributes as it draws. A response that sets its own policy (the API docs page,
which allows its one inline script by hash) keeps it. Responses to a request that carries
credentials (a bearer token or the session cookie) are never stored by a cache.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cancerwatch.web.auth import COOKIE

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC_PREFIXES = ("/static/", "/assets/")


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    """The policy, allowing also the inline scripts with these ``sha256-…`` hashes."""
    policy = dict(POLICY)
    extra = " ".join(f"'{h}'" for h in script_hashes)
    if extra:
        policy["script-src"] = f"{policy['script-src']} {extra}"
    return "; ".join(f"{k} {v}" for k, v in policy.items())


def inline_script_hashes(html: str) -> list[str]:
    """``sha256-…`` hashes of the inline ``<script>`` elements of a page."""
    out = []
    for body in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S):
        out.append("sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode())
    return out


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp, script_hashes: Iterable[str] = ()) -> None:
        self.app = app
        self.policy = content_security_policy(script_hashes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        credentialed = "authorization" in request_headers or f"{COOKIE}=" in request_headers.get("cookie", "")
        static = scope["path"].startswith(STATIC_PREFIXES)
        policy = self.policy

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = policy
                for name, value in HEADERS.items():
                    headers[name] = value
                if credentialed and not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
