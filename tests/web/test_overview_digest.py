"""The home page's summary matrix and digest, its JSON alternate, ``/api/v1/changes`` and search."""

from __future__ import annotations

import re

from cancerwatch.api.schemas import ChangesResponse


def _matrix(html: str) -> str:
    return re.search(r'<table class="nhsuk-table cw-matrix" id="summary-matrix">(.*?)</table>', html, re.S).group(1)


def test_home_page_shows_the_matrix_and_the_digest(client):
    html = client.get("/").text
    table = _matrix(html)
    assert "Regions" in table and "Cancer Alliances" in table
    assert "Cheshire and Merseyside" in table and "/alliance/E56000005" in table
    assert re.search(r'<img src="/static/icons/variation/[a-z_]+\.svg" alt="[^"]+" title=', table)
    assert re.search(r"[+-]\d+\.\d<span class=\"nhsuk-u-visually-hidden\"> percentage points</span>", table)
    panel = re.search(r'<section class="cw-digest" id="changes".*?</section>', html, re.S).group(0)
    assert "July 2025 compared with June 2025" in panel
    assert 'href="/data#revisions"' in panel and 'href="/alliance/' in panel
    assert "on the previous month" in html  # the tiles show the change


def test_the_matrix_sorts_without_javascript(client):
    html = client.get("/", params={"sort": "fds:performance", "dir": "desc"}).text
    alliances = _matrix(html).split("Cancer Alliances", 1)[1]
    values = [float(v) for v in re.findall(r'nhsuk-table__cell--numeric">(\d+\.\d)%', alliances)[::3]]
    assert len(values) == 20 and values == sorted(values, reverse=True)
    assert 'aria-sort="descending"' in html
    assert 'href="?sort=fds%3Aperformance&amp;dir=asc"' in html
    assert client.get("/", params={"sort": "nope"}).status_code == 400


def test_the_json_alternate_carries_matrix_and_changes(client):
    data = client.get("/", params={"format": "json", "sort": "62d:change_month"}).json()
    assert data["matrix"]["sort"] == "62d:change_month"
    assert len(data["matrix"]["groups"]["region"]) == 7
    assert data["changes"]["month"] == "2025-07"


def test_api_changes_matches_its_schema_and_filters(client):
    response = client.get("/api/v1/changes", params={"since": "2025-05", "org": "E56000005"})
    assert response.status_code == 200
    body = ChangesResponse(**response.json())
    assert (body.month, body.baseline) == ("2025-07", "2025-05")
    assert {o.org_code for o in body.organisations} <= {"E56000005"}
    bad = client.get("/api/v1/changes", params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    unknown = client.get("/api/v1/changes", params={"since": "99999"})
    assert unknown.status_code == 400 and "no loaded file" in unknown.json()["error"]["message"]
    doc = client.get("/api/openapi.json").json()
    schema = doc["paths"]["/api/v1/changes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ChangesResponse") and "400" in doc["paths"]["/api/v1/changes"]["get"]["responses"]


def test_search_page_finds_guys_and_cheshire_merseyside(client):
    html = client.get("/search", params={"q": "guys"}).text
    assert "guy&#39;s and st thomas&#39; nhs foundation trust" in html.lower()
    html = client.get("/search", params={"q": "merseyside cheshire"}).text
    first = re.search(r'id="search-results".*?<a href="([^"]+)"', html, re.S).group(1)
    assert first == "/alliance/E56000005"
    html = client.get("/search", params={"q": "royal liverpool"}).text
    assert "/org/provider/REM" in html and "Royal Liverpool" in html
