"""real_terms: cash × deflator(base) ÷ deflator(year), one vintage of the GDP deflator."""

from __future__ import annotations

import pytest

from cancerwatch.errors import NoData, UsageError
from cancerwatch.indicator_queries import real_terms

DEFLATOR = {"2011-12": 80.0, "2012-13": 84.0, "2022-23": 100.0}  # HM Treasury writes years with a hyphen


def test_worked_example():
    """Cash spend per head rose 5% (£100 → £105); prices rose 5% (80 → 84): real spend was flat.

    In 2022/23 prices: 100 × 100/80 = 125.00 and 105 × 100/84 = 125.00.
    """
    assert real_terms({"2011/12": 100.0, "2012/13": 105.0}, DEFLATOR, "2022/23") == {
        "2011/12": 125.0,
        "2012/13": 125.0,
    }


def test_base_year_inside_the_series():
    assert real_terms({"2011/12": 100.0}, DEFLATOR, "2012-13") == {"2011/12": pytest.approx(105.0)}


def test_missing_years():
    with pytest.raises(NoData, match="no GDP deflator for 2013/14: load a deflator series that covers it"):
        real_terms({"2013/14": 1.0}, DEFLATOR, "2022/23")
    with pytest.raises(NoData, match="no GDP deflator for the base year 2030/31"):
        real_terms({"2011/12": 1.0}, DEFLATOR, "2030/31")
    with pytest.raises(UsageError, match="'2012' is not a financial year"):
        real_terms({"2012": 1.0}, DEFLATOR, "2022/23")
