"""``/search?q=``: organisations by name or code; an exact code goes straight to its page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cancerwatch.api.deps import Con
from cancerwatch.api.schemas import MAX_OFFSET
from cancerwatch.web.data import find_organisation, search_organisations
from cancerwatch.web.pages import render
from cancerwatch.web.templating import org_href

router = APIRouter()
PAGE_SIZE = 50


@router.get("/search", response_class=HTMLResponse, response_model=None)
def search(
    request: Request,
    con: Con,
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Results page, or a redirect when ``q`` is exactly an organisation's code."""
    text = q.strip()
    if text:
        exact = find_organisation(con, text)
        if exact is not None:
            return RedirectResponse(org_href(exact["level"], exact["org_code"]), status_code=303)
    rows, total = search_organisations(con, q=text, level=None, limit=PAGE_SIZE, offset=offset) if text else ([], 0)
    return render(
        request,
        "search.html",
        page_title=f"Search: {text}" if text else "Search",
        q=text,
        rows=rows,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=f"/api/v1/organisations?q={text}" if text else None,
    )
