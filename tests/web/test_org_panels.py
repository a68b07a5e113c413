"""Organisation pages and their API: wait distributions, DM01 diagnostics, workforce, East of England
across April 2024, SPC on consecutive months, independent-sector providers.

Expected figures are summed by hand from the warehouse facts (the published rows of each provider),
never taken from the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

EOE = "E56000035"
PREDECESSORS = ("EOE-NORTH", "EOE-SOUTH")

# providers of some Alliances (provider basis) valid in a month, from the dated hierarchy
PROVIDERS_OF = """
    SELECT org_code FROM org_rollup
    WHERE basis = 'provider' AND level = 'alliance' AND parent_code IN ({codes})
      AND ? BETWEEN valid_from AND coalesce(valid_to, DATE '9999-12-31')
"""


def _providers(con, codes: tuple[str, ...], month: str) -> list[str]:
    marks = ", ".join("?" for _ in codes)
    return [r[0] for r in con.execute(PROVIDERS_OF.format(codes=marks), [*codes, month]).fetchall()]


BREAKDOWN = {"fds": "fds", "62d": "cancer_type"}
"""One published breakdown that counts every patient once (FDS: route × cancer; 62-day: by cancer)."""


def _fact_sums(con, standard: str, month: str, providers: list[str]) -> tuple[float, float]:
    """Patients and patients within the standard of ``providers``: their rows of one breakdown."""
    marks = ", ".join("?" for _ in providers)
    total, within = con.execute(
        f"""SELECT sum(total), sum(within_standard) FROM facts
            WHERE standard = ? AND period = ? AND dataset = 'published' AND basis = 'provider'
              AND breakdown = ? AND superseded_by IS NULL AND org_code IN ({marks})""",
        [standard, month, BREAKDOWN[standard], *providers],
    ).fetchone()
    return float(total), float(within)


def _band_sums(con, standard: str, month: str, providers: list[str]) -> list[float]:
    """Each band's patients summed over ``providers`` (their all-routes rows)."""
    marks = ", ".join("?" for _ in providers)
    rows = con.execute(
        f"""SELECT patients FROM wait_bands
            WHERE standard = ? AND period = ? AND basis = 'provider' AND breakdown = 'all'
              AND route IS NULL AND superseded_by IS NULL AND org_code IN ({marks})""",
        [standard, month, *providers],
    ).fetchall()
    width = len(rows[0][0])
    return [float(sum((r[0][i] for r in rows), Decimal(0))) for i in range(width)]


@pytest.fixture(scope="module")
def eoe_page(client) -> dict:
    return client.get(f"/alliance/{EOE}?format=json").json()


# -- East of England across April 2024 -------------------------------------------------------------


def test_east_of_england_april_2023_is_north_plus_south_from_the_facts(warehouse, eoe_page):
    providers = _providers(warehouse, PREDECESSORS, "2023-04-01")
    assert len(providers) >= 10
    total, within = _fact_sums(warehouse, "fds", "2023-04-01", providers)
    row = next(r for r in eoe_page["rows"] if r["period_start"] == "2023-04-01")
    assert row["org_code"] == EOE
    assert row["total"] == total and row["within_standard"] == within
    assert row["performance"] == pytest.approx(within / total)
    assert row["met"] is (within / total >= 0.75)
    assert row["combined_from"] == list(PREDECESSORS)
    assert row["combined_note"] == "East of England North and South combined"


def test_east_of_england_reads_28_months_and_marks_the_summed_ones(client, eoe_page):
    months = [r["period_start"][:7] for r in eoe_page["rows"]]
    assert months[0] == "2023-04" and months[-1] == "2025-07" and len(months) == 28
    summed = [r["period_start"][:7] for r in eoe_page["rows"] if r.get("combined_from")]
    assert summed == months[:12] and summed[-1] == "2024-03"
    assert eoe_page["combined_months"] == summed
    html = client.get(f"/alliance/{EOE}").text
    assert "April 2023 (East of England North and South combined)" in html
    assert "March 2024 (East of England North and South combined)" in html
    assert "April 2024 (East of England" not in html
    assert 'id="combined-note"' in html


def test_east_of_england_spc_has_28_points_with_settled_limits(client):
    body = client.get(f"/api/v1/spc?standard=fds&level=alliance&org={EOE}").json()
    assert len(body["points"]) == 28
    assert not body["summary"]["trial_limits"] and body["summary"]["gap_note"] is None


def test_metrics_api_gives_the_same_continuous_series(warehouse, client):
    body = client.get(f"/api/v1/metrics?standard=62d&level=alliance&org={EOE}&from=2023-06&to=2024-05").json()
    rows = body["rows"]
    assert [r["period_start"][:7] for r in rows][:1] == ["2023-06"] and len(rows) == 12
    june = rows[0]
    total, within = _fact_sums(warehouse, "62d", "2023-06-01", _providers(warehouse, PREDECESSORS, "2023-06-01"))
    assert (june["total"], june["within_standard"]) == (total, within)
    assert june["combined_from"] == list(PREDECESSORS)
    assert rows[-1]["period_start"] == "2024-05-01" and rows[-1].get("combined_from") is None


