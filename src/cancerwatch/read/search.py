"""Organisation search: by name or code, an exact code being the organisation itself."""

from __future__ import annotations

from dataclasses import dataclass

from cancerwatch.read.context import Reader
from cancerwatch.warehouse.organisations import Organisation, find_organisation, search_organisations

PAGE_SIZE = 50


@dataclass
class SearchResults:
    """Organisations matching ``q``, one page of them, and the organisation ``q`` is the code of."""

    q: str
    rows: list[dict]
    total: int
    offset: int
    page_size: int
    exact: Organisation | None


def search(
    reader: Reader,
    q: str,
    *,
    offset: int = 0,
    level: str | None = None,
    limit: int = PAGE_SIZE,
    every: bool = False,
) -> SearchResults:
    """Organisations whose code or name contains ``q`` (exact code first); with ``every``, an empty
    ``q`` lists every organisation (at ``level``)."""
    text = q.strip()
    exact = find_organisation(reader.con, text) if text else None
    wanted = bool(text) or every
    rows, total = (
        search_organisations(reader.con, q=text, level=level, limit=limit, offset=offset) if wanted else ([], 0)
    )
    return SearchResults(text, rows, total, offset, limit, exact)
