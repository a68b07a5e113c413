"""``/`` (England overview) and ``/about`` (method, sources and disclosure control)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cancerwatch.api.deps import Con
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.catalogue.suppression import NHSD_2018_MIN_SHOWN
from cancerwatch.errors import NoData
from cancerwatch.queries import MetricQuery
from cancerwatch.web.pages import render, state_of
from cancerwatch.web.series import headline_standards, metric_rows, rows_for_period, tiles

router = APIRouter()


def latest_by_org(state, con, standard: str, level: str) -> list[dict]:
    """Each organisation's row in the latest month of ``standard`` at ``level`` (empty if none)."""
    try:
        rows, _ = rows_for_period(metric_rows(state, con, MetricQuery(standard, level, "month")), None)
    except NoData:
        return []
    return rows


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, con: Con) -> HTMLResponse:
    """England: each headline standard's latest month, threshold, met, SPC icons and trend."""
    state = state_of(request)
    national = tiles(state, con, "national", None)
    alliances: dict[str, dict] = {}
    for sid in headline_standards():
        for r in latest_by_org(state, con, sid, "alliance"):
            if r["org_code"] == "UNMAPPED":
                continue
            entry = alliances.setdefault(
                r["org_code"], {"org_code": r["org_code"], "org_name": r["org_name"], "by_standard": {}}
            )
            entry["by_standard"][sid] = r
    latest = [t["latest"]["period_start"] for t in national if t["latest"]]
    missing_spc = [t for t in national if t["rows"] and not t["spc"].available]
    return render(
        request,
        "overview.html",
        page_title="England",
        tiles=national,
        standards=[get_standard(s) for s in headline_standards()],
        alliances=sorted(alliances.values(), key=lambda a: a["org_name"]),
        latest_month=max(latest) if latest else None,
        spc_note=missing_spc[0]["spc"].note if missing_spc else None,
        charts=True,
        json_url="/api/v1/metrics?standard=fds&level=national",
    )


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    """How the figures are made and how small numbers are protected."""
    return render(
        request,
        "about.html",
        page_title="About the figures",
        nhsd_min=NHSD_2018_MIN_SHOWN,
        crumbs=[{"href": "/", "text": "England"}],
    )
