"""Quality Premium eligibility boundaries."""

from __future__ import annotations

import pytest

from cancerwatch.accountability.quality_premium import eligibility

CFG = {"level": 0.60, "improvement": 0.02, "min_stage_completeness": 0.70, "min_staged_cases": 20}


def _row(year, rate, staged=100, completeness=0.9, code="02Q"):
    return {
        "org_code": code,
        "org_name": code,
        "level": "sub_icb",
        "year": year,
        "diagnosed": 120,
        "staged": staged,
        "early": round(rate * staged),
        "early_diagnosis_rate": rate,
        "stage_completeness": completeness,
        "emergency_presentations": 10,
        "emergency_presentation_rate": 0.1,
    }


@pytest.mark.parametrize(
    ("prev", "rate", "eligible", "reason"),
    [
        (None, 0.60, True, "early diagnosis 60.0% at or above 60%"),
        (None, 0.5999, False, "early diagnosis 60.0% below 60%"),
        (0.50, 0.52, True, "early diagnosis up 2.0 points on the previous year"),
        (0.50, 0.5199, False, "change +2.0 points"),
    ],
)
def test_level_and_improvement(prev, rate, eligible, reason):
    rows = [_row("2023/24", rate)] + ([_row("2022/23", prev)] if prev is not None else [])
    [decision] = [d for d in eligibility(rows, CFG) if d["year"] == "2023/24"]
    assert decision["eligible"] is eligible
    assert reason in decision["reason"]


def test_data_quality_gates():
    [few] = eligibility([_row("2023/24", 0.9, staged=19)], CFG)
    assert not few["eligible"] and few["reason"].startswith("not assessed: 19 staged cases")
    [incomplete] = eligibility([_row("2023/24", 0.9, completeness=0.69)], CFG)
    assert not incomplete["eligible"] and "stage completeness 69.0% below 70%" in incomplete["reason"]


def test_the_rule_says_which_published_measure_it_approximates():
    from cancerwatch.accountability.quality_premium import MEASURE, rule

    text = rule()["measure"]
    for words in (text, MEASURE):
        assert "Case-mix adjusted percentage of cancers diagnosed at stages 1 and 2" in words
        assert "not case-mix adjusted" in words
