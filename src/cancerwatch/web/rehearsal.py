"""One request of every page type, made by ``cancerwatch serve`` to itself before it listens.

A page's first request in a process pays for more than its figures: the router builds its routes'
handlers on first use, Jinja builds the modules of the macro templates a page imports, catalogues
are parsed and lazily imported code runs. Together that was 60–90 ms of an organisation page's
first visit. :func:`rehearse` sends one anonymous ``GET`` of each page type through the whole
application (middlewares included) for an organisation at each level, then forgets what the
requests computed: the results they added to the reader's memo and the answers they kept
(:class:`~cancerwatch.web.response_cache.ResponseStore`). A first visitor's page is then built from
the prepared views as before, with the code it runs already set up.
"""

from __future__ import annotations

import logging

import httpx
from starlette.types import ASGIApp

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import headline_standards
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import level_rows

log = logging.getLogger(__name__)

ORG_PAGE_LEVELS = ("region", "icb", "sub_icb", "provider")
"""Levels shown by the generic organisation page (``/org/{level}/{code}``); Alliances have their own."""


def rehearsal_paths(reader: Reader) -> list[str]:
    """The paths rehearsed: the overview, map, league table, data and search pages, the API's
    metrics, and the page of the last organisation by code at each level with figures."""
    standard = headline_standards()[0]
    paths = [
        "/",
        f"/map?standard={standard}",
        f"/league?standard={standard}&level=provider",
        "/data",
        "/search?q=a",
        "/about",
        f"/api/v1/metrics?standard={standard}&level=alliance",
    ]
    for level in ("alliance", *ORG_PAGE_LEVELS):
        codes = sorted({r["org_code"] for r in level_rows(reader, standard, level)} - {UNMAPPED_CODE})
        if codes:
            paths.append(f"/alliance/{codes[-1]}" if level == "alliance" else f"/org/{level}/{codes[-1]}")
    return paths


async def rehearse(app: ASGIApp, paths: list[str]) -> dict[str, int]:
    """``GET`` each path through ``app`` as an anonymous browser would; returns each status."""
    statuses: dict[str, int] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for path in paths:
            statuses[path] = (await client.get(path, headers={"accept": "text/html"})).status_code
            if statuses[path] != 200:
                log.warning("rehearsing %s answered %s", path, statuses[path])
    return statuses
