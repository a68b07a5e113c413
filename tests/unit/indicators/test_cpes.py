"""The NCPES reader: the overall-rating question by text, levels, suppressed scores kept as holes."""

from __future__ import annotations

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files

from .conftest import DATA, quarantine

FILE = DATA / "cpes_results.csv"


def test_loads_and_quarantines_with_reasons(geo_warehouse):
    [r] = load_files(geo_warehouse, [FILE])
    assert (r.kind, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("cpes", 10, 6, 4)
    assert quarantine(geo_warehouse, FILE.name) == [
        (8, "Score", "no score published (15 respondents; small numbers are suppressed)"),
        (9, "Question text", "not used: question 'Q12' is not a catalogue indicator"),
        (10, "Score", "Score 11.2 is outside 0–10 for cpes_overall_rating"),
        (11, "Level", "Level 'Region' is not one of National, Cancer Alliance, ICB, Trust"),
    ]


def test_question_numbers_may_change_between_years(geo_warehouse):
    load_files(geo_warehouse, [FILE])
    rows = geo_warehouse.execute(
        """SELECT period_start, org_level, org_code, numerator, denominator, value, ci_low, ci_high
           FROM indicator_values WHERE org_level = 'national' ORDER BY period_start"""
    ).fetchall()
    assert [(r[0].year, r[1:]) for r in rows] == [
        (2022, ("national", "ENG", None, 61268.0, 8.89, 8.88, 8.9)),  # Q61 in 2022
        (2023, ("national", "ENG", None, 63500.0, 8.88, 8.87, 8.89)),  # Q59 in 2023
    ]


def test_missing_column(geo_warehouse):
    with pytest.raises(InputError) as err:
        load_files(geo_warehouse, [DATA / "cpes_missing_score.csv"])
    assert str(err.value).startswith("cpes_missing_score.csv, row 1, column 'Score': missing column 'Score' (expected")
