"""Disclosure control (catalogue/suppression.py, read/disclosure.py) and its use by the sites.

NHS England's published figures are shown as published on the public site too; the rules
control figures computed from record-level data (tests/read/test_disclosure_outputs.py runs them
across every output)."""

from __future__ import annotations

import csv
import io

import pytest

from cancerwatch.catalogue.suppression import round_to_nearest
from cancerwatch.config import Settings
from cancerwatch.read.disclosure import Disclosure, apply_suppression, suppress_row


def row(total, within, *, code="RXX", threshold=0.85):
    breaches = None if total is None else total - within
    perf = within / total if total else None
    return {
        "org_code": code,
        "total": total,
        "within_standard": within,
        "breaches": breaches,
        "performance": perf,
        "ci_low": 0.1 if total else None,
        "ci_high": 0.9 if total else None,
        "threshold": threshold,
        "met": None if perf is None else perf >= threshold,
        "compared_with_england": "similar",
        "rank": 3,
    }


def test_none_leaves_rows_alone_and_marks_nothing():
    r = row(3, 1)
    out = apply_suppression([r], "none")[0]
    assert {k: out[k] for k in r} == r
    assert out["suppressed"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8, 10), (10, 10), (12, 10), (12.5, 15), (13, 15), (17.5, 20), (1234, 1235), (1232.5, 1235)],
)
def test_round_to_nearest_five_halves_up(value, expected):
    assert round_to_nearest(value) == expected


@pytest.mark.parametrize("small", [0.5, 1, 2, 5, 7, 7.5])
def test_nhsd_2018_suppresses_sub_national_counts_of_1_to_7(small):
    out = suppress_row(row(100, 100 - small), "nhsd_2018", 8)
    assert out["breaches"] is None
    assert "breaches" in out["suppressed"]
    assert out["total"] == 100
    assert out["within_standard"] == round_to_nearest(100 - small)


def test_nhsd_2018_keeps_zero():
    out = suppress_row(row(40, 40), "nhsd_2018", 8)
    assert out["breaches"] == 0
    assert out["performance"] == 1.0
    assert out["suppressed"] == []


def test_nhsd_2018_recomputes_percentage_from_rounded_counts():
    out = suppress_row(row(123, 101), "nhsd_2018", 8)
    assert (out["total"], out["within_standard"], out["breaches"]) == (125, 100, 20)
    assert out["performance"] == pytest.approx(100 / 125)
    assert out["ci_low"] < out["performance"] < out["ci_high"]
    assert out["met"] is False  # 101/123 = 0.821 < 0.85


def test_nhsd_2018_gives_no_percentage_for_a_suppressed_numerator_or_denominator():
    small_total = suppress_row(row(6, 5), "nhsd_2018", 8)
    assert small_total["total"] is None and small_total["performance"] is None
    assert small_total["ci_low"] is None and small_total["met"] is None and small_total["rank"] is None
    small_within = suppress_row(row(50, 3), "nhsd_2018", 8)
    assert small_within["within_standard"] is None and small_within["performance"] is None
    assert small_within["total"] == 50 and small_within["breaches"] == 45
    assert {"within_standard", "performance", "ci_low", "ci_high", "met"} <= set(small_within["suppressed"])


def test_national_rows_are_not_controlled():
    r = row(3, 1, code="ENG")
    assert apply_suppression([r], "nhsd_2018")[0]["total"] == 3
    assert apply_suppression([r], "nhsd_2018", national_codes={"XYZ"})[0]["total"] is None


def test_threshold_policy_suppresses_below_n_without_rounding():
    out = apply_suppression([row(11, 9), row(12, 11)], "threshold", 10)
    assert out[0]["total"] == 11 and out[0]["within_standard"] is None and out[0]["breaches"] is None
    assert out[0]["performance"] is None
    assert out[1]["total"] == 12 and out[1]["within_standard"] == 11
    assert out[1]["performance"] == pytest.approx(11 / 12)


def test_input_rows_are_not_changed():
    r = row(6, 5)
    before = dict(r)
    apply_suppression([r], "nhsd_2018")
    assert r == before


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown suppression policy"):
        apply_suppression([], "rounding")
    with pytest.raises(ValueError, match="threshold"):
        apply_suppression([], "threshold", 0)


