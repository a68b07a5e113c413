"""The metric expression: counts of a standard at a level, period and breakdown.

Rules (docs/cwt-rules.md, double counting and headline figures):

- A standard is the union of its catalogue components (source standard, route and modality
  filters), so legacy standards are derived from the October 2023 extracts where they can be.
- The provider extract carries two overlapping breakdowns (cancer type at ALL MODALITIES,
  modality at ALL CANCERS). Headline figures use every breakdown except ``modality``; figures by
  modality, or for a modality-filtered component, use every breakdown except ``cancer_type``.
  Either way each patient is counted once.
- Roll-ups use the organisation structure valid in the month of each fact (``org_rollup``);
  organisations with no parent at the level go to ``UNMAPPED`` so that levels add up to England.
- Counts are summed, never percentages averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard
from cancerwatch.metrics.periods import period_start_expr

BY_COLUMNS = {"cancer_type": "cancer_type", "route": "route", "modality": "modality"}


def standard_facts(
    facts: ir.Table, standards: Standard | Sequence[Standard], *, basis: str, dataset: str, by: str | None = None
) -> ir.Table:
    """Current facts that make up each of ``standards`` on ``basis``, each patient counted once.

    Each row carries ``std``, the catalogue id of the standard it counts towards: one expression
    answers several standards (a fact can count towards more than one, e.g. 62d and 62d_gp)."""
    current = facts.filter(facts.superseded_by.isnull(), facts.dataset == dataset, facts.basis == basis)
    parts = []
    for standard in as_standards(standards):
        for comp in standard.components:
            t = current.filter(current.standard == comp.source_standard)
            if comp.routes:
                t = t.filter(t.route.isin(list(comp.routes)))
            if comp.modalities:
                t = t.filter(t.modality.isin(list(comp.modalities)))
            if comp.effective_from is not None:
                t = t.filter(t.period >= comp.effective_from)
            if comp.effective_to is not None:
                t = t.filter(t.period <= comp.effective_to)
            if comp.modalities or by == "modality":
                t = t.filter(t.breakdown != "cancer_type")
            else:
                t = t.filter(t.breakdown != "modality")
            parts.append(t.mutate(std=ibis.literal(standard.id)))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


def as_standards(standards: Standard | Sequence[Standard]) -> tuple[Standard, ...]:
    """One standard or several, as a tuple."""
    return (standards,) if isinstance(standards, Standard) else tuple(standards)


def attach_level(
    t: ir.Table, rollup: ir.Table, *, level: str, basis: str, code: str = "org_code", on: str = "period"
) -> ir.Table:
    """Add ``unit_code``: the organisation each row counts towards at ``level``.

    The one roll-up rule of every figure (CWT facts, indicators, record-level measures): the
    organisation ``code`` maps to its parent at ``level`` on ``basis`` through ``org_rollup`` as it
    stood on the row's date ``on``; a row with no parent there goes to ``UNMAPPED``.
    """
    if level == "national":
        return t.mutate(unit_code=ibis.literal(NATIONAL_CODE))
    if level == "provider":
        return t.mutate(unit_code=t[code])
    r = rollup.filter(rollup.basis == basis, rollup.level == level)
    r = r.select(_child=r.org_code, _parent=r.parent_code, _from=r.valid_from, _to=r.valid_to)
    joined = t.left_join(r, [t[code] == r._child, t[on] >= r._from, r._to.isnull() | (t[on] <= r._to)])
    return joined.mutate(unit_code=joined._parent.fill_null(UNMAPPED_CODE)).select(*t.columns, "unit_code")


def metric_counts(
    facts: ir.Table,
    rollup: ir.Table,
    standards: Standard | Sequence[Standard],
    *,
    level: str,
    period: str,
    basis: str,
    dataset: str = "published",
    by: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tumour_scheme: str = "as_published",
    tumour_map: ir.Table | None = None,
) -> ir.Table:
    """Summed counts per std × period_start × unit_code (× breakdown value) of each of ``standards``."""
    t = standard_facts(facts, standards, basis=basis, dataset=dataset, by=by)
    if tumour_scheme == "legacy" and tumour_map is not None:
        t = roll_up_tumour_groups(t, tumour_map)
    if date_from is not None:
        t = t.filter(t.period >= date_from)
    if date_to is not None:
        t = t.filter(t.period <= date_to)
    t = attach_level(t, rollup, level=level, basis=basis)
    t = t.mutate(period_start=period_start_expr(t.period, period))
    keys = ["std", "period_start", "unit_code"]
    if by:
        t = t.mutate(by_value=t[BY_COLUMNS[by]].fill_null("Not applicable"))
        keys.append("by_value")
    return t.group_by(keys).aggregate(
        total=t.total.sum(),
        within_standard=t.within_standard.sum(),
        breaches=t.breaches.sum(),
        months=t.period.nunique(),
        last_month=t.period.max(),
    )


TUMOUR_SCHEMES = ("as_published", "legacy")


def roll_up_tumour_groups(t: ir.Table, tumour_map: ir.Table) -> ir.Table:
    """Express October 2023 tumour groups in the April 2022 – September 2023 grouping.

    Source: NHS England technical note on tumour classifications (docs/cwt-rules.md, tumour classification): the new
    groups roll up many-to-one into the old ones; old groups are never split, so a series that
    crosses October 2023 is comparable only on the older, coarser grouping.
    """
    m = tumour_map.select(group_2023=tumour_map.group_2023, group_2022=tumour_map.group_2022).distinct()
    joined = t.left_join(m, [t.cancer_type == m.group_2023, t.tumour_scheme == "2023"])
    return joined.mutate(
        cancer_type=joined.group_2022.fill_null(joined.cancer_type),
        tumour_scheme=ibis.ifelse(joined.group_2022.isnull(), joined.tumour_scheme, "2022"),
    ).select(*t.columns)


def national_series_counts(
    series: ir.Table,
    standard_ids: Sequence[str],
    *,
    period: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ir.Table:
    """England counts as published in the national time series for this period type (``std``: the standard)."""
    t = series.filter(
        series.superseded_by.isnull(), series.standard.isin(list(standard_ids)), series.period_type == period
    )
    if date_from is not None:
        t = t.filter(t.period_start >= period_start_expr(ibis.literal(date_from), period))
    if date_to is not None:
        t = t.filter(t.period_start <= date_to)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    return t.select(
        std=t.standard,
        period_start=t.period_start,
        unit_code=ibis.literal(NATIONAL_CODE),
        total=t.total,
        within_standard=t.within_standard,
        breaches=t.breaches,
        months=ibis.literal(months),
    )
