"""The JSON API: resources, parameters, pagination, and agreement with ``queries.metrics``."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.web.analytics_adapter import funnel_installed, spc_installed
from tests.conftest import bundled_files

CONTRACT_FIELDS = {
    "period_start",
    "period_label",
    "standard",
    "level",
    "org_code",
    "org_name",
    "total",
    "within_standard",
    "breaches",
    "performance",
    "ci_low",
    "ci_high",
    "threshold",
    "met",
}


def test_standards_lists_the_catalogue_with_dated_thresholds(client):
    rows = client.get("/api/v1/standards").json()["rows"]
    ids = [r["id"] for r in rows]
    assert ids[:3] == ["fds", "31d", "62d"]
    fds = rows[0]
    assert fds["improvement_direction"] == "increase"
    assert any(t["kind"] == "operational" and t["value"] == 0.75 for t in fds["thresholds"])
    assert client.get("/api/v1/standards/62d").json()["days"] == 62


def test_organisations_filters_by_level_and_text(client):
    body = client.get("/api/v1/organisations", params={"level": "alliance"}).json()
    assert body["total_rows"] == 21 and body["limit"] == 100 and body["offset"] == 0
    assert {r["level"] for r in body["rows"]} == {"alliance"}
    found = client.get("/api/v1/organisations", params={"q": "manchester"}).json()["rows"]
    assert any(r["org_code"] == "E56000032" for r in found)
    exact = client.get("/api/v1/organisations", params={"q": "rbv"}).json()["rows"]
    assert exact[0]["org_code"] == "RBV"


def test_organisations_paginate(client):
    first = client.get("/api/v1/organisations", params={"level": "provider", "limit": 5}).json()
    second = client.get("/api/v1/organisations", params={"level": "provider", "limit": 5, "offset": 5}).json()
    assert first["total_rows"] == second["total_rows"] > 10
    assert len(first["rows"]) == len(second["rows"]) == 5
    assert not {r["org_code"] for r in first["rows"]} & {r["org_code"] for r in second["rows"]}


def test_one_organisation(client):
    assert client.get("/api/v1/organisations/e56000005").json()["org_name"] == "Cheshire and Merseyside"
    assert client.get("/api/v1/organisations/ENG").json()["level"] == "national"


@pytest.mark.parametrize(
    "query",
    [
        {"standard": "fds"},
        {"standard": "62d", "level": "alliance"},
        {"standard": "31d", "level": "icb", "period": "quarter"},
        {"standard": "fds", "level": "sub_icb", "from": "2023-06", "to": "2023-08"},
        {"standard": "62d", "level": "alliance", "org": "E56000032", "by": "route"},
        {"standard": "62d", "level": "region", "basis": "commissioner", "period": "year"},
    ],
)
def test_metrics_rows_are_the_rows_of_queries_metrics(client, warehouse, query):
    body = client.get("/api/v1/metrics", params={**query, "limit": 10000}).json()
    expected = metrics(
        warehouse,
        MetricQuery(
            standard=query["standard"],
            level=query.get("level", "national"),
            period=query.get("period", "month"),
            org=query.get("org"),
            by=query.get("by"),
            date_from=date.fromisoformat(query["from"] + "-01") if "from" in query else None,
            date_to=date.fromisoformat(query["to"] + "-01") if "to" in query else None,
            basis=query.get("basis"),
        ),
    )
    assert body["total_rows"] == len(expected) == len(body["rows"])
    for got, want in zip(body["rows"], expected, strict=True):
        assert got.keys() >= CONTRACT_FIELDS
        for key, value in want.items():
            assert got[key] == pytest.approx(value) if isinstance(value, float) else got[key] == value, key
        assert got["suppressed"] == []


def test_metrics_paginate(client):
    params = {"standard": "fds", "level": "provider"}
    whole = client.get("/api/v1/metrics", params=params).json()
    page = client.get("/api/v1/metrics", params={**params, "limit": 7, "offset": 20}).json()
    assert page["total_rows"] == whole["total_rows"]
    assert (page["limit"], page["offset"]) == (7, 20)
    assert page["rows"] == whole["rows"][20:27]


def test_metrics_echo_the_query_with_the_default_basis(client):
    q = client.get("/api/v1/metrics", params={"standard": "fds", "level": "sub_icb"}).json()["query"]
    assert q["basis"] == "commissioner" and q["level"] == "sub_icb" and q["dataset"] == "published"


def test_spc_follows_the_analytics_module(client):
    r = client.get("/api/v1/spc", params={"standard": "fds"})
    if spc_installed():
        assert r.status_code == 200
        assert r.json()["points"]
    else:
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "analytics_unavailable"


def test_spc_with_the_contract(analytics_client):
    body = analytics_client.get(
        "/api/v1/spc", params={"standard": "62d", "level": "alliance", "org": "E56000005"}
    ).json()
    assert body["org_name"] == "Cheshire and Merseyside"
    assert [p["period_start"] for p in body["points"]] == [f"2023-{m:02d}-01" for m in range(4, 10)]
    assert {"value", "mean", "lpl", "upl", "point_type"} <= body["points"][0].keys()
    assert body["summary"]["variation_type"] in {"common_cause", "special_cause_improvement", "special_cause_concern"}
    national = analytics_client.get("/api/v1/spc", params={"standard": "fds"}).json()
    assert national["org_code"] == "ENG" and len(national["points"]) > 24


def test_funnel_follows_the_analytics_module(client):
    r = client.get("/api/v1/funnel", params={"standard": "fds", "level": "alliance"})
    assert r.status_code == (200 if funnel_installed() else 503)


def test_funnel_with_the_contract(analytics_client):
    body = analytics_client.get(
        "/api/v1/funnel", params={"standard": "62d", "level": "alliance", "period_start": "2023-06"}
    ).json()
    assert body["period_start"] == "2023-06-01" and body["period_label"] == "2023-06"
    assert len(body["rows"]) == 21
    assert 0.5 < body["target"] < 0.8
    for r in body["rows"]:
        assert r["lower998"] < r["lower95"] < r["upper95"] < r["upper998"]
        assert r["outlier"] in ("", "high", "low")
    quarter = analytics_client.get(
        "/api/v1/funnel",
        params={"standard": "62d", "level": "provider", "period": "quarter", "period_start": "2023-08"},
    ).json()
    assert quarter["period_label"] == "2023/24 Q2"


def test_sources_reconcile_rows(client):
    body = client.get("/api/v1/sources").json()
    assert len(body["rows"]) == len(bundled_files())  # one source per bundled file
    for s in body["rows"]:
        assert s["rows_read"] == s["rows_loaded"] + s["rows_quarantined"]
    assert sum(q["rows"] for q in body["quarantine"]) == sum(s["rows_quarantined"] for s in body["rows"])
    assert all("raw_row" not in q for q in body["quarantine"])


def test_openapi_documents_every_resource(client):
    spec = client.get("/api/openapi.json").json()
    for path in ("standards", "organisations", "metrics", "spc", "funnel", "sources"):
        assert f"/api/v1/{path}" in spec["paths"]
    params = {p["name"]: p for p in spec["paths"]["/api/v1/metrics"]["get"]["parameters"]}
    assert {"standard", "level", "period", "org", "by", "from", "to", "basis", "limit", "offset"} <= params.keys()
    assert "enum" in params["level"]["schema"] or "anyOf" in params["level"]["schema"]


def test_api_docs_use_local_assets(client):
    html = client.get("/api/docs").text
    assert "/assets/swagger/swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert client.get("/assets/swagger/swagger-ui-bundle.js").status_code == 200


def test_serve_get_runs_one_request(web_db):
    from typer.testing import CliRunner

    from cancerwatch.cli.app import app

    runner = CliRunner()
    ok = runner.invoke(app, ["serve", "--db", str(web_db), "--get", "/api/v1/standards/fds"])
    assert ok.exit_code == 0, ok.output
    assert '"id":"fds"' in ok.output
    missing = runner.invoke(app, ["serve", "--db", str(web_db), "--get", "/api/v1/organisations/NOPE"])
    assert missing.exit_code == 2
    assert '"unknown_org"' in missing.output
