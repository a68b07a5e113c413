"""The home page a board uses, in a real browser: the summary matrix sorts by its links, the
digest links to pages, and at 390 px nothing but the matrix's own scroller scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_dashboard import CHROMIUM, axe_violations, base_url, browser, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]


def test_matrix_sorts_and_digest_links_at_390_px(page):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/", wait_until="networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    page.locator("#summary-matrix thead a", has_text="On year").nth(2).click()  # the 62-day column
    page.wait_for_url(re.compile(r"sort=62d%3Achange_year"))
    header = page.locator('#summary-matrix th[aria-sort="descending"]')
    assert header.count() == 1 and "On year" in header.inner_text()
    first = page.locator("#changes a[href^='/alliance/'], #changes a[href^='/org/']").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(href) and page.locator("h1").count() == 1
    assert page.problems == []
