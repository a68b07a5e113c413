"""``/api/v1/sources``: the files loaded into the warehouse and what was quarantined."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cancerwatch.api.deps import Con, State
from cancerwatch.api.schemas import SourceOut, SourcesResponse
from cancerwatch.warehouse.status import quarantine_counts, source_rows
from cancerwatch.web.auth import record_access

router = APIRouter(tags=["sources"])


@router.get("/sources", response_model=SourcesResponse, summary="Loaded files")
def get_sources(request: Request, state: State, con: Con) -> SourcesResponse:
    """Every loaded file, newest first, with rows read, loaded and quarantined, and facts superseded.

    Quarantined rows are counted per file and reason; their content is never served. The reasons
    of record-level (pathway) files are shown only to a signed-in caller, never on the public site.
    """
    quarantine = quarantine_counts(con, record_level=record_access(request, state))
    return SourcesResponse(rows=[SourceOut(**r) for r in source_rows(con)], quarantine=quarantine)
