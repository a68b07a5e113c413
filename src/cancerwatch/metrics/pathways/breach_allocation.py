"""Allocation of 62-day pathways between the referring (first) and the treating provider.

Source: National Cancer Breach Allocation Guidance (NHS England and NHS Improvement, 2016) as
cancerwatch reads it (docs/record-level.md), including its worked pseudocode:

=====================================================================  =========  ========
situation                                                              referring  treating
=====================================================================  =========  ========
no inter-provider transfer (IPT)                                       1          –
IPT, treated within 62 days                                            0.5        0.5
IPT, breach, transfer received on or before day 38                     0          1
IPT, breach, received after day 38, treated ≤ 24 days after receipt    1          0
IPT, breach, received after day 38, treated > 24 days after receipt    0.5        0.5
=====================================================================  =========  ========

Both shares carry the pathway's within/breach outcome, so a shared pathway gives each provider half
a patient, as NHS England publishes them. The receipt day is counted from the clock start without adjustment,
as in the guidance's pseudocode. A "transfer" to the same provider is not an IPT; nor is a pathway
with no recorded receipt date or no treating provider.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cancerwatch.metrics.pathways import clocks

#: Day 38: latest day of the 62-day pathway by which the referring provider should have transferred
#: the patient (National Cancer Breach Allocation Guidance 2016).
HANDOVER_DAY = 38
#: 24 days: time allowed to the treating provider, from receipt of a late transfer, to start treatment
#: (National Cancer Breach Allocation Guidance 2016).
TREATING_WINDOW_DAYS = 24

#: Code used for a missing organisation, as NHS England does in its provider extracts.
UNKNOWN_ORG = "UNKNOWN"
FIRST_ROLE = "first"
TREATING_ROLE = "treating"


def is_inter_provider_transfer(p: ir.Table) -> ir.BooleanValue:
    """True when the pathway moved to a different treating provider with a recorded receipt date.

    Source: National Cancer Breach Allocation Guidance (an IPT moves the patient from one provider to
    another); if the treating
    provider is the first provider there is no transfer to share the pathway over.
    """
    return (
        p.ipt_date.notnull()
        & p.treating_provider_code.notnull()
        & (p.treating_provider_code != p.first_provider_code.fill_null(""))
    )


def ipt_receipt_day(p: ir.Table) -> ir.IntegerValue:
    """Day of the pathway on which the treating provider received the transfer (clock start = day 0)."""
    return clocks.days_between(p.referral_date, p.ipt_date)


def days_from_receipt_to_treatment(p: ir.Table) -> ir.IntegerValue:
    """Days from receipt of the transfer to the start of treatment at the treating provider."""
    return clocks.days_between(p.ipt_date, p.treatment_date)


def first_share(
    transfer: ir.BooleanValue,
    within: ir.BooleanValue,
    receipt_day: ir.IntegerValue,
    days_after_receipt: ir.IntegerValue,
) -> ir.FloatingValue:
    """The allocation rule (table in the module docstring) on its four inputs: 0, 0.5 or 1.

    ``receipt_day`` is the day of the pathway the transfer was received (clock start = day 0, no
    adjustment); ``days_after_receipt`` the days from receipt to treatment.
    """
    return ibis.cases(
        (~transfer, 1.0),
        (within, 0.5),
        (receipt_day <= HANDOVER_DAY, 0.0),
        (days_after_receipt <= TREATING_WINDOW_DAYS, 1.0),
        else_=0.5,
    )


def first_provider_share(p: ir.Table, within: ir.BooleanValue | None = None) -> ir.FloatingValue:
    """Share of the pathway counted against the first (referring) provider: 0, 0.5 or 1.

    ``within`` defaults to the 62-day outcome of the pathway (``d62_wait ≤ 62``). Source: National
    Cancer Breach Allocation Guidance (table in the module docstring).
    """
    if within is None:
        within = clocks.within_standard(clocks.d62_wait(p), clocks.D62_DAYS)
    return first_share(is_inter_provider_transfer(p), within, ipt_receipt_day(p), days_from_receipt_to_treatment(p))


def treating_provider_share(p: ir.Table, within: ir.BooleanValue | None = None) -> ir.FloatingValue:
    """Share counted against the treating provider: what the first provider does not carry.

    Source: National Cancer Breach Allocation Guidance. The two shares sum to one patient by construction.
    """
    return 1.0 - first_provider_share(p, within)


def allocate_pathways(p: ir.Table, within: ir.BooleanValue | None = None) -> ir.Table:
    """One row per (pathway, accountable provider) with a non-zero share.

    Adds ``provider_code``, ``share`` and ``role`` (``first`` or ``treating``) to the columns of
    ``p``. A missing first-provider code counts as ``UNKNOWN``, as in the published extracts.
    """
    if within is None:
        within = clocks.within_standard(clocks.d62_wait(p), clocks.D62_DAYS)
    t = p.mutate(_first_share=first_provider_share(p, within))
    first = t.mutate(
        provider_code=t.first_provider_code.fill_null(UNKNOWN_ORG),
        share=t._first_share,
        role=ibis.literal(FIRST_ROLE),
    ).filter(lambda r: r.share > 0)
    treating = t.mutate(
        provider_code=t.treating_provider_code.fill_null(UNKNOWN_ORG),
        share=1.0 - t._first_share,
        role=ibis.literal(TREATING_ROLE),
    ).filter(lambda r: r.share > 0)
    return first.union(treating).drop("_first_share")
