"""Every page type on a 390 px phone screen, with axe-core, in Debian's chromium.

No page may scroll sideways at 390 px: the document is never wider than the viewport, and
anything wider than the screen sits inside a table container that says that it scrolls
(its ``aria-label`` says so: "League table (scrolls sideways)"). Serious and critical axe-core violations fail, as
in ``test_dashboard.py`` (whose live server and browser fixtures these tests share). The
annual report's HTML and the API docs are included. Also here: the map's colour bar below the
map on a phone, and the upload form's inline error when no file is chosen.
"""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import (  # noqa: F401 - pytest fixtures
    CHROMIUM,
    axe_violations,
    base_url,
    browser,
    wait_for_charts,
)

PHONE = {"width": 390, "height": 844}
COLD_PAGE_MS = 180_000  # a page's first visit computes its figures (the annual report takes longest)
PAGE_TYPES = [
    "/",
    "/alliance/E56000032",
    "/org/icb/QOP",
    "/org/sub_icb/02P",
    "/org/provider/RBV",
    "/org/region/Y56",
    "/league",
    "/league?standard=2ww&level=provider&period_start=2023-05",  # an empty result, explained
    "/map",
    "/map?standard=fds&level=sub_icb&period_start=2021-07",
    "/data",
    "/search?q=leeds",
    "/about",
    "/login",
    "/org/provider/XXXXX",  # the error page
    "/report/alliance/E56000005.html?year=2024/25",
    "/api/docs",
]
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const escaped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let up = el.parentElement, inside = false;
    while (up && up !== document.body) {
      const style = getComputedStyle(up);
      if ((style.overflowX === 'auto' || style.overflowX === 'scroll' || style.overflowX === 'hidden')
          && up.getBoundingClientRect().right <= width + 1) {
        inside = /scroll/i.test(up.getAttribute('aria-label') || '') || style.overflowX === 'hidden';
        break;
      }
      up = up.parentElement;
    }
    if (!inside) escaped.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, escaped: escaped.slice(0, 5)};
}"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def phone(browser, base_url):  # noqa: F811 - the shared fixtures
    """One phone-sized page (390 × 844, CSP bypassed so axe-core can be injected) for every visit."""
    context = browser.new_context(base_url=base_url, viewport=PHONE, bypass_csp=True, is_mobile=True)
    pg = context.new_page()
    yield pg
    context.close()


def settle(pg) -> None:
    """Wait for the page's charts, or for Swagger UI to draw the API operations."""
    if "/api/docs" in pg.url:
        pg.wait_for_selector(".opblock", timeout=30_000)
    else:
        wait_for_charts(pg)


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_page_fits_a_phone_and_passes_axe(phone, path):
    response = phone.goto(path, wait_until="networkidle", timeout=COLD_PAGE_MS)
    assert response is not None and response.status in (200, 404)
    settle(phone)
    fit = phone.evaluate(OVERFLOW)
    assert fit["scrollWidth"] <= fit["width"], fit
    assert fit["escaped"] == [], fit
    assert axe_violations(phone) == []


def test_league_table_scrolls_inside_its_labelled_box_with_the_name_in_view(phone):
    phone.goto("/league?standard=62d&level=provider", wait_until="networkidle", timeout=COLD_PAGE_MS)
    box = phone.locator(".cw-table-wrap").first
    assert box.get_attribute("aria-label") == "League table (scrolls sideways)"
    assert phone.locator(".cw-scroll-hint").first.is_visible()
    inner = box.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert inner["scroll"] > inner["client"]  # the table is wider than the phone, and scrolls in its box
    name = phone.locator("#league-table tbody th").first
    before = name.bounding_box()
    box.evaluate("el => { el.scrollLeft = 300; }")
    after = name.bounding_box()
    assert after["x"] == pytest.approx(before["x"], abs=1)  # the first column stays in view


def test_map_colour_bar_goes_below_the_map_on_a_phone(phone):
    phone.goto("/map?standard=62d", wait_until="networkidle", timeout=COLD_PAGE_MS)
    wait_for_charts(phone)
    chart = phone.locator("#map .main-svg").first.bounding_box()
    assert chart["width"] >= 350  # the map uses the phone's width
    bar = phone.locator("#map .colorbar").first.bounding_box()
    shapes = phone.locator("#map .choroplethlocation")
    boxes = shapes.evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    lowest = max(b["y"] + b["height"] for b in boxes)
    assert bar["y"] >= lowest - 2  # below the map, not beside it
    assert bar["width"] > bar["height"]


def test_upload_without_a_file_is_an_inline_form_error(browser, base_url):  # noqa: F811
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    pg = context.new_page()
    try:
        pg.goto("/login", wait_until="networkidle", timeout=COLD_PAGE_MS)
        pg.fill("#token", "browser-token-0123456789")
        pg.click("#sign-in")
        pg.wait_for_url("**/upload")
        pg.click("button:has-text('Upload and load')")
        pg.wait_for_load_state("networkidle")
        summary = pg.locator(".nhsuk-error-summary")
        assert summary.count() == 1 and "Choose at least one file to upload" in summary.inner_text()
        assert pg.locator("#files-error").inner_text().endswith("Choose at least one file to upload")
        assert pg.locator("input[type=file]#files").count() == 1  # the form is still there
        assert pg.locator("h1").inner_text() == "Upload files"
    finally:
        context.close()
