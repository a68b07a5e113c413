"""``/`` (England overview, the summary matrix and the digest of the latest load) and ``/about``
(method, sources and disclosure control)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.catalogue.suppression import NHSD_2018_MIN_SHOWN
from cancerwatch.http import ReaderDep
from cancerwatch.read.changes import HOME_LEVELS, changes
from cancerwatch.read.overview import matrix_sorts
from cancerwatch.read.overview import overview as overview_view
from cancerwatch.read.serialise import jsonable
from cancerwatch.web.pages import alternate, render, state_of, view_json
from cancerwatch.web.params import PageFormat

router = APIRouter()

if TYPE_CHECKING:  # a matrix sort key is a str to the type checker
    MatrixSort = str
else:
    MatrixSort = Literal[tuple(matrix_sorts())]
DIGEST_SHOWN = 12
"""Organisations the home page's digest panel lists before linking to the full digest."""


@router.get("/", response_class=HTMLResponse, response_model=None)
def overview(
    request: Request,
    reader: ReaderDep,
    sort: MatrixSort = "org_name",
    dir: Literal["asc", "desc"] = "asc",
    format: PageFormat = "html",
) -> Response:
    """England: each headline standard's latest month, threshold, met, SPC icons and trend; the
    summary matrix of regions and Alliances (sorted by ``sort`` and ``dir``); what the latest load
    changed."""
    view = overview_view(reader, sort=sort, direction=dir)
    digest = changes(reader, levels=HOME_LEVELS)
    if format == "json":
        return view_json({**jsonable(view), "changes": digest})
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
        matrix=view.matrix,
        params={"sort": sort, "dir": dir},
        digest=digest,
        digest_shown=DIGEST_SHOWN,
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
