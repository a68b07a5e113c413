"""Pathways → rows of the ``facts`` table, in the shape of NHS England's published extracts.

Each clock stop becomes an *event*: (standard, month, route, tumour group, modality, accountable
provider, commissioner, weight, within). Events are summed once into a *cube* per provider ×
commissioner (one pass over the events, so they are never held or recomputed per basis), the cube
is summed per basis, and each basis is summed again into the published breakdowns:

- ``provider``: the accountable provider. FDS → the first provider (the contract has no "FDS end
  organisation"); 31-day → the treating provider, else the first provider; 62-day → the first and
  treating providers with their breach-allocation shares (half patients, domain brief 2.2–2.3).
- ``commissioner``: the patient's sub-ICB location (``commissioner_code``), whole patients: the
  shares of one pathway add back to one patient.

Breakdowns follow the provider extract (domain brief 3.2–3.3), so ``metrics.performance`` counts
every pathway once: FDS rows are ``fds`` (route × tumour group); 31- and 62-day rows come twice,
once as ``cancer_type`` (tumour group, all modalities) and once as ``modality`` (modality, all
cancers). Routes use the catalogue ids; 31-day rows carry ``first_treatment`` or
``subsequent_treatment`` like the published extracts.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources

import ibis
import ibis.expr.types as ir

from cancerwatch.metrics.pathways import clocks
from cancerwatch.metrics.pathways.breach_allocation import UNKNOWN_ORG, allocate_pathways

PROVIDER_BASIS = "provider"
COMMISSIONER_BASIS = "commissioner"
BASES = (PROVIDER_BASIS, COMMISSIONER_BASIS)

#: The month the more granular 31/62-day tumour grouping starts (NHS England technical note; domain brief 1.6).
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


# --- event keys ---------------------------------------------------------------------------------
#
# The events are summed on one integer key that packs standard, route, tumour group, modality and
# month, beside the two organisation codes: a group-by on long text keys (route ids, tumour group
# names) costs several times one on a single integer. Tumour groups and modalities outside the
# known lists below are not lost: they get the "other" code and their text travels in a text key
# (``''`` for every known value), so the encoding is exact for any input. The key is decoded back to
# the published columns only on the small summed tables.

_MONTH_SLOTS = 1 << 17  # month index = year × 12 + month − 1 (years up to 10922)
_MODALITY_SLOTS = 8
_CANCER_SLOTS = 64
_ROUTE_SLOTS = 8
_NULL_CODE = 0

#: Route ids an event can carry: the FDS and 62-day routes and the 31-day sub-categories.
ROUTE_CODES: tuple[str, ...] = tuple(
    dict.fromkeys((*clocks.FDS_ROUTES, *clocks.D62_ROUTES, *clocks.D31_ROUTE_IDS.values()))
)
STANDARD_CODES: tuple[str, ...] = (clocks.FDS, clocks.D31, clocks.D62)


def _tumour_groups() -> tuple[str, ...]:
    text = resources.files("cancerwatch.catalogue").joinpath("tumour_groups.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return tuple(dict.fromkeys([r["group_2023"] for r in rows] + [r["group_2022"] for r in rows]))


#: Tumour groups with a code of their own (both classifications of the catalogue); others are text.
CANCER_CODES: tuple[str, ...] = _tumour_groups()
#: Treatment modalities with a code of their own (the contract's enumeration); others are text.
MODALITY_CODES: tuple[str, ...] = ("surgery", "anti_cancer_drug", "radiotherapy", "other")
_CANCER_OTHER = _CANCER_SLOTS - 1
_MODALITY_OTHER = _MODALITY_SLOTS - 1
assert len(ROUTE_CODES) < _ROUTE_SLOTS and len(CANCER_CODES) < _CANCER_OTHER
assert len(MODALITY_CODES) < _MODALITY_OTHER

# Strides of the packed key: (((standard × 8 + route) × 64 + cancer) × 8 + modality) × 2¹⁷ + month.
_MODALITY_STRIDE = _MONTH_SLOTS
_CANCER_STRIDE = _MODALITY_STRIDE * _MODALITY_SLOTS
_ROUTE_STRIDE = _CANCER_STRIDE * _CANCER_SLOTS
_STANDARD_STRIDE = _ROUTE_STRIDE * _ROUTE_SLOTS


def _code(value: ir.StringValue, known: tuple[str, ...], other: int) -> ir.IntegerValue:
    """1-based position of ``value`` in ``known``; 0 when NULL, ``other`` when not listed."""
    return ibis.cases(
        (value.isnull(), _NULL_CODE),
        *((value == v, i) for i, v in enumerate(known, start=1)),
        else_=other,
    ).cast("int64")


def _other_text(value: ir.StringValue, known: tuple[str, ...]) -> ir.StringValue:
    """The text of a value outside ``known`` (kept beside its "other" code), else ``''``."""
    return ibis.ifelse(value.isin(known).fill_null(True), "", value)


def _decode(code: ir.IntegerValue, known: tuple[str, ...], other: int, text: ir.StringValue) -> ir.StringValue:
    return ibis.cases(
        (code == _NULL_CODE, ibis.null("string")),
        (code == other, text),
        *((code == i, v) for i, v in enumerate(known, start=1)),
        else_=ibis.null("string"),
    )


def month_index(d: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0 of the month ``d`` falls in (year × 12 + month − 1)."""
    return d.year().cast("int64") * 12 + d.month().cast("int64") - 1


