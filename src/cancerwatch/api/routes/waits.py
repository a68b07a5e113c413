"""``/api/v1/waits``: wait distributions in NHS England's published day bands (``cancerwatch metrics --by band``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cancerwatch.api.schemas import MAX_OFFSET, MONTH_PATTERN, Basis, ErrorEnvelope, Level, WaitBandRow, WaitsResponse
from cancerwatch.http import ORG_PATTERN, ReaderDep
from cancerwatch.periods import parse_month
from cancerwatch.read.waits import wait_table
from cancerwatch.wait_queries import WaitQuery

router = APIRouter(tags=["waits"])

BandedStandard = Literal["fds", "31d", "62d", "usc_foa", "ubs_fha"]


@router.get(
    "/waits",
    response_model=WaitsResponse,
    responses={400: {"model": ErrorEnvelope}, 404: {"model": ErrorEnvelope}},
    summary="Wait distribution of a standard",
)
def get_waits(
    reader: ReaderDep,
    standard: Annotated[BandedStandard, Query(description="standard with published wait bands")] = "62d",
    level: Level = "national",
    org: Annotated[str | None, Query(max_length=20, pattern=ORG_PATTERN, description="one organisation code")] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN, description="first month, YYYY-MM")] = None,
    to: Annotated[str | None, Query(pattern=MONTH_PATTERN, description="last month, YYYY-MM")] = None,
    basis: Annotated[Basis | None, Query(description="default: provider, or commissioner for sub_icb/icb")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> WaitsResponse:
    """Patients per month and organisation in each band NHS England's monthly workbooks publish
    (October 2023 on): FDS within 14 / 15–28 / 29–42 / 43–62 / over 62 days; 62-day up to over 104
    days, with ``over_104_days`` the number treated after day 104.

    East of England (E56000035) before April 2024 is the sum of East of England - North and - South,
    each such row marked with ``combined_from``.
    """
    query = WaitQuery(
        standard=standard,
        level=level,
        org=org,
        date_from=parse_month(from_) if from_ else None,
        date_to=parse_month(to) if to else None,
        basis=basis,
    )
    table = wait_table(reader, query)
    return WaitsResponse(
        query={"standard": standard, "level": level, "org": org, "from": from_, "to": to, "basis": basis},
        suppression=table.disclosure,
        rows=[WaitBandRow(**r) for r in table.rows[offset : offset + limit]],
        total_rows=len(table.rows),
        limit=limit,
        offset=offset,
    )
