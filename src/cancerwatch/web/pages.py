"""Rendering helpers shared by every page: navigation, the base context, JSON alternates, errors."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup

from cancerwatch.http import AppState
from cancerwatch.read.serialise import jsonable
from cancerwatch.web.security_headers import inline_script_hashes
from cancerwatch.web.templating import build_templates

templates = build_templates()
FOOTER = (
    {"href": "/about", "text": "About the figures"},
    {"href": "/about#suppression", "text": "Small numbers"},
    {"href": "/data", "text": "Loaded data"},
    {"href": "/api/docs", "text": "JSON API"},
)
_HEADER = templates.env.get_template("_header.html")
_FOOTER = templates.env.get_template("_footer.html")

NAV = (
    ("/", "England"),
    ("/league", "League table"),
    ("/map", "Map"),
    ("/data", "Data"),
    ("/upload", "Upload"),
    ("/api/docs", "API"),
)
ERROR_TITLES = {
    400: "There is a problem with your request",
    401: "Sign in to continue",
    403: "You cannot do this",
    404: "Page not found",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "This part of the service is unavailable",
}


def state_of(request: Request) -> AppState:
    """The application state."""
    state: AppState = request.app.state.cancerwatch
    return state


def nav_items(request: Request) -> list[dict]:
    """Header navigation, with the current section marked (upload hidden on the public site)."""
    path = request.url.path
    public = state_of(request).public
    items = []
    for href, text in NAV:
        if public and href == "/upload":
            continue
        current = path == href if href == "/" else path.startswith(href)
        items.append({"href": href, "text": text, "current": current})
    return items


@lru_cache(maxsize=32)
def _chrome(nav: tuple[tuple[str, str, bool], ...]) -> tuple[Markup, Markup]:
    """The NHS.UK header and footer HTML for one navigation state (rendered once, then reused)."""
    items = [{"href": href, "text": text, "current": current} for href, text, current in nav]
    return (
        Markup(_HEADER.render(nav_items=items)),
        Markup(_FOOTER.render(footer_items=FOOTER)),
    )


def template_script_hashes() -> list[str]:
    """``sha256-…`` hashes of the NHS.UK page template's inline script (it marks the body as
    script-enabled): the pages' Content-Security-Policy allows exactly that script, so a page's
    body is the same for every viewer and can be kept (``web/response_cache.py``)."""
    source, _, _ = templates.env.loader.get_source(templates.env, "nhsuk/template.jinja")  # type: ignore[union-attr]
    return inline_script_hashes(source)


def alternate(request: Request, fmt: str = "json") -> str:
    """This page's URL in another format (``?format=json``, ``csv`` …), other parameters kept."""
    params = {k: v for k, v in request.query_params.items() if k != "format"}
    return f"{request.url.path}?{urlencode({**params, 'format': fmt})}"


def view_json(view: object) -> JSONResponse:
    """The JSON alternate of a page: the view object the HTML renders."""
    return JSONResponse(jsonable(view))


def render(request: Request, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    """Render a page that extends ``base.html`` (``json_url``: its JSON alternate, advertised in the head)."""
    state = state_of(request)
    nav = tuple((i["href"], i["text"], i["current"]) for i in nav_items(request))
    header_html, footer_html = _chrome(nav)
    base = {
        "request": request,
        "header_html": header_html,
        "footer_html": footer_html,
        "public": state.public,
        "charts": False,
        "crumbs": None,
        "json_url": None,
    }
    base.update(context)
    return templates.TemplateResponse(request, template, base, status_code=status_code)


def error_page(request: Request, status: int, code: str, message: str) -> HTMLResponse:
    """The friendly HTML page for an error outside the API."""
    title = ERROR_TITLES.get(status, "Sorry, there is a problem")
    return render(request, "error.html", status_code=status, page_title=title, title=title, code=code, message=message)
