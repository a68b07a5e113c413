"""Build the ASGI application: JSON API under ``/api/v1``, pages, static files, error handling.

``create_app(db_path, public=False)``; ``cancerwatch serve`` runs it with uvicorn. Public mode
shows NHS England's published figures as published and leaves out the upload pages and every
figure computed from record-level data. The app factory composes the API (``api.main``) and the
pages and injects the sign-in check as the record gate (``cancerwatch.http``). Every response carries security headers
(``web/security_headers.py``); an API token shorter than 16 characters stops the app from starting.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import meta
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cancerwatch import __version__, reports
from cancerwatch.api.errors import install_error_handlers
from cancerwatch.api.main import api_router
from cancerwatch.api.openapi_doc import install_openapi
from cancerwatch.config import Settings, load_settings
from cancerwatch.http import AppState
from cancerwatch.read.common_views import hold_common_views
from cancerwatch.reports import charts, pdf, workers
from cancerwatch.warehouse.connect import ibis_backend
from cancerwatch.warehouse.pool import Warehouse
from cancerwatch.warehouse.prepared import has_prepared
from cancerwatch.web.auth import SessionStore, SignInLimiter, check_token_length, require_record_access
from cancerwatch.web.geo import DEFAULT_BOUNDARIES, boundary_codes
from cancerwatch.web.http_cache import ETagMiddleware
from cancerwatch.web.pages import error_page, template_script_hashes, templates
from cancerwatch.web.rehearsal import rehearsal_paths, rehearse
from cancerwatch.web.response_cache import ResponseCacheMiddleware, ResponseStore
from cancerwatch.web.routes import assets, data_page, league, map_page, org, overview, report, search, upload
from cancerwatch.web.security_headers import SecurityHeadersMiddleware, content_security_policy, inline_script_hashes
from cancerwatch.web.upload_store import remove_stale

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


def warm_cache(state: AppState) -> None:
    """Read the views every dashboard page starts from (``read.common_views``), so first visitors
    do not wait; failures are logged, never raised."""
    try:
        with state.warehouse.reader() as con:
            hold_common_views(state.reader(con))
    except Exception:
        log.exception("warming the cache failed")


async def rehearse_pages(app: FastAPI, state: AppState) -> None:
    """One request of every page type (``web.rehearsal``), forgetting the figures and answers it
    computed; failures are logged, never raised."""
    try:
        with state.warehouse.memo_checkpoint():
            with state.warehouse.reader() as con:
                paths = rehearsal_paths(state.reader(con))
            await rehearse(app, paths)
    except Exception:
        log.exception("rehearsing the pages failed")
    finally:
        app.state.responses.clear()


def compile_templates() -> int:
    """Compile every page template and the macro templates they import (Jinja keeps them); returns how many."""
    env = templates.env
    pending = env.list_templates(filter_func=lambda n: n.endswith(".html"))
    done: set[str] = set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        env.get_template(name)
        source = env.loader.get_source(env, name)[0] if env.loader else ""
        pending.extend(n for n in meta.find_referenced_templates(env.parse(source)) if n and n not in done)
    return len(done)


def ready_first_visit(state: AppState) -> bool:
    """Do, before serving, what the first request would otherwise pay for; True when views are prepared.

    Compiles every page template; asking whether views are prepared also binds a query parameter,
    which DuckDB pays for once per process (it imports pandas then, close to a second on a busy
    machine), Ibis's DuckDB backend is loaded, the reports' worker processes started
    (``reports.workers``: charts drawn and PDFs printed there), the report template compiled,
    the first chart drawn and WeasyPrint's first page printed in this process when there are no
    workers, and the map's boundaries are simplified. When the views are prepared at load time
    (``cancerwatch.read.preparation``) the server then reads the common ones into memory before
    serving (:func:`warm_cache`)."""
    compile_templates()
    if not workers.start():
        charts.warm()
        pdf.warm()
    reports.warm()
    boundary_codes(DEFAULT_BOUNDARIES)  # the map's simplified boundaries, built once per process
    with state.warehouse.reader() as con:
        ibis_backend(con)  # loads Ibis's DuckDB backend (and pandas) once, before the first visitor
        return has_prepared(con)


def create_app(
    db_path: Path | str | None = None, *, settings: Settings | None = None, public: bool = False, warm: bool = False
) -> FastAPI:
    """The cancerwatch web application over the warehouse at ``db_path`` (default: settings).

    ``warm`` (``cancerwatch serve``): compile the templates before serving and, when the views are
    not prepared at load time, compute the common figures in a background thread.
    """
    settings = settings or load_settings()
    check_token_length(settings)
    warehouse = Warehouse(db_path or settings.db_path)
    state = AppState(warehouse=warehouse, settings=settings, public=public, record_gate=require_record_access)
    state.disclosure()  # fail fast on a bad policy

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm and ready_first_visit(state):
            warm_cache(state)  # prepared at load: decoding them takes about a second, before serving
            await rehearse_pages(app, state)
            # The decoded views are millions of long-lived objects: move them out of the cyclic
            # collector's generations, so that a full collection does not scan them during a
            # request (tens to hundreds of milliseconds; Python documentation, gc.freeze).
            gc.collect()
            gc.freeze()
        elif warm:
            threading.Thread(target=warm_cache, args=(state,), name="cancerwatch-warm", daemon=True).start()
        yield
        workers.stop()
        warehouse.close()

    app = FastAPI(
        title="cancerwatch",
        version=__version__,
        summary="Cancer waiting times performance for NHS services in England",
        description=(
            "JSON API of cancerwatch. Every list has `total_rows`, `limit` and `offset`; every error has the "
            'shape `{"error": {"code": ..., "message": ...}}`. NHS England\'s published figures are served as '
            "published; figures computed from record-level data need a bearer token and follow the server's "
            "disclosure policy (see `suppression` in responses)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.cancerwatch = state
    app.state.sessions = SessionStore()
    app.state.sign_in_limiter = SignInLimiter()
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.state.responses = ResponseStore()
    app.add_middleware(ResponseCacheMiddleware, state=state, store=app.state.responses)  # keeps compressed bodies
    app.add_middleware(ServerTimingMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, script_hashes=template_script_hashes())
    # Outermost: a 304 carries no new Content-Security-Policy, so the browser keeps the stored
    # page's policy.
    app.add_middleware(ETagMiddleware, state=state)
    install_error_handlers(app, error_page)
    install_openapi(app)
    app.include_router(api_router())
    for module in (overview, org, league, map_page, data_page, search, assets, report):
        app.include_router(module.router, include_in_schema=False)
    if not public:
        app.include_router(upload.router, include_in_schema=False)
        remove_stale()  # upload folders of a server that was killed mid-upload
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_api_docs(app)
    return app


class ServerTimingMiddleware:
    """Adds ``Server-Timing: app;dur=<ms>`` (time to the response headers) for benchmarks and devtools."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - start) * 1000
                headers = MutableHeaders(scope=message)
                headers.append("Server-Timing", f"app;dur={elapsed:.1f}")
            await send(message)

        await self.app(scope, receive, timed_send)


