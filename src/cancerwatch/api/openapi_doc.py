"""The OpenAPI document says what the API returns: a bad or missing parameter is 400 with the
error envelope (``api/errors.py``), not FastAPI's default 422 validation body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

BAD_REQUEST = {
    "description": "A parameter is missing or not valid (the message names it)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
}


def install_openapi(app: FastAPI) -> None:
    """Generate the document once, documenting 400 where FastAPI would say 422."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        for operations in doc.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", BAD_REQUEST)
        schemas = doc.get("components", {}).get("schemas", {})
        schemas.setdefault("ErrorEnvelope", _envelope_schema())
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _envelope_schema() -> dict[str, Any]:
    from cancerwatch.api.schemas import ErrorEnvelope

    return ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