@pytest.mark.parametrize(
    ("policy", "threshold", "public", "steps"),
    [
        ("none", 8, False, []),
        ("none", 8, True, [("nhsd_2018", 8)]),
        ("nhsd_2018", 8, False, [("nhsd_2018", 8)]),
        ("threshold", 5, False, [("threshold", 5)]),
        ("threshold", 5, True, [("nhsd_2018", 8)]),
        ("threshold", 20, True, [("nhsd_2018", 8), ("threshold", 20)]),
    ],
)
def test_public_mode_applies_at_least_nhsd_2018(policy, threshold, public, steps):
    assert Disclosure(policy, threshold, public).steps() == steps


def test_rounding_never_flips_a_verdict():
    """11 of 14 is 78.6%: met against 75%. Rounded to 10 of 15 it would read 66.7%, not met; the shown
    verdict stays the one of the exact figures, and the rank with it."""
    r = {**row(14, 11, threshold=0.75), "rank": 31}
    out = suppress_row(r, "nhsd_2018", 8)
    assert (out["total"], out["within_standard"]) == (15, 10)
    assert out["performance"] == pytest.approx(10 / 15)
    assert out["met"] is True and out["rank"] == 31


def test_published_figures_are_never_controlled_but_record_level_ones_are():
    d = Disclosure("threshold", 10, public=False, record_access=True)
    r = row(6, 5)
    assert d.show([r], "published")[0]["total"] == 6
    assert d.show([r], "record")[0]["total"] is None
    assert d.label("published") == "none" and d.label("record") == "threshold (below 10)"


def test_record_level_figures_need_access_and_never_reach_the_public_site():
    from cancerwatch.read.disclosure import RecordLevelRefused

    assert Disclosure(public=True, record_access=True).record_access is False
    with pytest.raises(RecordLevelRefused):
        Disclosure(record_access=False).show([row(40, 30)], "record")


def test_settings_are_the_only_source_of_the_policy(monkeypatch):
    monkeypatch.setenv("CANCERWATCH_SUPPRESSION", "threshold")
    d = Disclosure.from_settings(Settings(suppression_policy="nhsd_2018"), public=False)
    assert d.policy == "nhsd_2018"


def test_public_api_shows_published_figures_as_published(public_client, client):
    params = {"standard": "62d", "level": "provider", "limit": 10000}
    public = public_client.get("/api/v1/metrics", params=params).json()
    internal = client.get("/api/v1/metrics", params=params).json()
    assert public["suppression"] == "none"
    assert public["rows"] == internal["rows"]
    assert any(r["total"] in (0.5, 1, 2) for r in public["rows"])  # NHS England publishes these
    assert all(r["suppressed"] == [] for r in public["rows"])


def test_public_api_leaves_england_unsuppressed(public_client, client):
    params = {"standard": "62d", "level": "national"}
    assert public_client.get("/api/v1/metrics", params=params).json()["rows"] == [
        {**r, "suppressed": []} for r in client.get("/api/v1/metrics", params=params).json()["rows"]
    ]


def test_internal_api_is_unsuppressed_by_default(client):
    body = client.get("/api/v1/metrics", params={"standard": "62d", "level": "provider"}).json()
    assert body["suppression"] == "none"
    assert any(r["total"] in (0.5, 1, 2) for r in body["rows"])  # NHS England publishes these
    assert all(r["suppressed"] == [] for r in body["rows"])


def test_public_site_hides_upload_and_record_level_figures(public_client):
    assert public_client.get("/upload", follow_redirects=False).status_code == 404
    assert public_client.get("/login").status_code == 404
    assert 'href="/upload"' not in public_client.get("/").text
    r = public_client.get("/api/v1/metrics", params={"standard": "fds", "dataset": "record"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    league = public_client.get("/league", params={"standard": "fds", "dataset": "record"})
    assert league.status_code == 404


def test_public_pages_say_figures_are_as_published(public_client):
    html = public_client.get("/league", params={"standard": "62d", "level": "provider"}).text
    assert "suppressed: small number" not in html
    assert "shown as published" in html


def test_public_csv_download_is_the_published_figures(public_client, client):
    params = {"standard": "62d", "level": "provider", "format": "csv"}
    res = public_client.get("/league", params=params)
    assert res.status_code == 200
    assert res.text == client.get("/league", params=params).text
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert any(r["total"] in ("0.5", "1.0", "2.0") for r in rows)


def test_public_funnel_is_the_internal_funnel(public_client, client):
    params = {"standard": "62d", "level": "provider"}
    assert (
        public_client.get("/api/v1/funnel", params=params).json() == client.get("/api/v1/funnel", params=params).json()
    )
