"""Organisation pages: ``/alliance/{code}`` and ``/org/{level}/{code}`` (region, ICB, sub-ICB, provider).

Tiles per headline standard, then for the chosen standard: the trend with SPC limits, the
funnel of every peer at the level with this organisation highlighted, the breakdown by route
and the member organisations (for an Alliance: providers whose ``org_rollup`` parent at level
alliance is this Alliance).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cancerwatch.api.deps import Con
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.queries import MetricQuery
from cancerwatch.web.data import LEVEL_NAMES, LEVEL_PLURALS, find_organisation, member_codes, parents_of
from cancerwatch.web.figures import funnel_figure, trend_figure
from cancerwatch.web.pages import render, state_of
from cancerwatch.web.params import HeadlineStandard
from cancerwatch.web.series import (
    basis_for,
    funnel_view,
    headline_standards,
    metric_rows,
    org_series,
    rows_for_period,
    spc_view,
    tiles,
)
from cancerwatch.web.templating import org_href

router = APIRouter()
Code = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
# Member organisations listed on the page of each level: (level of the members, basis).
MEMBERS = {
    "alliance": [("provider", "provider")],
    "region": [("provider", "provider")],
    "icb": [("provider", "provider"), ("sub_icb", "commissioner")],
}


def _safe(fn, *args, **kwargs):
    """``fn(...)``, or None when there are no figures for it."""
    try:
        return fn(*args, **kwargs)
    except (NoData, UnknownOrg, UsageError):
        return None


def _latest(rows: list[dict] | None) -> list[dict]:
    if not rows:
        return []
    return rows_for_period(rows, None)[0]


def _members(state, con, level: str, code: str, standard: str) -> list[dict]:
    """Latest-month rows of the organisations that roll up to this one."""
    out = []
    for member_level, basis in MEMBERS.get(level, []):
        rows = _safe(metric_rows, state, con, MetricQuery(standard, member_level, "month", basis=basis))
        latest = _latest(rows)
        if not latest:
            continue
        on = date.fromisoformat(latest[0]["period_start"])
        find = partial(member_codes, con, basis=basis, level=level, parent_code=code, on=on)
        codes = set(state.warehouse.memo(("members", basis, level, code, on), find))
        members = sorted((r for r in latest if r["org_code"] in codes), key=lambda r: r["org_name"])
        if members:
            out.append({"level": member_level, "title": LEVEL_PLURALS[member_level], "rows": members})
    return out


def org_page(request: Request, con, level: str, code: str, standard: str) -> HTMLResponse:
    """Render the page of one organisation."""
    state = state_of(request)
    org = state.warehouse.memo(("org", code.upper(), level), lambda: find_organisation(con, code, level))
    if org is None:
        raise UnknownOrg(f"there is no {LEVEL_NAMES[level].lower()} with the code {code!r}")
    code = org["org_code"]
    std = get_standard(standard)
    rows, spc = spc_view(state, con, standard, level, code)
    england = _safe(org_series, state, con, standard, "national", None) or []
    if rows:
        first = rows[0]["period_start"]
        england = [r for r in england if r["period_start"] >= first]
    funnel = _safe(funnel_view, state, con, standard, level)
    routes = _latest(_safe(metric_rows, state, con, MetricQuery(standard, level, "month", code, "route")))
    crumbs = [{"href": "/", "text": "England"}]
    parents = state.warehouse.memo(("parents", code), lambda: parents_of(con, code))
    crumbs += [{"href": org_href(p["level"], p["org_code"]), "text": p["org_name"]} for p in parents]
    view = funnel[0] if funnel else None
    return render(
        request,
        "org.html",
        page_title=org["org_name"],
        org=org,
        level=level,
        level_name=LEVEL_NAMES[level],
        basis=basis_for(level),
        tiles=tiles(state, con, level, code),
        standard=std,
        standards=[get_standard(s) for s in headline_standards()],
        rows=rows,
        spc=spc,
        trend=trend_figure(rows, spc, name=org["org_name"], england=england) if rows else None,
        funnel=view,
        funnel_fig=funnel_figure(view, highlight=code, level_name=LEVEL_PLURALS[level])
        if view and view.available
        else None,
        funnel_hidden=funnel[2] if funnel else [],
        funnel_period=funnel[1][0]["period_start"] if funnel and funnel[1] else None,
        routes=routes,
        members=_members(state, con, level, code, standard),
        crumbs=crumbs,
        charts=True,
        json_url=f"/api/v1/metrics?standard={standard}&level={level}&org={code}",
        spc_url=f"/api/v1/spc?standard={standard}&level={level}&org={code}",
    )


@router.get("/alliance/{code}", response_class=HTMLResponse)
def alliance_page(request: Request, con: Con, code: Code, standard: HeadlineStandard = "fds") -> HTMLResponse:
    """A Cancer Alliance: tiles, trend with SPC limits, funnel of all Alliances, routes and providers."""
    return org_page(request, con, "alliance", code, standard)


@router.get("/org/{level}/{code}", response_class=HTMLResponse, response_model=None)
def generic_page(
    request: Request,
    con: Con,
    level: Literal["region", "alliance", "icb", "sub_icb", "provider"],
    code: Code,
    standard: Annotated[HeadlineStandard, Query()] = "fds",
) -> HTMLResponse | RedirectResponse:
    """A region, integrated care board, sub-ICB location or provider."""
    if level == "alliance":
        return RedirectResponse(f"/alliance/{code}?standard={standard}", status_code=308)
    return org_page(request, con, level, code, standard)
