"""``/map``: a choropleth of sub-ICB performance, and ``/map/sub_icb.geojson``: the boundaries.

The boundaries are the bundled ONS shapefile converted to simplified WGS84 GeoJSON once and
kept in memory (``cancerwatch.web.geo``). The page also lists the same figures in a table.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.api.deps import Con
from cancerwatch.api.schemas import MONTH_OR_EMPTY
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.periods import parse_month
from cancerwatch.queries import MetricQuery
from cancerwatch.web.figures import map_figure
from cancerwatch.web.geo import DEFAULT_BOUNDARIES, boundaries_geojson, boundary_codes
from cancerwatch.web.pages import render, state_of
from cancerwatch.web.params import HeadlineStandard
from cancerwatch.web.series import headline_standards, metric_rows, period_starts, rows_for_period

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


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    con: Con,
    standard: HeadlineStandard = "fds",
    period_start: Annotated[str | None, Query(pattern=MONTH_OR_EMPTY)] = None,
) -> HTMLResponse:
    """Sub-ICB locations coloured by performance in one month (latest by default)."""
    state = state_of(request)
    all_rows = metric_rows(state, con, MetricQuery(standard, "sub_icb", "month"))
    rows, chosen = rows_for_period(all_rows, parse_month(period_start) if period_start else None)
    on_map = boundary_codes(getattr(request.app.state, "boundaries", DEFAULT_BOUNDARIES))
    mapped = [r for r in rows if r["org_code"] in on_map and r.get("performance") is not None]
    threshold = next((r["threshold"] for r in rows if r.get("threshold") is not None), None)
    figure = map_figure(
        [r["org_code"] for r in mapped],
        [r["performance"] for r in mapped],
        [r["org_name"] for r in mapped],
        threshold=threshold,
        geojson_url=GEOJSON_URL,
    )
    table = sorted((r for r in rows if r["org_code"] != "UNMAPPED"), key=lambda r: r["org_name"])
    return render(
        request,
        "map.html",
        page_title=f"Map: {get_standard(standard).short_name}",
        standard=get_standard(standard),
        standards=[get_standard(s) for s in headline_standards()],
        month=date.fromisoformat(chosen),
        chosen=chosen[:7],
        months=[s[:7] for s in period_starts(all_rows)],
        figure=figure,
        rows=table,
        not_mapped=[r for r in rows if r["org_code"] not in on_map and r["org_code"] != "UNMAPPED"],
        charts=True,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=f"/api/v1/metrics?standard={standard}&level=sub_icb&from={chosen[:7]}&to={chosen[:7]}",
    )
