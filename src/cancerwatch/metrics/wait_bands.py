"""The published distribution of waits in day bands, at every level, as Ibis expressions.

The monthly workbooks give, for every organisation, how many patients were told their diagnosis
(FDS) or treated (31 and 62 days) or seen (first appointments) within each band of days
(``ingest.readers.cwt_workbook``). Rules:

- Only current figures count (the vintage rules of ``ingest.vintages``).
- The distribution of all patients comes from the all-cancers, all-routes rows (``breakdown``
  ``all``, route empty) for FDS, 31 and 62 days; the first-appointment measures have no such rows,
  so their distribution is the sum of their rows by suspected cancer. ``by_route`` gives the
  distribution per route (62 days: referral route; 31 days: first or subsequent treatment).
- Bands are summed, never shares averaged; roll-ups use the organisation structure valid in each
  month (``org_rollup``), as every other figure does.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from cancerwatch.metrics.performance import attach_level
from cancerwatch.metrics.periods import period_start_expr

#: Standards whose distribution is the sum of their rows by suspected cancer (no all-cancers row).
SUMMED_BREAKDOWN = {"usc_foa": "cancer_type", "ubs_fha": "cancer_type"}


def band_counts(
    bands: ir.Table,
    defs: ir.Table,
    rollup: ir.Table,
    standard: str,
    *,
    level: str,
    basis: str,
    period: str = "month",
    by_route: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ir.Table:
    """Patients per period × organisation at ``level`` (× route) × band, with the band's days."""
    t = bands.filter(bands.superseded_by.isnull(), bands.standard == standard, bands.basis == basis)
    breakdown = SUMMED_BREAKDOWN.get(standard)
    if breakdown is not None:
        t = t.filter(t.breakdown == breakdown)
    else:
        t = t.filter(t.breakdown == "all")
        t = t.filter(t.route.notnull() if by_route else t.route.isnull())
    if date_from is not None:
        t = t.filter(t.period >= date_from)
    if date_to is not None:
        t = t.filter(t.period <= date_to)
    t = attach_level(t, rollup, level=level, basis=basis)
    t = t.mutate(period_start=period_start_expr(t.period, period), route=t.route if by_route else ibis.null("string"))
    t = t.mutate(patients=t.patients.unnest(), i=ibis.range(1, t.patients.length() + 1).unnest())
    d = defs.filter(defs.standard == standard)
    t = t.join(d, [t.source_id == d.source_id, t.i == d.i]).select(
        "period_start", "period", "unit_code", "route", "patients", d.band, d.from_day, d.to_day
    )
    return t.group_by(["period_start", "unit_code", "route", "band", "from_day", "to_day"]).aggregate(
        patients=t.patients.sum(), months=t.period.nunique()
    )
