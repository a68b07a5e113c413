"""Organisation pages with their month panels (wait distributions, DM01, workforce) in a real
browser: they draw, pass axe, and do not scroll sideways at 390 px (tables scroll inside their
own labelled region)."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import (  # noqa: F401 - fixtures shared with the dashboard tests
    CHROMIUM,
    axe_violations,
    base_url,
    browser,
    page,
    wait_for_charts,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]

ORG_PAGES = [
    "/alliance/E56000035?month=2024-01",
    "/org/provider/RGT",
    "/org/provider/NV1",
    "/org/icb/QE1",
]


@pytest.mark.parametrize("path", ORG_PAGES)
def test_org_pages_with_panels_draw_and_pass_axe(page, path):  # noqa: F811
    page.goto(path, wait_until="networkidle")
    wait_for_charts(page)
    assert page.locator("#month-panels").count() == 1
    assert axe_violations(page) == []
    assert page.problems == []


@pytest.mark.parametrize("path", ORG_PAGES[:2])
def test_org_pages_do_not_scroll_sideways_on_a_phone(browser, base_url, path):  # noqa: F811
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.goto(path, wait_until="networkidle")
    width = pg.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390


def test_choosing_a_month_shows_its_panels(page):  # noqa: F811
    page.goto("/alliance/E56000035", wait_until="networkidle")
    page.select_option("#month-select", "2024-01")
    page.locator("#month-select").evaluate("s => s.form.submit()")
    page.wait_for_url("**month=2024-01**")
    assert "East of England North and South combined" in page.locator("#waits-fds ~ p").first.inner_text()
