"""The standards catalogue: complete, consistent, and looked up by date."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.catalogue.standards import (
    Standard,
    Threshold,
    ambition_for,
    get_standard,
    standards,
    threshold_in_force,
    validate_catalogue,
)
from cancerwatch.errors import UnknownStandard

CLI_STANDARDS = [
    "fds",
    "31d",
    "62d",
    "2ww",
    "2ww_breast",
    "31d_first",
    "31d_sub_surgery",
    "31d_sub_drugs",
    "31d_sub_radiotherapy",
    "62d_gp",
    "62d_screening",
    "62d_upgrade",
    "usc_foa",
    "ubs_fha",
]


def test_catalogue_has_every_cli_standard():
    assert list(standards()) == CLI_STANDARDS


@pytest.mark.parametrize("sid", CLI_STANDARDS)
def test_every_standard_is_documented(sid):
    s = get_standard(sid)
    assert s.name and s.clock_start and s.clock_stop and s.routes and s.components
    assert s.improvement_direction == "increase"
    for t in s.thresholds:
        assert t.source and t.confidence


@pytest.mark.parametrize(
    ("sid", "value"),
    [
        ("2ww", 0.93),
        ("2ww_breast", 0.93),
        ("31d_first", 0.96),
        ("31d_sub_surgery", 0.94),
        ("31d_sub_drugs", 0.98),
        ("31d_sub_radiotherapy", 0.94),
        ("62d_gp", 0.85),
        ("62d_screening", 0.90),
    ],
)
def test_legacy_thresholds_until_september_2023(sid, value):
    assert threshold_in_force(sid, date(2023, 9, 30)) == value
    assert threshold_in_force(sid, date(2023, 10, 1)) is None


def test_consultant_upgrade_has_no_threshold():
    assert threshold_in_force("62d_upgrade", date(2020, 1, 1)) is None


@pytest.mark.parametrize(
    ("on", "expected"),
    [(date(2021, 9, 30), None), (date(2021, 10, 1), 0.75), (date(2026, 3, 1), 0.75)],
)
def test_fds_threshold_boundaries(on, expected):
    """75% from Q3 2021/22 (national time series header)."""
    assert threshold_in_force("fds", on) == expected


def test_consolidated_thresholds_from_october_2023():
    assert threshold_in_force("31d", date(2023, 10, 1)) == 0.96
    assert threshold_in_force("62d", date(2023, 10, 1)) == 0.85


@pytest.mark.parametrize(
    ("sid", "on", "expected"),
    [
        ("fds", date(2024, 3, 31), None),
        ("fds", date(2024, 4, 1), (0.77, date(2025, 3, 1))),
        ("fds", date(2025, 3, 31), (0.77, date(2025, 3, 1))),
        ("fds", date(2025, 4, 1), (0.80, date(2026, 3, 1))),
        ("62d", date(2025, 1, 1), (0.70, date(2025, 3, 1))),
        ("62d", date(2026, 3, 1), (0.75, date(2026, 3, 1))),
        ("62d", date(2026, 4, 1), None),
    ],
)
def test_ambitions(sid, on, expected):
    assert ambition_for(sid, on) == expected


def test_unknown_standard_names_the_valid_ones():
    with pytest.raises(UnknownStandard, match="use one of fds, 31d, 62d"):
        get_standard("2week")


def _std(thresholds):
    base = get_standard("fds")
    return {"x": Standard(**{**base.__dict__, "id": "x", "thresholds": tuple(thresholds)})}


def test_validation_catches_overlapping_operational_thresholds():
    a = Threshold("operational", 0.9, date(2020, 1, 1), None, "cwt_guidance_v12_1", "V-doc")
    b = Threshold("operational", 0.8, date(2021, 1, 1), None, "cwt_guidance_v12_1", "V-doc")
    problems = validate_catalogue(
        _std([a, b]), {"cwt_guidance_v12_1": "", "national_series": "", "crs_consultation": ""}
    )
    assert any("overlap" in p for p in problems)


def test_validation_catches_unknown_source_and_bad_value():
    a = Threshold("operational", 85, date(2020, 1, 1), None, "nowhere", "V-doc")
    problems = validate_catalogue(_std([a]), {"cwt_guidance_v12_1": ""})
    assert any("not a proportion" in p for p in problems)
    assert any("'nowhere'" in p for p in problems)
