"""The dashboard in a real browser: Debian's chromium driven by Playwright against a live server.

The server is uvicorn on a free 127.0.0.1 port, in a thread, over a copy of the bundled
warehouse. Each page is opened with console errors collected and checked with axe-core
(``axe.min.js``, axe-core 4.14.1 from npm, MPL-2.0: ``axe-LICENSE.txt``); serious and critical
violations fail the test. Skipped, with the reason, only when /usr/bin/chromium is missing
(``scripts/install.sh`` installs it in CI).
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).with_name("axe.min.js")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = [
    "/",
    "/alliance/E56000032",
    "/org/icb/QOP",
    "/org/sub_icb/02P",
    "/org/provider/RBV",
    "/org/region/Y56",
    "/league",
    "/map",
    "/data",
    "/search?q=leeds",
    "/about",
    "/login",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(warehouse_path, tmp_path_factory):
    """A live server over a copy of the bundled warehouse; yields its base URL."""
    import uvicorn

    from cancerwatch.config import Settings
    from cancerwatch.web.app import create_app

    db = tmp_path_factory.mktemp("browser") / "browser.duckdb"
    shutil.copyfile(warehouse_path, db)
    app = create_app(db, settings=Settings(db_path=db, api_token="browser-token-0123456789"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    """A page that records console errors, page errors and failed requests.

    The Content-Security-Policy is bypassed here so that axe-core can be injected as an inline
    script; ``test_pages_work_under_the_content_security_policy`` checks the pages with it enforced.
    """
    context = browser.new_context(base_url=base_url, accept_downloads=True, bypass_csp=True)
    pg = context.new_page()
    pg.problems = []
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: pg.problems.append(f"request failed: {r.url}"))
    yield pg
    context.close()


def wait_for_charts(pg) -> None:
    """Wait until every chart container on the page has been drawn by plotly."""
    expected = pg.locator("[data-chart]").count()
    if expected:
        pg.wait_for_function(
            "n => document.querySelectorAll('.cw-chart--drawn').length >= n", arg=expected, timeout=30_000
        )


def axe_violations(pg) -> list[dict]:
    """Serious and critical axe-core violations of the current page."""
    pg.add_script_tag(path=str(AXE))
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors_and_passes_axe(page, path):
    response = page.goto(path, wait_until="networkidle")
    assert response is not None and response.status == 200
    wait_for_charts(page)
    assert page.locator("h1").count() == 1
    assert page.problems == []
    assert axe_violations(page) == []


def test_charts_render(page):
    page.goto("/alliance/E56000032?standard=62d", wait_until="networkidle")
    wait_for_charts(page)
    assert page.locator(".js-plotly-plot").count() >= 4  # three sparklines and the trend at least
    trend = page.locator("#trend.js-plotly-plot")
    assert trend.locator("svg path").count() > 0
    assert trend.locator(".scatterlayer .trace").count() >= 3
    assert page.problems == []


def test_map_renders_sub_icb_shapes(page):
    page.goto("/map?standard=62d", wait_until="networkidle")
    wait_for_charts(page)
    chart = page.locator("#map.js-plotly-plot")
    assert chart.count() == 1
    assert chart.locator(".choroplethlocation").count() > 100
    assert chart.locator("svg path").count() > 100
    assert page.problems == []


def test_search_from_the_header(page):
    page.goto("/", wait_until="networkidle")
    page.fill("#search-field", "leeds")
    page.press("#search-field", "Enter")
    page.wait_for_url("**/search?q=leeds")
    assert page.locator("#search-results tbody tr").count() >= 3
    page.fill("#search-field", "rbv")
    page.press("#search-field", "Enter")
    page.wait_for_url("**/org/provider/RBV")
    assert page.locator("h1").count() == 1
    assert page.problems == []


def test_league_table_change_standard_period_and_sort(page):
    page.goto("/league", wait_until="networkidle")
    page.select_option("#league-standard", "62d")
    page.select_option("#league-level", "icb")
    page.select_option("#league-period", "quarter")
    page.click("#league-submit")
    page.wait_for_load_state("networkidle")
    query = parse_qs(urlparse(page.url).query)
    assert query["standard"] == ["62d"] and query["period"] == ["quarter"] and query["level"] == ["icb"]
    # the bundled data end in July 2025: the latest quarter is 2025/26 Q2 (July to September), one month of three
    assert "2025/26 Q2" in page.locator("caption").first.inner_text()
    assert "2025/26 Q2 is not complete: the loaded data cover 1 of its 3 months." in page.locator("main").inner_text()
    assert page.locator("#league-table tbody tr").count() >= 42
    page.locator("#league-table thead").get_by_role("link", name="Patients").click()
    page.wait_for_load_state("networkidle")
    assert "sort=total" in page.url
    assert page.locator("th[aria-sort]").count() == 1
    assert page.problems == []


def test_csv_download(page):
    page.goto("/league?standard=fds&level=alliance", wait_until="networkidle")
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    # the 20 Cancer Alliances of 2024 and one row for activity not mapped to any of them
    assert len(rows) == 21 and {r["standard"] for r in rows} == {"fds"}
    assert sum(r["org_code"].startswith("E56") for r in rows) == 20 and any(r["org_code"] == "UNMAPPED" for r in rows)


def test_tables_work_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    pg = context.new_page()
    try:
        for path, table in (
            ("/league", "#league-table"),
            ("/alliance/E56000005", ".nhsuk-table"),
            ("/map", ".nhsuk-table"),
        ):
            pg.goto(path)
            assert pg.locator(f"{table} tbody tr").count() > 5, path
        pg.goto("/league?sort=org_name&dir=asc")
        assert pg.locator("#league-table tbody tr th").first.inner_text().startswith("Cheshire")
    finally:
        context.close()


def test_pages_work_under_the_content_security_policy(browser, base_url):
    """Every page, with its charts drawn by the locally served Plotly, and no policy violation."""
    context = browser.new_context(base_url=base_url)
    pg = context.new_page()
    problems: list[str] = []
    where = [""]
    pg.on("console", lambda m: problems.append(f"{where[0]} {m.type}: {m.text[:300]}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"{where[0]} page error: {e}"))
    try:
        for path in [*PAGES, "/api/docs"]:
            where[0] = path
            response = pg.goto(path, wait_until="networkidle")
            assert "script-src 'self'" in response.headers["content-security-policy"], path
            wait_for_charts(pg)
        assert not problems, problems
        pg.goto("/api/docs", wait_until="networkidle")
        pg.wait_for_selector(".swagger-ui .opblock", timeout=30_000)  # its inline script ran
    finally:
        context.close()


def test_upload_sign_in_form(page):
    page.goto("/upload", wait_until="networkidle")
    assert page.url.endswith("/login")
    page.fill("#token", "wrong")
    page.click("#sign-in")
    assert page.locator(".nhsuk-error-summary").count() == 1
    page.fill("#token", "browser-token-0123456789")
    page.click("#sign-in")
    page.wait_for_url("**/upload")
    assert page.locator("input[type=file]").count() == 1
    assert axe_violations(page) == []


@pytest.fixture(scope="module")
def public_url(warehouse_path, tmp_path_factory):
    """A live public-mode server (no uploads, no record-level figures)."""
    import uvicorn

    from cancerwatch.config import Settings
    from cancerwatch.web.app import create_app

    db = tmp_path_factory.mktemp("browser-public") / "public.duckdb"
    shutil.copyfile(warehouse_path, db)
    app = create_app(db, settings=Settings(db_path=db), public=True)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the public test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_public_site(browser, public_url):
    context = browser.new_context(base_url=public_url, bypass_csp=True)  # axe-core is injected inline
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    try:
        pg.goto("/league?standard=62d&level=provider", wait_until="networkidle")
        # NHS England's published aggregates are public (OGL): shown as published, nothing withheld
        assert "NHS England's published statistics, shown as published." in pg.locator(".cw-phase").inner_text()
        assert pg.get_by_role("link", name="Upload").count() == 0
        assert pg.locator("text=(suppressed: small number)").count() == 0
        assert axe_violations(pg) == []
        pg.get_by_role("link", name="How we protect privacy").click()
        pg.wait_for_load_state("networkidle")
        assert "/about" in pg.url and pg.locator("#suppression").count() == 1
        # figures computed from record-level data are not on the public site at all
        assert context.request.get("/league?standard=62d&level=provider&dataset=record").status == 404
        pg.goto("/alliance/E56000010?standard=62d", wait_until="networkidle")
        wait_for_charts(pg)
        assert pg.locator(".js-plotly-plot").count() >= 4
        assert axe_violations(pg) == []
        assert problems == []
    finally:
        context.close()
