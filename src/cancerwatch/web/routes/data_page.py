"""``/data``: loaded sources, revisions, quarantine counts and unmapped organisation codes.

Quarantined rows are counted per file and reason; their content is never shown, since a
rejected record-level row may hold patient data, and the reasons of record-level files are
shown only to a signed-in user outside public mode.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cancerwatch.api.deps import Con
from cancerwatch.warehouse.status import quarantine_counts, source_rows
from cancerwatch.web.auth import record_access
from cancerwatch.web.data import revision_rows, unmapped_code_rows, warehouse_counts
from cancerwatch.web.pages import render, state_of

router = APIRouter()


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, con: Con) -> HTMLResponse:
    """What the warehouse holds."""
    return render(
        request,
        "data.html",
        page_title="Loaded data",
        counts=warehouse_counts(con),
        sources=source_rows(con),
        revisions=revision_rows(con),
        quarantine=quarantine_counts(con, record_level=record_access(request, state_of(request))),
        unmapped=unmapped_code_rows(con),
        crumbs=[{"href": "/", "text": "England"}],
        json_url="/api/v1/sources",
    )
