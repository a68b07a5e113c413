"""Ibis expressions that bucket a month date into NHS financial periods."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cancerwatch.errors import UsageError


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
