"""The Fingertips reader: one stratum, NHS geographies only, percentages as proportions, holes kept
as holes, duplicates refused, malformed files refused with one clear line."""

from __future__ import annotations

import csv

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files, parse_file

from .conftest import DATA, quarantine

FILE = DATA / "fingertips_all_data.csv"


def test_detected_as_fingertips():
    parsed = parse_file(FILE)
    assert parsed.kind == "fingertips"
    assert parsed.rows_read == 19
    assert parsed.rows_loaded == 10


def test_quarantine_reasons(geo_warehouse):
    [r] = load_files(geo_warehouse, [FILE])
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (19, 10, 9)
    assert quarantine(geo_warehouse, FILE.name) == [
        (6, "Sex", "not used: stratum Male, 18+ yrs (the catalogue loads Persons, 18+ yrs)"),
        (
            7,
            "Category Type",
            "not used: inequality breakdown (Category Type 'County & UA deprivation deciles in England "
            "(IMD2019, 4/21 geog.)'); cancerwatch loads the whole-population row",
        ),
        (
            9,
            "Area Code",
            "not used: area E12000002 (Region) is not an NHS geography cancerwatch reports on "
            "(E92 England, E40 NHS region, E56 Cancer Alliance, E54 ICB, E38 sub-ICB)",
        ),
        (
            11,
            "Area Code",
            "duplicate of row 10 (same indicator, area and period; Fingertips lists an area once under each parent)",
        ),
        (
            14,
            "Area Code",
            "not used: area E09000001 (Districts & UAs (from Apr 2023)) is not an NHS geography cancerwatch "
            "reports on (E92 England, E40 NHS region, E56 Cancer Alliance, E54 ICB, E38 sub-ICB)",
        ),
        (
            15,
            "Time period",
            "not used: Time period '2018 - 20' is 3-year pooled (calendar years); "
            "smoking_prevalence is a calendar-year series",
        ),
        (18, "Value", "no value published (Value note: 'Value suppressed for disclosure control due to small count')"),
        (19, "Indicator ID", "not used: Fingertips indicator 90000 is not in the indicator catalogue"),
        (
            20,
            "Indicator Name",
            "Indicator Name 'Hip fractures in people aged 65 and over' does not match catalogue indicator "
            "breast_screening_coverage (pattern '(?i)breast'): check the Fingertips id in indicators.toml",
        ),
    ]


def test_values_are_proportions_and_england_is_eng(geo_warehouse):
    load_files(geo_warehouse, [FILE])
    rows = geo_warehouse.execute(
        """SELECT org_code, org_level, numerator, denominator, value, ci_low, ci_high FROM indicator_values
           WHERE indicator_id = 'smoking_prevalence' AND period_start = DATE '2022-01-01' ORDER BY org_code"""
    ).fetchall()
    assert rows == [
        ("E40000010", "region", None, None, 0.142, 0.135, 0.149),
        ("E54000008", "icb", None, None, 0.119, 0.106, 0.132),
        ("E54000057", "icb", None, None, 0.1, 0.09, 0.11),
        ("E54000061", "icb", None, None, 0.158, 0.141, 0.175),
        ("ENG", "national", 5600000.0, 44094000.0, 0.127, 0.124, 0.13),
    ]


def test_bad_rows_are_quarantined_with_reasons(geo_warehouse):
    f = DATA / "fingertips_bad_rows.csv"
    [r] = load_files(geo_warehouse, [f])
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (7, 0, 7)
    assert quarantine(geo_warehouse, f.name) == [
        (2, "Value", "Value 'n/a' is not a number"),
        (3, "Lower CI 95.0 limit", "Lower CI 95.0 limit 14 is above the value 13"),
        (4, "Count", "Count 61 exceeds Denominator 60"),
        (5, "Time period", "Time period '2022 Q5' is not a recognised Fingertips period label"),
        (6, "Indicator ID", "Indicator ID 'abc' is not a whole number"),
        (7, "Value", "Value 140 is not a percentage (0–100)"),
        (8, "Upper CI 95.0 limit", "only one confidence limit is given"),
    ]


def test_missing_column_is_one_clear_line(geo_warehouse):
    with pytest.raises(InputError) as err:
        load_files(geo_warehouse, [DATA / "fingertips_missing_value_column.csv"])
    assert str(err.value) == (
        "fingertips_missing_value_column.csv, row 1, column 'Value': missing column 'Value' "
        "(expected the Fingertips all_data CSV layout: Indicator ID, Indicator Name, Area Code, Area Type, Sex, "
        "Age, Category Type, Time period, Value, Lower CI 95.0 limit, Upper CI 95.0 limit, Count, Denominator, "
        "Value note)"
    )


def test_a_malformed_file_loads_nothing_from_the_batch(geo_warehouse):
    before = geo_warehouse.execute("SELECT count(*) FROM sources").fetchone()[0]
    with pytest.raises(InputError):
        load_files(geo_warehouse, [FILE, DATA / "fingertips_missing_value_column.csv"])
    assert geo_warehouse.execute("SELECT count(*) FROM sources").fetchone()[0] == before
    assert geo_warehouse.execute("SELECT count(*) FROM indicator_values").fetchone()[0] == 0


def test_title_lines_above_the_header_are_skipped(geo_warehouse, tmp_path):
    f = tmp_path / "with_title.csv"
    f.write_text("Fingertips export\n\n" + FILE.read_text("utf-8"), encoding="utf-8")
    [r] = load_files(geo_warehouse, [f])
    assert (r.rows_read, r.rows_loaded) == (19, 10)
    assert quarantine(geo_warehouse, f.name)[0][0] == 8  # row numbers are the file's own


def test_a_later_download_supersedes_and_keeps_the_old_figures(geo_warehouse, tmp_path):
    load_files(geo_warehouse, [FILE])
    revised = tmp_path / "fingertips_revised.csv"
    with FILE.open(encoding="utf-8") as src, revised.open("w", newline="", encoding="utf-8") as dst:
        rows = list(csv.reader(src))
        rows[4][12] = "12.9"  # England smoking 2022, revised
        csv.writer(dst, lineterminator="\n").writerows(rows[:5])
    [r] = load_files(geo_warehouse, [revised])
    assert r.superseded == 4
    current = geo_warehouse.execute(
        """SELECT value FROM indicator_values WHERE indicator_id = 'smoking_prevalence' AND org_code = 'ENG'
           AND period_start = DATE '2022-01-01' AND superseded_by IS NULL"""
    ).fetchall()
    assert current == [(0.129,)]
    kept = geo_warehouse.execute("SELECT count(*) FROM indicator_values WHERE superseded_by IS NOT NULL").fetchone()
    assert kept == (4,)
