"""Pathways → rows of the ``facts`` table, in the shape of NHS England's published extracts.

Each clock stop becomes an *event*: a key packing (standard, route, tumour group, modality, month)
into one integer, the accountable provider, the commissioner, a weight and whether it was within
the standard. Each standard's events come from **one filtered projection** of the pathways in which
the dates become integer day numbers and the wait, the outcome and (62-day) the breach-allocation
shares are computed once (``clocks``, ``breach_allocation``). The events are then summed in **one
aggregation pass** with ``GROUPING SETS`` (one set per basis), and the published breakdowns are
rolled up from those sums in a second, small ``GROUPING SETS`` pass (one set per breakdown):

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

The key is exact for any input: tumour groups and modalities outside the known lists below get an
"other" code, as does a missing value, and their text travels beside the key (NULL for every known
value and for a missing one); each code is computed once per row, and the key is decoded
back to the published columns only on the summed rows. Ibis has no ``GROUPING SETS``, so the two
passes are written as SQL over the Ibis events (``SQL_GROUPING_SETS``): the text is plain SQL that
DuckDB and Spark SQL both read, and the rest of the expression stays Ibis on either engine.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources

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


def _tumour_groups() -> tuple[str, ...]:
    text = resources.files("cancerwatch.catalogue").joinpath("tumour_groups.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return tuple(dict.fromkeys([r["group_2023"] for r in rows] + [r["group_2022"] for r in rows]))


#: Tumour groups coded from 1 (both classifications of the catalogue); any other text is "other".
CANCER_CODES: tuple[str, ...] = _tumour_groups()
#: Treatment modalities coded from 1 (the contract's enumeration; docs/record-level.md).
MODALITY_CODES: tuple[str, ...] = ("surgery", "anti_cancer_drug", "radiotherapy", "other")

# The packed key: (((standard × 8 + route) × 32 + cancer) × 8 + modality) × 2³¹ + month + 2³⁰, where
# month = year × 12 + month − 1 (the offset keeps it positive for any year in ±89 million). Code 0 is
# "absent" (the breakdown a key does not carry: modality on a tumour-group key and on every FDS key,
# tumour group on a modality key); the last code of cancer and modality is "other": a value not
# listed, or NULL, whose text travels beside the key (NULL for NULL). Every stride is at least 2³¹,
# so SQL engines type each literal, and so each product, as a 64-bit integer.
_ROUTE_SLOTS, _CANCER_SLOTS, _MODALITY_SLOTS = 8, 32, 8
_MONTH_SLOTS, _MONTH_OFFSET = 1 << 31, 1 << 30
OTHER_CANCER, OTHER_MODALITY = _CANCER_SLOTS - 1, _MODALITY_SLOTS - 1
assert len(ROUTE_CODES) < _ROUTE_SLOTS and len(CANCER_CODES) < OTHER_CANCER and len(MODALITY_CODES) < OTHER_MODALITY
_MODALITY_STRIDE = _MONTH_SLOTS
_CANCER_STRIDE = _MODALITY_STRIDE * _MODALITY_SLOTS
_ROUTE_STRIDE = _CANCER_STRIDE * _CANCER_SLOTS
_STANDARD_STRIDE = _ROUTE_STRIDE * _ROUTE_SLOTS


def _int64(n: int) -> ir.IntegerScalar:
    """A 64-bit literal (key arithmetic is never done in a narrower type)."""
    return ibis.literal(n, "int64")


#: Columns of an event (the standards' events are stacked, so every column is nullable).
EVENT_SCHEMA = ibis.schema(
    {
        "cancer_key": "int64",
        "modality_key": "int64",
        "cancer_other": "string",
        "modality_other": "string",
        "provider": "string",
        "commissioner": "string",
        "weight": "float64",
        "within_weight": "float64",
    }
)


def code(value: ir.StringValue, known: tuple[str, ...], other: int) -> ir.IntegerValue:
    """1-based position of ``value`` in ``known``; ``other`` when not listed or NULL (its text, NULL
    for NULL, travels beside the key: :func:`other_text`). One array lookup per row.
    """
    position = ibis.literal(list(known)).index(value) + 1
    # A NULL value gives a NULL position, and a NULL condition takes the else branch.
    return ibis.ifelse(position > 0, position, other).cast("int64")


def other_text(value: ir.StringValue, value_code: ir.IntegerValue, other: int) -> ir.StringValue:
    """The text of a value whose code is ``other`` (kept beside the key); NULL otherwise."""
    return ibis.ifelse(value_code == other, value, ibis.null("string"))


def month_index(d: ir.DateValue) -> ir.IntegerValue:
    """Months since January of year 0 of the month ``d`` falls in (year × 12 + month − 1)."""
    return d.year().cast("int64") * 12 + d.month().cast("int64") - 1


def event_key(
    standard: str,
    route: ir.IntegerValue,
    cancer: ir.IntegerValue | None,
    modality: ir.IntegerValue | None,
    month: ir.IntegerValue,
) -> ir.IntegerValue:
    """The packed key of an event (layout above); a ``None`` field is absent (code 0)."""
    key = _int64(STANDARD_CODES.index(standard) * _STANDARD_STRIDE + _MONTH_OFFSET) + route * _int64(_ROUTE_STRIDE)
    if cancer is not None:
        key = key + cancer * _int64(_CANCER_STRIDE)
    if modality is not None:
        key = key + modality * _int64(_MODALITY_STRIDE)
    return key + month


def _route_code(route: ir.StringValue) -> ir.IntegerValue:
    return (ibis.literal(list(ROUTE_CODES)).index(route) + 1).cast("int64")


def _coded(t: ir.Table, *, modality: bool, **columns: ir.Value) -> ir.Table:
    """A filtered projection ``t`` of the pathways with the codes of its text computed once.

    Each code is read twice (in a key and for the text beside it), so this projection stays a
    projection of its own under the one that builds the keys, rather than being inlined twice.
    """
    codes: dict[str, ir.Value] = {"cancer": code(t.tumour_group, CANCER_CODES, OTHER_CANCER),
                                  "tumour_group": t.tumour_group}  # fmt: skip
    if modality:
        codes |= {"modality": code(t.treatment_modality, MODALITY_CODES, OTHER_MODALITY),
                  "treatment_modality": t.treatment_modality}  # fmt: skip
    return t.select(**codes, commissioner=t.commissioner_code.fill_null(UNKNOWN_ORG), **columns)


def _texts(c: ir.Table, *, modality: bool) -> dict[str, ir.StringValue]:
    return {
        "cancer_other": other_text(c.tumour_group, c.cancer, OTHER_CANCER),
        "modality_other": other_text(c.treatment_modality, c.modality, OTHER_MODALITY)
        if modality
        else ibis.null("string"),
    }


def _treated_keys(c: ir.Table, standard: str) -> dict[str, ir.IntegerValue]:
    """The two keys of a treated event: by tumour group (modality absent) and by modality (tumour
    group absent).
    """
    return {
        "cancer_key": event_key(standard, c.route, c.cancer, None, c.month),
        "modality_key": event_key(standard, c.route, None, c.modality, c.month),
    }


def _weighted(within: ir.BooleanValue, weight: ir.FloatingValue | None = None) -> dict[str, ir.FloatingValue]:
    w = ibis.literal(1.0) if weight is None else weight
    return {"weight": w, "within_weight": ibis.ifelse(within, w, 0.0)}


def _wait(days: ir.IntegerValue, t: ir.Table, clock: str) -> ir.IntegerValue:
    return clocks.wait_from_days(days, clocks.clock_adjustment(t, clock))


def fds_events(p: ir.Table) -> ir.Table:
    """One event per pathway whose FDS clock has stopped (accountable: the first provider)."""
    t = p.filter(*clocks.fds_counted_conditions(p))
    stop = clocks.fds_stop_date(t)
    days = clocks.day_number(stop) - clocks.day_number(t.referral_date)
    c = _coded(
        t,
        modality=False,
        route=_route_code(t.route),
        month=month_index(stop),
        provider=t.first_provider_code.fill_null(UNKNOWN_ORG),
        within=clocks.within_standard(_wait(days, t, clocks.FDS), clocks.FDS_DAYS),
    )
    return c.select(
        cancer_key=event_key(clocks.FDS, c.route, c.cancer, None, c.month),
        modality_key=ibis.null("int64"),
        **_texts(c, modality=False),
        provider=c.provider,
        commissioner=c.commissioner,
        **_weighted(c.within),
    ).cast(EVENT_SCHEMA)


def d31_events(p: ir.Table) -> ir.Table:
    """One event per first or subsequent treatment (accountable: the treating provider)."""
    t = p.filter(*clocks.d31_conditions(p))
    first, subsequent = (ROUTE_CODES.index(clocks.D31_ROUTE_IDS[k]) + 1 for k in (clocks.FIRST, clocks.SUBSEQUENT))
    days = clocks.day_number(t.treatment_date) - clocks.day_number(t.decision_to_treat_date)
    c = _coded(
        t,
        modality=True,
        route=ibis.ifelse(t.treatment_kind == clocks.FIRST, first, subsequent).cast("int64"),
        month=month_index(t.treatment_date),
        provider=t.treating_provider_code.fill_null(t.first_provider_code).fill_null(UNKNOWN_ORG),
        within=clocks.within_standard(_wait(days, t, clocks.D31), clocks.D31_DAYS),
    )
    return c.select(
        **_treated_keys(c, clocks.D31),
        **_texts(c, modality=True),
        provider=c.provider,
        commissioner=c.commissioner,
        **_weighted(c.within),
    ).cast(EVENT_SCHEMA)


def d62_events(p: ir.Table) -> ir.Table:
    """One event per (62-day pathway, accountable provider) with a non-zero share, weighted by it.

    Day numbers of referral, transfer and treatment are taken once; the wait, the outcome, the day of
    receipt and the days from receipt to treatment are subtractions of them (breach allocation rule:
    ``breach_allocation.first_share``). Both roles are read from that one projection.
    """
    t = p.filter(*clocks.d62_conditions(p))
    ref, ipt, treat = (clocks.day_number(t[col]) for col in ("referral_date", "ipt_date", "treatment_date"))
    within = clocks.within_standard(_wait(treat - ref, t, clocks.D62), clocks.D62_DAYS)
    transfer = (
        t.ipt_date.notnull()
        & t.treating_provider_code.notnull()
        & (t.treating_provider_code != t.first_provider_code.fill_null(""))
    )
    c = _coded(
        t,
        modality=True,
        route=_route_code(t.route),
        month=month_index(t.treatment_date),
        first=t.first_provider_code.fill_null(UNKNOWN_ORG),
        treating=t.treating_provider_code.fill_null(UNKNOWN_ORG),
        within=within,
        share=first_share(transfer, within, ipt - ref, treat - ipt),
    )
    a = c.select(
        **_treated_keys(c, clocks.D62),
        **_texts(c, modality=True),
        first=c.first,
        treating=c.treating,
        commissioner=c.commissioner,
        within=c.within,
        share=c.share,
    )
    parts = []
    for provider, weight, keep in ((a.first, a.share, a.share > 0), (a.treating, 1.0 - a.share, a.share < 1)):
        parts.append(
            a.filter(keep)
            .select(
                "cancer_key",
                "modality_key",
                "cancer_other",
                "modality_other",
                provider=provider,
                commissioner=a.commissioner,
                **_weighted(a.within, weight),
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
_BY_CANCER = ("(cancer_key, cancer_other, provider)", "(cancer_key, cancer_other, commissioner)")
_BY_MODALITY = ("(modality_key, modality_other, provider)", "(modality_key, modality_other, commissioner)")
GROUPING_SETS = {"fds": _BY_CANCER, "treated": (*_BY_CANCER, *_BY_MODALITY)}


def grouping_sets_sql(events: str, sets: tuple[str, ...]) -> str:
    """The aggregation pass over the table named ``events``, in SQL that DuckDB and Spark SQL both read."""
    modality_set = "GROUPING(cancer_key)" if any("modality_key" in s for s in sets) else "0"
    modality = (
        "modality_key, modality_other"
        if modality_set != "0"
        else "CAST(NULL AS BIGINT) AS modality_key, CAST(NULL AS STRING) AS modality_other"
    )
    return f"""
        SELECT cancer_key, cancer_other, {modality}, provider, commissioner,
               GROUPING(provider) AS commissioner_set, {modality_set} AS modality_set,
               SUM(weight) AS total, SUM(within_weight) AS within_standard
        FROM {events}
        GROUP BY GROUPING SETS ({", ".join(sets)})
    """  # noqa: S608 - constant text


_SUMS_SCHEMA = ibis.schema(
    {
        **{c: EVENT_SCHEMA[c] for c in ("cancer_key", "cancer_other", "modality_key", "modality_other")},
        "provider": "string",
        "commissioner": "string",
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
    by_commissioner, by_modality = s.commissioner_set == 1, s.modality_set == 1
    return s.select(
        basis=ibis.ifelse(by_commissioner, COMMISSIONER_BASIS, PROVIDER_BASIS),
        org_code=ibis.ifelse(by_commissioner, s.commissioner, s.provider),
        by_modality=by_modality,
        event_key=ibis.ifelse(by_modality, s.modality_key, s.cancer_key),
        other=ibis.ifelse(by_modality, s.modality_other, s.cancer_other),
        total=s.total,
        within_standard=s.within_standard,
    )


def _field(key: ir.IntegerValue, stride: int, slots: int) -> ir.IntegerValue:
    """One field of a packed key."""
    return (key // _int64(stride)) % slots


def _decode(
    c: ir.IntegerValue, known: tuple[str, ...], slots: int, other: int | None, text: ir.StringValue | None
) -> ir.StringValue:
    """The text of code ``c``: a value of ``known``, the ``text`` beside an ``other`` code, or NULL
    (code 0, absent). One lookup in an array of every slot, so no index is ever out of range.
    """
    names = ibis.literal([None, *known, *[None] * (slots - 1 - len(known))], type="array<string>")
    value = names[c.cast("int32")]  # Spark's element_at takes a 32-bit index
    return value if other is None else ibis.ifelse(c == other, text, value)


def facts_from_sums(sums: ir.Table) -> ir.Table:
    """The summed rows decoded into the published columns (``FACT_COLUMNS``; see module docstring)."""
    key = sums.event_key
    std = key // _int64(_STANDARD_STRIDE)
    month = key % _int64(_MONTH_SLOTS) - _int64(_MONTH_OFFSET)
    period = ibis.date(month // 12, month % 12 + 1, 1)
    cancer = _decode(_field(key, _CANCER_STRIDE, _CANCER_SLOTS), CANCER_CODES, _CANCER_SLOTS, OTHER_CANCER, sums.other)
    modality = _decode(
        _field(key, _MODALITY_STRIDE, _MODALITY_SLOTS), MODALITY_CODES, _MODALITY_SLOTS, OTHER_MODALITY, sums.other
    )
    is_fds = std == STANDARD_CODES.index(clocks.FDS)
    return sums.select(
        basis=sums.basis,
        period=period,
        standard=ibis.cases(*((std == i, s) for i, s in enumerate(STANDARD_CODES))),
        org_code=sums.org_code,
        route=_decode(_field(key, _ROUTE_STRIDE, _ROUTE_SLOTS), ROUTE_CODES, _ROUTE_SLOTS, None, None),
        modality=modality,
        cancer_type=cancer,
        tumour_scheme=ibis.cases(
            (cancer.isnull(), ibis.null("string")),
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
