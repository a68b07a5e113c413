"""Cell parsing rules shared by every reader."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.ingest.values import ValueProblem, check_counts, month_from_fy, parse_count, parse_month_cell


@pytest.mark.parametrize(("text", "value"), [("47", 47.0), ("8.5", 8.5), ("1,234", 1234.0), (" 0 ", 0.0)])
def test_counts(text, value):
    assert parse_count(text, "TOTAL") == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "TOTAL is empty"),
        (None, "TOTAL is empty"),
        ("abc", "TOTAL 'abc' is not a number"),
        ("-1", "TOTAL -1 is negative"),
        ("2.25", "TOTAL 2.25 is not a whole or half patient count"),
        ("nan", "TOTAL 'nan' is not a finite number"),
        ("1e12", "TOTAL 1e+12 is implausibly large"),
    ],
)
def test_bad_counts(text, reason):
    with pytest.raises(ValueProblem, match=reason.replace("+", r"\+").replace("(", r"\(")):
        parse_count(text, "TOTAL")


def test_check_counts():
    assert check_counts(8.5, 5.5, 3.0) is None
    assert check_counts(5, 6, -1) == "WITHIN STANDARD 6 exceeds TOTAL 5"
    assert check_counts(5, 3, 1) == "BREACHES 1 is not TOTAL − WITHIN STANDARD (2)"


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2023-04-01 00:00:00", date(2023, 4, 1)),
        ("2023-04-01", date(2023, 4, 1)),
        ("45017", date(2023, 4, 1)),
        ("01/04/2023", date(2023, 4, 1)),
    ],
)
def test_period_cells(text, month):
    assert parse_month_cell(text, "PERIOD") == month


@pytest.mark.parametrize("text", ["2023-02-30", "soon", "", "1850-01-01"])
def test_bad_period_cells(text):
    with pytest.raises(ValueProblem):
        parse_month_cell(text, "PERIOD")


def test_month_from_financial_year():
    assert month_from_fy("JUL", 2023) == date(2023, 7, 1)
    assert month_from_fy("JAN", 2023) == date(2024, 1, 1)
