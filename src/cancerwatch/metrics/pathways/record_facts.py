"""Pathways → rows of the ``facts`` table, in the shape of NHS England's published extracts.

Each clock stop becomes an *event*: one integer key packing (standard, route, month), the tumour
group and the modality as they are written, the accountable provider, the commissioner, a weight
and whether it was within the standard. Each standard's events come from **one filtered
projection** of the pathways in which the dates become integer day numbers and the wait, the
outcome and (62-day) the breach-allocation shares are computed once (``clocks``,
``breach_allocation``). The events are then summed in **one aggregation pass** per kind of event
with ``GROUPING SETS``, one set per basis × breakdown:

- ``provider``: the accountable provider. FDS → the first provider (the contract has no "FDS end
  organisation"); 31-day → the treating provider, else the first provider; 62-day → the first and
  treating providers with their breach-allocation shares (half patients; National Cancer Breach
  Allocation Guidance).
- ``commissioner``: the patient's sub-ICB location (``commissioner_code``), whole patients: the
  shares of one pathway add back to one patient.

Breakdowns follow the provider extract (docs/record-level.md), so ``metrics.performance`` counts
every pathway once: FDS rows are ``fds`` (route × tumour group); 31- and 62-day rows come twice,
once as ``cancer_type`` (tumour group, all modalities) and once as ``modality`` (modality, all
cancers). Routes use the catalogue ids; 31-day rows carry ``first_treatment`` or
``subsequent_treatment`` like the published extracts.

The key is decoded back to the published columns only on the summed rows. Tumour group and
modality stay text: DuckDB and Spark group short text as fast as a computed code, and coding them
would cost a ``CASE`` per row and per event. Ibis has no ``GROUPING SETS``, so the pass is written
as SQL over the Ibis events (``grouping_sets_sql``): the text is plain SQL that DuckDB and Spark SQL
both read, and the rest of the expression stays Ibis on either engine.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from cancerwatch.metrics.pathways import clocks
from cancerwatch.metrics.pathways.breach_allocation import UNKNOWN_ORG, first_share
from cancerwatch.warehouse.engines.base import RECORD_SOURCE_ID

PROVIDER_BASIS = "provider"
COMMISSIONER_BASIS = "commissioner"
BASES = (PROVIDER_BASIS, COMMISSIONER_BASIS)

#: The month the more granular 31/62-day tumour grouping starts (NHS England technical note on the
#: October 2023 tumour groups; docs/record-level.md).
RECLASSIFICATION_MONTH = date(2023, 10, 1)

FACT_COLUMNS = (
    "basis",
    "period",
    "standard",
    "org_code",
    "route",
    "modality",
    "cancer_type",
    "tumour_scheme",
    "breakdown",
    "total",
    "within_standard",
    "breaches",
)

#: Standards in code order.
STANDARD_CODES: tuple[str, ...] = (clocks.FDS, clocks.D31, clocks.D62)
#: Route ids an event can carry, coded from 1: the FDS and 62-day routes and the 31-day sub-categories.
ROUTE_CODES: tuple[str, ...] = tuple(
    dict.fromkeys((*clocks.FDS_ROUTES, *clocks.D62_ROUTES, *clocks.D31_ROUTE_IDS.values()))
)


# The packed key: (standard × 8 + route) × 2³¹ + month + 2³⁰, where month = year × 12 + month − 1
# (the offset keeps it positive for any year in ±89 million). Route code 0 is NULL. Every stride is
# at least 2³¹, so SQL engines type each literal, and so each product, as a 64-bit integer.
_ROUTE_SLOTS = 8
_MONTH_SLOTS, _MONTH_OFFSET = 1 << 31, 1 << 30
assert len(ROUTE_CODES) < _ROUTE_SLOTS
_ROUTE_STRIDE = _MONTH_SLOTS
_STANDARD_STRIDE = _ROUTE_STRIDE * _ROUTE_SLOTS


def _int64(n: int) -> ir.IntegerScalar:
    """A 64-bit literal (key arithmetic is never done in a narrower type)."""
    return ibis.literal(n, "int64")


#: Columns of an event (the standards' events are stacked, so every column is nullable).
EVENT_SCHEMA = ibis.schema(
    {
        "event_key": "int64",
        "cancer": "string",
        "modality": "string",
        "provider": "string",
        "commissioner": "string",
        "weight": "float64",
        "within_weight": "float64",
    }
)


def month_index(d: ir.DateValue) -> ir.IntegerValue:
    """Months since January of year 0 of the month ``d`` falls in (year × 12 + month − 1)."""
    return d.year().cast("int64") * 12 + d.month().cast("int64") - 1


def event_key(standard: str, route: ir.IntegerValue, month: ir.IntegerValue) -> ir.IntegerValue:
    """The packed key of an event (layout above)."""
    base = _int64(STANDARD_CODES.index(standard) * _STANDARD_STRIDE + _MONTH_OFFSET)
    return base + route * _int64(_ROUTE_STRIDE) + month


def _route_code(route: ir.StringValue) -> ir.IntegerValue:
    """1-based position of ``route`` in ``ROUTE_CODES``; 0 when NULL or not listed."""
    return (ibis.literal(list(ROUTE_CODES)).index(route) + 1).fill_null(0).cast("int64")


def _event(t: ir.Table, *, key, provider, within, modality: bool = True) -> ir.Table:
    """The event columns (``EVENT_SCHEMA``) of a filtered projection ``t`` of the pathways (weight 1)."""
    return t.select(
        event_key=key,
        cancer=t.tumour_group,
        modality=t.treatment_modality if modality else ibis.null("string"),
        provider=provider,
        commissioner=t.commissioner_code.fill_null(UNKNOWN_ORG),
        weight=ibis.literal(1.0),
        within_weight=ibis.ifelse(within, 1.0, 0.0),
    ).cast(EVENT_SCHEMA)


def fds_events(p: ir.Table) -> ir.Table:
    """One event per pathway whose FDS clock has stopped (accountable: the first provider)."""
    t = p.filter(*clocks.fds_counted_conditions(p))
    stop = clocks.fds_stop_date(t)
    days = clocks.day_number(stop) - clocks.day_number(t.referral_date)
    wait = clocks.wait_from_days(days, clocks.clock_adjustment(t, clocks.FDS))
    return _event(
        t,
        key=event_key(clocks.FDS, _route_code(t.route), month_index(stop)),
        provider=t.first_provider_code.fill_null(UNKNOWN_ORG),
        within=clocks.within_standard(wait, clocks.FDS_DAYS),
        modality=False,
    )


def d31_events(p: ir.Table) -> ir.Table:
    """One event per first or subsequent treatment (accountable: the treating provider)."""
    t = p.filter(*clocks.d31_conditions(p))
    first, subsequent = (ROUTE_CODES.index(clocks.D31_ROUTE_IDS[k]) + 1 for k in (clocks.FIRST, clocks.SUBSEQUENT))
    days = clocks.day_number(t.treatment_date) - clocks.day_number(t.decision_to_treat_date)
    wait = clocks.wait_from_days(days, clocks.clock_adjustment(t, clocks.D31))
    route = ibis.ifelse(t.treatment_kind == clocks.FIRST, first, subsequent).cast("int64")
    return _event(
        t,
        key=event_key(clocks.D31, route, month_index(t.treatment_date)),
        provider=t.treating_provider_code.fill_null(t.first_provider_code).fill_null(UNKNOWN_ORG),
        within=clocks.within_standard(wait, clocks.D31_DAYS),
    )


def d62_events(p: ir.Table) -> ir.Table:
    """One event per (62-day pathway, accountable provider) with a non-zero share, weighted by it.

    Day numbers of referral, transfer and treatment are taken once; the wait, the outcome, the day of
    receipt and the days from receipt to treatment are subtractions of them (breach allocation rule:
    ``breach_allocation.first_share``). Both roles are read from that one projection.
    """
    t = p.filter(*clocks.d62_conditions(p))
    ref, ipt, treat = (clocks.day_number(t[c]) for c in ("referral_date", "ipt_date", "treatment_date"))
    within = clocks.within_standard(
        clocks.wait_from_days(treat - ref, clocks.clock_adjustment(t, clocks.D62)), clocks.D62_DAYS
    )
    transfer = (
        t.ipt_date.notnull()
        & t.treating_provider_code.notnull()
        & (t.treating_provider_code != t.first_provider_code.fill_null(""))
    )
    a = t.select(
        event_key=event_key(clocks.D62, _route_code(t.route), month_index(t.treatment_date)),
        cancer=t.tumour_group,
        modality=t.treatment_modality,
        first=t.first_provider_code.fill_null(UNKNOWN_ORG),
        treating=t.treating_provider_code.fill_null(UNKNOWN_ORG),
        commissioner=t.commissioner_code.fill_null(UNKNOWN_ORG),
        within=within,
        share=first_share(transfer, within, ipt - ref, treat - ipt),
    )
    parts = []
    for provider, weight, keep in ((a.first, a.share, a.share > 0), (a.treating, 1.0 - a.share, a.share < 1)):
        parts.append(
            a.filter(keep)
            .select(
                "event_key",
                "cancer",
                "modality",
                provider=provider,
                commissioner=a.commissioner,
                weight=weight,
                within_weight=ibis.ifelse(a.within, weight, 0.0),
            )
            .cast(EVENT_SCHEMA)
        )
    return ibis.union(*parts)


def record_events(p: ir.Table) -> ir.Table:
    """Every counted clock stop of every standard (FDS, 31-day, 62-day): ``EVENT_SCHEMA``."""
    return ibis.union(fds_events(p), treated_events(p))


def treated_events(p: ir.Table) -> ir.Table:
    """The 31-day and 62-day events (those with a modality breakdown)."""
    return ibis.union(d31_events(p), d62_events(p))


def _grouping_sets(parent: ir.Table, name: str, query: str, schema: ibis.Schema) -> ir.Table:
    """``query`` (SQL reading ``name``) over ``parent``, as an Ibis table of ``schema``.

    What ``Table.sql`` builds, with the schema given: the result's columns are known, so no query
    is run to learn them (``Table.sql`` would compile and run the whole expression once more).
    """
    return ops.SQLStringView(parent=parent.alias(name).op(), query=query, schema=schema).to_expr()


#: The grouping sets of each kind of event: one per basis × breakdown (by tumour group, all
#: modalities; by modality, all tumour groups). FDS events have no modality breakdown.
_BY_CANCER = ("(event_key, cancer, provider)", "(event_key, cancer, commissioner)")
_BY_MODALITY = ("(event_key, modality, provider)", "(event_key, modality, commissioner)")
GROUPING_SETS = {"fds": _BY_CANCER, "treated": (*_BY_CANCER, *_BY_MODALITY)}


def grouping_sets_sql(events: str, sets: tuple[str, ...]) -> str:
    """The aggregation pass over the table named ``events``, in SQL that DuckDB and Spark SQL both read.

    ``commissioner_set`` is 1 on the commissioner basis; ``modality_set`` is 1 in the modality
    breakdown (where ``cancer`` is not grouped, so NULL), and the column not grouped in a set is NULL.
    """
    by_modality = any("modality" in s for s in sets)
    modality = "modality" if by_modality else "CAST(NULL AS STRING) AS modality"
    modality_set = "GROUPING(cancer)" if by_modality else "0"
    return f"""
        SELECT event_key, cancer, {modality}, provider, commissioner,
               GROUPING(provider) AS commissioner_set, {modality_set} AS modality_set,
               SUM(weight) AS total, SUM(within_weight) AS within_standard
        FROM {events}
        GROUP BY GROUPING SETS ({", ".join(sets)})
    """  # noqa: S608 - constant text


_SUMS_SCHEMA = ibis.schema(
    {
        **{c: EVENT_SCHEMA[c] for c in ("event_key", "cancer", "modality", "provider", "commissioner")},
        "commissioner_set": "int64",
        "modality_set": "int64",
        "total": "float64",
        "within_standard": "float64",
    }
)


def event_sums(p: ir.Table) -> ir.Table:
    """The events of ``p`` summed in one pass per kind of event, per basis × accountable organisation
    × breakdown × key: each event counts once on each basis and in each of its breakdowns.
    """
    parts = [
        _grouping_sets(events, f"{kind}_events", grouping_sets_sql(f"{kind}_events", GROUPING_SETS[kind]), _SUMS_SCHEMA)
        for kind, events in (("fds", fds_events(p)), ("treated", treated_events(p)))
    ]
    s = ibis.union(*parts)
    by_commissioner = s.commissioner_set == 1
    return s.select(
        basis=ibis.ifelse(by_commissioner, COMMISSIONER_BASIS, PROVIDER_BASIS),
        org_code=ibis.ifelse(by_commissioner, s.commissioner, s.provider),
        by_modality=s.modality_set == 1,
        event_key=s.event_key,
        cancer=s.cancer,
        modality=s.modality,
        total=s.total,
        within_standard=s.within_standard,
    )


def _decode(c: ir.IntegerValue, known: tuple[str, ...]) -> ir.StringValue:
    """The text of code ``c``: the ``c``-th value of ``known`` (from 1), or NULL."""
    return ibis.cases(*((c == i, v) for i, v in enumerate(known, start=1)), else_=ibis.null("string"))


def facts_from_sums(sums: ir.Table) -> ir.Table:
    """The summed rows decoded into the published columns (``FACT_COLUMNS``; see module docstring)."""
    key = sums.event_key
    std = key // _int64(_STANDARD_STRIDE)
    month = key % _int64(_MONTH_SLOTS) - _int64(_MONTH_OFFSET)
    period = ibis.date(month // 12, month % 12 + 1, 1)
    is_fds = std == STANDARD_CODES.index(clocks.FDS)
    return sums.select(
        basis=sums.basis,
        period=period,
        standard=ibis.cases(*((std == i, s) for i, s in enumerate(STANDARD_CODES))),
        org_code=sums.org_code,
        route=_decode((key // _int64(_ROUTE_STRIDE)) % _ROUTE_SLOTS, ROUTE_CODES),
        modality=sums.modality,
        cancer_type=sums.cancer,
        tumour_scheme=ibis.cases(
            (sums.cancer.isnull(), ibis.null("string")),
            (is_fds, "fds_suspected"),
            (period >= RECLASSIFICATION_MONTH, "2023"),
            else_="2022",
        ),
        breakdown=ibis.cases((is_fds, "fds"), (sums.by_modality, "modality"), else_="cancer_type"),
        total=sums.total,
        within_standard=sums.within_standard,
        breaches=sums.total - sums.within_standard,
    )


def record_facts(p: ir.Table) -> ir.Table:
    """Facts rows (``FACT_COLUMNS``) of the FDS, 31-day and 62-day standards from pathway rows."""
    return facts_from_sums(event_sums(p))


def warehouse_fact_rows(pathways: ir.Table, facts_schema: ibis.Schema) -> ir.Table:
    """The record-level facts of ``pathways`` as rows of the warehouse's ``facts`` table (``facts_schema``).

    ``dataset`` is ``record``, ``source_id`` is ``RECORD_SOURCE_ID`` and nothing is superseded;
    counts take the warehouse's exact decimal type (halves are exact in binary, so the cast from
    the sums loses nothing). These are the rules ``warehouse.engines.open_record_engine`` runs.
    """
    f = record_facts(pathways)
    return (
        f.select(
            source_id=ibis.literal(RECORD_SOURCE_ID),
            dataset=ibis.literal("record"),
            **{c: f[c] for c in f.columns},
            superseded_by=ibis.null("int32"),
        )
        .select(*facts_schema.names)
        .cast(facts_schema)
    )