#: Column types of an event (all nullable, so that the three standards' events can be stacked).
EVENT_SCHEMA = ibis.schema(
    {
        "key": "int64",
        "cancer_text": "string",
        "modality_text": "string",
        "provider_code": "string",
        "commissioner_code": "string",
        "weight": "float64",
        "within": "boolean",
    }
)


def _event(t: ir.Table, standard: str, *, stop, route_code, modality, provider, weight, within) -> ir.Table:
    cancer = t.tumour_group
    key = (
        ibis.literal(STANDARD_CODES.index(standard) * _STANDARD_STRIDE, "int64")
        + route_code.cast("int64") * _ROUTE_STRIDE
        + _code(cancer, CANCER_CODES, _CANCER_OTHER) * _CANCER_STRIDE
        + month_index(stop)
    )
    if modality is not None:
        key = key + _code(modality, MODALITY_CODES, _MODALITY_OTHER) * _MODALITY_STRIDE
    e = t.select(
        key=key,
        cancer_text=_other_text(cancer, CANCER_CODES),
        modality_text=ibis.literal("") if modality is None else _other_text(modality, MODALITY_CODES),
        provider_code=provider.fill_null(UNKNOWN_ORG),
        commissioner_code=t.commissioner_code.fill_null(UNKNOWN_ORG),
        weight=ibis.literal(1.0) if weight is None else weight.cast("float64"),
        within=within,
    )
    return e.cast(EVENT_SCHEMA)


def _route_code(route: ir.StringValue, routes: tuple[str, ...]) -> ir.IntegerValue:
    """Code of a route already known to be one of ``routes``."""
    return ibis.cases(
        *((route == r, ROUTE_CODES.index(r) + 1) for r in routes[:-1]), else_=ROUTE_CODES.index(routes[-1]) + 1
    )


def fds_events(p: ir.Table) -> ir.Table:
    """One event per pathway whose FDS clock has stopped (accountable: the first provider)."""
    t = p.filter(*clocks.fds_counted_conditions(p))
    t = t.mutate(_stop=clocks.fds_stop_date(t))
    wait = clocks.adjusted_wait(t.referral_date, t._stop, clocks.clock_adjustment(t, clocks.FDS))
    return _event(
        t,
        clocks.FDS,
        stop=t._stop,
        route_code=_route_code(t.route, clocks.FDS_ROUTES),
        modality=None,
        provider=t.first_provider_code,
        weight=None,
        within=clocks.within_standard(wait, clocks.FDS_DAYS),
    )


def d31_events(p: ir.Table) -> ir.Table:
    """One event per first or subsequent treatment (accountable: the treating provider)."""
    t = p.filter(*clocks.d31_conditions(p))
    first, subsequent = (ROUTE_CODES.index(clocks.D31_ROUTE_IDS[k]) + 1 for k in (clocks.FIRST, clocks.SUBSEQUENT))
    return _event(
        t,
        clocks.D31,
        stop=t.treatment_date,
        route_code=ibis.ifelse((t.treatment_kind == clocks.FIRST).fill_null(False), first, subsequent),
        modality=t.treatment_modality,
        provider=t.treating_provider_code.fill_null(t.first_provider_code),
        weight=None,
        within=clocks.within_standard(clocks.d31_wait(t), clocks.D31_DAYS),
    )


def d62_events(p: ir.Table) -> ir.Table:
    """One event per (62-day pathway, accountable provider), weighted by the allocated share."""
    t = p.filter(*clocks.d62_conditions(p))
    t = t.mutate(_within=clocks.within_standard(clocks.d62_wait(t), clocks.D62_DAYS))
    a = allocate_pathways(t, t._within)
    return _event(
        a,
        clocks.D62,
        stop=a.treatment_date,
        route_code=_route_code(a.route, clocks.D62_ROUTES),
        modality=a.treatment_modality,
        provider=a.provider_code,
        weight=a.share,
        within=a._within,
    )


