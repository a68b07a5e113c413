"""``/api/v1/spc`` and ``/api/v1/funnel``: SPC chart data and funnel plots under the variation policy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

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
from cancerwatch.http import ReaderDep
from cancerwatch.periods import parse_month
from cancerwatch.periods import period_start as start_of_period
from cancerwatch.read.figures import funnel_for, series, spc_for
from cancerwatch.warehouse.organisations import find_organisation

router = APIRouter(tags=["analytics"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope},
    404: {"model": ErrorEnvelope},
    503: {"model": ErrorEnvelope},
}
SPC_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    400: {
        "model": ErrorEnvelope,
        "description": "A parameter is not valid, or `org` is missing for a level below national",
    },
}


@router.get("/spc", response_model=SpcResponse, responses=SPC_ERRORS, summary="SPC chart of one organisation")
def get_spc(
    reader: ReaderDep,
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
    found = find_organisation(reader.con, org or "ENG", level)
    if found is None:
        raise ApiError(404, "unknown_org", f"no {level} organisation {org!r}")
    if not series(reader, standard, level, found.code):
        raise ApiError(404, "no_data", f"no {standard} figures for {found.name}")
    view = spc_for(reader, standard, level, found.code)
    if not view.available:
        raise ApiError(404, "no_data", view.note or "no SPC chart for this series")
    return SpcResponse(
        standard=standard,
        level=level,
        org_code=found.code,
        org_name=found.name,
        suppression=reader.disclosure.label("published"),
        points=[SpcPoint(**p) for p in view.points],
        summary=SpcSummary(
            variation_type=view.variation_type,
            assurance_type=view.assurance_type,
            trial_limits=view.trial_limits,
            rebased_at=view.rebased_at,
            current_trial=view.current_trial,
            gap_note=view.gap_note,
        ),
    )


@router.get("/funnel", response_model=FunnelResponse, responses=ERRORS, summary="Funnel plot of a level")
def get_funnel(
    reader: ReaderDep,
    standard: Annotated[StandardId, Query(description="standard id")],
    level: OrgLevel = "alliance",
    period: Period = "month",
    period_start: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="first month of the period, YYYY-MM; default latest")
    ] = None,
) -> FunnelResponse:
    """Every organisation at ``level`` with 95% and 99.8% limits around England's performance,
    adjusted for overdispersion as the variation policy says (φ > 1 with enough organisations).

    Organisations without patients are listed in ``hidden``, not plotted at zero.
    """
    start = start_of_period(parse_month(period_start), period) if period_start else None
    view = funnel_for(reader, standard, level, period, start)
    if not view.available:
        raise ApiError(404, "no_data", view.note or f"no {standard} figures at {level} level for this period")
    return FunnelResponse(
        standard=standard,
        level=level,
        period=period,
        period_start=view.period_start or "",
        period_label=view.period_label or "",
        target=view.target,
        target_kind=view.target_kind,
        phi=view.phi,
        tau2=view.tau2,
        adjusted=view.adjusted,
        suppression=reader.disclosure.label("published"),
        hidden=view.hidden,
        rows=[FunnelRow(**r) for r in view.rows],
    )
