"""Thresholds of quarters and years (issue 19 item 4), hand-worked on a warehouse of a few facts.

Rule (docs/methods.md, "Thresholds of quarters and years"): a quarter, year or rolling 12 months
takes the operational threshold in force in every one of its months that has figures; when those
months had different thresholds (or some had none) the row has no single threshold, says so
(``threshold_changed`` and ``threshold_note``), and ``met`` is empty. The catalogue's FDS threshold
is 75% from October 2021 (NHS England national time series, "75% from Q3 2021/22") and none before.
"""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.queries import MetricQuery, metrics, threshold_note
from cancerwatch.warehouse.connect import open_duckdb

# (month, patients, told within 28 days) of one provider's FDS
MONTHS = [
    ("2021-07-01", 10, 7),
    ("2021-08-01", 10, 7),
    ("2021-09-01", 10, 7),
    ("2021-10-01", 20, 16),
    ("2021-11-01", 20, 15),
    ("2021-12-01", 20, 14),
]


@pytest.fixture
def con(tmp_path):
    c = open_duckdb(tmp_path / "thresholds.duckdb")
    for month, total, within in MONTHS:
        c.execute(
            """INSERT INTO facts VALUES (1, 'published', 'provider', ?, 'fds', 'RXX', NULL, NULL, 'All',
                                         '2022', 'cancer_type', ?, ?, ?, NULL)""",
            [date.fromisoformat(month), total, within, total - within],
        )
    yield c
    c.close()


def rows(con, period: str) -> dict[str, dict]:
    return {r["period_label"]: r for r in metrics(con, MetricQuery("fds", "provider", period, org="RXX"))}


def test_a_quarter_with_one_threshold_throughout_is_judged_on_it(con):
    q3 = rows(con, "quarter")["2021/22 Q3"]
    # October to December 2021: 75% in force in each month; 45 of 60 = 75.0%, met (equal meets it)
    assert (q3["total"], q3["within_standard"]) == (60, 45)
    assert q3["threshold"] == 0.75 and q3["met"] is True
    assert q3["threshold_changed"] is False and q3["threshold_note"] is None


def test_a_quarter_before_any_threshold_has_none_and_no_change(con):
    q2 = rows(con, "quarter")["2021/22 Q2"]
    assert q2["threshold"] is None and q2["met"] is None
    assert q2["threshold_changed"] is False and q2["threshold_note"] is None


def test_a_year_whose_threshold_starts_within_it_shows_the_change_and_is_not_judged(con):
    year = rows(con, "year")["2021/22"]
    # July to December 2021 have figures: none in force July to September, 75% October to December
    assert (year["total"], year["within_standard"]) == (90, 66)
    assert year["performance"] == pytest.approx(66 / 90)
    assert year["threshold"] is None and year["met"] is None
    assert year["threshold_changed"] is True
    assert year["threshold_note"] == "no threshold 2021-07 to 2021-09; 75% 2021-10 to 2021-12"


def test_months_keep_the_threshold_of_their_own_month(con):
    months = rows(con, "month")
    assert [months[m]["threshold"] for m in ("2021-09", "2021-10")] == [None, 0.75]
    assert months["2021-10"]["met"] is True  # 16/20 = 80%
    assert months["2021-12"]["met"] is False  # 14/20 = 70%


def test_threshold_note_names_each_run_of_months():
    assert threshold_note("fds", date(2021, 4, 1), date(2022, 3, 1)) == (
        "no threshold 2021-04 to 2021-09; 75% 2021-10 to 2022-03"
    )
    assert threshold_note("fds", date(2021, 10, 1), date(2021, 10, 1)) == "75% 2021-10"


def test_legacy_2023_24_shows_its_85_percent_threshold(warehouse):
    """The 62-day GP measure's 85% ended with September 2023 (standards catalogue, CWT guidance);
    cancerwatch still derives the measure from the combined standard's urgent-referral route.
    Its quarters of April to September 2023 are judged against 85%, as NHS England published them
    (national time series, 2023/24 Q2: 28,865 of 46,862 within 62 days, 61.6%, not met), and the
    year, half at 85% and half with no threshold, shows that instead of a threshold."""
    quarters = {r["period_label"]: r for r in metrics(warehouse, MetricQuery("62d_gp", "national", "quarter"))}
    q2 = quarters["2023/24 Q2"]
    assert (q2["total"], q2["within_standard"]) == (46_862, 28_865)
    assert q2["threshold"] == 0.85 and q2["met"] is False and not q2["threshold_changed"]
    assert quarters["2023/24 Q3"]["threshold"] is None and not quarters["2023/24 Q3"]["threshold_changed"]
    year = next(
        r for r in metrics(warehouse, MetricQuery("62d_gp", "national", "year")) if r["period_label"] == "2023/24"
    )
    assert year["months"] == 12 and year["threshold"] is None and year["met"] is None
    assert year["threshold_changed"] is True
    assert year["threshold_note"] == "85% 2023-04 to 2023-09; no threshold 2023-10 to 2024-03"