def record_events(p: ir.Table) -> ir.Table:
    """Every counted clock stop of every standard (FDS, 31-day, 62-day), on packed keys."""
    return fds_events(p).union(d31_events(p)).union(d62_events(p))


KEYS = ["key", "cancer_text", "modality_text"]


def event_cube(events: ir.Table) -> ir.Table:
    """Events summed per provider × commissioner and every published dimension (both bases' grain).

    Summing the events once, at a grain both bases are built from, reads the events once.
    """
    return events.group_by([*KEYS, "provider_code", "commissioner_code"]).aggregate(
        total=events.weight.sum(),
        within_standard=events.within.ifelse(events.weight, 0.0).sum(),
    )


def basis_cube(cube: ir.Table, basis: str) -> ir.Table:
    """The event cube summed per accountable organisation of ``basis`` and every published dimension."""
    org = cube.provider_code if basis == PROVIDER_BASIS else cube.commissioner_code
    c = cube.mutate(org_code=org)
    return c.group_by([*KEYS, "org_code"]).aggregate(total=c.total.sum(), within_standard=c.within_standard.sum())


def _tumour_scheme(t: ir.Table) -> ir.StringValue:
    """Which tumour classification ``cancer_type`` follows (as ``cwt_codes.tumour_scheme`` does)."""
    return ibis.cases(
        (t.cancer_type.isnull(), ibis.null("string")),
        (t.standard == clocks.FDS, "fds_suspected"),
        (t.period >= RECLASSIFICATION_MONTH, "2023"),
        else_="2022",
    )


def _facts(t: ir.Table, basis: str, breakdown: str) -> ir.Table:
    """Decode the packed key of summed rows into the published columns (``FACT_COLUMNS``)."""
    k = t.key
    month = k % _MONTH_SLOTS
    route = (k // _ROUTE_STRIDE) % _ROUTE_SLOTS
    t = t.mutate(
        basis=ibis.literal(basis),
        period=ibis.date(month // 12, month % 12 + 1, 1),
        standard=ibis.cases(*((k // _STANDARD_STRIDE == i, s) for i, s in enumerate(STANDARD_CODES))),
        route=ibis.cases(*((route == i, r) for i, r in enumerate(ROUTE_CODES, start=1))),
        modality=_decode((k // _MODALITY_STRIDE) % _MODALITY_SLOTS, MODALITY_CODES, _MODALITY_OTHER, t.modality_text),
        cancer_type=_decode((k // _CANCER_STRIDE) % _CANCER_SLOTS, CANCER_CODES, _CANCER_OTHER, t.cancer_text),
        breakdown=ibis.literal(breakdown),
    )
    return t.mutate(tumour_scheme=_tumour_scheme(t), breaches=t.total - t.within_standard).select(*FACT_COLUMNS)


def _sum(t: ir.Table, **keys) -> ir.Table:
    t = t.mutate(**keys)
    return t.group_by([*KEYS, "org_code"]).aggregate(total=t.total.sum(), within_standard=t.within_standard.sum())


def facts_from_cube(cube: ir.Table, basis: str) -> ir.Table:
    """Facts of one basis in every published breakdown (see module docstring).

    FDS rows have no modality, so the basis cube is already at the FDS breakdown's grain. The
    31/62-day breakdowns drop the modality (``cancer_type``) or the tumour group (``modality``)
    from the key before summing.
    """
    k = cube.key
    fds = cube.filter(k < _STANDARD_STRIDE)
    treated = cube.filter(k >= _STANDARD_STRIDE)
    tk = treated.key
    by_cancer = _sum(
        treated, key=tk - (tk // _MODALITY_STRIDE) % _MODALITY_SLOTS * _MODALITY_STRIDE, modality_text=ibis.literal("")
    )
    by_modality = _sum(
        treated, key=tk - (tk // _CANCER_STRIDE) % _CANCER_SLOTS * _CANCER_STRIDE, cancer_text=ibis.literal("")
    )
    return (
        _facts(fds, basis, "fds")
        .union(_facts(by_cancer, basis, "cancer_type"))
        .union(_facts(by_modality, basis, "modality"))
    )


def record_facts(p: ir.Table) -> ir.Table:
    """Facts rows (``FACT_COLUMNS``) of the FDS, 31-day and 62-day standards from pathway rows."""
    cube = event_cube(record_events(p))
    provider = facts_from_cube(basis_cube(cube, PROVIDER_BASIS), PROVIDER_BASIS)
    return provider.union(facts_from_cube(basis_cube(cube, COMMISSIONER_BASIS), COMMISSIONER_BASIS))
