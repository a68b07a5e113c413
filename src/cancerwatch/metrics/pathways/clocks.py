"""Clock rules of the three consolidated standards, as Ibis expressions over pathway rows.

Source: NHS England, Cancer Waiting Times guidance v12.1 (populations, clock starts and stops,
adjustments, day counting) and the NHS Data Dictionary; docs/record-level.md. Day counting: the wait
is the number of calendar days from clock start to clock stop (stop − start, so the start date is
day 0), less the permitted adjustment, and a pathway is *within* the standard when the wait is ≤ N
days.

Every function takes a table with the ``pathways`` columns (the input contract of
docs/record-level.md) and returns a column expression; ``as_of`` arguments accept a date or a date column.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.record_level import record_rules
from cancerwatch.catalogue.standards import get_standard

FDS = "fds"
D31 = "31d"
D62 = "62d"
#: The standards computed from record-level pathways.
RECORD_STANDARDS = (FDS, D31, D62)

#: 28 days: the Faster Diagnosis Standard (standards catalogue ``[standards.fds] days``; CWT guidance v12.1).
FDS_DAYS: int = get_standard(FDS).days
#: 31 days: decision to treat to treatment (catalogue ``[standards.31d] days``; CRS consultation response 2023).
D31_DAYS: int = get_standard(D31).days
#: 62 days: referral to first treatment (catalogue ``[standards.62d] days``; CRS consultation response 2023).
D62_DAYS: int = get_standard(D62).days

#: Routes in the FDS population: USC, screening, breast symptomatic (catalogue ``routes``; CWT guidance v12.1).
FDS_ROUTES: tuple[str, ...] = get_standard(FDS).routes
#: Routes in the 62-day population: the FDS routes plus consultant upgrade (catalogue; CWT guidance v12.1).
D62_ROUTES: tuple[str, ...] = get_standard(D62).routes

FIRST = "first"
SUBSEQUENT = "subsequent"
#: Published 31-day sub-categories (the provider extracts' STAGE/ROUTE ``First Treatment`` / ``Subsequent Treatment``).
D31_ROUTE_IDS = {FIRST: "first_treatment", SUBSEQUENT: "subsequent_treatment"}

#: The adjustment columns subtracted from each clock (catalogue ``record_level.toml``; CWT guidance
#: v12.1): the first-seen adjustment shortens the clocks that start at referral (FDS, 62-day), the
#: treatment adjustment (a declined offer of admitted treatment) the 31-day and 62-day clocks.
CLOCK_ADJUSTMENTS: dict[str, tuple[str, ...]] = {c: record_rules().clock_adjustments(c) for c in RECORD_STANDARDS}


def _date(value: date | ir.DateValue) -> ir.DateValue:
    return ibis.literal(value) if isinstance(value, date) else value


def days_between(start: ir.DateValue, stop: ir.DateValue | date) -> ir.IntegerValue:
    """Calendar days from ``start`` to ``stop`` (stop − start; the start date is day 0).

    Source: CWT guidance v12.1, day counting (the clock start date is day 0).
    """
    return _date(stop).delta(start, unit="day")


#: Day 0 of the integer day numbers the engine computes waits on.
EPOCH = date(1970, 1, 1)


def day_number(d: ir.DateValue) -> ir.IntegerValue:
    """Days from 1 January 1970 to ``d``: dates as integers, so a wait is one subtraction."""
    return d.delta(ibis.literal(EPOCH), unit="day")


def wait_from_days(days: ir.IntegerValue, adjustment: ir.IntegerValue | None) -> ir.IntegerValue:
    """A clock's wait from the calendar days it ran: days less the adjustment, never below zero.

    Source: CWT guidance v12.1 (wait = stop − start − adjustment; docs/record-level.md). An
    adjustment cannot make a wait negative: a longer pause than the wait itself means the patient
    waited no time on the clock. Every wait of the engine and of the PTL goes through here.
    """
    if adjustment is None:
        return days
    wait = days - adjustment.fill_null(0)
    # Not ``greatest``: SQL engines differ on NULLs there, and an open clock must stay NULL.
    return ibis.ifelse(wait < 0, 0, wait)


def adjusted_wait(
    start: ir.DateValue, stop: ir.DateValue | date, adjustment: ir.IntegerValue | None
) -> ir.IntegerValue:
    """Days from ``start`` to ``stop`` less the permitted adjustment, never below zero (:func:`wait_from_days`)."""
    return wait_from_days(days_between(start, stop), adjustment)


def clock_adjustment(p: ir.Table, clock: str) -> ir.IntegerValue | None:
    """Days subtracted from ``clock``'s wait: the sum of its adjustment columns (None when it has none).

    Source: :data:`CLOCK_ADJUSTMENTS` (catalogue ``record_level.toml``).
    """
    total = None
    for column in CLOCK_ADJUSTMENTS[clock]:
        days = p[column].fill_null(0)
        total = days if total is None else total + days
    return total


def due_date(start: ir.DateValue, days: int, adjustment: ir.IntegerValue | None) -> ir.DateValue:
    """The last day a clock started on ``start`` is within ``days``: start + days + adjustment."""
    due = start + ibis.interval(days=days)
    return due if adjustment is None else due + adjustment.as_interval("D")


def within_standard(wait: ir.IntegerValue, days: int) -> ir.BooleanValue:
    """True when the wait is ≤ ``days`` (CWT guidance v12.1: treated within N days)."""
    return wait <= days


def clock_month(stop: ir.DateValue) -> ir.DateValue:
    """The month a pathway is counted in: the calendar month of its clock stop.

    Source: CWT guidance v12.1 and the published extracts: communication date for the FDS, treatment
    date for 31 and 62 days.
    """
    return stop.truncate("M")


def all_of(conditions: list[ir.BooleanValue]) -> ir.BooleanValue:
    """True when every condition is true (a NULL condition counts as false)."""
    out = conditions[0].fill_null(False)
    for c in conditions[1:]:
        out = out & c.fill_null(False)
    return out


def not_subsequent(p: ir.Table) -> ir.BooleanValue:
    """True unless the row is a subsequent-treatment episode (which is not a referral)."""
    return p.treatment_kind.isnull() | (p.treatment_kind != SUBSEQUENT)


def fds_in_scope(p: ir.Table) -> ir.BooleanValue:
    """The row is in the FDS population: a USC, screening or breast-symptomatic referral.

    Source: CWT guidance v12.1 (the FDS population). Consultant upgrades and other routes are
    out of scope. A subsequent-treatment row is a treatment episode of a pathway already counted,
    not a referral, so it is out of scope too. The contract has no exclusion reason, so nothing else
    is excluded.
    """
    return all_of(fds_scope_conditions(p))


def fds_scope_conditions(p: ir.Table) -> list[ir.BooleanValue]:
    """The conditions of :func:`fds_in_scope`, one by one, for ``Table.filter`` (where NULL is false).

    Plain conditions, rather than one combined with ``fill_null``, let an engine push them into
    its scan of the pathways.
    """
    return [p.route.isin(FDS_ROUTES), not_subsequent(p)]


def fds_stop_date(p: ir.Table) -> ir.DateValue:
    """FDS clock stop: the earlier of the FDS end date and the decision to treat (either may be missing).

    Source: NHS Data Dictionary, Cancer Faster Diagnosis Pathway: the pathway
    ends when cancer is diagnosed or ruled out *or a decision to treat is reached, whichever comes
    first*.
    """
    end, dtt = p.fds_end_date, p.decision_to_treat_date
    return ibis.least(end.fill_null(dtt), dtt.fill_null(end))


def fds_wait(p: ir.Table, as_of: date | ir.DateValue | None = None) -> ir.IntegerValue:
    """FDS wait: min(FDS end, DTT) − referral − first-seen adjustment (or to ``as_of`` while open).

    Source: CWT guidance v12.1; :data:`CLOCK_ADJUSTMENTS`.
    """
    stop = fds_stop_date(p) if as_of is None else _date(as_of)
    return adjusted_wait(p.referral_date, stop, clock_adjustment(p, FDS))


def fds_counted(p: ir.Table) -> ir.BooleanValue:
    """The row counts towards the FDS: in scope and its FDS clock has stopped."""
    return all_of(fds_counted_conditions(p))


def fds_counted_conditions(p: ir.Table) -> list[ir.BooleanValue]:
    """The conditions of :func:`fds_counted`, for ``Table.filter`` (see :func:`fds_scope_conditions`)."""
    return [*fds_scope_conditions(p), fds_stop_date(p).notnull()]


def d31_in_scope(p: ir.Table) -> ir.BooleanValue:
    """The row counts towards the 31-day standard: a first or subsequent treatment with both dates.

    Source: CWT guidance v12.1 (every first and subsequent treatment, any route, any modality,
    including "Other" since October 2023).
    """
    return all_of(d31_conditions(p))


def d31_conditions(p: ir.Table) -> list[ir.BooleanValue]:
    """The conditions of :func:`d31_in_scope`, for ``Table.filter`` (see :func:`fds_scope_conditions`)."""
    kind = p.treatment_kind.isin((FIRST, SUBSEQUENT))
    return [kind, p.decision_to_treat_date.notnull(), p.treatment_date.notnull()]


def d31_wait(p: ir.Table, as_of: date | ir.DateValue | None = None) -> ir.IntegerValue:
    """31-day wait: treatment start − decision to treat − treatment adjustment (or to ``as_of``).

    Source: CWT guidance v12.1; :data:`CLOCK_ADJUSTMENTS`. The contract's decision-to-treat date
    stands for the earliest clinically appropriate date where the provider records one.
    """
    stop = p.treatment_date if as_of is None else _date(as_of)
    return adjusted_wait(p.decision_to_treat_date, stop, clock_adjustment(p, D31))


def d31_route(p: ir.Table) -> ir.StringValue:
    """The published 31-day sub-category id: ``first_treatment`` or ``subsequent_treatment``."""
    return ibis.cases(
        (p.treatment_kind == FIRST, D31_ROUTE_IDS[FIRST]),
        else_=D31_ROUTE_IDS[SUBSEQUENT],
    )


def d62_route_in_scope(p: ir.Table) -> ir.BooleanValue:
    """The pathway runs a 62-day clock: USC, breast symptomatic, screening or consultant upgrade.

    Source: CWT guidance v12.1 (the 62-day population).
    """
    return p.route.isin(D62_ROUTES).fill_null(False) & not_subsequent(p)


def d62_in_scope(p: ir.Table) -> ir.BooleanValue:
    """The row counts towards the 62-day standard: a first treatment on one of the four routes.

    Source: CWT guidance v12.1 (only patients who start a first definitive treatment are counted).
    """
    return all_of(d62_conditions(p))


def d62_conditions(p: ir.Table) -> list[ir.BooleanValue]:
    """The conditions of :func:`d62_in_scope`, for ``Table.filter`` (see :func:`fds_scope_conditions`)."""
    return [p.treatment_kind == FIRST, p.route.isin(D62_ROUTES), p.treatment_date.notnull()]


def d62_wait(p: ir.Table, as_of: date | ir.DateValue | None = None) -> ir.IntegerValue:
    """62-day wait: first treatment − referral (or upgrade) date − both adjustments, or to ``as_of``.

    Source: CWT guidance v12.1; :data:`CLOCK_ADJUSTMENTS`.
    """
    stop = p.treatment_date if as_of is None else _date(as_of)
    return adjusted_wait(p.referral_date, stop, clock_adjustment(p, D62))
