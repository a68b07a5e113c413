"""Every option of the league and map forms gives a page with content or an explanation, never a 404.

The options are read from the forms themselves, as a user would see them. The league is
visited for every standard at every level it offers by month, with the latest period and with a
month carried over from another choice (July 2021 and May 2023, the months whose figures some
standards and levels lack); every quarter and year at every level for the 28-day FDS and for
every standard at England; and every "Starting" option of two forms. The map is visited for
every standard, area and month it offers, and with months those areas lack. Suggestions in an
explanation are followed and must lead to a table. Each page keeps its form.
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.usefixtures("client")


def options(html: str, select_id: str) -> list[str]:
    """The option values of one select of the page's form."""
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"the form has no {select_id}"
    return re.findall(r'<option value="([^"]*)"', block.group(1))


def body_rows(html: str) -> list[str]:
    """Row headers of the page's tables (organisation names)."""
    return [
        unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html, re.S)
    ]


def check(client, path: str, params: dict, form: str, empty_id: str) -> str:
    """The page has its form and either a table of organisations or an explanation with a way on."""
    url = f"{path}?{urlencode(params)}"
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.text
    assert f'id="{form}"' in html, f"{url}: the form is gone"
    rows = body_rows(html)
    if rows:
        assert any(not r.startswith("Not mapped") for r in rows), f"{url}: only the unmapped row"
    else:
        assert f'id="{empty_id}"' in html, f"{url}: no table and no explanation"
        explanation = re.search(rf'id="{empty_id}">(.*?)</div>', html, re.S).group(1)
        assert "There are no" in explanation or "cannot" in explanation or "No " in explanation, url
        for href in re.findall(r'href="(\?[^"]+)"', explanation):
            followed = client.get(path + unescape(href))
            assert followed.status_code == 200 and body_rows(followed.text), f"{url}: suggestion {href} leads nowhere"
    return html


def test_every_league_option(client):
    first = client.get("/league").text
    standards = options(first, "league-standard")
    assert len(standards) == 14  # every CWT standard in the catalogue
    for standard in standards:
        levels = options(client.get("/league", params={"standard": standard, "level": "national"}).text, "league-level")
        assert "national" in levels
        for level in levels:
            for start in ("", "2021-07", "2023-05"):
                check(
                    client,
                    "/league",
                    {"standard": standard, "level": level, "period": "month", "period_start": start},
                    "league-submit",
                    "league-empty",
                )
    for period in ("quarter", "year"):
        for level in options(first, "league-level"):
            check(
                client,
                "/league",
                {"standard": "fds", "level": level, "period": period},
                "league-submit",
                "league-empty",
            )
        for standard in standards:
            check(
                client,
                "/league",
                {"standard": standard, "level": "national", "period": period},
                "league-submit",
                "league-empty",
            )
    for standard, level in (("fds", "alliance"), ("2ww", "sub_icb")):
        html = client.get("/league", params={"standard": standard, "level": level}).text
        for start in options(html, "league-period-start"):
            params = {"standard": standard, "level": level, "period_start": start}
            check(client, "/league", params, "league-submit", "league-empty")


def test_every_map_option(client):
    first = client.get("/map").text
    for standard in options(first, "map-standard"):
        html = client.get("/map", params={"standard": standard}).text
        for level in options(html, "map-level"):
            months = options(client.get("/map", params={"standard": standard, "level": level}).text, "map-month")
            for month in [*months, "2021-07", "2022-07", "2025-07"]:
                params = {"standard": standard, "level": level, "period_start": month}
                page = check(client, "/map", params, "map-submit", "map-empty")
                if 'id="map-spec"' in page:
                    assert "above the operational standard" not in page or "standard of" in page


def test_latest_month_is_the_same_on_the_league_and_the_map(client):
    assert "Cancer Alliances, July 2025." in client.get("/league").text
    assert "by the patient's ICB, July 2025." in client.get("/map").text


def test_explanations_say_why_and_what_instead(client):
    html = client.get("/league", params={"standard": "2ww", "level": "provider", "period_start": "2023-05"}).text
    assert (
        "There are no 2WW figures for providers in May 2023: the loaded figures cover October 2023 to July 2025."
        in html
    )
    assert "The latest, July 2025" in html and "The nearest, October 2023" in html
    blank = client.get("/map", params={"standard": "fds", "level": "sub_icb", "period_start": "2022-07"}).text
    assert "There are no 28-day FDS figures for this map in July 2022" in blank and 'id="map-spec"' not in blank
    before = client.get("/map", params={"standard": "fds", "level": "sub_icb", "period_start": "2021-07"}).text
    assert "no operational standard was in force in July 2021" in before  # 75% from October 2021
    assert "above the operational standard" not in before


def test_map_colour_scale_is_the_same_every_month(client):
    def spec(month):
        html = client.get("/map", params={"standard": "62d", "period_start": month}).text
        trace = json.loads(re.search(r'id="map-spec">(.*?)</script>', html).group(1))["data"][0]
        return trace["zmin"], trace["zmax"], trace["colorscale"], trace["zauto"]

    # 85% operational standard: red from 50% (35 points below, to the 5 below) to white at 85%, blue to 100%
    assert spec("2025-07") == spec("2023-10") == (50.0, 100.0, spec("2025-07")[2], False)
    assert spec("2025-07")[2][2] == [pytest.approx(0.7), "#f7f7f7"]
