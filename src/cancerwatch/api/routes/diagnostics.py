"""``/api/v1/diagnostics`` (DM01) and ``/api/v1/workforce`` (NHS Workforce Statistics beside performance)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cancerwatch.api.errors import ApiError
from cancerwatch.api.schemas import (
    MAX_OFFSET,
    MONTH_PATTERN,
    DiagnosticsResponse,
    DiagnosticsRow,
    ErrorEnvelope,
    WorkforceResponse,
    WorkforceRow,
)
from cancerwatch.diagnostics_queries import DiagnosticsQuery
from cancerwatch.http import ORG_PATTERN, ReaderDep
from cancerwatch.periods import parse_month
from cancerwatch.read.diagnostics import diagnostics_table, workforce_view

router = APIRouter(tags=["diagnostics and workforce"])
ERRORS: dict[int | str, dict] = {400: {"model": ErrorEnvelope}, 404: {"model": ErrorEnvelope}}

ProviderLevel = Literal["national", "region", "alliance", "icb", "provider"]
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]


@router.get("/diagnostics", response_model=DiagnosticsResponse, responses=ERRORS, summary="DM01 diagnostic waits")
def get_diagnostics(
    reader: ReaderDep,
    level: ProviderLevel = "national",
    org: Annotated[
        str | None,
        Query(
            max_length=20,
            pattern=ORG_PATTERN,
            description="one organisation code (not for national)",
        ),
    ] = None,
    test: Annotated[
        list[str] | None,
        Query(
            max_length=40,
            description="DM01 test ids; default the tests cancer pathways depend on, `all` for every test",
        ),
    ] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN, description="first month, YYYY-MM")] = None,
    to: Month = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> DiagnosticsResponse:
    """Per month, test and organisation: the waiting list, the numbers waiting 6+ and 13+ weeks and
    the share waiting 6+ weeks against the DM01 standard in force (no more than 1%), from NHS
    England's DM01 Monthly Diagnostics. DM01 is provider-based: there is no sub-ICB level.

    Default tests: CT, MRI, non-obstetric ultrasound, colonoscopy, flexi-sigmoidoscopy,
    gastroscopy and cystoscopy.
    """
    if level != "national" and not org:
        raise ApiError(400, "validation_error", f"org: required for level {level}")
    query = DiagnosticsQuery(
        level=level,
        org=org,
        tests=tuple(test or ()),
        date_from=parse_month(from_) if from_ else None,
        date_to=parse_month(to) if to else None,
    )
    table = diagnostics_table(reader, query.validated())
    return DiagnosticsResponse(
        query={"level": level, "org": org, "test": list(table.query.tests), "from": from_, "to": to},
        suppression=table.disclosure,
        rows=[DiagnosticsRow(**r) for r in table.rows[offset : offset + limit]],
        total_rows=len(table.rows),
        limit=limit,
        offset=offset,
    )


@router.get("/workforce", response_model=WorkforceResponse, responses=ERRORS, summary="Workforce beside performance")
def get_workforce(
    reader: ReaderDep,
    level: Literal["national", "region", "alliance", "icb", "provider"] = "provider",
    org: Annotated[
        str | None,
        Query(
            max_length=20,
            pattern=ORG_PATTERN,
            description="trust (provider), ICB, region or Alliance code",
        ),
    ] = None,
    month: Month = None,
) -> WorkforceResponse:
    """Headcount and FTE by main staff group (NHS Workforce Statistics, latest month by default),
    and the same month's FDS, 31-day, 62-day and DM01 figures. An Alliance's FTE is the sum of
    its trusts'; its headcount is null (headcount does not add up across trusts)."""
    if level != "national" and not org:
        raise ApiError(400, "validation_error", f"org: required for level {level}")
    view = workforce_view(reader, org, level=level, month=parse_month(month) if month else None)
    return WorkforceResponse(
        level=level,
        org_code=view.org_code,
        org_name=view.org_name,
        month=view.month,
        rows=[WorkforceRow(**r) for r in view.rows],
        performance=view.performance,
    )
