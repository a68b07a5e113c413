"""``/upload`` (load files through ``ingest.load.load_files``), ``/login`` and ``/logout``.

Not mounted in public mode. Uploaded files are written to a temporary directory under their
own (sanitised) names, loaded in one transaction while the warehouse is held for writing, and
deleted. A request with ``Accept: application/json`` gets the results as JSON.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from cancerwatch.api.errors import ApiError, envelope
from cancerwatch.errors import CancerwatchError
from cancerwatch.ingest.load import load_files
from cancerwatch.web.auth import close_session, is_authorised, open_session, token_matches
from cancerwatch.web.pages import render, state_of

router = APIRouter()
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
CRUMBS = [{"href": "/", "text": "England"}]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _safe_name(name: str | None, index: int) -> str:
    base = Path(name or "").name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    return base or f"upload-{index}"


def _check_enabled(request: Request) -> None:
    if not state_of(request).settings.api_token:
        raise ApiError(403, "uploads_disabled", "uploads are switched off: set CANCERWATCH_API_TOKEN to enable them")


@router.get("/upload", response_class=HTMLResponse, response_model=None)
def upload_form(request: Request) -> Response:
    """The upload form (signed-in users), else a redirect to the sign-in form."""
    _check_enabled(request)
    if not is_authorised(request, state_of(request)):
        return RedirectResponse("/login", status_code=303)
    return render(request, "upload.html", page_title="Upload files", crumbs=CRUMBS)


@router.post("/upload", response_model=None)
def upload(
    request: Request, files: Annotated[list[UploadFile], File(description="CWT extracts or lookups")]
) -> Response:
    """Load the uploaded files (all or nothing) and show one result row per file."""
    _check_enabled(request)
    state = state_of(request)
    if not is_authorised(request, state):
        if _wants_json(request):
            return envelope(401, "unauthorised", "sign in or send a bearer token", {"WWW-Authenticate": "Bearer"})
        return render(
            request,
            "login.html",
            status_code=401,
            page_title="Sign in",
            error="Sign in before uploading files.",
            crumbs=CRUMBS,
        )
    workdir = Path(tempfile.mkdtemp(prefix="cancerwatch-upload-"))
    try:
        paths, size = [], 0
        for i, f in enumerate(files):
            path = workdir / f"{i:02d}" / _safe_name(f.filename, i)
            path.parent.mkdir()
            with path.open("wb") as out:
                shutil.copyfileobj(f.file, out)
            size += path.stat().st_size
            if size > MAX_UPLOAD_BYTES:
                raise ApiError(413, "too_large", f"uploads are limited to {MAX_UPLOAD_BYTES // 2**20} MB")
            paths.append(path)
        try:
            with state.warehouse.writer() as con:
                results = load_files(con, paths)
        except CancerwatchError as exc:
            message = str(exc).replace(str(workdir) + "/", "")
            message = re.sub(r"\b\d\d/", "", message)
            if _wants_json(request):
                return envelope(400, "input_error", message)
            return render(
                request, "upload.html", status_code=400, page_title="Upload files", error=message, crumbs=CRUMBS
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out = [asdict(r) for r in results]
    for r in out:
        r["file"] = Path(r["file"]).name
    if _wants_json(request):
        return JSONResponse({"results": out})
    return render(request, "upload.html", page_title="Upload files", results=out, crumbs=CRUMBS)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    _check_enabled(request)
    return render(request, "login.html", page_title="Sign in", crumbs=CRUMBS)


@router.post("/login", response_model=None)
def login(request: Request, token: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Check the access token; open a session and go to the upload form."""
    _check_enabled(request)
    state = state_of(request)
    if not token_matches(state, token):
        return render(
            request,
            "login.html",
            status_code=401,
            page_title="Sign in",
            error="The access token is not correct.",
            crumbs=CRUMBS,
        )
    response = RedirectResponse("/upload", status_code=303)
    open_session(response, request, state)
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    """Close the session."""
    response = RedirectResponse("/", status_code=303)
    close_session(response)
    return response
