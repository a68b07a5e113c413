"""The patient tracking list (PTL): pathways whose clock is still running on a given date.

A pathway is *open* on ``as_of`` when, on that date, it has started and

- its 62-day clock runs: a USC, screening, breast-symptomatic or upgrade pathway, not yet treated and
  not closed by cancer being ruled out (the 62-day backlog counts suspected as well as diagnosed
  patients); or
- its FDS clock runs: an FDS-route referral not yet told its outcome (nor decided to treat); or
- its 31-day clock runs: a decision to treat without a treatment yet (first or subsequent).

Each open pathway gets the standard it is tracked against (62-day, else 31-day, else FDS), days
waiting on that clock, the next milestone and its due date, and the flags trusts manage by: more
than 28 days without an FDS outcome, and more than 62 or 104 days without treatment. The provider
holding the patient is the treating provider once it has received a transfer, else the first one.
Rows never carry ``patient_id`` (docs/record-level.md: it is never shown).
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from cancerwatch.metrics.pathways import clocks
from cancerwatch.metrics.pathways.breach_allocation import UNKNOWN_ORG, is_inter_provider_transfer

#: 104 days: the long-waiter threshold of the 62-day PTL (the "104-day" waiters NHS England monitors).
LONG_WAIT_DAYS = 104
FDS_MILESTONE = "faster_diagnosis"
DTT_MILESTONE = "decision_to_treat"
TREATMENT_MILESTONE = "treatment"

#: Columns of a PTL row (pathway identifiers and clinical grouping only; no patient identifier).
PTL_COLUMNS = (
    "pathway_id",
    "provider_code",
    "first_provider_code",
    "treating_provider_code",
    "route",
    "tumour_group",
    "referral_date",
    "standard",
    "days_waiting",
    "next_milestone",
    "due_date",
    "over_28_without_fds_outcome",
    "over_62_untreated",
    "over_104_untreated",
)


def latest_pathways(pathways: ir.Table) -> ir.Table:
    """Each pathway as the most recently loaded file gives it (files are later snapshots)."""
    rank = ibis.row_number().over(group_by=pathways.pathway_id, order_by=ibis.desc(pathways.source_id))
    return pathways.mutate(_rank=rank).filter(lambda t: t._rank == 0).drop("_rank")


def _on_or_before(d: ir.DateValue, as_of: ir.DateValue) -> ir.BooleanValue:
    return d.notnull() & (d <= as_of)


def treated_by(p: ir.Table, as_of: ir.DateValue) -> ir.BooleanValue:
    """Treatment started on or before ``as_of``."""
    return _on_or_before(p.treatment_date, as_of)


def ruled_out_by(p: ir.Table, as_of: ir.DateValue) -> ir.BooleanValue:
    """Cancer ruled out and communicated on or before ``as_of`` (closes the pathway)."""
    return (p.fds_outcome == "cancer_ruled_out").fill_null(False) & _on_or_before(p.fds_end_date, as_of)


def on_62_day_clock(p: ir.Table, as_of: ir.DateValue) -> ir.BooleanValue:
    """The 62-day clock runs on ``as_of`` (see module docstring)."""
    started = p.referral_date <= as_of
    return started & clocks.d62_route_in_scope(p) & ~treated_by(p, as_of) & ~ruled_out_by(p, as_of)


def on_fds_clock(p: ir.Table, as_of: ir.DateValue) -> ir.BooleanValue:
    """The FDS clock runs on ``as_of``: an FDS referral with no outcome or DTT by then."""
    return (p.referral_date <= as_of) & clocks.fds_in_scope(p) & ~_on_or_before(clocks.fds_stop_date(p), as_of)


def on_31_day_clock(p: ir.Table, as_of: ir.DateValue) -> ir.BooleanValue:
    """The 31-day clock runs on ``as_of``: decided to treat, not yet treated."""
    return _on_or_before(p.decision_to_treat_date, as_of) & ~treated_by(p, as_of)


def holding_provider(p: ir.Table, as_of: ir.DateValue) -> ir.StringValue:
    """The provider holding the patient on ``as_of``: the treating one after receipt of a transfer."""
    moved = is_inter_provider_transfer(p) & _on_or_before(p.ipt_date, as_of)
    return ibis.ifelse(moved, p.treating_provider_code, p.first_provider_code).fill_null(UNKNOWN_ORG)


def ptl_rows(p: ir.Table, as_of: date | ir.DateValue, *, keep: tuple[str, ...] = ()) -> ir.Table:
    """Open pathways on ``as_of`` with their PTL fields (``PTL_COLUMNS``, then the ``keep`` columns)."""
    d = ibis.literal(as_of) if isinstance(as_of, date) else as_of
    t = p.mutate(
        _on62=on_62_day_clock(p, d),
        _on31=on_31_day_clock(p, d),
        _onfds=on_fds_clock(p, d),
        _fds_wait=clocks.fds_wait(p, d),
        _d62_wait=clocks.d62_wait(p, d),
        _dtt_wait=clocks.d31_wait(p, d),
    )
    t = t.filter(t._on62 | t._on31 | t._onfds)
    standard = ibis.cases((t._on62, clocks.D62), (t._on31, clocks.D31), else_=clocks.FDS)
    days = ibis.cases((t._on62, t._d62_wait), (t._on31, t._dtt_wait), else_=t._fds_wait)
    due = ibis.cases(
        (t._on62, clocks.due_date(t.referral_date, clocks.D62_DAYS, clocks.clock_adjustment(t, clocks.D62))),
        (t._on31, clocks.due_date(t.decision_to_treat_date, clocks.D31_DAYS, clocks.clock_adjustment(t, clocks.D31))),
        else_=clocks.due_date(t.referral_date, clocks.FDS_DAYS, clocks.clock_adjustment(t, clocks.FDS)),
    )
    milestone = ibis.cases(
        (t._onfds, FDS_MILESTONE),
        (~_on_or_before(t.decision_to_treat_date, d), DTT_MILESTONE),
        else_=TREATMENT_MILESTONE,
    )
    return t.select(
        pathway_id=t.pathway_id,
        provider_code=holding_provider(t, d),
        first_provider_code=t.first_provider_code,
        treating_provider_code=t.treating_provider_code,
        route=t.route,
        tumour_group=t.tumour_group,
        referral_date=t.referral_date,
        standard=standard,
        days_waiting=days,
        next_milestone=milestone,
        due_date=due.cast("date"),
        over_28_without_fds_outcome=t._onfds & (t._fds_wait > clocks.FDS_DAYS),
        over_62_untreated=t._on62 & (t._d62_wait > clocks.D62_DAYS),
        over_104_untreated=t._on62 & (t._d62_wait > LONG_WAIT_DAYS),
        **{c: t[c] for c in keep},
    )


def _counts(rows: ir.Table) -> dict[str, ir.Value]:
    return {
        "open_pathways": rows.count(),
        "awaiting_fds_outcome": (rows.next_milestone == FDS_MILESTONE).sum(),
        "over_28_without_fds_outcome": rows.over_28_without_fds_outcome.sum(),
        "on_62_day_clock": (rows.standard == clocks.D62).sum(),
        "backlog_62": rows.over_62_untreated.sum(),
        "over_104": rows.over_104_untreated.sum(),
        "on_31_day_clock": (rows.standard == clocks.D31).sum(),
    }


def ptl_summary(rows: ir.Table) -> ir.Table:
    """Counts of open pathways per holding provider (from :func:`ptl_rows`)."""
    return rows.group_by("provider_code").aggregate(**_counts(rows)).order_by("provider_code")


def week_ends(as_of: date, weeks: int) -> list[date]:
    """``weeks`` snapshot dates, a week apart, ending on ``as_of`` (oldest first)."""
    return [as_of - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]


def backlog_by_week(p: ir.Table, snapshots: list[date]) -> ir.Table:
    """Open pathways, 62-day backlog and 104+ waiters per holding provider on each snapshot date.

    Only pathways that can be open in the window are joined to the dates (started by the last
    snapshot, not treated before the first), so this stays cheap on a national table.
    """
    first, last = min(snapshots), max(snapshots)
    candidates = p.filter((p.referral_date <= last) & (p.treatment_date.isnull() | (p.treatment_date > first)))
    dates = ibis.memtable({"week_ending": snapshots}).cast({"week_ending": "date"})
    joined = candidates.cross_join(dates)
    rows = ptl_rows(joined, joined.week_ending, keep=("week_ending",))
    return (
        rows.group_by(["week_ending", "provider_code"])
        .aggregate(**_counts(rows))
        .order_by(["provider_code", "week_ending"])
    )
