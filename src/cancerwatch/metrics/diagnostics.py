"""DM01 diagnostics measures at every level, as Ibis expressions (nothing is executed here).

Rules:

- Only current figures count (``superseded_by`` is null: the latest vintage of each month).
- DM01 is provider-based, so roll-ups use the provider basis of ``org_rollup``, with the
  organisation structure valid in each month; a provider with no parent at a level counts
  towards ``UNMAPPED`` there, so every level adds up to England.
- Counts are summed, never shares averaged: the share waiting 6+ weeks of a group is its summed
  6+ waiters over its summed waiting list.
- Waiting lists are month-end stocks, so they are reported by month only (a quarter's waiting
  list is not the sum of its months); activity is tests done in the month.
- Total activity = planned + unscheduled + waiting-list tests (DM01's three activity types).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis.expr.types as ir

from cancerwatch.metrics.performance import attach_level

COUNTS = (
    "waiting_list",
    "waiting_6plus",
    "waiting_13plus",
    "planned_activity",
    "unscheduled_activity",
    "waiting_list_activity",
)
BASIS = "provider"


def current_diagnostics(
    facts: ir.Table,
    *,
    tests: Sequence[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ir.Table:
    """Current DM01 rows, optionally for some tests and months."""
    t = facts.filter(facts.superseded_by.isnull())
    if tests:
        t = t.filter(t.test.isin(list(tests)))
    if date_from is not None:
        t = t.filter(t.period >= date_from)
    if date_to is not None:
        t = t.filter(t.period <= date_to)
    return t


def diagnostics_counts(
    facts: ir.Table,
    rollup: ir.Table,
    *,
    level: str,
    tests: Sequence[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ir.Table:
    """Summed DM01 counts per month × organisation at ``level`` × test, with total activity."""
    t = current_diagnostics(facts, tests=tests, date_from=date_from, date_to=date_to)
    t = attach_level(t, rollup, level=level, basis=BASIS)
    counts = t.group_by(["period", "unit_code", "test"]).aggregate(
        providers=t.org_code.nunique(),
        **{c: t[c].sum() for c in COUNTS},
    )
    return counts.mutate(
        total_activity=counts.planned_activity + counts.unscheduled_activity + counts.waiting_list_activity
    )


def capacity_and_backlog(
    facts: ir.Table,
    rollup: ir.Table,
    *,
    level: str = "alliance",
    tests: Sequence[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ir.Table:
    """Per month × organisation × test: tests done (capacity used) and the month-end waiting list
    (backlog, and its part waiting 6+ weeks), the inputs a capacity plan calibrates on."""
    c = diagnostics_counts(facts, rollup, level=level, tests=tests, date_from=date_from, date_to=date_to)
    return c.select(
        period=c.period,
        unit_code=c.unit_code,
        test=c.test,
        activity=c.total_activity,
        backlog=c.waiting_list,
        backlog_6plus=c.waiting_6plus,
    )
