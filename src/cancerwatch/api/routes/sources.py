"""``/api/v1/sources``: the files loaded into the warehouse and what was quarantined."""

from __future__ import annotations

from fastapi import APIRouter

from cancerwatch.api.schemas import SourceOut, SourcesResponse
from cancerwatch.http import ReaderDep
from cancerwatch.read.data import data_page

router = APIRouter(tags=["sources"])


@router.get("/sources", response_model=SourcesResponse, summary="Loaded files")
def get_sources(reader: ReaderDep) -> SourcesResponse:
    """Every loaded file, newest first, with rows read, loaded and quarantined, and facts superseded.

    Quarantined rows are counted per file and reason; their content is never served, and reasons
    for rows of record-level files only to a signed-in caller.
    """
    view = data_page(reader)
    return SourcesResponse(rows=[SourceOut(**r) for r in view.sources], quarantine=view.quarantine)