DOCS_BANNER = (
    '<header class="cw-api-banner"><a href="/">Back to the cancerwatch dashboard</a>'
    '<span> · <a href="/about">About the figures</a></span></header>'
)


def _with_dashboard_link(html: str) -> str:
    """The Swagger UI page in British English with a link back to the dashboard above it."""
    html = html.replace("<html>", '<html lang="en-GB">', 1)
    html = html.replace("</head>", '<link rel="stylesheet" href="/static/api-docs.css">\n</head>', 1)
    return html.replace("<body>", f"<body>\n{DOCS_BANNER}", 1)


def _add_api_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/docs`` with its files from the ``fastapi-offline`` package (no CDN)."""
    swagger = Path(str(resources.files("fastapi_offline").joinpath("static")))
    app.mount("/assets/swagger", StaticFiles(directory=swagger), name="swagger")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/api/openapi.json",
            title="cancerwatch API",
            swagger_js_url="/assets/swagger/swagger-ui-bundle.js",
            swagger_css_url="/assets/swagger/swagger-ui.css",
            swagger_favicon_url="/static/nhsuk/images/favicon.ico",
            # no deep links: Swagger UI puts them inside the operation's button (nested interactive controls)
            swagger_ui_parameters={"deepLinking": False},
        )
        html = _with_dashboard_link(bytes(page.body).decode())
        return HTMLResponse(
            html, headers={"Content-Security-Policy": content_security_policy(inline_script_hashes(html))}
        )
