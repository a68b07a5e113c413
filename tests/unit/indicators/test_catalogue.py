"""The indicator catalogue: complete, consistent, and its targets looked up by date."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from importlib import resources

import pytest

from cancerwatch.catalogue.indicators import (
    UnknownIndicator,
    get_indicator,
    indicators,
    parse_catalogue,
    target_in_force,
    validate_catalogue,
)

REQUIRED = [
    "smoking_prevalence",
    "obesity_prevalence",
    "breast_screening_coverage",
    "cervical_screening_coverage_25_49",
    "cervical_screening_coverage_50_64",
    "bowel_screening_coverage",
    "early_diagnosis_stage_1_2",
    "emergency_presentations",
    "one_year_survival_index",
    "cpes_overall_rating",
    "cns_vacancy_rate",
    "cancer_spend_per_head",
]


def _raw() -> dict:
    text = resources.files("cancerwatch.catalogue").joinpath("indicators.toml").read_text("utf-8")
    return tomllib.loads(text)


def _problems(raw: dict) -> list[str]:
    return validate_catalogue(*parse_catalogue(raw))


def test_packaged_catalogue_is_valid():
    assert _problems(_raw()) == []
    assert set(REQUIRED) <= set(indicators())


@pytest.mark.parametrize("iid", list(indicators()))
def test_every_indicator_is_documented(iid):
    i = get_indicator(iid)
    assert i.name and i.definition and i.numerator and i.denominator and i.source
    assert i.levels and i.period_type and i.ci_method
    for t in i.targets:
        assert t.source and t.confidence


@pytest.mark.parametrize(
    ("iid", "on", "value", "kind"),
    [
        ("smoking_prevalence", date(2020, 12, 31), 0.13, "target"),
        ("smoking_prevalence", date(2022, 12, 31), 0.12, "target"),
        ("smoking_prevalence", date(2030, 12, 31), 0.05, "ambition"),
        ("early_diagnosis_stage_1_2", date(2028, 12, 31), 0.75, "ambition"),
        ("breast_screening_coverage", date(2024, 12, 31), 0.70, "acceptable"),
        ("cervical_screening_coverage_25_49", date(2024, 12, 31), 0.80, "acceptable"),
        ("bowel_screening_coverage", date(2024, 12, 31), 0.55, "acceptable"),
    ],
)
def test_targets_in_force(iid, on, value, kind):
    t = target_in_force(get_indicator(iid), on)
    assert (t.value, t.kind) == (value, kind)


@pytest.mark.parametrize(("iid", "value"), [("breast_screening_coverage", 0.80), ("bowel_screening_coverage", 0.60)])
def test_achievable_screening_thresholds(iid, value):
    t = target_in_force(get_indicator(iid), date(2024, 12, 31), ("achievable",))
    assert t.value == value
    assert t.confidence == "unverified"


def test_no_target_after_the_last_one_ends():
    assert target_in_force(get_indicator("early_diagnosis_stage_1_2"), date(2029, 12, 31)) is None
    assert target_in_force(get_indicator("cpes_overall_rating"), date(2024, 12, 31)) is None


def test_unknown_indicator_names_the_valid_ids():
    with pytest.raises(UnknownIndicator, match="unknown indicator 'nope': use one of smoking_prevalence"):
        get_indicator("nope")


def _broken(mutate) -> list[str]:
    raw = copy.deepcopy(_raw())
    mutate(raw)
    return _problems(raw)


def test_missing_definition_fails():
    def mutate(raw):
        del raw["indicators"]["obesity_prevalence"]["definition"]

    assert _broken(mutate) == ["obesity_prevalence: definition is missing"]


def test_missing_source_fails():
    def mutate(raw):
        raw["indicators"]["obesity_prevalence"]["source"] = ""

    assert _broken(mutate) == ["obesity_prevalence: source is missing"]


def test_unknown_source_fails():
    def mutate(raw):
        raw["indicators"]["early_diagnosis_stage_1_2"]["targets"][0]["source"] = "a_blog"

    assert _broken(mutate) == ["early_diagnosis_stage_1_2: ambition 0.75: source 'a_blog' not in [sources]"]


def test_overlapping_targets_fail():
    def mutate(raw):
        raw["indicators"]["smoking_prevalence"]["targets"][1]["effective_from"] = "2020-06-01"

    assert _broken(mutate) == ["smoking_prevalence: target targets overlap from 2020-06-01"]


def test_open_ended_target_followed_by_another_overlaps():
    def mutate(raw):
        del raw["indicators"]["smoking_prevalence"]["targets"][0]["effective_to"]

    assert _broken(mutate) == ["smoking_prevalence: target targets overlap from 2021-01-01"]


def test_percentages_are_refused_as_proportions():
    def mutate(raw):
        raw["indicators"]["early_diagnosis_stage_1_2"]["targets"][0]["value"] = 75

    assert _broken(mutate) == ["early_diagnosis_stage_1_2: ambition 75.0: not a proportion (write 75% as 0.75)"]


def test_bad_enums_and_rules_fail():
    def mutate(raw):
        ind = raw["indicators"]
        ind["obesity_prevalence"]["polarity"] = "up"
        ind["cpes_overall_rating"]["ci_method"] = "wilson"
        ind["usc_referral_rate"]["targets"] = [
            {"kind": "target", "value": 1, "effective_from": "2020-01-01", "source": "ndrs", "confidence": "V-doc"}
        ]

    assert _broken(mutate) == [
        "obesity_prevalence: polarity 'up' is not one of increase, decrease, neutral",
        "usc_referral_rate: a neutral indicator cannot have targets",
        "cpes_overall_rating: a Wilson interval needs a proportion, not 'mean_score'",
    ]


def test_one_fingertips_stratum_feeds_one_indicator():
    def mutate(raw):
        raw["indicators"]["obesity_prevalence"]["fingertips"] = copy.deepcopy(
            raw["indicators"]["smoking_prevalence"]["fingertips"]
        )

    assert _broken(mutate) == [
        "obesity_prevalence: Fingertips 92443 (Persons, 18+ yrs) also maps to smoking_prevalence"
    ]
