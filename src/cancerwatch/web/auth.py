"""Who may upload or see record-level figures: a bearer token, or a session opened by the sign-in form.

Both check ``settings.api_token`` (``$CANCERWATCH_API_TOKEN``); with no token set, uploads and
record-level figures are switched off, and the public site never has them. The session cookie
holds an HMAC of the token (never the token itself), is HttpOnly and SameSite=Strict, so a
cross-site form cannot post with it.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from fastapi.responses import Response

from cancerwatch.api.errors import ApiError
from cancerwatch.http import AppState

COOKIE = "cancerwatch_session"
SESSION_HOURS = 8


def session_value(token: str) -> str:
    """The cookie value that proves the sign-in form was given ``token``."""
    return hmac.new(token.encode(), b"cancerwatch upload session v1", hashlib.sha256).hexdigest()


def token_matches(state: AppState, given: str | None) -> bool:
    """True when ``given`` is the configured API token (constant-time comparison)."""
    token = state.settings.api_token
    return bool(token and given) and hmac.compare_digest(token.encode(), str(given).encode())


def is_authorised(request: Request, state: AppState) -> bool:
    """True for a matching bearer token or session cookie."""
    token = state.settings.api_token
    if not token:
        return False
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and token_matches(state, value.strip()):
        return True
    cookie = request.cookies.get(COOKIE)
    return bool(cookie) and hmac.compare_digest(cookie, session_value(token))


def open_session(response: Response, request: Request, state: AppState) -> None:
    """Set the session cookie after a successful sign-in."""
    response.set_cookie(
        COOKIE,
        session_value(state.settings.api_token or ""),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def close_session(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(COOKIE, path="/")


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
