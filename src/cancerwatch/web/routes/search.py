"""``/search?q=``: organisations by name or code; an exact code goes straight to its page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cancerwatch.http import ReaderDep
from cancerwatch.read.search import search as search_view
from cancerwatch.web.pages import alternate, render, view_json
from cancerwatch.web.params import MAX_OFFSET, PageFormat
from cancerwatch.web.templating import org_href

router = APIRouter()


@router.get("/search", response_class=HTMLResponse, response_model=None)
def search(
    request: Request,
    reader: ReaderDep,
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    format: PageFormat = "html",
) -> Response:
    """Results page, or a redirect when ``q`` is exactly an organisation's code."""
    view = search_view(reader, q, offset=offset)
    if format == "json":
        return view_json(view)
    if view.exact is not None:
        return RedirectResponse(org_href(view.exact.level, view.exact.code), status_code=303)
    return render(
        request,
        "search.html",
        page_title=f"Search: {view.q}" if view.q else "Search",
        view=view,
        q=view.q,
        rows=view.rows,
        total=view.total,
        offset=view.offset,
        page_size=view.page_size,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=alternate(request),
    )
