"""indicator_metrics: rows shaped like the standards' rows, Wilson or published intervals, the
target in force judged with the indicator's polarity, and the comparison with England."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.errors import NoData, UsageError
from cancerwatch.indicator_queries import compare_with_england, indicator_metrics, met_target
from cancerwatch.ingest.load import load_files

from .conftest import DATA

FIELDS = [
    "period_start",
    "period_label",
    "period_type",
    "indicator",
    "level",
    "org_code",
    "org_name",
    "numerator",
    "denominator",
    "value",
    "unit",
    "ci_low",
    "ci_high",
    "ci_method",
    "target",
    "target_kind",
    "target_date",
    "achievable",
    "met",
    "polarity",
    "england_value",
    "compared_with_england",
    "aggregated",
]


def _by_org(rows):
    return {r["org_code"]: r for r in rows}


def test_wilson_interval_reproduces_the_hand_computed_value(indicator_db):
    """Breast screening, sub-ICB 01F: 45 of 60 screened.

    p = 0.75; z = 1.959964, z² = 3.841459, z²/n = 0.064024;
    centre = (0.75 + 0.032012) / 1.064024 = 0.734949;
    half = (1.959964 / 1.064024) × √(0.75 × 0.25 / 60 + 3.841459 / 14400) = 1.842034 × 0.058239 = 0.107277;
    interval 0.62767 – 0.84223 (docs/statistics.md, Wilson interval, reference: 0.62768 – 0.84223).
    """
    [row] = indicator_metrics(indicator_db, "breast_screening_coverage", "sub_icb", "01F")
    assert list(row) == FIELDS
    assert (row["numerator"], row["denominator"], row["value"]) == (45.0, 60.0, 0.75)
    assert row["ci_method"] == "wilson"
    assert row["ci_low"] == pytest.approx(0.62768, abs=1e-5)
    assert row["ci_high"] == pytest.approx(0.84223, abs=1e-5)
    assert (row["period_label"], row["org_name"]) == ("2023", "NHS Cheshire and Merseyside ICB - 01F")
    assert (row["target"], row["target_kind"], row["achievable"], row["met"]) == (0.70, "acceptable", 0.80, True)
    assert row["england_value"] == pytest.approx(5_012_340 / 7_170_000)
    assert row["compared_with_england"] == "similar"  # 0.699 lies inside 0.628–0.842


def test_org_may_be_given_by_its_ons_code(indicator_db):
    [row] = indicator_metrics(indicator_db, "breast_screening_coverage", "sub_icb", "E38000068")
    assert row["org_code"] == "01F"


def test_polarity_decrease_comparison_and_target(indicator_db):
    rows = _by_org(indicator_metrics(indicator_db, "smoking_prevalence", "icb"))
    assert {c: (r["value"], r["compared_with_england"], r["met"]) for c, r in rows.items()} == {
        "QF7": (0.158, "worse", False),  # 14.1–17.5% wholly above England's 12.7%: worse for a decrease indicator
        "QOP": (0.1, "better", True),  # 9.0–11.0% wholly below
        "QYG": (0.119, "similar", True),  # 10.6–13.2% contains 12.7%
    }
    assert {r["ci_method"] for r in rows.values()} == {"published"}  # survey weights: no Wilson on weighted counts
    assert {(r["target"], r["target_date"]) for r in rows.values()} == {(0.12, "2022-12-31")}


def test_targets_change_with_the_period(indicator_db):
    rows = indicator_metrics(indicator_db, "smoking_prevalence", "national")
    assert [(r["period_label"], r["value"], r["target"], r["met"]) for r in rows] == [
        ("2019", 0.139, 0.13, False),
        ("2020", 0.121, 0.13, True),
        ("2021", 0.13, 0.12, False),
        ("2022", 0.127, 0.12, False),
    ]
    assert all(r["england_value"] is None and r["compared_with_england"] is None for r in rows)


def test_mean_scores_use_the_published_interval(indicator_db):
    rows = _by_org(indicator_metrics(indicator_db, "cpes_overall_rating", "provider"))
    assert {c: r["compared_with_england"] for c, r in rows.items()} == {
        "REN": "better",
        "RBQ": "worse",
        "REP": "similar",
    }
    assert rows["REN"]["ci_low"] == 9.02 and rows["REN"]["england_value"] == 8.88
    assert rows["REN"]["target"] is None and rows["REN"]["met"] is None


def test_workforce_rolls_up_from_providers(indicator_db):
    alliances = _by_org(indicator_metrics(indicator_db, "cns_vacancy_rate", "alliance"))
    assert alliances["E56000005"]["numerator"] == 9.0  # Clatterbridge 5 + Liverpool Heart and Chest 4
    assert alliances["E56000005"]["denominator"] == 70.0
    assert alliances["E56000005"]["value"] == pytest.approx(9 / 70)
    assert alliances["E56000005"]["aggregated"] is True
    assert alliances["E56000005"]["ci_method"] == "none"
    assert alliances["E56000005"]["compared_with_england"] is None  # a census has no interval
    assert alliances["E56000005"]["england_value"] == pytest.approx(300 / 3300)  # the published England row
    [region] = indicator_metrics(indicator_db, "cns_vacancy_rate", "region")
    assert (region["org_code"], region["numerator"], region["denominator"]) == ("Y62", 19.0, 170.0)
    [icb] = indicator_metrics(indicator_db, "cns_vacancy_rate", "icb", "QYG")
    assert icb["value"] == pytest.approx(9 / 70)
    [england] = indicator_metrics(indicator_db, "cns_vacancy_rate", "national")
    assert england["aggregated"] is False


def test_spend_in_real_terms(indicator_db):
    rows = indicator_metrics(indicator_db, "cancer_spend_per_head", "national")
    assert [(r["period_label"], r["value_cash"], r["value"], r["prices"]) for r in rows] == [
        ("2011/12", 100.0, 125.0, "2022/23 prices"),  # £100 × 100 / 80
        ("2012/13", 105.0, 125.0, "2022/23 prices"),  # £105 × 100 / 84: cash up 5%, real terms flat
    ]
    rows = indicator_metrics(indicator_db, "cancer_spend_per_head", "national", base_year="2012/13")
    assert [r["value"] for r in rows] == [105.0, 105.0]
    [sub_icb] = indicator_metrics(indicator_db, "cancer_spend_per_head", "sub_icb", "01F", date_from=date(2012, 4, 1))
    assert (sub_icb["value"], sub_icb["england_value"]) == (125.0, 125.0)


def test_roll_ups_follow_the_hierarchy_in_force(indicator_db):
    # 2011/12 and 2012/13 CCG spend cannot roll up to Alliances mapped from the 2021 sub-ICB lookup
    with pytest.raises(NoData, match="no cancer_spend_per_head figures at alliance level are loaded"):
        indicator_metrics(indicator_db, "cancer_spend_per_head", "alliance")


def test_spend_without_a_deflator(geo_warehouse):
    load_files(geo_warehouse, [DATA / "programme_budgeting.csv"])
    with pytest.raises(NoData, match="no GDP deflator series is loaded"):
        indicator_metrics(geo_warehouse, "cancer_spend_per_head", "national")


def test_bad_requests(indicator_db):
    with pytest.raises(UsageError, match="smoking_prevalence is reported at national, region, icb, not 'provider'"):
        indicator_metrics(indicator_db, "smoking_prevalence", "provider")
    with pytest.raises(NoData, match="no smoking_prevalence figures for icb organisation 'QXX'"):
        indicator_metrics(indicator_db, "smoking_prevalence", "icb", "QXX")
    with pytest.raises(NoData, match="no obesity_prevalence figures at national level are loaded"):
        indicator_metrics(indicator_db, "obesity_prevalence", "national")


@pytest.mark.parametrize(
    ("low", "high", "england", "polarity", "expected"),
    [
        (0.6, 0.7, 0.5, "increase", "better"),
        (0.6, 0.7, 0.5, "decrease", "worse"),
        (0.6, 0.7, 0.5, "neutral", "higher"),
        (0.3, 0.4, 0.5, "neutral", "lower"),
        (0.4, 0.6, 0.5, "increase", "similar"),
        (0.5, 0.6, 0.5, "decrease", "similar"),  # touching counts as similar
        (None, None, 0.5, "increase", None),
    ],
)
def test_compare_with_england(low, high, england, polarity, expected):
    assert compare_with_england(low, high, england, polarity) == expected


@pytest.mark.parametrize(
    ("value", "target", "polarity", "expected"),
    [
        (0.75, 0.75, "increase", True),
        (0.74, 0.75, "increase", False),
        (0.12, 0.12, "decrease", True),
        (0.13, 0.12, "decrease", False),
        (5.0, 4.0, "neutral", None),
        (0.5, None, "increase", None),
    ],
)
def test_met_respects_polarity(value, target, polarity, expected):
    assert met_target(value, target, polarity) is expected
