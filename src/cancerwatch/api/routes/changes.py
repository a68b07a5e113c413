"""``/api/v1/changes``: what the latest load (or the loads after a source, or the months since a
month) changed, per organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cancerwatch.api.schemas import ChangesResponse
from cancerwatch.http import ORG_PATTERN, ReaderDep
from cancerwatch.read.changes import changes
from cancerwatch.read.serialise import jsonable

router = APIRouter(tags=["changes"])


@router.get("/changes", response_model=ChangesResponse, summary="What changed")
def get_changes(
    reader: ReaderDep,
    since: Annotated[
        str | None,
        Query(
            max_length=12,
            pattern=r"^([0-9]{1,9}|[1-9][0-9]{3}-(0[1-9]|1[0-2]))$",
            description="a source id (the changes the loads after it brought) or a month YYYY-MM "
            "(the changes since that month); default: the latest load",
        ),
    ] = None,
    org: Annotated[
        str | None,
        Query(max_length=20, pattern=ORG_PATTERN, description="only this organisation's code"),
    ] = None,
) -> ChangesResponse:
    """Per organisation: new SPC special-cause signals and assurance changes, standards newly met or
    missed, new escalations and ones no longer escalated, the largest movers on the same month last
    year, and revisions to months already published; each entry links to the page that shows it."""
    return ChangesResponse(**jsonable(changes(reader, since=since, org=org)))
