"""Every API error has one shape: ``{"error": {"code": str, "message": str}}`` (datasette's test_error_shape)."""

from __future__ import annotations

import pytest

BAD_REQUESTS = [
    # (method, path, params, status, code)
    ("GET", "/api/v1/metrics", {}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "99d"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "level": "ward"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "period": "week"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "by": "age"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "basis": "both"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "from": "2023-4"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "to": "2023-13"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "from": "April"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "limit": "0"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "limit": "lots"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "offset": "-1"}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "from": "2023-09", "to": "2023-04"}, 400, "usage_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "level": "sub_icb", "basis": "provider"}, 400, "usage_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "level": "alliance", "org": "NOPE"}, 404, "unknown_org"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "from": "2031-01"}, 404, "no_data"),
    ("GET", "/api/v1/organisations", {"level": "national"}, 400, "validation_error"),
    ("GET", "/api/v1/organisations", {"limit": "5000"}, 400, "validation_error"),
    ("GET", "/api/v1/organisations", {"offset": str(2**63)}, 400, "validation_error"),
    ("GET", "/api/v1/metrics", {"standard": "fds", "offset": str(2**63)}, 400, "validation_error"),
    ("GET", "/api/v1/organisations/NOPE", {}, 404, "unknown_org"),
    ("GET", "/api/v1/standards/99d", {}, 404, "unknown_standard"),
    ("GET", "/api/v1/spc", {"standard": "fds", "level": "alliance"}, 400, "validation_error"),
    ("GET", "/api/v1/spc", {"standard": "fds", "level": "alliance", "org": "NOPE"}, 404, "unknown_org"),
    ("GET", "/api/v1/funnel", {"standard": "fds", "period_start": "2023/24"}, 400, "validation_error"),
    ("GET", "/api/v1/funnel", {"standard": "fds", "level": "national"}, 400, "validation_error"),
    ("GET", "/api/v1/nothing-here", {}, 404, "not_found"),
    ("POST", "/api/v1/standards", {}, 405, "method_not_allowed"),
    ("DELETE", "/api/v1/metrics", {"standard": "fds"}, 405, "method_not_allowed"),
]


def assert_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.parametrize(("method", "path", "params", "status", "code"), BAD_REQUESTS)
def test_api_errors_share_one_envelope(client, method, path, params, status, code):
    assert_envelope(client.request(method, path, params=params), status, code)


def test_validation_messages_name_the_parameter(client):
    message = client.get("/api/v1/metrics", params={"standard": "fds", "from": "2023-13"}).json()["error"]["message"]
    assert message.startswith("from:") and "YYYY-MM" in message
    message = client.get("/api/v1/metrics", params={"standard": "fds", "level": "ward"}).json()["error"]["message"]
    assert message.startswith("level:") and "'alliance'" in message


def test_spc_and_funnel_without_figures_use_the_envelope(client):
    # GEC (an independent-sector diagnostic service) has 62-day but no screening figures; the two-week
    # wait is derived from the monthly workbooks, which begin in October 2023
    screening = {"standard": "62d_screening", "level": "provider", "org": "GEC"}
    assert_envelope(client.get("/api/v1/spc", params=screening), 404, "no_data")
    june = {"standard": "2ww", "level": "alliance", "period_start": "2023-06"}
    assert_envelope(client.get("/api/v1/funnel", params=june), 404, "no_data")


def test_public_record_level_request_uses_the_envelope(public_client):
    assert_envelope(
        public_client.get("/api/v1/metrics", params={"standard": "fds", "dataset": "record"}), 404, "not_found"
    )


def test_unexpected_errors_use_the_envelope_without_details(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("cancerwatch.api.routes.organisations.search", broken)
    response = client.get("/api/v1/organisations")
    assert_envelope(response, 500, "internal_error")
    assert "secret" not in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/nothing-here", 404),
        ("/alliance/NOPE", 404),
        ("/org/ward/X1", 400),
        ("/org/provider/NOPE", 404),
        ("/league?level=ward", 400),
        ("/map?standard=2ww", 400),
    ],
)
def test_pages_show_a_friendly_html_error(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text and "Error code:" in response.text
    assert "Traceback" not in response.text


def test_a_league_month_without_figures_keeps_the_form_and_says_why(client):
    response = client.get("/league", params={"standard": "fds", "period_start": "2031-01"})
    assert response.status_code == 200
    assert "There are no 28-day FDS figures" in response.text and "<form" in response.text
    assert "Traceback" not in response.text


def test_a_busy_warehouse_is_503(client, monkeypatch):
    from cancerwatch.read import figures
    from cancerwatch.warehouse.connect import WarehouseBusy

    def busy(*args, **kwargs):
        raise WarehouseBusy("web.duckdb: warehouse busy (another process is using it)")

    monkeypatch.setattr(figures, "metrics", busy)
    response = client.get("/api/v1/metrics", params={"standard": "fds", "from": "2022-01", "to": "2022-02"})
    assert_envelope(response, 503, "warehouse_busy")
