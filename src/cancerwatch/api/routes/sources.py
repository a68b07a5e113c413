"""``/api/v1/sources``: the files loaded into the warehouse and what was quarantined."""

from __future__ import annotations

from fastapi import APIRouter

from cancerwatch.api.deps import Con
from cancerwatch.api.schemas import SourceOut, SourcesResponse
from cancerwatch.warehouse.status import quarantine_counts, source_rows

router = APIRouter(tags=["sources"])


@router.get("/sources", response_model=SourcesResponse, summary="Loaded files")
def get_sources(con: Con) -> SourcesResponse:
    """Every loaded file, newest first, with rows read, loaded and quarantined, and facts superseded.

    Quarantined rows are counted per file and reason; their content is never served.
    """
    return SourcesResponse(rows=[SourceOut(**r) for r in source_rows(con)], quarantine=quarantine_counts(con))
