"""The DM01 standard and test list: dated maximum shares, lower is better, kept apart from CWT."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from cancerwatch.catalogue.diagnostics import (
    cancer_pathway_tests,
    diagnostic_standards,
    diagnostic_test_name,
    diagnostic_tests,
    diagnostics_catalogue,
    meets,
    threshold_for,
    validate,
)
from cancerwatch.catalogue.standards import standards
from cancerwatch.cli.commands.standards import standard_rows


def test_the_tests_cancer_pathways_depend_on():
    names = {diagnostic_test_name(t) for t in cancer_pathway_tests()}
    assert names == {
        "Computed Tomography",
        "Magnetic Resonance Imaging",
        "Non-obstetric Ultrasound",
        "Colonoscopy",
        "Flexi Sigmoidoscopy",
        "Gastroscopy",
        "Cystoscopy",
    }
    assert len(diagnostic_tests()) == 15  # the 15 tests of the monthly DM01 return


def test_one_percent_standard_and_the_march_2025_ambition():
    assert threshold_for("dm01", date(2012, 3, 1)) is None
    assert threshold_for("dm01", date(2025, 7, 1)).value == 0.01
    ambition = threshold_for("dm01", date(2024, 8, 1), "ambition")
    assert (ambition.value, ambition.applies_to_month) == (0.05, date(2025, 3, 1))
    assert threshold_for("dm01", date(2025, 4, 1), "ambition") is None  # none set for 2025/26


def test_lower_is_better_met_at_or_below_the_threshold():
    assert diagnostic_standards()["dm01"].improvement_direction == "decrease"
    assert meets(0.01, 0.01, "decrease") is True
    assert meets(0.0101, 0.01, "decrease") is False
    assert meets(0.80, 0.75, "increase") is True  # the CWT rule, unchanged
    assert meets(None, 0.01, "decrease") is None


def test_validation_finds_a_wrong_direction_and_overlapping_thresholds():
    std, sources = diagnostics_catalogue()
    dm01 = std["dm01"]
    op = dm01.thresholds[0]
    bad = replace(dm01, improvement_direction="down", thresholds=(op, replace(op, effective_from=date(2020, 1, 1))))
    problems = validate({"dm01": bad}, sources)
    assert "dm01: improvement_direction 'down'" in problems
    assert "dm01: operational thresholds overlap at 2020-01-01" in problems


def test_cwt_code_paths_do_not_see_it_but_the_standards_listing_does():
    assert "dm01" not in standards()
    rows = [r for r in standard_rows() if r["standard"] == "dm01"]
    assert {(r["kind"], r["threshold"], r["improvement_direction"]) for r in rows} == {
        ("operational", 0.01, "decrease"),
        ("ambition", 0.05, "decrease"),
    }