def test_east_of_england_wait_bands_before_april_2024_are_north_plus_south(warehouse, client):
    page = client.get(f"/alliance/{EOE}?format=json&month=2024-01").json()
    fds = next(w for w in page["waits"] if w["standard"] == "fds")
    expected = _band_sums(warehouse, "fds", "2024-01-01", _providers(warehouse, PREDECESSORS, "2024-01-01"))
    assert [b["patients"] for b in fds["bands"]] == expected
    assert fds["combined_note"] == "East of England North and South combined"
    api = client.get(f"/api/v1/waits?standard=fds&level=alliance&org={EOE}&from=2024-01&to=2024-01").json()
    assert [r["patients"] for r in api["rows"]] == expected
    assert all(r["combined_from"] == list(PREDECESSORS) for r in api["rows"])


# -- wait distributions ------------------------------------------------------------------------------


def test_alliance_62_day_bands_are_the_sum_of_its_providers_bands(warehouse, eoe_page):
    assert eoe_page["month"] == "2025-07"
    w62 = next(w for w in eoe_page["waits"] if w["standard"] == "62d")
    expected = _band_sums(warehouse, "62d", "2025-07-01", _providers(warehouse, (EOE,), "2025-07-01"))
    assert [b["patients"] for b in w62["bands"]] == expected
    assert [b["band"] for b in w62["bands"]][-1] == "after 104 days" and len(expected) == 8
    assert w62["over_104_days"] == expected[-1]
    assert w62["patients"] == sum(expected)
    assert w62["bands"][0]["share"] == pytest.approx(expected[0] / sum(expected))


def test_fds_bands_are_the_five_published_ones(eoe_page):
    fds = next(w for w in eoe_page["waits"] if w["standard"] == "fds")
    assert [(b["from_day"], b["to_day"]) for b in fds["bands"]] == [
        (0, 14),
        (15, 28),
        (29, 42),
        (43, 62),
        (63, None),
    ]
    assert fds["over_104_days"] is None


def test_the_page_shows_bands_and_the_number_treated_after_104_days(client, eoe_page):
    html = client.get(f"/alliance/{EOE}").text
    w62 = next(w for w in eoe_page["waits"] if w["standard"] == "62d")
    assert 'data-waits="62d"' in html and 'data-waits="fds"' in html
    assert f"Treated after day 104: <strong>{w62['over_104_days']:,.0f}</strong>" in html


def test_a_month_before_the_bands_were_published_says_so(client):
    page = client.get("/org/provider/RGT?format=json&month=2023-06").json()
    assert page["month"] == "2023-06"
    assert all(not w["bands"] and "October 2023" in w["note"] for w in page["waits"])


# -- DM01 diagnostics --------------------------------------------------------------------------------


def test_dm01_panel_of_a_trust_is_its_published_row(warehouse, client):
    page = client.get("/org/provider/RGT?format=json").json()
    rows = {r["test"]: r for r in page["diagnostics"]["rows"]}
    assert set(rows) == {
        "ct",
        "mri",
        "non_obstetric_ultrasound",
        "colonoscopy",
        "flexi_sigmoidoscopy",
        "gastroscopy",
        "cystoscopy",
    }
    wl, six, thirteen = warehouse.execute(
        """SELECT waiting_list, waiting_6plus, waiting_13plus FROM diagnostics_facts
           WHERE org_code = 'RGT' AND test = 'mri' AND period = DATE '2025-07-01' AND superseded_by IS NULL"""
    ).fetchone()
    mri = rows["mri"]
    assert (mri["waiting_list"], mri["waiting_6plus"], mri["waiting_13plus"]) == (wl, six, thirteen)
    assert mri["share_6plus"] == pytest.approx(six / wl)
    assert mri["threshold"] == 0.01 and mri["met"] is (six / wl <= 0.01)


def test_dm01_panel_of_an_alliance_is_the_sum_of_its_providers(warehouse, client, eoe_page):
    providers = _providers(warehouse, (EOE,), "2025-07-01")
    marks = ", ".join("?" for _ in providers)
    wl, six = warehouse.execute(
        f"""SELECT sum(waiting_list), sum(waiting_6plus) FROM diagnostics_facts
            WHERE test = 'ct' AND period = DATE '2025-07-01' AND superseded_by IS NULL
              AND org_code IN ({marks})""",
        providers,
    ).fetchone()
    ct = next(r for r in eoe_page["diagnostics"]["rows"] if r["test"] == "ct")
    assert (ct["waiting_list"], ct["waiting_6plus"]) == (wl, six)
    html = client.get(f"/alliance/{EOE}").text
    assert 'data-test="ct"' in html and "no more than 1% waiting 6 weeks or more" in html
    api = client.get(f"/api/v1/diagnostics?level=alliance&org={EOE}&from=2025-07&to=2025-07&test=ct").json()
    assert api["rows"][0]["waiting_list"] == wl and api["total_rows"] == 1


