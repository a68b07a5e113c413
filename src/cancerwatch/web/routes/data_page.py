"""``/data``: loaded sources, revisions, quarantine counts and unmapped organisation codes.

Quarantined rows are counted per file and reason; their content is never shown, and reasons for
rows of record-level files only to signed-in users (:mod:`cancerwatch.read.data`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.http import ReaderDep
from cancerwatch.read.data import data_page as data_view
from cancerwatch.web.pages import alternate, render, view_json
from cancerwatch.web.params import PageFormat

router = APIRouter()


@router.get("/data", response_class=HTMLResponse, response_model=None)
def data_page(request: Request, reader: ReaderDep, format: PageFormat = "html") -> Response:
    """What the warehouse holds."""
    view = data_view(reader)
    if format == "json":
        return view_json(view)
    return render(
        request,
        "data.html",
        page_title="Loaded data",
        view=view,
        counts=view.counts,
        sources=view.sources,
        revisions=view.revisions,
        quarantine=view.quarantine,
        unmapped=view.unmapped,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=alternate(request),
    )
