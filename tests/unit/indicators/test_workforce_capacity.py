"""Workforce feeds capacity: staff in post × sessions × productivity → tests a week."""

from __future__ import annotations

import pytest

from cancerwatch.errors import UsageError
from cancerwatch.indicator_queries import staff_in_post
from cancerwatch.planning.workforce_capacity import weekly_capacity


def test_worked_example():
    # 12 FTE × 4 sessions a week each × 10 patients a session = 480 tests a week (gross)
    assert weekly_capacity(12, 4, 10) == 480.0
    # working 42 weeks in 52: 480 × 42/52 = 387.69
    assert weekly_capacity(12, 4, 10, availability=42 / 52) == pytest.approx(387.6923, abs=1e-4)


def test_from_the_workforce_statistics(indicator_db):
    """Mersey and West Lancashire, diagnostic radiographers, March 2024: 43.0 planned FTE, 4.5 vacant,
    so 38.5 FTE in post; at 6 scanning sessions a week each and 10 patients a session, 2,310 scans a week."""
    fte = staff_in_post(indicator_db, "diagnostic_radiographer_vacancy_rate", "RBN")
    assert fte == 38.5
    assert weekly_capacity(fte, 6, 10) == pytest.approx(2310.0)


def test_staff_in_post_rolls_up(indicator_db):
    assert staff_in_post(indicator_db, "cns_vacancy_rate", "E56000005", level="alliance") == 61.0  # 45 + 16


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((-1, 4, 10), {}, "staff_in_post_fte must be a finite number, 0 or more"),
        ((12, float("nan"), 10), {}, "sessions_per_week_per_fte must be a finite number"),
        ((12, 4, 10), {"availability": 1.2}, "availability is a share of weeks, 0 to 1"),
    ],
)
def test_bad_inputs(args, kwargs, message):
    with pytest.raises(UsageError, match=message):
        weekly_capacity(*args, **kwargs)


def test_no_staff_no_capacity():
    assert weekly_capacity(0, 4, 10) == 0.0
