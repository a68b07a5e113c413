"""The OpenAPI document matches what the API returns (issue 20, OpenAPI drift)."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def doc(client) -> dict:
    return client.get("/api/openapi.json").json()


def _operations(doc: dict):
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_validation_errors_are_documented_as_400_not_422(doc):
    for path, method, operation in _operations(doc):
        assert "422" not in operation["responses"], (path, method)
        if operation.get("parameters"):
            bad = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
            assert bad == "#/components/schemas/ErrorEnvelope", (path, method)
    assert "HTTPValidationError" not in doc["components"]["schemas"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/metrics?standard=fds&level=national&from=0000-01",
        "/api/v1/metrics?standard=nope",
        "/api/v1/funnel?standard=fds&period_start=0000-01",
        "/api/v1/spc?standard=fds&level=icb",
    ],
)
def test_what_is_returned_is_documented(client, doc, url):
    response = client.get(url)
    assert response.status_code == 400 and response.json()["error"]["code"]
    path = url.split("?")[0]
    assert "400" in doc["paths"][path]["get"]["responses"]


def test_the_month_pattern_refuses_year_zero(doc):
    params = {p["name"]: p for p in doc["paths"]["/api/v1/metrics"]["get"]["parameters"]}
    schema = params["from"]["schema"]
    pattern = next(s["pattern"] for s in schema.get("anyOf", [schema]) if "pattern" in s)
    assert not re.fullmatch(pattern, "0000-01") and not re.fullmatch(pattern, "٢٠٢٣-٠٤")
    assert re.fullmatch(pattern, "2023-04")


def test_spc_says_org_is_needed_below_national(doc):
    operation = doc["paths"]["/api/v1/spc"]["get"]
    org = next(p for p in operation["parameters"] if p["name"] == "org")
    assert "required when `level` is not `national`" in org["description"]
    assert "`org` is missing" in operation["responses"]["400"]["description"]
