"""The thresholds of a standard as a small table the metric expressions join (built from the catalogue).

One row per calendar month: the operational threshold in force in that month (``threshold``,
null when none was set) and the planning ambition being worked towards (``ambition`` and its
target month ``ambition_month``), exactly as :func:`~cancerwatch.catalogue.standards.threshold_in_force`
and :func:`~cancerwatch.catalogue.standards.ambition_for` give them. Months run from January 2000
to December of the last year cancerwatch accepts, so every loadable month has its row.

A row that sums several months (a quarter, a year, a rolling 12 months) takes the threshold in
force in every month it has figures for; when those months differ (a threshold starts or ends
within the period) the row has no single threshold, and says so. Rule and reasons:
``docs/methods.md`` ("Thresholds of quarters and years").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cancerwatch.catalogue.standards import ambition_for, threshold_in_force
from cancerwatch.periods import MAX_YEAR, add_months

FIRST_MONTH = date(2000, 1, 1)
LAST_MONTH = date(MAX_YEAR, 12, 1)


@cache
def _months() -> tuple[date, ...]:
    out, cur = [], FIRST_MONTH
    while cur <= LAST_MONTH:
        out.append(cur)
        cur = add_months(cur, 1)
    return tuple(out)


@cache
def threshold_months(standard_id: str) -> pa.Table:
    """Arrow table ``month, threshold, ambition, ambition_month`` of one standard (see module doc)."""
    months = _months()
    thresholds = [threshold_in_force(standard_id, m) for m in months]
    ambitions = [ambition_for(standard_id, m) for m in months]
    return pa.table(
        {
            "month": pa.array(months, pa.date32()),
            "threshold": pa.array(thresholds, pa.float64()),
            "ambition": pa.array([a[0] if a else None for a in ambitions], pa.float64()),
            "ambition_month": pa.array([a[1] if a else None for a in ambitions], pa.date32()),
        }
    )


def threshold_table(standard_ids: Sequence[str]) -> ir.Table:
    """The month tables of :func:`threshold_months` of each standard, with ``std`` (joined on ``std, month``)."""
    ids = list(dict.fromkeys(standard_ids))
    parts = [threshold_months(i) for i in ids]
    stds = [pa.array([i] * len(t), pa.string()) for i, t in zip(ids, parts, strict=True)]
    table = pa.concat_tables(parts)
    return ibis.memtable(table.add_column(0, "std", pa.chunked_array(stds)))


def threshold_stats(threshold: ir.FloatingColumn, month: ir.DateColumn) -> dict[str, ir.Scalar]:
    """Aggregates over the months of a row that decide its threshold (see :func:`period_threshold`)."""
    return {
        "months_with_threshold": threshold.count(),
        "threshold_low": threshold.min(),
        "threshold_high": threshold.max(),
        "first_month": month.min(),
        "last_month": month.max(),
    }


def period_threshold(t: ir.Table, months: ir.IntegerValue) -> dict[str, ir.Value]:
    """``threshold`` and ``threshold_changed`` of rows carrying :func:`threshold_stats` columns.

    Rule: the threshold in force in every one of the row's ``months``; none when the months
    had different thresholds, or some had none, in which case ``threshold_changed`` is true
    (and false when no month had a threshold at all).
    """
    single = (t.months_with_threshold == months) & (t.threshold_low == t.threshold_high)
    return {
        "threshold": ibis.ifelse(single, t.threshold_low, ibis.null("float64")),
        "threshold_changed": (t.months_with_threshold > 0) & ~single,
    }
