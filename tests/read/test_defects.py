"""Regression tests for the defects issue 17 verified on the bundled data, and the read layer's
contract: one variation policy, one disclosure policy, JSON alternates, no SQL in the pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cancerwatch.accountability.escalation import escalate, funnel_outliers
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.config import Settings
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.read.report import ReportBuilder, annual_report
from cancerwatch.reports import render_html
from cancerwatch.variation import funnel, spc_of_rows
from cancerwatch.warehouse.organisations import get_organisation

WEB = Path(__file__).resolve().parents[2] / "src" / "cancerwatch" / "web"


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section class="chapter" id="{anchor}">')
    return html[start : html.index("</section>", start)]


def test_the_report_takes_disclosure_from_its_settings_and_shows_published_figures(
    record_con, shared_memo, public, monkeypatch
):
    """Before: the report read CANCERWATCH_SUPPRESSION itself, and with the threshold policy at 3 in
    public mode the web withheld a within_standard of 5 that the public report printed. Now one
    policy object from the injected settings: NHS England's figures are shown as published by both,
    small ones included, and record-level figures by neither."""
    monkeypatch.setenv("CANCERWATCH_SUPPRESSION", "nhsd_2018")
    settings = Settings(suppression_policy="threshold", suppression_threshold=3)
    disclosure = Disclosure.from_settings(settings, public=True)
    assert (disclosure.policy, disclosure.threshold, disclosure.record_access) == ("threshold", 3, False)
    report = annual_report(Reader(record_con, disclosure, shared_memo), "E56000005", "2024/25")
    rep = next(r for r in report.headline if r.id == "62d")
    params = {"standard": "62d", "level": "alliance", "org": "E56000005", "period": "year", "by": "cancer_type"}
    rows = public.get("/api/v1/metrics", params=params).json()["rows"]
    web = {r["cancer_type"]: r for r in rows if r["period_label"] == "2024/25"}
    assert {r["cancer_type"] for r in rep.by_cancer_type} == set(web)
    for r in rep.by_cancer_type:
        assert (r["total"], r["within_standard"], r["suppressed"]) == (
            web[r["cancer_type"]]["total"],
            web[r["cancer_type"]]["within_standard"],
            [],
        )
    # small published counts are shown as published: RBQ told 11 of 14 patients within 28 days in Sep 2023
    params = {"standard": "fds", "level": "provider", "org": "RBQ", "from": "2023-09", "to": "2023-09"}
    [sep] = public.get("/api/v1/metrics", params=params).json()["rows"]
    assert (sep["total"], sep["within_standard"], sep["suppressed"]) == (14, 11, [])
    assert not report.early_diagnosis["available"] and report.policy is None


def test_pages_api_escalation_and_report_draw_the_same_spc(internal, record_con, shared_memo):
    """Before: the web never rebased, the report rebased the 62-day series at October 2023, and
    escalation drew its own chart. Peninsula's 62-day series (April 2023 to July 2025) shows
    special-cause improvement on one group of limits, and common cause once the limits restart
    when the combined standard began."""
    rows = metrics(record_con, MetricQuery("62d", "alliance", org="E56000014"))
    assert spc_of_rows("62d", rows, rebase=()).variation_type == "special_cause_improvement"
    policy = spc_of_rows("62d", rows)
    assert (policy.variation_type, policy.assurance_type, policy.rebased_at) == (
        "common_cause",
        "consistent_fail",
        ["2023-10"],
    )
    params = {"standard": "62d", "level": "alliance", "org": "E56000014"}
    api = internal.get("/api/v1/spc", params=params).json()["summary"]
    page = internal.get("/alliance/E56000014", params={"standard": "62d", "format": "json"}).json()["spc"]
    expected = ("common_cause", "consistent_fail", ["2023-10"])
    assert (api["variation_type"], api["assurance_type"], api["rebased_at"]) == expected
    assert (page["variation_type"], page["assurance_type"], page["rebased_at"]) == expected
    everyone = escalate(
        record_con, standard="62d", level="alliance", rule_id="mdc_consistently_failing", include_all=True
    )
    [mdc] = [e for e in everyone if e.org_code == "E56000014"]
    assert "variation common_cause" in mdc.summary and "assurance consistent_fail" in mdc.summary
    reader = Reader(record_con, Disclosure(), shared_memo)
    builder = ReportBuilder(reader, get_organisation(record_con, "E56000014", "alliance"), date(2024, 4, 1))
    rep = builder.standard_report(get_standard("62d"))
    upto = [r for r in rows if r["period_start"] <= "2025-03-01"]
    assert rep is not None and rep.spc.rebased_at == ["2023-10"]
    assert rep.spc.variation_type == spc_of_rows("62d", upto).variation_type


def test_the_web_funnel_is_adjusted_for_overdispersion(internal, record_con):
    """Before: the web funnel had no overdispersion adjustment, so 15 of the 21 Alliances and 96 of
    the 140 providers were 99.8% outliers for FDS in September 2023; the report adjusted (1 of 21).
    Now every front end and escalation draw the policy's funnel."""
    september = date(2023, 9, 1)
    for level, plain_outliers, units in (("alliance", 15, 21), ("provider", 96, 140)):
        plain = funnel(record_con, standard="fds", level=level, period_start=september, overdispersion=False)
        assert len(plain.rows) == units and sum(1 for r in plain.rows if r["outlier"]) == plain_outliers
        params = {"standard": "fds", "level": level, "period_start": "2023-09"}
        body = internal.get("/api/v1/funnel", params=params).json()
        assert body["adjusted"] and body["phi"] > 1 and body["tau2"] > 0
        # England's FDS, September 2023: 180,534 of 258,858 told within 28 days (national time series)
        assert body["target"] == pytest.approx(180_534 / 258_858)
        flagged = {r["org_code"]: r["outlier"] for r in body["rows"]}
        assert sum(1 for o in flagged.values() if o) < plain_outliers / 5
        rows = [r for r in metrics(record_con, MetricQuery("fds", level)) if r["period_start"] == "2023-09-01"]
        assert {c: o for (_, c), o in funnel_outliers(rows, ["2023-09-01"]).items()} == flagged
    params = {"standard": "fds", "level": "alliance", "period_start": "2023-09"}
    alliances = internal.get("/api/v1/funnel", params=params)
    assert [(r["org_code"], r["outlier"]) for r in alliances.json()["rows"] if r["outlier"]] == [("EOE-NORTH", "low")]


