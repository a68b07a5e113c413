"""NHS financial periods."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.errors import UsageError
from cancerwatch.periods import parse_fy, parse_month, period_label, period_start, quarter_of


@pytest.mark.parametrize(
    ("d", "period", "start", "label"),
    [
        (date(2023, 4, 15), "month", date(2023, 4, 1), "2023-04"),
        (date(2023, 4, 1), "quarter", date(2023, 4, 1), "2023/24 Q1"),
        (date(2023, 6, 30), "quarter", date(2023, 4, 1), "2023/24 Q1"),
        (date(2023, 12, 1), "quarter", date(2023, 10, 1), "2023/24 Q3"),
        (date(2024, 3, 31), "quarter", date(2024, 1, 1), "2023/24 Q4"),
        (date(2024, 3, 31), "year", date(2023, 4, 1), "2023/24"),
        (date(2024, 4, 1), "year", date(2024, 4, 1), "2024/25"),
        (date(1999, 5, 1), "year", date(1999, 4, 1), "1999/00"),
    ],
)
def test_period_start_and_label(d, period, start, label):
    assert period_start(d, period) == start
    assert period_label(start, period) == label


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_quarter_contains_date_and_is_three_months(d):
    start = period_start(d, "quarter")
    assert start <= d
    assert (d.year * 12 + d.month) - (start.year * 12 + start.month) < 3
    assert quarter_of(start) == quarter_of(d)
    assert period_start(start, "year") == period_start(d, "year")


def test_parse_month_and_fy():
    assert parse_month("2023-10") == date(2023, 10, 1)
    assert parse_fy("2023/24") == date(2023, 4, 1)
    for bad in ("2023-13", "Oct 2023", "", "0000-01", "9999-12"):
        with pytest.raises(UsageError):
            parse_month(bad)
    for bad in ("2023/25", "0000/01"):
        with pytest.raises(UsageError):
            parse_fy(bad)
