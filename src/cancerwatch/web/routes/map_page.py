"""``/map``: a choropleth of ICB or sub-ICB performance, and ``/map/sub_icb.geojson``: the boundaries.

The boundaries are the bundled ONS shapefile converted to simplified WGS84 GeoJSON once and
kept in memory (``cancerwatch.web.geo``). The page renders :func:`cancerwatch.read.geography.map_view`
and lists the same figures in a table.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.http import ReaderDep
from cancerwatch.periods import parse_month
from cancerwatch.read.geography import map_view
from cancerwatch.web.figures import map_figure
from cancerwatch.web.geo import DEFAULT_BOUNDARIES, boundaries_geojson, boundary_codes
from cancerwatch.web.pages import alternate, render, view_json
from cancerwatch.web.params import HeadlineStandard, MonthOrEmpty, PageFormat

router = APIRouter()
GEOJSON_URL = "/map/sub_icb.geojson"


@router.get("/map/sub_icb.geojson", include_in_schema=False)
def sub_icb_geojson(request: Request) -> Response:
    """Simplified sub-ICB boundaries (April 2023) as GeoJSON (properties: ons_code, ods_code, name)."""
    path = getattr(request.app.state, "boundaries", DEFAULT_BOUNDARIES)
    if not path.exists():
        return Response('{"type":"FeatureCollection","features":[]}', media_type="application/geo+json")
    return Response(
        boundaries_geojson(path), media_type="application/geo+json", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/map", response_class=HTMLResponse, response_model=None)
def map_page(
    request: Request,
    reader: ReaderDep,
    standard: HeadlineStandard = "fds",
    period_start: MonthOrEmpty = None,
    level: Literal["icb", "sub_icb"] = "icb",
    format: PageFormat = "html",
) -> Response:
    """ICBs or sub-ICB locations coloured by performance in one month (latest by default)."""
    on_map = boundary_codes(getattr(request.app.state, "boundaries", DEFAULT_BOUNDARIES))
    view = map_view(reader, standard, parse_month(period_start) if period_start else None, on_map, level)
    if format == "json":
        return view_json(view)
    figure = map_figure(
        [r["org_code"] for r in view.mapped],
        [r["performance"] for r in view.mapped],
        [r["org_name"] for r in view.mapped],
        scale=view.scale,
        geojson_url=GEOJSON_URL,
    )
    return render(
        request,
        "map.html",
        page_title=f"Map: {view.standard.short_name}",
        view=view,
        standard=view.standard,
        standards=view.standards,
        month=view.month,
        chosen=(view.month or "")[:7],
        params={"standard": standard, "level": level, "period_start": (view.month or "")[:7] or None},
        months=view.months,
        figure=figure,
        rows=view.rows,
        not_mapped=view.not_mapped,
        charts=True,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=alternate(request),
    )
