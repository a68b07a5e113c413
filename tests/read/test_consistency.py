"""One view, every rendering (issue 17 "done when"): for a sample of organisations the page, its
JSON alternate, its CSV export, the JSON API and the annual report give the same figures and the
same verdicts, in internal and in public mode (NHS England's figures are public: both modes show
them as published)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.read.report import annual_report
from cancerwatch.reports import count, render_html
from cancerwatch.reports import pct as report_pct
from cancerwatch.variation import spc_of_rows
from cancerwatch.web.templating import num, pct
from tests.read.test_disclosure_outputs import cells

SAMPLE = [
    ("alliance", "E56000005", "62d"),  # Cheshire and Merseyside
    ("provider", "RBQ", "fds"),  # Liverpool Heart and Chest
    ("icb", "QOP", "31d"),  # NHS Greater Manchester ICB
    ("region", "Y62", "fds"),  # North West
]
REPORTED = [("alliance", "E56000005", "62d"), ("provider", "RBQ", "fds")]
REPORT_YEAR, YEAR_START, YEAR_END = "2024/25", "2024-04-01", "2025-03-01"
MET_TEXT = {True: "Met", False: "Not met", None: "–"}


def page_path(level: str, code: str) -> str:
    return f"/alliance/{code}" if level == "alliance" else f"/org/{level}/{code}"


@pytest.fixture(scope="module", params=["internal", "public"])
def client(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def reports(record_con, shared_memo) -> dict:
    """The 2024/25 reports of :data:`REPORTED`, internal and public (one memo: built once)."""
    out = {}
    for public in (False, True):
        reader = Reader(record_con, Disclosure(public=public), shared_memo)
        for level, code, _ in REPORTED:
            out[(code, public)] = annual_report(reader, code, REPORT_YEAR, level=level)
    return out


@pytest.mark.parametrize(("level", "code", "standard"), SAMPLE)
def test_page_json_csv_and_api_agree(client, level, code, standard):
    params = {"standard": standard}
    html = client.get(page_path(level, code), params=params).text
    view = client.get(page_path(level, code), params={**params, "format": "json"}).json()
    exported = client.get(page_path(level, code), params={**params, "format": "csv"}).text
    table = list(csv.DictReader(io.StringIO(exported)))
    api = client.get("/api/v1/metrics", params={**params, "level": level, "org": code, "limit": 1000}).json()["rows"]
    rows = view["rows"]
    assert len(rows) >= 24 and [r["period_start"] for r in rows] == sorted(r["period_start"] for r in rows)
    page = {k: v for k, v in cells(html, "data-org", "data-period", "data-field").items() if k[0] == code}
    assert len(page) == 5 * len(rows)
    for r, c, a in zip(rows, table, api, strict=True):
        p = r["period_start"]
        assert page[(code, p, "total")] == num(r["total"])
        assert page[(code, p, "within_standard")] == num(r["within_standard"])
        assert page[(code, p, "performance")] == pct(r["performance"])
        assert page[(code, p, "met")] == MET_TEXT[r["met"]]
        assert c["period_start"] == p == a["period_start"]
        for f in ("total", "within_standard", "breaches", "performance", "threshold", "met", "rank"):
            assert a[f] == r[f] and c[f] == ("" if r[f] is None else str(r[f])), (p, f)
    spc = client.get("/api/v1/spc", params={**params, "level": level, "org": code}).json()
    assert spc["summary"]["variation_type"] == view["spc"]["variation_type"]
    assert spc["summary"]["assurance_type"] == view["spc"]["assurance_type"]
    assert spc["summary"]["rebased_at"] == view["spc"]["rebased_at"]
    assert [p["point_type"] for p in spc["points"]] == [p["point_type"] for p in view["spc"]["points"]]
    funnel = client.get("/api/v1/funnel", params={**params, "level": level}).json()
    assert funnel["rows"] == view["funnel"]["rows"] and funnel["adjusted"] == view["funnel"]["adjusted"]


@pytest.mark.parametrize(("level", "code", "standard"), SAMPLE[:2])
def test_public_and_internal_pages_show_the_same_published_figures(internal, public, level, code, standard):
    params = {"standard": standard, "format": "json"}
    mine, theirs = (c.get(page_path(level, code), params=params).json() for c in (internal, public))
    assert mine["rows"] == theirs["rows"] and mine["spc"] == theirs["spc"] and mine["funnel"] == theirs["funnel"]
    assert all(r["suppressed"] == [] for r in mine["rows"])


@pytest.mark.parametrize(("level", "code", "standard"), REPORTED)
@pytest.mark.parametrize("is_public", [False, True])
def test_the_report_gives_the_page_figures_and_verdicts(internal, public, reports, level, code, standard, is_public):
    client = public if is_public else internal
    report = reports[(code, is_public)]
    rep = next(r for r in report.headline if r.id == standard)
    view = client.get(page_path(level, code), params={"standard": standard, "format": "json"}).json()
    page_months = {r["period_start"]: r for r in view["rows"] if YEAR_START <= r["period_start"] <= YEAR_END}
    assert [m["period_start"] for m in rep.months] == sorted(page_months)
    for m in rep.months:
        r = page_months[m["period_start"]]
        for f in ("total", "within_standard", "performance", "threshold", "met"):
            assert m[f] == r[f], (m["period_start"], f)
    html = cells(render_html(report), "data-standard", "data-period", "data-field")
    for m in rep.months:
        label = m["period_label"]
        assert html[(standard, label, "total")] == count(m["total"])
        assert html[(standard, label, "within_standard")] == count(m["within_standard"])
        assert html[(standard, label, "performance")] == report_pct(m["performance"])
    year = client.get(
        "/api/v1/metrics", params={"standard": standard, "level": level, "org": code, "period": "year", "limit": 100}
    ).json()["rows"]
    [api_year] = [r for r in year if r["period_label"] == REPORT_YEAR]
    for f in ("total", "within_standard", "performance", "threshold", "met", "rank", "peers"):
        assert rep.year[f] == api_year[f], f
    # the same variation policy: the report's chart is the page's series to the end of the year
    upto = [r for r in view["rows"] if r["period_start"] <= YEAR_END]
    same = spc_of_rows(standard, upto)
    assert (rep.spc.variation_type, rep.spc.assurance_type, rep.spc.rebased_at) == (
        same.variation_type,
        same.assurance_type,
        same.rebased_at,
    )
    assert date.fromisoformat(rep.spc.points[-1]["period_start"]) == date.fromisoformat(YEAR_END)
