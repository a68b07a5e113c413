"""Every standard at every organisation level and period from record-level facts, in one expression.

``metrics.performance.metric_counts`` answers one standard at one level; a trust or Alliance that has
just computed its record-level facts wants all of them (FDS, 31-day, 62-day × national, region,
Alliance, ICB, sub-ICB, provider × month). Asking ``metric_counts`` thirty times reads the facts
thirty times at their finest grain (route × tumour group × modality). Here the facts of each basis
are first summed to the grain every level is built from (standard × month × organisation, headline
breakdowns only: each patient once), and every level is rolled up from that small table with the
same roll-up rule (``metrics.performance.attach_level``: the organisation structure valid in each
month, ``UNMAPPED`` for organisations with no parent). The figures equal ``metric_counts``'s.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.organisations import levels_for_basis
from cancerwatch.metrics.pathways.clocks import RECORD_STANDARDS
from cancerwatch.metrics.pathways.record_facts import BASES
from cancerwatch.metrics.performance import attach_level
from cancerwatch.metrics.periods import period_start_expr

LEVEL_COLUMNS = (
    "standard",
    "basis",
    "level",
    "period_start",
    "unit_code",
    "total",
    "within_standard",
    "breaches",
)


def level_combinations() -> list[tuple[str, str]]:
    """Every (basis, level) a standard can be shown at: provider and commissioner bases."""
    return [(basis, level) for basis in BASES for level in levels_for_basis(basis)]


def organisation_cube(facts: ir.Table, basis: str, standards: tuple[str, ...] = RECORD_STANDARDS) -> ir.Table:
    """Facts of ``basis`` summed per standard × month × organisation, each patient counted once.

    Headline figures use every breakdown but ``modality`` (the provider extract repeats 31- and
    62-day pathways by cancer type and by modality; docs/cwt-rules.md, double counting), as ``standard_facts`` does.
    """
    f = facts.filter(facts.basis == basis, facts.breakdown != "modality", facts.standard.isin(standards))
    return f.group_by(["standard", "period", "org_code"]).aggregate(
        total=f.total.sum(), within_standard=f.within_standard.sum()
    )


def level_counts(
    facts: ir.Table, rollup: ir.Table, *, period: str = "month", standards: tuple[str, ...] = RECORD_STANDARDS
) -> ir.Table:
    """Counts (``LEVEL_COLUMNS``) of every standard × (basis, level) × period from facts rows.

    ``facts`` has the ``FACT_COLUMNS`` of ``record_facts`` (its output, or the current record-level
    rows of the warehouse's ``facts``); ``rollup`` is ``org_rollup``.
    """
    parts = []
    for basis in BASES:
        cube = organisation_cube(facts, basis, standards)
        for level in levels_for_basis(basis):
            t = attach_level(cube, rollup, level=level, basis=basis)
            t = t.mutate(period_start=period_start_expr(t.period, period))
            g = t.group_by(["standard", "period_start", "unit_code"]).aggregate(
                total=t.total.sum(), within_standard=t.within_standard.sum()
            )
            g = g.mutate(basis=ibis.literal(basis), level=ibis.literal(level), breaches=g.total - g.within_standard)
            # The same (nullable) key types in every part, whatever the source table declares.
            keys = {"standard": "string", "basis": "string", "level": "string", "unit_code": "string"}
            parts.append(g.select(*LEVEL_COLUMNS).cast({**keys, "period_start": "date"}))
    return ibis.union(*parts)
