"""National figures reproduced exactly from the provider extract, and against the national series.

Check figures: issue 2 and docs/cwt-rules.md, check figures (NHS England's published workbooks).
"""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.queries import MetricQuery, metrics

CHECK_FIGURES = [
    # (month, standard, total, within) — England, provider basis
    ("2023-04", "fds", 215_274, 153_593),
    ("2023-04", "31d", 43_806, 39_227),
    ("2023-04", "62d", 19_514, 12_613),
    ("2023-09", "62d", 22_747.5, 14_403.5),
    ("2023-09", "fds", 258_858, 180_534),
    ("2023-09", "31d", 49_290, 44_086),
    ("2023-09", "2ww", 257_702, 190_757),
    ("2023-09", "2ww_breast", 9_397, 6_650),
    ("2023-09", "31d_first", 27_453, 24_620),
    ("2023-09", "31d_sub_drugs", 8_280, 8_078),
    ("2023-09", "31d_sub_radiotherapy", 8_235, 7_246),
    ("2023-09", "31d_sub_surgery", 4_893, 3_795),
    ("2023-09", "62d_gp", 15_416, 9_137),
    ("2023-09", "62d_screening", 1_700, 1_098),
    ("2023-09", "62d_upgrade", 5_631.5, 4_168.5),
    ("2009-10", "2ww", 77_076, 73_311),
    ("2021-04", "fds", 211_835, 154_535),
]


def _england(con, standard, month):
    d = date.fromisoformat(month + "-01")
    rows = metrics(con, MetricQuery(standard=standard, level="national", date_from=d, date_to=d))
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize(("month", "standard", "total", "within"), CHECK_FIGURES)
def test_check_figures(warehouse, month, standard, total, within):
    row = _england(warehouse, standard, month)
    assert (row["total"], row["within_standard"]) == (total, within)
    assert row["breaches"] == total - within
    assert row["performance"] == pytest.approx(within / total)


def _series(con, standard, period_type):
    return {
        r[0]: (float(r[1]), float(r[2]))
        for r in con.execute(
            """SELECT period_start, total, within_standard FROM national_series
               WHERE standard = ? AND period_type = ? AND superseded_by IS NULL""",
            [standard, period_type],
        ).fetchall()
    }


DERIVED_FROM_EXTRACT = [
    "fds",
    "31d_first",
    "31d_sub_drugs",
    "31d_sub_radiotherapy",
    "31d_sub_surgery",
    "62d_gp",
    "62d_screening",
    "62d_upgrade",
]


@pytest.mark.parametrize("standard", DERIVED_FROM_EXTRACT)
@pytest.mark.parametrize("period", ["month", "quarter"])
def test_extract_reproduces_national_series(warehouse, standard, period):
    """Every month and quarter of Apr–Sep 2023, summed from the provider extract, equals the
    national time series published separately — including the legacy measures derived from
    the consolidated standards' routes and modalities."""
    series = _series(warehouse, standard, period)
    rows = metrics(
        warehouse,
        MetricQuery(
            standard=standard, level="national", period=period, date_from=date(2023, 4, 1), date_to=date(2023, 9, 1)
        ),
    )
    assert len(rows) == (6 if period == "month" else 2)
    for r in rows:
        assert r["source"] == "published", "figure must come from the extract, not the series"
        start = date.fromisoformat(r["period_start"])
        assert (r["total"], r["within_standard"]) == series[start], (standard, start)


def test_combined_standards_are_sums_of_legacy_measures(warehouse):
    """62-day combined = 62-day GP + screening + upgrade from July 2023 (docs/cwt-rules.md, consolidated standards);
    before July 2023 the GP measure left out the breast-symptomatic route, which makes up the gap."""
    for month in range(4, 10):
        d = f"2023-{month:02d}"
        combined = _england(warehouse, "62d", d)
        parts = [_england(warehouse, s, d) for s in ("62d_gp", "62d_screening", "62d_upgrade")]
        gap = combined["total"] - sum(p["total"] for p in parts)
        if month >= 7:
            assert gap == 0
            assert combined["within_standard"] == sum(p["within_standard"] for p in parts)
        else:
            by_route = metrics(
                warehouse,
                MetricQuery(
                    standard="62d",
                    level="national",
                    by="route",
                    date_from=date(2023, month, 1),
                    date_to=date(2023, month, 1),
                ),
            )
            breast = next(r for r in by_route if r["route"] == "breast_symptomatic")
            assert gap == breast["total"] > 0