def test_dm01_has_no_sub_icb_figures_and_says_so(client):
    page = client.get("/org/sub_icb/00L?format=json").json()
    assert not page["diagnostics"]["rows"] and "by provider" in page["diagnostics"]["note"]
    assert client.get("/api/v1/diagnostics?level=sub_icb&org=00L").status_code == 400


# -- workforce ---------------------------------------------------------------------------------------


def test_trust_workforce_is_its_published_fte_beside_performance(warehouse, client):
    page = client.get("/org/provider/RGT?format=json").json()
    view = page["workforce"]["view"]
    published = dict(
        warehouse.execute(
            """SELECT staff_group, fte FROM workforce_staff
               WHERE org_code = 'RGT' AND org_level = 'organisation' AND superseded_by IS NULL
                 AND period = DATE '2025-05-01'"""
        ).fetchall()
    )
    assert view["month"] == "2025-05"
    assert {r["staff_group"]: r["fte"] for r in view["rows"]} == {
        g: f for g, f in published.items() if g in {r["staff_group"] for r in view["rows"]}
    }
    assert {p["measure"] for p in view["performance"]} == {"fds", "31d", "62d", "dm01"}
    total, within = _fact_sums(warehouse, "fds", "2025-05-01", ["RGT"])
    fds = next(p for p in view["performance"] if p["measure"] == "fds")
    assert fds["value"] == pytest.approx(within / total)
    html = client.get("/org/provider/RGT").text
    assert "data-workforce" in html and "Performance the same month (May 2025)" in html
    api = client.get("/api/v1/workforce?level=provider&org=RGT").json()
    assert api["month"] == "2025-05" and len(api["rows"]) == len(view["rows"])


def test_icb_pages_have_no_workforce_panel(client):
    assert client.get("/org/icb/QE1?format=json").json()["workforce"] is None


# -- SPC on consecutive months only --------------------------------------------------------------------


def test_an_icb_series_with_gaps_is_charted_on_its_latest_run(client):
    page = client.get("/org/icb/QE1?format=json").json()
    months = [r["period_start"][:7] for r in page["rows"] if r["performance"] is not None]
    assert months[:2] == ["2021-07", "2022-07"] and months[2] == "2023-04"
    spc = page["spc"]
    assert spc["available"] and spc["points"][0]["period_start"] == "2023-04-01" and len(spc["points"]) == 28
    assert "July 2022" in spc["gap_note"] and "April 2023" in spc["gap_note"]
    html = client.get("/org/icb/QE1").text
    assert 'id="spc-gap"' in html and "not joined" in html
    api = client.get("/api/v1/spc?standard=fds&level=icb&org=QE1").json()
    assert api["points"][0]["period_start"] == "2023-04-01" and api["summary"]["gap_note"] == spc["gap_note"]


# -- the latest month, independent-sector providers ------------------------------------------------------


@pytest.mark.parametrize("url", [f"/alliance/{EOE}", "/org/provider/RGT", "/org/icb/QE1", "/org/region/Y61"])
def test_pages_open_on_july_2025(client, url):
    page = client.get(url + "?format=json").json()
    assert page["month"] == "2025-07" and page["rows"][-1]["period_start"] == "2025-07-01"
    for group in page["members"]:  # members of the same month, or a note saying why not
        assert group["rows"][0]["period_start"] == "2025-07-01" or "published to" in group["note"], group["title"]


def test_an_independent_sector_provider_has_its_dm01_name_and_region_and_is_visibly_not_mapped(warehouse, client):
    name, region = warehouse.execute(
        """SELECT arg_max(org_name, period), arg_max(region_code, period) FROM ref_providers_dm01
           WHERE org_code = 'NV1'"""
    ).fetchone()
    page = client.get("/org/provider/NV1?format=json").json()
    assert page["org"]["name"] == name
    places = {p["level"]: p for p in page["places"]}
    assert places["region"]["org_code"] == region and places["region"]["mapped"]
    assert not places["icb"]["mapped"] and not places["alliance"]["mapped"]
    html = client.get("/org/provider/NV1").text
    assert html.count("Not mapped</strong>") == 2


def test_the_new_endpoints_are_documented(client):
    doc = client.get("/api/openapi.json").json()
    for path in ("/api/v1/waits", "/api/v1/diagnostics", "/api/v1/workforce"):
        responses = doc["paths"][path]["get"]["responses"]
        assert {"200", "400", "404"} <= set(responses), path
    wait_row = doc["components"]["schemas"]["WaitBandRow"]["properties"]
    assert {"band", "from_day", "to_day", "patients", "over_104_days", "combined_from"} <= set(wait_row)
