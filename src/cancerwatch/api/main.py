"""Assemble the ``/api/v1`` router from the resource routers."""

from __future__ import annotations

from fastapi import APIRouter

from cancerwatch.api.routes import analytics, changes, diagnostics, metrics, organisations, sources, standards, waits

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    """All API routes under ``/api/v1``."""
    router = APIRouter(prefix=API_PREFIX)
    for module in (standards, organisations, metrics, waits, diagnostics, analytics, sources, changes):
        router.include_router(module.router)
    return router
