"""One error envelope for every API error: ``{"error": {"code": ..., "message": ...}}``.

Domain errors map to HTTP statuses here: a bad option is 400; an unknown standard or
organisation, or no figures, is 404; a warehouse held by a long load elsewhere is 503.
Validation errors from FastAPI become 400 with the parameter named. Requests outside ``/api``
get the web layer's HTML error page instead, with the same status and message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cancerwatch.errors import CancerwatchError, InputError, NoData, UnknownOrg, UnknownStandard, UsageError
from cancerwatch.warehouse.connect import WarehouseBusy

log = logging.getLogger(__name__)

HtmlErrorRenderer = Callable[[Request, int, str, str], Response]

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    """An error raised by a route with its status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def domain_status(exc: CancerwatchError) -> tuple[int, str]:
    """HTTP status and envelope code of a domain error."""
    if isinstance(exc, WarehouseBusy):
        return 503, "warehouse_busy"
    if isinstance(exc, UnknownStandard):
        return 404, "unknown_standard"
    if isinstance(exc, UnknownOrg):
        return 404, "unknown_org"
    if isinstance(exc, NoData):
        return 404, "no_data"
    if isinstance(exc, UsageError):
        return 400, "usage_error"
    if isinstance(exc, InputError):
        return 400, "input_error"
    return 400, "error"


def wants_json(request: Request) -> bool:
    """True when the client asks for JSON (``Accept: application/json``) rather than a page."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def envelope(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    """The JSON error response."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body", "header")]
        name = ".".join(loc) or "request"
        msg = err.get("msg", "invalid value")
        if err.get("type") == "literal_error":
            msg = "must be " + msg.removeprefix("Input should be ")
        elif err.get("type") == "string_pattern_mismatch" and name in ("from", "to", "period_start"):
            msg = "must be a month written YYYY-MM, e.g. 2023-04"
        bad = err.get("input")
        shown = f" (got {bad!r})" if isinstance(bad, str | int | float) and len(str(bad)) < 60 else ""
        parts.append(f"{name}: {msg}{shown}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI, html: HtmlErrorRenderer | None = None) -> None:
    """Route every error to the API envelope (``/api``) or the HTML renderer (elsewhere)."""

    def respond(request: Request, status: int, code: str, message: str, headers: dict | None = None) -> Response:
        if html is None or request.url.path.startswith("/api") or wants_json(request):
            return envelope(status, code, message, headers)
        return html(request, status, code, message)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return respond(request, exc.status, exc.code, exc.message)

    @app.exception_handler(CancerwatchError)
    async def _domain(request: Request, exc: CancerwatchError) -> Response:
        status, code = domain_status(exc)
        return respond(request, status, code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, 400, "validation_error", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page or resource at {request.url.path}"
        return respond(request, exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return respond(request, 500, "internal_error", "something went wrong on the server; it has been logged")
