"""``/upload`` (load files), ``/login`` and ``/logout``. Not mounted in public mode.

An upload is checked before its body is read: uploads switched on, the caller signed in (bearer
token or session), a session's form sent from this site, and the declared size within
``CANCERWATCH_MAX_UPLOAD_BYTES``. The body then streams to a private folder with the same hard
cap, and the session's CSRF token must come before the first file. The files are read and
validated in a child process with memory and time limits (``ingest.isolated``), outside the
warehouse lock; the lock is taken only to commit (``ingest.load.write_parsed``), all or nothing.
The folder is removed afterwards, whatever happened. A request with ``Accept: application/json``
gets JSON, errors included.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cancerwatch.api.errors import ApiError, envelope, wants_json
from cancerwatch.errors import CancerwatchError
from cancerwatch.http import AppState
from cancerwatch.ingest.isolated import parse_isolated
from cancerwatch.ingest.limits import WorkLimits
from cancerwatch.ingest.load import LoadResult, write_parsed
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.read.preparation import prepare_views
from cancerwatch.warehouse.storage_errors import storage_error
from cancerwatch.web.auth import (
    bearer_token,
    check_csrf,
    check_same_origin,
    client_of,
    close_session,
    csrf_token,
    is_authorised,
    limiter_of,
    open_session,
    token_matches,
)
from cancerwatch.web.pages import render, state_of
from cancerwatch.web.upload_store import check_declared_size, new_workdir, receive_files

router = APIRouter()
CRUMBS = [{"href": "/", "text": "England"}]


DISABLED = "Uploading files is not switched on for this service. Ask the administrator of cancerwatch to switch it on."
NO_FILES = "Choose at least one file to upload"


def _enabled(request: Request) -> bool:
    return bool(state_of(request).settings.api_token)


def _check_enabled(request: Request) -> None:
    if not _enabled(request):
        raise ApiError(403, "uploads_disabled", DISABLED)


def _disabled_page(request: Request) -> Response:
    """What a user sees when uploads are off: what to do, not how to configure the server."""
    return render(request, "upload.html", status_code=403, page_title="Upload files", crumbs=CRUMBS, disabled=DISABLED)


def _page(request: Request, status: int = 200, **context: object) -> Response:
    return render(
        request,
        "upload.html",
        status_code=status,
        page_title="Upload files",
        crumbs=CRUMBS,
        csrf_token=csrf_token(request),
        max_mb=state_of(request).settings.max_upload_bytes // 2**20,
        **context,
    )


@router.get("/upload", response_class=HTMLResponse, response_model=None)
def upload_form(request: Request) -> Response:
    """The upload form (signed-in users), else a redirect to the sign-in form."""
    if not _enabled(request):
        return _disabled_page(request)
    if not is_authorised(request, state_of(request)):
        return RedirectResponse("/login", status_code=303)
    return _page(request)


@router.post("/upload", response_model=None)
async def upload(request: Request) -> Response:
    """Load the uploaded files (all or nothing) and show one result row per file."""
    _check_enabled(request)
    state = state_of(request)
    if not is_authorised(request, state):
        if bearer_token(request) is not None:  # a wrong token is a failed sign-in, rate limited alike
            limiter_of(request).failed(client_of(request))
            wait = limiter_of(request).retry_after(client_of(request))
            if wait is not None:
                raise ApiError(429, "too_many_requests", f"too many failed sign-ins: try again in {wait} seconds")
        if wants_json(request):
            return envelope(401, "unauthorised", "sign in or send a bearer token", {"WWW-Authenticate": "Bearer"})
        return render(
            request,
            "login.html",
            status_code=401,
            page_title="Sign in",
            error="Sign in before uploading files.",
            crumbs=CRUMBS,
        )
    by_session = not token_matches(state, bearer_token(request))
    if by_session:
        check_same_origin(request)
    settings = state.settings
    check_declared_size(request, settings.max_upload_bytes)
    workdir = new_workdir()
    try:
        try:
            paths, _ = await receive_files(
                request,
                workdir,
                max_bytes=settings.max_upload_bytes,
                before_first_file=lambda fields: check_csrf(request, fields),
            )
        except ApiError as exc:
            if exc.code != "no_files" or wants_json(request):
                raise
            return _page(request, 400, error=NO_FILES, error_title="There is a problem")
        try:
            parsed = await run_in_threadpool(
                parse_isolated,
                paths,
                limits=WorkLimits.from_settings(settings),
                memory_bytes=settings.upload_memory_bytes,
                seconds=settings.upload_seconds,
                workdir=workdir,
            )
            results = await run_in_threadpool(_commit, state, parsed)
        except CancerwatchError as exc:
            message = str(exc).replace(str(workdir) + "/", "")
            if wants_json(request):
                return envelope(400, "input_error", message)
            return _page(request, 400, error=message)
    finally:
        await run_in_threadpool(_remove, workdir)
    out = [asdict(r) for r in results]
    for r in out:
        r["file"] = Path(r["file"]).name
    if wants_json(request):
        return JSONResponse({"results": out})
    return _page(request, results=out)


def _commit(state: AppState, parsed: list[ParsedFile]) -> list[LoadResult]:
    """Write the parsed files while the warehouse is held for writing (readers wait only for this)."""
    try:
        with state.warehouse.writer() as con:
            return write_parsed(con, parsed, prepare=prepare_views)
    except CancerwatchError:
        raise
    except Exception as exc:
        failure = storage_error(exc, state.warehouse.path)
        if failure is None:
            raise
        raise failure from None


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


@router.get("/login", response_class=HTMLResponse, response_model=None)
def login_form(request: Request) -> Response:
    """The sign-in form."""
    if not _enabled(request):
        return _disabled_page(request)
    return render(request, "login.html", page_title="Sign in", crumbs=CRUMBS)


@router.post("/login", response_model=None)
def login(request: Request, token: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Check the access token; open a session and go to the upload form. Failed attempts are rate limited."""
    _check_enabled(request)
    check_same_origin(request)
    state = state_of(request)
    limiter, client = limiter_of(request), client_of(request)
    wait = limiter.retry_after(client)
    if wait is not None:
        message = f"Too many failed sign-ins: try again in {wait} seconds."
        if wants_json(request):
            return envelope(429, "too_many_requests", message, {"Retry-After": str(wait)})
        response = render(request, "login.html", status_code=429, page_title="Sign in", error=message, crumbs=CRUMBS)
        response.headers["Retry-After"] = str(wait)
        return response
    if not token_matches(state, token):
        limiter.failed(client)
        return render(
            request,
            "login.html",
            status_code=401,
            page_title="Sign in",
            error="The access token is not correct.",
            crumbs=CRUMBS,
        )
    redirect = RedirectResponse("/upload", status_code=303)
    open_session(redirect, request)
    return redirect


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """End the session on the server (its cookie stops working) and remove the cookie."""
    check_same_origin(request)
    response = RedirectResponse("/", status_code=303)
    close_session(response, request)
    return response