def test_public_figures_and_verdicts_are_the_exact_ones(internal, public):
    """Before: public mode rounded NHS England's own figures. Liverpool Heart and Chest (RBQ), FDS,
    September 2023, is 11 of 14 told within 28 days (78.6%, met against 75%); rounded to 10 of 15
    it read "not met", and its public SPC chart claimed "consistently fails" from 2 points."""
    params = {"standard": "fds", "level": "provider", "org": "RBQ", "from": "2023-09", "to": "2023-09"}
    [row] = public.get("/api/v1/metrics", params=params).json()["rows"]
    assert (row["total"], row["within_standard"], row["met"], row["suppressed"]) == (14, 11, True, [])
    assert row["performance"] == pytest.approx(11 / 14)
    rbq = {"standard": "fds", "level": "provider", "org": "RBQ"}
    spc = {c: c.get("/api/v1/spc", params=rbq).json() for c in (internal, public)}
    assert spc[public] == spc[internal]
    points = spc[public]["points"]
    assert len(points) == 28 and all(p["lpl"] < p["upl"] for p in points)
    providers = {
        c: c.get("/api/v1/funnel", params={"standard": "fds", "level": "provider"}).json() for c in (internal, public)
    }
    assert providers[public]["rows"] == providers[internal]["rows"]  # REN is no longer made a "high" outlier


def test_the_report_summary_and_funnel_section_agree(record_con, shared_memo):
    """Before: one Alliance's report said "worse than England" in its summary (from the Wilson
    interval) and "consistent with England" in its funnel section. Now both come from the position
    on the policy's funnel."""
    report = annual_report(Reader(record_con, Disclosure(), shared_memo), "E56000005", "2024/25")
    html = render_html(report)
    summary, peers = section(html, "summary"), section(html, "peers")
    for rep in report.headline:
        assert rep.position["where"] is not None
        assert f"{rep.standard.short_name}</strong>" in summary and rep.position["short"] in summary
        assert rep.position["text"] in peers
    assert "worse than England" not in summary or all(r.position["where"] == "low" for r in report.headline)
    # the report page advertises its JSON alternate too (the web route passes its URL)
    linked = render_html(report, json_url="/report/alliance/E56000005.json?year=2024/25")
    assert (
        '<link rel="alternate" type="application/json" href="/report/alliance/E56000005.json?year=2024/25">' in linked
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/alliance/E56000005",
        "/org/provider/RBQ",
        "/league?standard=62d&level=icb",
        "/map?standard=fds",
        "/data",
        "/search?q=liverpool",
    ],
)
def test_every_page_advertises_its_json_alternate(internal, path):
    html = internal.get(path).text
    found = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', html)
    assert found, path
    alternate = internal.get(found.group(1).replace("&amp;", "&"))
    assert alternate.status_code == 200 and alternate.headers["content-type"].startswith("application/json")


def test_no_sql_under_web():
    for path in WEB.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import duckdb" not in text and ".execute(" not in text, path
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\s", text), path
