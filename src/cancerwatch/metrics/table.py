"""The performance table: one expression gives every field of a metric row that is a rule.

For one standard at a level and period it yields, per ``period_start`` × ``unit_code`` (× the
breakdown value): the summed counts, ``performance``, the threshold in force (joined from the
catalogue's threshold table, :mod:`.thresholds`), ``met``, the planning ambition, England's
performance in the same period, and the rank among peers. It runs on any Ibis backend (DuckDB
or PySpark), so every engine gives the same rows. Rules:

- counts are summed over months, never percentages averaged (:mod:`.performance`);
- national figures for months (or quarters and years) that no loaded extract covers come from
  NHS England's national time series as published (``source = national_series``);
- a quarter, year or rolling 12 months takes the threshold in force in every month it has
  figures for (``threshold_changed`` when they differ), and the ambition in force in its last
  month; ``met`` is performance ≥ threshold, empty when there is no single threshold;
- ``rolling12`` sums the 12 months ending in each month that has all 12 months;
- rank: 1 = best performance among organisations at the level in the same period (and
  breakdown), ties sharing a rank ("1224"), ``UNMAPPED`` and England not ranked; the rank is
  computed over every organisation before the ``org`` filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard
from cancerwatch.metrics.performance import as_standards, metric_counts, national_series_counts
from cancerwatch.metrics.periods import PERIOD_MONTHS, month_index, period_start_expr, shift_months
from cancerwatch.metrics.thresholds import period_threshold, threshold_stats, threshold_table
from cancerwatch.periods import add_months

ROLLING = "rolling12"
ROLLING_MONTHS = 12
COUNTS = ("total", "within_standard", "breaches")
STATS = ("months_with_threshold", "threshold_low", "threshold_high", "first_month", "last_month")


@dataclass(frozen=True)
class RowSpec:
    """The shape of the rows wanted (a validated query)."""

    level: str
    period: str
    basis: str
    dataset: str = "published"
    by: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    tumour_scheme: str = "as_published"
    org: str | None = None


def performance_table(
    tables: Mapping[str, ir.Table], standards: Standard | Sequence[Standard], spec: RowSpec
) -> ir.Table:
    """Every organisation's rows (see module doc), ordered by standard (``std``), period, breakdown and code.

    Several standards in one expression give each standard's rows exactly as it alone would (every
    join, window and rank is per ``std``); one expression costs one compilation."""
    standards = as_standards(standards)
    rows = _level_rows(tables, standards, spec)
    keys = _keys(spec)
    if spec.level == "national":
        rows = rows.mutate(england_performance=ibis.null("float64"))
    else:
        eng = _level_rows(tables, standards, replace(spec, level="national", org=None))
        eng = eng.select(*keys, england_performance=eng.performance)
        rows = rows.left_join(eng, keys)
    rows = _ranked(rows, keys)
    if spec.org:
        rows = rows.filter(rows.unit_code == spec.org)
    return rows.order_by([*keys, rows.unit_code == UNMAPPED_CODE, "unit_code"])


def _keys(spec: RowSpec) -> list[str]:
    return ["std", "period_start", "by_value"] if spec.by else ["std", "period_start"]


def _level_rows(tables: Mapping[str, ir.Table], standards: Sequence[Standard], spec: RowSpec) -> ir.Table:
    """Counts, threshold, ambition and performance of every unit at ``spec.level``."""
    rolling = spec.period == ROLLING
    period = "month" if rolling else spec.period
    date_from = add_months(spec.date_from, 1 - ROLLING_MONTHS) if (rolling and spec.date_from) else spec.date_from
    by = ["by_value"] if spec.by else []
    counts = metric_counts(
        tables["facts"],
        tables["org_rollup"],
        standards,
        level=spec.level,
        period="month",
        basis=spec.basis,
        dataset=spec.dataset,
        by=spec.by,
        date_from=date_from,
        date_to=spec.date_to,
        tumour_scheme=spec.tumour_scheme,
        tumour_map=tables["tumour_map"],
    )
    ids = [s.id for s in standards]
    monthly = counts.select(
        std=counts.std,
        month=counts.period_start,
        unit_code=counts.unit_code,
        **{c: counts[c] for c in (*by, *COUNTS)},
        source=ibis.literal(spec.dataset),
    )
    series = spec.level == "national" and spec.by is None and spec.dataset == "published"
    if series and period == "month":  # months no extract covers, as NHS England published them
        s = national_series_counts(
            tables["national_series"], ids, period="month", date_from=date_from, date_to=spec.date_to
        )
        s = s.anti_join(monthly, [s.std == monthly.std, s.period_start == monthly.month])
        extra = s.select(
            std=s.std,
            month=s.period_start,
            unit_code=s.unit_code,
            **{c: s[c] for c in COUNTS},
            source=ibis.literal("national_series"),
        )
        monthly = monthly.union(extra.cast(monthly.schema()))
    thresholds = threshold_table(ids)
    monthly = monthly.left_join(thresholds.select("std", "month", "threshold"), ["std", "month"])
    if rolling:
        rows = _rolling(monthly, by, spec.date_from)
    else:
        start = period_start_expr(monthly.month, period)
        rows = monthly.group_by(["std", start.name("period_start"), "unit_code", *by, "source"]).aggregate(
            **{c: monthly[c].sum() for c in COUNTS},
            months=monthly.month.nunique(),
            **threshold_stats(monthly.threshold, monthly.month),
        )
        if series and period != "month":  # quarters and years as NHS England published them
            published = _published_periods(tables, ids, thresholds, period, rows, date_from, spec.date_to)
            rows = rows.union(published.cast(rows.schema()))
    return _judged(rows, thresholds, PERIOD_MONTHS.get(period, ROLLING_MONTHS))


def _published_periods(
    tables: Mapping[str, ir.Table],
    ids: Sequence[str],
    thresholds: ir.Table,
    period: str,
    covered: ir.Table,
    date_from: date | None,
    date_to: date | None,
) -> ir.Table:
    """National quarters or years that no extract covers, with the thresholds of all their months."""
    s = national_series_counts(tables["national_series"], ids, period=period, date_from=date_from, date_to=date_to)
    s = s.anti_join(covered, [s.std == covered.std, s.period_start == covered.period_start])
    per_period = thresholds.group_by("std", period_start_expr(thresholds.month, period).name("period_start")).aggregate(
        calendar_months=thresholds.month.count(), **threshold_stats(thresholds.threshold, thresholds.month)
    )
    s = s.left_join(per_period, ["std", "period_start"])
    return s.select(
        "std",
        "period_start",
        "unit_code",
        source=ibis.literal("national_series"),
        **{c: s[c] for c in COUNTS},
        months=s.calendar_months.cast("int64"),
        **{c: s[c] for c in STATS},
    )


def _rolling(monthly: ir.Table, by: list[str], date_from: date | None) -> ir.Table:
    """Sums over the 12 months ending in each month that has all 12 (consecutive) months."""
    w = ibis.window(group_by=["std", "unit_code", *by], order_by="month", preceding=ROLLING_MONTHS - 1, following=0)
    index = month_index(monthly.month)
    t = monthly.mutate(
        _index=index,
        _count=monthly.month.count().over(w),
        _first=index.min().over(w),
        **{c: monthly[c].sum().over(w) for c in COUNTS},
        months_with_threshold=monthly.threshold.count().over(w),
        threshold_low=monthly.threshold.min().over(w),
        threshold_high=monthly.threshold.max().over(w),
        first_month=monthly.month.min().over(w),
        last_month=monthly.month,
    )
    t = t.filter(t._count == ROLLING_MONTHS, t._first == t._index - (ROLLING_MONTHS - 1))
    if date_from is not None:
        t = t.filter(t.last_month >= date_from)
    return t.select(
        std=t.std,
        period_start=t.first_month,
        unit_code=t.unit_code,
        **{c: t[c] for c in by},
        source=t.source,
        **{c: t[c] for c in COUNTS},
        months=ibis.literal(ROLLING_MONTHS, "int64"),
        **{c: t[c] for c in STATS},
    )


def _judged(rows: ir.Table, thresholds: ir.Table, period_months: int) -> ir.Table:
    """Add the period's threshold, ambition (in force in its last month), performance and met."""
    rows = rows.mutate(**period_threshold(rows, rows.months), _end=shift_months(rows.period_start, period_months - 1))
    ambitions = thresholds.select(
        _std=thresholds.std,
        _month=thresholds.month,
        ambition=thresholds.ambition,
        ambition_month=thresholds.ambition_month,
    )
    rows = rows.left_join(ambitions, [rows.std == ambitions._std, rows._end == ambitions._month])
    rows = rows.drop("_end", "_std", "_month")
    total = rows.total.cast("float64")
    performance = ibis.ifelse(total > 0, rows.within_standard.cast("float64") / total, ibis.null("float64"))
    rows = rows.mutate(performance=performance)
    met = ibis.ifelse(
        rows.performance.notnull() & rows.threshold.notnull(), rows.performance >= rows.threshold, ibis.null("boolean")
    )
    return rows.mutate(met=met)


def _ranked(rows: ir.Table, keys: list[str]) -> ir.Table:
    """Add ``rank`` (1 = best) and ``peers`` among the ranked organisations of each period."""
    eligible = (rows.unit_code != UNMAPPED_CODE) & (rows.unit_code != NATIONAL_CODE) & rows.performance.notnull()
    rows = rows.mutate(_ranked=eligible)
    group = ibis.window(group_by=[*keys, "_ranked"])
    ordered = ibis.window(group_by=[*keys, "_ranked"], order_by=ibis.desc("performance"))
    rows = rows.mutate(
        rank=ibis.ifelse(rows._ranked, (ibis.rank().over(ordered) + 1).cast("int64"), ibis.null("int64")),
        peers=ibis.ifelse(rows._ranked, rows.unit_code.count().over(group).cast("int64"), ibis.null("int64")),
    )
    return rows.drop("_ranked")
