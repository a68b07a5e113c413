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
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message

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
    for path in paths:
        statuses[path] = await _get(app, path)
        if statuses[path] != 200:
            log.warning("rehearsing %s answered %s", path, statuses[path])
    return statuses


async def _get(app: ASGIApp, path: str) -> int:
    parts = urlsplit(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/html"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
        "state": {},
    }
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
