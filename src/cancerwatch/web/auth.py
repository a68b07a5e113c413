"""Who may upload or see record-level figures: a bearer token, or a session opened by the sign-in form.

Both check ``settings.api_token`` (``$CANCERWATCH_API_TOKEN``, at least
:data:`~cancerwatch.config.MIN_TOKEN_LENGTH` characters); with no token set, uploads and
record-level figures are switched off, and the public site never has them.

Sessions live on the server: the cookie holds a random session id (HttpOnly, SameSite=Strict),
signing out deletes the session, so a copied cookie stops working then, and sessions end after
:data:`SESSION_HOURS` or when the server restarts. A form posted with the session cookie must
come from this site (its ``Origin``, else its ``Referer``) and carry the session's CSRF token
(OWASP Cross-Site Request Forgery Prevention Cheat Sheet: synchroniser token and origin check).
Failed sign-ins are rate limited per client address and overall (:class:`SignInLimiter`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from cancerwatch.api.errors import ApiError
from cancerwatch.config import MIN_TOKEN_LENGTH, Settings
from cancerwatch.errors import UsageError
from cancerwatch.http import AppState

COOKIE = "cancerwatch_session"
SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def check_token_length(settings: Settings) -> None:
    """Refuse to start with a token short enough to guess (one line, exit code 2 from the CLI)."""
    token = settings.api_token
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(
            f"CANCERWATCH_API_TOKEN has {len(token)} characters: use at least {MIN_TOKEN_LENGTH} "
            "(for example the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


@dataclass
class Session:
    """One signed-in browser."""

    expires: float
    csrf: str


class SessionStore:
    """Sessions by the hash of their id (the id itself is only in the browser's cookie)."""

    def __init__(self, hours: float = SESSION_HOURS) -> None:
        self.seconds = hours * 3600
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def open(self) -> str:
        """A new session; returns its id (for the cookie)."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}  # forget old ones
            self._sessions[self._key(session_id)] = Session(now + self.seconds, secrets.token_urlsafe(32))
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id, or None."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(self._key(session_id))
            if session is not None and session.expires <= time.time():
                del self._sessions[self._key(session_id)]
                return None
            return session

    def close(self, session_id: str | None) -> None:
        """End a session: its cookie no longer signs anyone in."""
        if session_id:
            with self._lock:
                self._sessions.pop(self._key(session_id), None)


class SignInLimiter:
    """At most ``per_client`` failed sign-ins per client address, and ``overall`` in all, per ``window`` seconds."""

    def __init__(self, per_client: int = 5, overall: int = 50, window: float = 300.0) -> None:
        self.per_client, self.overall, self.window = per_client, overall, window
        self._failures: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None when it may now."""
        now = time.monotonic()
        waits = []
        with self._lock:
            for times, allowed in ((self._failures.get(client), self.per_client), (self._all, self.overall)):
                if times is None:
                    continue
                self._trim(times, now)
                if len(times) >= allowed:
                    waits.append(times[-allowed] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, client: str) -> None:
        """Record a failed sign-in."""
        now = time.monotonic()
        with self._lock:
            self._failures.setdefault(client, deque()).append(now)
            self._all.append(now)
            if len(self._failures) > 10_000:  # a flood of addresses: keep only the busy ones
                self._failures = {c: t for c, t in self._failures.items() if len(t) > 1}


def sessions_of(request: Request) -> SessionStore:
    """The application's session store."""
    return request.app.state.sessions


def limiter_of(request: Request) -> SignInLimiter:
    """The application's sign-in limiter."""
    return request.app.state.sign_in_limiter


def client_of(request: Request) -> str:
    """The client's address (the socket peer: cancerwatch does not trust forwarded headers)."""
    return request.client.host if request.client else "unknown"


def token_matches(state: AppState, given: str | None) -> bool:
    """True when ``given`` is the configured API token (constant-time comparison)."""
    token = state.settings.api_token
    if not token or not given:
        return False
    return hmac.compare_digest(token.encode(), given.encode())


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def session_of(request: Request) -> Session | None:
    """The request's live session, if its cookie names one."""
    return sessions_of(request).get(request.cookies.get(COOKIE))


def is_authorised(request: Request, state: AppState) -> bool:
    """True for a matching bearer token or a live session."""
    if not state.settings.api_token:
        return False
    if token_matches(state, bearer_token(request)):
        return True
    return session_of(request) is not None


def has_credentials(request: Request) -> bool:
    """True when the request carries a bearer token or a session cookie (valid or not)."""
    return bool(request.headers.get("authorization") or request.cookies.get(COOKIE))


def open_session(response: Response, request: Request) -> None:
    """Start a session and set its cookie after a successful sign-in."""
    response.set_cookie(
        COOKIE,
        sessions_of(request).open(),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def close_session(response: Response, request: Request) -> None:
    """End the session on the server and remove its cookie."""
    sessions_of(request).close(request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/")


def csrf_token(request: Request) -> str | None:
    """The CSRF token of the request's session (for the forms it is shown)."""
    session = session_of(request)
    return session.csrf if session else None


def check_same_origin(request: Request) -> None:
    """Refuse a form posted from another site: its ``Origin`` (or ``Referer``) must be this host."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return  # not sent by a browser; the CSRF token still applies to session requests
    if source == "null" or urlsplit(source).netloc != request.headers.get("host", ""):
        raise ApiError(403, "cross_origin", "this form can only be sent from cancerwatch's own pages")


def check_csrf(request: Request, fields: dict[str, str]) -> None:
    """A request signed in by its session cookie must carry the session's CSRF token."""
    if token_matches(request.app.state.cancerwatch, bearer_token(request)):
        return  # a bearer token is never sent by a browser on its own
    session = session_of(request)
    given = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD) or ""
    if session is None or not hmac.compare_digest(session.csrf.encode(), given.encode()):
        raise ApiError(403, "csrf", "the form has expired or did not come from cancerwatch: reload it and try again")


def require_record_access(request: Request, state: AppState) -> None:
    """Refuse figures computed from record-level data unless the caller is signed in.

    404 on the public site (they do not exist there), 403 when no token is configured, 401
    without a matching bearer token or session cookie.
    """
    if state.public:
        raise ApiError(404, "not_found", "record-level figures are not available on the public site")
    if not state.settings.api_token:
        raise ApiError(403, "record_level_disabled", "record-level figures are switched off: set CANCERWATCH_API_TOKEN")
    if not is_authorised(request, state):
        raise ApiError(401, "unauthorised", "record-level figures need a bearer token or a signed-in session")


def record_access(request: Request, state: AppState) -> bool:
    """True when record-level detail (quarantine reasons of pathway files) may be shown: signed in, not public."""
    return not state.public and is_authorised(request, state)
