"""Record-level figures against NHS England's published ones, month by month and organisation.

A trust or Alliance computing the standards from its own pathways should get the figures NHS England
later publishes for the same months and organisations. Both sides are formed by the same metric
expression (``metrics.performance.metric_counts``), so the only differences are in the data: late
or amended records, pathways the other side does not hold (IPT partners' halves), or rules applied
differently. Only organisations that appear in the record-level figures are compared: a trust's
file says nothing about the rest of England.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.standards import Standard
from cancerwatch.metrics.performance import metric_counts

MATCH = "match"
DIFFERS = "differs"
MISSING_PUBLISHED = "missing_published"
MISSING_RECORD = "missing_record"

RECONCILE_COLUMNS = (
    "period_start",
    "standard",
    "org_code",
    "record_total",
    "published_total",
    "total_difference",
    "record_within",
    "published_within",
    "within_difference",
    "record_performance",
    "published_performance",
    "status",
)


def _side(facts, rollup, standard, dataset, prefix, **kw) -> ir.Table:
    t = metric_counts(facts, rollup, standard, period="month", dataset=dataset, **kw)
    return t.select(
        **{
            f"{prefix}_period": t.period_start,
            f"{prefix}_org": t.unit_code,
            f"{prefix}_total": t.total.cast("float64"),
            f"{prefix}_within": t.within_standard.cast("float64"),
        }
    )


def reconcile_counts(
    facts: ir.Table,
    rollup: ir.Table,
    standard: Standard,
    *,
    level: str,
    basis: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ir.Table:
    """One row per month × organisation (``RECONCILE_COLUMNS``) with both sides and their difference."""
    kw = {"level": level, "basis": basis, "date_from": date_from, "date_to": date_to}
    rec = _side(facts, rollup, standard, "record", "record", **kw)
    pub = _side(facts, rollup, standard, "published", "published", **kw)
    j = rec.outer_join(pub, [rec.record_period == pub.published_period, rec.record_org == pub.published_org])
    j = j.mutate(
        period_start=j.record_period.fill_null(j.published_period),
        org_code=j.record_org.fill_null(j.published_org),
    )
    j = j.filter(j.org_code.isin(rec.record_org))
    status = ibis.cases(
        (j.record_total.isnull(), MISSING_RECORD),
        (j.published_total.isnull(), MISSING_PUBLISHED),
        ((j.record_total == j.published_total) & (j.record_within == j.published_within), MATCH),
        else_=DIFFERS,
    )
    return j.select(
        period_start=j.period_start,
        standard=ibis.literal(standard.id),
        org_code=j.org_code,
        record_total=j.record_total,
        published_total=j.published_total,
        total_difference=j.record_total - j.published_total,
        record_within=j.record_within,
        published_within=j.published_within,
        within_difference=j.record_within - j.published_within,
        record_performance=j.record_within / j.record_total,
        published_performance=j.published_within / j.published_total,
        status=status,
    ).order_by(["period_start", "org_code"])
