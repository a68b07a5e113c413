"""Ibis expressions that bucket a month date into NHS financial periods."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cancerwatch.errors import UsageError

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_start_expr(month: ir.DateValue, period: str) -> ir.DateValue:
    """First day of the month / financial quarter / financial year (April) of ``month``.

    Financial quarters start in April, July, October and January: the offset of a month into
    its quarter is ``(month + 8) mod 3``.
    """
    if period == "month":
        return month
    y, m = month.year(), month.month()
    if period == "quarter":
        return ibis.date(y, m - (m + 8) % 3, 1)
    if period == "year":
        return ibis.date(ibis.ifelse(m >= 4, y, y - 1), 4, 1)
    raise UsageError(f"unknown period {period!r}: use month, quarter or year")


def month_index(month: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0 (``year × 12 + month − 1``): consecutive months differ by one."""
    return month.year() * 12 + month.month() - 1


def month_of_index(index: ir.IntegerValue) -> ir.DateValue:
    """The first day of the month with :func:`month_index` ``index``."""
    return ibis.date(index // 12, index % 12 + 1, 1)


def shift_months(month: ir.DateValue, n: int) -> ir.DateValue:
    """``month`` moved by ``n`` months (first days of months)."""
    return month if n == 0 else month_of_index(month_index(month) + n)
