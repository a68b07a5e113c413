"""Organisation pages: ``/alliance/{code}`` and ``/org/{level}/{code}`` (region, ICB, sub-ICB, provider).

The page renders :func:`cancerwatch.read.organisation.org_page`; ``format=json`` gives that view,
``format=csv`` or ``xlsx`` the monthly figures of the chosen standard (the page's table).
``month`` (YYYY-MM, default the latest with figures) chooses the month of the wait distribution,
DM01 diagnostics and workforce panels.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cancerwatch.catalogue.organisations import LEVEL_NAMES, LEVEL_PLURALS
from cancerwatch.exports import to_csv, xlsx_bytes
from cancerwatch.http import ReaderDep
from cancerwatch.periods import parse_month
from cancerwatch.read.league import EXPORT_FIELDS
from cancerwatch.read.organisation import OrgPage, org_page
from cancerwatch.web.figures import funnel_figure, trend_figure
from cancerwatch.web.pages import alternate, render, view_json
from cancerwatch.web.params import Code, HeadlineStandard, MonthOrEmpty, TableFormat
from cancerwatch.web.templating import org_href

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(view: OrgPage, fmt: str) -> Response:
    """The page's monthly figures as a CSV or Excel download."""
    rows = [{**r, "suppressed": ";".join(r.get("suppressed") or [])} for r in view.rows]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"cancerwatch-{view.standard.id}-{view.org.level}-{view.org.code}")
    fields = [*EXPORT_FIELDS, "combined_note"] if view.combined_note else list(EXPORT_FIELDS)
    if fmt == "csv":
        return Response(
            to_csv(rows, fields),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    title = f"{view.standard.name}: {view.org.name}, monthly"
    return Response(
        xlsx_bytes(rows, title=title, fields=fields),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def page(
    request: Request, reader: ReaderDep, level: str, code: str, standard: str, fmt: str, month: str | None = None
) -> Response:
    """Render the page of one organisation (or its JSON, CSV or Excel alternate)."""
    view = org_page(reader, level, code, standard, parse_month(month) if month else None)
    if fmt == "json":
        return view_json(view)
    if fmt in ("csv", "xlsx"):
        return export(view, fmt)
    org = view.org
    crumbs = [{"href": "/", "text": "England"}]
    crumbs += [{"href": org_href(p["level"], p["org_code"]), "text": p["org_name"]} for p in view.parents]
    funnel = view.funnel
    return render(
        request,
        "org.html",
        page_title=org.name,
        view=view,
        org=org,
        level=level,
        level_name=LEVEL_NAMES[level],
        basis=org.basis,
        tiles=view.tiles,
        standard=view.standard,
        standards=view.standards,
        rows=view.rows,
        spc=view.spc,
        trend=trend_figure(view.rows, view.spc, name=org.name, england=view.england) if view.rows else None,
        funnel=funnel,
        funnel_fig=funnel_figure(funnel, highlight=org.code, level_name=LEVEL_PLURALS[level])
        if funnel.available
        else None,
        routes=view.routes,
        members=view.members,
        crumbs=crumbs,
        charts=True,
        json_url=alternate(request),
        csv_url=alternate(request, "csv"),
        xlsx_url=alternate(request, "xlsx"),
        api_url=f"/api/v1/metrics?standard={standard}&level={level}&org={org.code}",
        spc_url=f"/api/v1/spc?standard={standard}&level={level}&org={org.code}",
        waits_url=f"/api/v1/waits?standard=62d&level={level}&org={org.code}",
        diagnostics_url=f"/api/v1/diagnostics?level={level}&org={org.code}",
        workforce_url=f"/api/v1/workforce?level={level}&org={org.code}" if view.workforce else None,
    )


@router.get("/alliance/{code}", response_class=HTMLResponse, response_model=None)
def alliance_page(
    request: Request,
    reader: ReaderDep,
    code: Code,
    standard: HeadlineStandard = "fds",
    format: TableFormat = "html",
    month: MonthOrEmpty = None,
) -> Response:
    """A Cancer Alliance: tiles, trend with SPC limits, funnel of all Alliances, routes and providers."""
    return page(request, reader, "alliance", code, standard, format, month)


@router.get("/org/{level}/{code}", response_class=HTMLResponse, response_model=None)
def generic_page(
    request: Request,
    reader: ReaderDep,
    level: Literal["region", "alliance", "icb", "sub_icb", "provider"],
    code: Code,
    standard: Annotated[HeadlineStandard, Query()] = "fds",
    format: TableFormat = "html",
    month: MonthOrEmpty = None,
) -> Response:
    """A region, integrated care board, sub-ICB location or provider."""
    if level == "alliance":
        return RedirectResponse(f"/alliance/{code}?standard={standard}", status_code=308)
    return page(request, reader, level, code, standard, format, month)
