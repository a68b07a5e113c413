"""``/api/v1/spc`` and ``/api/v1/funnel``: SPC chart data and funnel plots (via the analytics adapter)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from cancerwatch.api.deps import Con, State
from cancerwatch.api.errors import ApiError
from cancerwatch.api.schemas import (
    MONTH_PATTERN,
    ErrorEnvelope,
    FunnelResponse,
    FunnelRow,
    Level,
    OrgLevel,
    Period,
    SpcPoint,
    SpcResponse,
    SpcSummary,
    StandardId,
)
from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME
from cancerwatch.periods import parse_month, period_label
from cancerwatch.web.data import find_organisation
from cancerwatch.web.series import funnel_view, spc_view

router = APIRouter(tags=["analytics"])
ERRORS = {400: {"model": ErrorEnvelope}, 404: {"model": ErrorEnvelope}, 503: {"model": ErrorEnvelope}}
SPC_ERRORS = {
    **ERRORS,
    400: {
        "model": ErrorEnvelope,
        "description": "A parameter is not valid, or `org` is missing for a level below national",
    },
}


@router.get("/spc", response_model=SpcResponse, responses=SPC_ERRORS, summary="SPC chart of one organisation")
def get_spc(
    state: State,
    con: Con,
    standard: Annotated[StandardId, Query(description="standard id")],
    level: Level = "national",
    org: Annotated[
        str | None,
        Query(
            max_length=20,
            description="organisation code: required when `level` is not `national` (400 without it); omit for England",
        ),
    ] = None,
) -> SpcResponse:
    """Monthly Making Data Count SPC points and the variation and assurance icons.

    `org` is required for every level but `national`.
    """
    if level != "national" and not org:
        raise ApiError(400, "validation_error", f"org: required for level {level}")
    found = find_organisation(con, org or NATIONAL_CODE, level)
    if found is None:
        raise ApiError(404, "unknown_org", f"no {level} organisation {org!r}")
    rows, view = spc_view(state, con, standard, level, found["org_code"])
    if not rows:
        raise ApiError(404, "no_data", f"no {standard} figures for {found['org_name']}")
    if not view.available:
        raise ApiError(503, "analytics_unavailable", view.note or "SPC analysis is not available")
    return SpcResponse(
        standard=standard,
        level=level,
        org_code=found["org_code"] if level != "national" else NATIONAL_CODE,
        org_name=found["org_name"] if level != "national" else NATIONAL_NAME,
        suppression=state.suppression_label(),
        points=[SpcPoint(**p) for p in view.points],
        summary=SpcSummary(variation_type=view.variation_type, assurance_type=view.assurance_type),
    )


@router.get("/funnel", response_model=FunnelResponse, responses=ERRORS, summary="Funnel plot of a level")
def get_funnel(
    state: State,
    con: Con,
    standard: Annotated[StandardId, Query(description="standard id")],
    level: OrgLevel = "alliance",
    period: Period = "month",
    period_start: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="first month of the period, YYYY-MM; default latest")
    ] = None,
    overdispersion: Annotated[bool, Query(description="additive random-effects adjusted limits")] = False,
) -> FunnelResponse:
    """Every organisation at ``level`` with 95% and 99.8% limits around England's performance.

    Organisations with suppressed or no figures are listed in ``hidden``, not plotted at zero.
    """
    start = parse_month(period_start) if period_start else None
    view, rows, hidden = funnel_view(
        state, con, standard, level, period=period, start=start, overdispersion=overdispersion
    )
    if not any(r.get("performance") is not None and r["org_code"] != "UNMAPPED" for r in rows):
        raise ApiError(404, "no_data", f"no {standard} figures at {level} level for this period")
    if not view.available:
        raise ApiError(503, "analytics_unavailable", view.note or "funnel plots are not available")
    chosen = rows[0]["period_start"]
    return FunnelResponse(
        standard=standard,
        level=level,
        period=period,
        period_start=chosen,
        period_label=period_label(date.fromisoformat(chosen), period),
        target=view.target,
        suppression=state.suppression_label(),
        hidden=hidden,
        rows=[FunnelRow(**r) for r in view.rows],
    )
