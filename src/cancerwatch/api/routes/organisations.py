"""``/api/v1/organisations``: organisations by level and search text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cancerwatch.api.errors import ApiError
from cancerwatch.api.schemas import MAX_OFFSET, ErrorEnvelope, OrganisationOut, OrganisationsResponse, OrgLevel
from cancerwatch.http import ReaderDep
from cancerwatch.read.search import search
from cancerwatch.warehouse.organisations import find_organisation

router = APIRouter(tags=["organisations"])


@router.get("/organisations", response_model=OrganisationsResponse, summary="Find organisations")
def list_organisations(
    reader: ReaderDep,
    level: Annotated[OrgLevel | None, Query(description="only this level")] = None,
    q: Annotated[str | None, Query(max_length=100, description="text in the code or name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> OrganisationsResponse:
    """Organisations whose code or name contains ``q``; exact code matches first."""
    found = search(reader, q or "", offset=offset, level=level, limit=limit, every=True)
    return OrganisationsResponse(
        rows=[OrganisationOut(**r) for r in found.rows], total_rows=found.total, limit=limit, offset=offset
    )


@router.get(
    "/organisations/{code}",
    response_model=OrganisationOut,
    responses={404: {"model": ErrorEnvelope}},
    summary="One organisation",
)
def one_organisation(reader: ReaderDep, code: Annotated[str, Path(max_length=20)]) -> OrganisationOut:
    """One organisation by code (``ENG`` is England)."""
    org = find_organisation(reader.con, code)
    if org is None:
        raise ApiError(404, "unknown_org", f"no organisation with code {code!r}")
    return OrganisationOut(**org.as_row())