def test_commissioner_basis_sums_to_same_national_totals(warehouse):
    """The ICB sub-location extract (hubs and UNKNOWN included) gives the provider totals."""
    for standard in ("fds", "31d", "62d"):
        prov = metrics(
            warehouse,
            MetricQuery(
                standard=standard,
                level="national",
                basis="provider",
                date_from=date(2023, 4, 1),
                date_to=date(2023, 9, 1),
            ),
        )
        comm = metrics(
            warehouse,
            MetricQuery(
                standard=standard,
                level="national",
                basis="commissioner",
                date_from=date(2023, 4, 1),
                date_to=date(2023, 9, 1),
            ),
        )
        if standard == "fds":  # the Jul 2023 workbook vintage must not leak in: extract is later
            assert all(r["source"] == "published" for r in comm)
        assert [(r["period_start"], r["total"], r["within_standard"]) for r in prov] == [
            (r["period_start"], r["total"], r["within_standard"]) for r in comm
        ]


def test_october_2023_commissioner_figures(warehouse):
    """Oct 2023 on the commissioner basis: the Final commissioner workbook is the current vintage
    (England 62-day 25,016.5 / 15,812.5; Cheshire and Merseyside ICB, QYG, FDS 14,131 / 9,782, as
    its ALL ENGLISH and QYG rows say); the provisional sub-ICB extract's figures (24,371.5 /
    15,375.5; QYG 13,681 / 9,577) are kept, superseded."""
    oct23 = date(2023, 10, 1)
    eng = metrics(
        warehouse, MetricQuery(standard="62d", level="national", basis="commissioner", date_from=oct23, date_to=oct23)
    )[0]
    assert (eng["total"], eng["within_standard"]) == (25_016.5, 15_812.5)
    qyg = metrics(warehouse, MetricQuery(standard="fds", level="icb", org="QYG", date_from=oct23, date_to=oct23))
    assert (qyg[0]["total"], qyg[0]["within_standard"]) == (14_131, 9_782)
    old = warehouse.execute(
        """SELECT sum(f.total), sum(f.within_standard) FROM facts f JOIN sources s USING (source_id)
           WHERE s.kind = 'cwt_sub_icb' AND f.period = DATE '2023-10-01' AND f.standard = '62d'
             AND f.superseded_by IS NOT NULL"""
    ).fetchone()
    assert tuple(map(float, old)) == (24_371.5, 15_375.5)


def test_annual_figures_from_series(warehouse):
    """Published annual 2022/23 figures (docs/cwt-rules.md, check figures)."""
    rows = metrics(
        warehouse,
        MetricQuery(
            standard="2ww", level="national", period="year", date_from=date(2022, 4, 1), date_to=date(2023, 3, 1)
        ),
    )
    assert [(r["period_label"], r["total"], r["within_standard"]) for r in rows] == [("2022/23", 2_889_406, 2_291_464)]
    gp = metrics(
        warehouse,
        MetricQuery(
            standard="62d_gp", level="national", period="year", date_from=date(2022, 4, 1), date_to=date(2023, 3, 1)
        ),
    )
    assert (gp[0]["total"], gp[0]["within_standard"]) == (182_454, 111_525)


def test_wilson_interval_on_october_62_day(warehouse):
    """Wilson interval of the October 2023 62-day commissioner-based England figure, 15,812.5 of
    25,016.5 (p̂ = 0.63208): worked by hand from the Wilson formula with z = 1.959964,
    0.62609 to 0.63804."""
    oct23 = date(2023, 10, 1)
    eng = metrics(
        warehouse, MetricQuery(standard="62d", level="national", basis="commissioner", date_from=oct23, date_to=oct23)
    )[0]
    n, p, z = 25_016.5, 15_812.5 / 25_016.5, 1.959964
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert eng["ci_low"] == pytest.approx(centre - half, abs=1e-9) == pytest.approx(0.62609, abs=5e-6)
    assert eng["ci_high"] == pytest.approx(centre + half, abs=1e-9) == pytest.approx(0.63804, abs=5e-6)
