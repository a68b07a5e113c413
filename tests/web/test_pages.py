"""The dashboard pages: rendered on the server (tables work without JavaScript), NHS.UK markup."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import date
from pathlib import Path

import pytest

from cancerwatch.warehouse.organisations import member_codes
from tests.web.conftest import API_TOKEN

STATIC = Path(__file__).resolve().parents[2] / "src" / "cancerwatch" / "web" / "static"
PAGES = [
    "/",
    "/alliance/E56000005",
    "/org/region/Y62",
    "/org/icb/QOP",
    "/org/sub_icb/02P",
    "/org/provider/RBV",
    "/league",
    "/map",
    "/data",
    "/search?q=leeds",
    "/about",
]


def tables(html: str) -> int:
    return html.count('<table class="nhsuk-table"')


def headings(html: str) -> list[int]:
    return [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_accessible_nhs_markup(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    html = response.text
    assert '<html lang="en-GB"' in html
    assert 'class="nhsuk-skip-link"' in html and 'id="maincontent"' in html
    assert 'class="nhsuk-header' in html and 'class="nhsuk-footer' in html
    assert 'action="/search"' in html
    levels = headings(html)
    assert levels.count(1) == 1
    for a, b in itertools.pairwise(levels):
        assert b <= a + 1, f"heading level jumps from h{a} to h{b}"
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html), "no third-party assets"
    for table in re.findall(r'<table class="nhsuk-table".*?</table>', html, flags=re.S):
        assert "<caption" in table and 'scope="col"' in table


def test_overview_shows_each_standard_latest_month(client):
    html = client.get("/").text
    for name in ("28-day FDS", "31-day", "62-day"):
        assert f'<h3 class="nhsuk-heading-s">{name}</h3>' in html
    # July 2025, England: FDS 239,545 of 313,225 (76.5%) met 75%; 31-day 58,577 of 63,402 (92.4%)
    # missed 96%; 62-day 22,228 of 31,984.5 (69.5%) missed 85%
    assert "July 2025" in html
    assert "nhsuk-tag--green" in html and "nhsuk-tag--red" in html
    assert "Cheshire and Merseyside" in html
    assert 'data-chart="spark-fds-spec"' in html


def test_overview_shows_spc_icons(client):
    html = client.get("/").text
    assert re.search(r'<img src="/static/icons/variation/[a-z_]+\.svg" alt="[^"]+"', html)
    assert re.search(r'<img src="/static/icons/assurance/[a-z_]+\.svg" alt="[^"]+"', html)


def test_alliance_page_lists_its_member_providers(client, warehouse):
    html = client.get("/alliance/E56000005").text
    assert "<h1>Cheshire and Merseyside</h1>" in html
    members = member_codes(warehouse, basis="provider", level="alliance", parent_code="E56000005", on=date(2025, 7, 1))
    assert members
    links = set(re.findall(r'href="/org/provider/([A-Z0-9]+)"', html))
    assert links and links <= set(members)
    assert "By route, July 2025" in html
    assert 'data-chart="trend-spec"' in html
    assert "Urgent suspected cancer referral" in html


def test_alliance_page_with_spc_and_funnel(client):
    html = client.get("/alliance/E56000005", params={"standard": "62d"}).text
    assert 'data-chart="funnel-spec"' in html
    spec = json.loads(re.search(r'<script type="application/json" id="funnel-spec">(.*?)</script>', html).group(1))
    names = {n for trace in spec["data"] for n in (trace.get("text") or [])}
    # July 2025: 20 Alliances (East of England North and South are one Alliance from April 2024)
    assert "Cheshire and Merseyside" in names and len(names) == 20
    trend = json.loads(re.search(r'<script type="application/json" id="trend-spec">(.*?)</script>', html).group(1))
    assert {t["name"] for t in trend["data"]} >= {"Upper process limit", "Mean", "Lower process limit", "England"}
    assert "/static/icons/variation/" in html


def test_org_pages_for_each_level(client):
    icb = client.get("/org/icb/QOP").text
    # NHS England's monthly commissioner workbooks give ICBs only: sub-ICB figures end in September 2023
    assert "Sub-ICB locations, September 2023" in icb and "Providers, July 2025" in icb
    assert (
        client.get("/org/alliance/E56000005", follow_redirects=False)
        .headers["location"]
        .startswith("/alliance/E56000005")
    )
    sub = client.get("/org/sub_icb/02P").text
    assert "Figures counted by" in sub and "commissioner" in sub


def test_league_sorts_on_the_server(client):
    def orgs(params):
        html = client.get("/league", params={"standard": "fds", "level": "alliance", **params}).text
        return re.findall(r'<a href="/alliance/([A-Z0-9-]+)">', html)

    best_first = orgs({"sort": "performance", "dir": "desc"})
    worst_first = orgs({"sort": "performance", "dir": "asc"})
    assert len(best_first) == 20 and best_first == worst_first[::-1]  # July 2025: 20 Alliances
    by_name = orgs({"sort": "org_name", "dir": "asc"})
    assert by_name[0] == "E56000005"  # Cheshire and Merseyside
    html = client.get("/league", params={"sort": "total", "dir": "asc"}).text
    assert 'aria-sort="ascending"' in html


def test_league_changes_standard_level_and_period(client):
    html = client.get(
        "/league", params={"standard": "62d", "level": "icb", "period": "quarter", "period_start": "2023-05"}
    ).text
    assert "2023/24 Q1" in html and "integrated care boards" in html
    assert html.count('href="/org/icb/') == 42


def test_league_form_sends_an_empty_period_for_latest(client):
    response = client.get("/league?standard=62d&level=icb&period=quarter&period_start=")
    assert response.status_code == 200
    assert "integrated care boards, 2025/26 Q2." in response.text  # July 2025 is the latest month
    assert "2025/26 Q2 is not complete: the loaded data cover 1 of its 3 months." in response.text


def test_league_csv_download(client):
    response = client.get("/league", params={"standard": "fds", "level": "alliance", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 21  # July 2025: 20 Alliances and the unmapped row
    assert {"period_start", "org_code", "total", "performance", "ci_low", "threshold", "met"} <= rows[0].keys()


def test_league_excel_download(client):
    from openpyxl import load_workbook

    response = client.get("/league", params={"standard": "31d", "level": "region", "format": "xlsx"})
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[3]]
    assert header[:6] == ["period_start", "period_label", "standard", "level", "org_code", "org_name"]
    assert sheet.max_row >= 3 + 7


def test_map_page_and_boundaries(client):
    html = client.get("/map", params={"standard": "62d"}).text
    spec = json.loads(re.search(r'<script type="application/json" id="map-spec">(.*?)</script>', html).group(1))
    trace = spec["data"][0]
    assert trace["type"] == "choropleth" and len(trace["locations"]) > 100
    assert spec["config"]["topojsonURL"] == "/assets/topojson/"
    assert tables(html) == 1
    geo = client.get(spec["geojsonUrl"]).json()
    assert len(geo["features"]) == 106
    ids = {f["properties"]["ods_code"] for f in geo["features"]}
    assert len(ids) == 106 and set(trace["locations"]) <= ids
    assert {"70F", "92A"} <= set(trace["locations"])  # new ONS codes in April 2023, same ODS codes
    lons = [pt[0] for f in geo["features"] for poly in f["geometry"]["coordinates"] for ring in poly for pt in ring]
    lats = [pt[1] for f in geo["features"] for poly in f["geometry"]["coordinates"] for ring in poly for pt in ring]
    assert -6.5 < min(lons) < max(lons) < 2.0 and 49.8 < min(lats) < max(lats) < 55.9
    assert client.get("/assets/topojson/world_110m.json").json()["type"] == "Topology"


def test_projection_matches_ons_centroids():
    from cancerwatch.web.geo import grid_to_wgs84

    lon, lat = grid_to_wgs84([429979], [403330])  # NHS South Yorkshire ICB - 02P: ONS gives -1.54925, 53.5258
    assert abs(lon[0] - -1.54925) < 2e-4 and abs(lat[0] - 53.5258) < 2e-4


def test_data_page(client):
    html = client.get("/data").text
    for part in ('id="sources"', 'id="revisions"', 'id="quarantine"'):
        assert part in html
    # every code in the bundled figures is named, by a reference file or by the CWT workbooks
    assert 'id="unmapped"' not in html and "Every organisation code is known." in html
    assert "Commissioner-Based-Cancer-Waiting-Times-Jul-2023.xlsx" in html


def test_search_redirects_on_an_exact_code(client):
    response = client.get("/search", params={"q": " rbv "}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/org/provider/RBV"
    html = client.get("/search", params={"q": "leeds"}).text
    assert 'id="search-results"' in html and "Leeds Teaching Hospitals NHS Trust" in html  # title-cased
    assert "0 organisations match" in client.get("/search", params={"q": "zzzz"}).text


def test_upload_needs_a_token(upload_client):
    assert upload_client.get("/upload", follow_redirects=False).headers["location"] == "/login"
    files = {"files": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    assert upload_client.post("/upload", files=files).status_code == 401
    bad = upload_client.post("/login", data={"token": "wrong"})
    assert bad.status_code == 401 and "not correct" in bad.text


def test_upload_with_a_bearer_token_loads_files(upload_client):
    lookup = Path(__file__).resolve().parents[2] / "data" / "geo" / "ods_etr_nhs_trusts.csv"
    response = upload_client.post(
        "/upload",
        files={"files": (lookup.name, lookup.read_bytes(), "text/csv")},
        headers={"Authorization": f"Bearer {API_TOKEN}", "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["file"] == lookup.name and result["status"] == "unchanged"
    bad = upload_client.post(
        "/upload",
        files={"files": ("notes.csv", b"hello,world\n1,2\n", "text/csv")},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert bad.status_code == 400 and "The files were not loaded" in bad.text
    assert upload_client.get("/api/v1/sources").json()["rows"][0]["file_name"] != "notes.csv"


def test_upload_through_the_sign_in_form(upload_client):
    signed_in = upload_client.post("/login", data={"token": API_TOKEN}, follow_redirects=False)
    assert signed_in.status_code == 303
    assert "HttpOnly" in signed_in.headers["set-cookie"] and "SameSite=strict" in signed_in.headers["set-cookie"]
    form = upload_client.get("/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    extract = (
        Path(__file__).resolve().parents[2]
        / "data"
        / "geo"
        / "Sub_ICB_Locations_to_ICB_to_NHS_England_Region_Jul_2022_Lookup.csv"
    )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    done = upload_client.post(
        "/upload", data={"csrf_token": csrf}, files={"files": (extract.name, extract.read_bytes(), "text/csv")}
    )
    assert done.status_code == 200 and 'id="upload-results"' in done.text
    assert upload_client.get("/").status_code == 200  # reads work after the writer is released


def test_uploads_are_off_without_a_token(web_db):
    from tests.web.conftest import make_client

    with make_client(web_db, api_token=None) as c:
        response = c.get("/upload")
    assert response.status_code == 403


def test_vendored_assets_are_small_and_local(client):
    nhsuk = STATIC / "nhsuk"
    size = sum(p.stat().st_size for p in nhsuk.rglob("*") if p.is_file())
    assert size < 2 * 1024 * 1024
    assert (nhsuk / "LICENSE").read_text().startswith("The MIT License")
    css = (nhsuk / "nhsuk-frontend.min.css").read_text()
    assert "assets.nhs.uk" not in css and "url(/assets/" not in css
    for path in (
        "/static/nhsuk/nhsuk-frontend.min.css",
        "/static/nhsuk/nhsuk-frontend.min.js",
        "/static/nhsuk/images/favicon.svg",
        "/static/cancerwatch.js",
        "/static/nhsuk-init.js",
    ):
        assert client.get(path).status_code == 200, path
    plotly = client.get("/assets/plotly.min.js")
    assert plotly.status_code == 200 and plotly.headers["content-type"].startswith("text/javascript")
    assert len(plotly.content) > 1_000_000


def test_an_empty_warehouse_renders(tmp_path):
    from tests.web.conftest import make_client

    with make_client(tmp_path / "empty.duckdb") as c:
        assert c.get("/").status_code == 200
        assert "No figures for this standard." in c.get("/").text
        assert c.get("/data").status_code == 200
        league = c.get("/league")  # the form stays, with the reason instead of a table
        assert league.status_code == 200 and 'id="league-submit"' in league.text
        assert "There are no 28-day FDS figures for Cancer Alliances in the loaded data." in league.text
        assert c.get("/api/v1/metrics", params={"standard": "fds"}).json()["error"]["code"] == "no_data"


def test_annual_report_downloads(client):
    page = client.get("/alliance/E56000005")
    assert "/report/alliance/E56000005.pdf?year=2024/25" in page.text  # the latest complete year
    html = client.get("/report/alliance/E56000005.html?year=2023/24")
    assert html.status_code == 200 and "Cheshire and Merseyside" in html.text
    pdf = _pdf(client, "/report/alliance/E56000005.pdf?year=2023/24")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    assert client.get("/report/alliance/E56000005.pdf?year=bad").status_code in (400, 422)


def _pdf(client, url: str, seconds: float = 300):
    """GET a report PDF, asking again while the progress page (202) says it is being prepared."""
    import time

    deadline = time.monotonic() + seconds
    r = client.get(url)
    while r.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
        r = client.get(url)
    return r


def test_a_pdf_that_takes_more_than_a_second_shows_progress_then_downloads(client, monkeypatch):
    import threading

    import cancerwatch.reports.pdf as pdf
    import cancerwatch.web.routes.report as report_route

    release = threading.Event()
    real = pdf.html_to_pdf

    def slow(html: str) -> bytes:
        release.wait(60)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", slow)
    monkeypatch.setattr(report_route, "PDF_WAIT_S", 0.05)
    url = "/report/region/Y56.pdf?year=2024/25"
    first = client.get(url)
    assert first.status_code == 202 and "etag" not in first.headers
    assert "Preparing the PDF" in first.text and '<meta http-equiv="refresh" content="2">' in first.text
    assert 'role="status"' in first.text and 'href="/report/region/Y56.html?year=2024/25"' in first.text
    assert client.get(url).status_code == 202  # still drawing: the same page, no second drawing
    release.set()
    done = _pdf(client, url)
    assert done.status_code == 200 and done.content.startswith(b"%PDF")
    assert "attachment" in done.headers["content-disposition"]
