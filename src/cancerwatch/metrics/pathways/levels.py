"""Every standard at every organisation level and period from record-level facts, in one expression.

``metrics.performance.metric_counts`` answers one standard at one level; a trust or Alliance that has
just computed its record-level facts wants all of them (FDS, 31-day, 62-day × national, region,
Alliance, ICB, sub-ICB, provider × month). Asking ``metric_counts`` thirty times reads the facts
thirty times at their finest grain (route × tumour group × modality). Here the facts are first
summed to the grain every level is built from (basis × standard × month × organisation, headline
breakdowns only: each patient once), and every level is rolled up from that small table in one
join and one aggregation, with the roll-up rule of ``metrics.performance.attach_level`` (the
organisation structure valid in each month, ``UNMAPPED`` for organisations with no parent). The
figures equal ``metric_counts``'s.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE, levels_for_basis
from cancerwatch.metrics.pathways.clocks import RECORD_STANDARDS
from cancerwatch.metrics.pathways.record_facts import BASES
from cancerwatch.metrics.periods import period_start_expr

#: The end of an organisation link with no ``valid_to`` (still valid).
OPEN_END = date(9999, 12, 31)

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


def organisation_cube(facts: ir.Table, basis: str | None, standards: tuple[str, ...] = RECORD_STANDARDS) -> ir.Table:
    """Facts of ``basis`` (every basis when None) summed per basis × standard × month × organisation,
    each patient counted once.

    Headline figures use every breakdown but ``modality`` (the provider extract repeats 31- and
    62-day pathways by cancer type and by modality; docs/record-level.md), as ``standard_facts`` does.
    """
    f = facts.filter(facts.breakdown != "modality", facts.standard.isin(standards))
    if basis is not None:
        f = f.filter(f.basis == basis)
    return f.group_by(["basis", "standard", "period", "org_code"]).aggregate(
        total=f.total.sum(), within_standard=f.within_standard.sum()
    )


def level_counts(
    facts: ir.Table, rollup: ir.Table, *, period: str = "month", standards: tuple[str, ...] = RECORD_STANDARDS
) -> ir.Table:
    """Counts (``LEVEL_COLUMNS``) of every standard × (basis, level) × period from facts rows.

    ``facts`` has the ``FACT_COLUMNS`` of ``record_facts`` (its output, or the current record-level
    rows of the warehouse's ``facts``); ``rollup`` is ``org_rollup``. Each row of the cube is
    repeated for every level of its basis (an unnested array literal) and meets, in one join, the
    organisation structure valid in each month (the roll-up rule of
    ``metrics.performance.attach_level``: ``ENG`` nationally, the organisation itself at provider
    level, its parent at the others, ``UNMAPPED`` without one);
    then one aggregation sums every level at once.
    """
    cube = organisation_cube(facts, None, standards)
    # Each cube row once per level of its basis: an array of the basis's levels, unnested (no table
    # of levels to register, so building the expression needs no DataFrame library).
    by_basis = {basis: ibis.literal(list(levels_for_basis(basis)), type="array<string>") for basis in BASES}
    t = cube.mutate(level=ibis.cases(*((cube.basis == b, arr) for b, arr in by_basis.items())).unnest())
    r = rollup.select(
        r_basis=rollup.basis, r_level=rollup.level, r_org=rollup.org_code, parent_code=rollup.parent_code,
        valid_from=rollup.valid_from, valid_to=rollup.valid_to,
    )  # fmt: skip
    t = t.left_join(
        r,
        [
            t.basis == r.r_basis,
            t.level == r.r_level,
            t.org_code == r.r_org,
            t.period >= r.valid_from,
            # An open-ended link (no valid_to) as the last date there is: a join on equalities and
            # ranges only, which engines run as a hash join (an OR here gives DuckDB a nested loop).
            t.period <= r.valid_to.fill_null(OPEN_END),
        ],
    )
    unit = ibis.cases(
        (t.level == "national", ibis.literal(NATIONAL_CODE)),
        (t.level == "provider", t.org_code),
        else_=t.parent_code.fill_null(UNMAPPED_CODE),
    )
    t = t.mutate(unit_code=unit, period_start=period_start_expr(t.period, period))
    g = t.group_by(["standard", "basis", "level", "period_start", "unit_code"]).aggregate(
        total=t.total.sum(), within_standard=t.within_standard.sum()
    )
    # The same (nullable) key types whatever the source table declares.
    keys = {"standard": "string", "basis": "string", "level": "string", "unit_code": "string"}
    return g.mutate(breaches=g.total - g.within_standard).select(*LEVEL_COLUMNS).cast({**keys, "period_start": "date"})
