"""``/`` (England overview) and ``/about`` (method, sources and disclosure control)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.catalogue.suppression import NHSD_2018_MIN_SHOWN
from cancerwatch.http import ReaderDep
from cancerwatch.read.overview import overview as overview_view
from cancerwatch.web.pages import alternate, render, state_of, view_json
from cancerwatch.web.params import PageFormat

router = APIRouter()


@router.get("/", response_class=HTMLResponse, response_model=None)
def overview(request: Request, reader: ReaderDep, format: PageFormat = "html") -> Response:
    """England: each headline standard's latest month, threshold, met, SPC icons and trend."""
    view = overview_view(reader)
    if format == "json":
        return view_json(view)
    return render(
        request,
        "overview.html",
        page_title="England",
        view=view,
        tiles=view.tiles,
        standards=view.standards,
        alliances=view.alliances,
        latest_month=view.latest_month,
        spc_note=view.spc_note,
        charts=True,
        json_url=alternate(request),
    )


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    """How the figures are made and how small numbers are protected."""
    disclosure = state_of(request).disclosure()
    return render(
        request,
        "about.html",
        page_title="About the figures",
        nhsd_min=NHSD_2018_MIN_SHOWN,
        record_rule=disclosure.label("record"),
        crumbs=[{"href": "/", "text": "England"}],
        json_url="/api/v1/standards",
    )
