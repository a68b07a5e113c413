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

from datetime import date

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


#: Column types of an event (all nullable, so that the three standards' events can be stacked).
EVENT_SCHEMA = ibis.schema(
    {
        "standard": "string",
        "period": "date",
        "route": "string",
        "cancer_type": "string",
        "modality": "string",
        "provider_code": "string",
        "commissioner_code": "string",
        "weight": "float64",
        "within": "boolean",
    }
)


def _event(t: ir.Table, standard: str, *, stop, route, modality, provider, weight, within) -> ir.Table:
    e = t.select(
        standard=ibis.literal(standard),
        period=clocks.clock_month(stop),
        route=route,
        cancer_type=t.tumour_group,
        modality=modality,
        provider_code=provider.fill_null(UNKNOWN_ORG),
        commissioner_code=t.commissioner_code.fill_null(UNKNOWN_ORG),
        weight=ibis.literal(1.0) if weight is None else weight.cast("float64"),
        within=within,
    )
    return e.cast(EVENT_SCHEMA)


def fds_events(p: ir.Table) -> ir.Table:
    """One event per pathway whose FDS clock has stopped (accountable: the first provider)."""
    t = p.filter(clocks.fds_counted(p))
    return _event(
        t,
        clocks.FDS,
        stop=clocks.fds_stop_date(t),
        route=t.route,
        modality=ibis.null("string"),
        provider=t.first_provider_code,
        weight=None,
        within=clocks.within_standard(clocks.fds_wait(t), clocks.FDS_DAYS),
    )


def d31_events(p: ir.Table) -> ir.Table:
    """One event per first or subsequent treatment (accountable: the treating provider)."""
    t = p.filter(clocks.d31_in_scope(p))
    return _event(
        t,
        clocks.D31,
        stop=t.treatment_date,
        route=clocks.d31_route(t),
        modality=t.treatment_modality,
        provider=t.treating_provider_code.fill_null(t.first_provider_code),
        weight=None,
        within=clocks.within_standard(clocks.d31_wait(t), clocks.D31_DAYS),
    )


def d62_events(p: ir.Table) -> ir.Table:
    """One event per (62-day pathway, accountable provider), weighted by the allocated share."""
    t = p.filter(clocks.d62_in_scope(p))
    t = t.mutate(_within=clocks.within_standard(clocks.d62_wait(t), clocks.D62_DAYS))
    a = allocate_pathways(t, t._within)
    return _event(
        a,
        clocks.D62,
        stop=a.treatment_date,
        route=a.route,
        modality=a.treatment_modality,
        provider=a.provider_code,
        weight=a.share,
        within=a._within,
    )


def record_events(p: ir.Table) -> ir.Table:
    """Every counted clock stop of every standard (FDS, 31-day, 62-day)."""
    return fds_events(p).union(d31_events(p)).union(d62_events(p))


DIMENSIONS = ["standard", "period", "route", "cancer_type", "modality"]


def event_cube(events: ir.Table) -> ir.Table:
    """Events summed per provider × commissioner and every published dimension (both bases' grain).

    Summing the events once, at a grain both bases are built from, reads the events once.
    """
    return events.group_by([*DIMENSIONS, "provider_code", "commissioner_code"]).aggregate(
        total=events.weight.sum(),
        within_standard=events.within.ifelse(events.weight, 0.0).sum(),
    )


def basis_cube(cube: ir.Table, basis: str) -> ir.Table:
    """The event cube summed per accountable organisation of ``basis`` and every published dimension."""
    org = cube.provider_code if basis == PROVIDER_BASIS else cube.commissioner_code
    c = cube.mutate(org_code=org)
    return c.group_by([*DIMENSIONS, "org_code"]).aggregate(total=c.total.sum(), within_standard=c.within_standard.sum())


def _tumour_scheme(t: ir.Table) -> ir.StringValue:
    """Which tumour classification ``cancer_type`` follows (as ``cwt_codes.tumour_scheme`` does)."""
    return ibis.cases(
        (t.cancer_type.isnull(), ibis.null("string")),
        (t.standard == clocks.FDS, "fds_suspected"),
        (t.period >= RECLASSIFICATION_MONTH, "2023"),
        else_="2022",
    )


def _breakdown(cube: ir.Table, basis: str, name: str, keys: list[str]) -> ir.Table:
    t = cube.group_by(keys).aggregate(total=cube.total.sum(), within_standard=cube.within_standard.sum())
    t = t.mutate(
        basis=ibis.literal(basis),
        breakdown=ibis.literal(name),
        modality=t.modality if "modality" in keys else ibis.null("string"),
        cancer_type=t.cancer_type if "cancer_type" in keys else ibis.null("string"),
    )
    return t.mutate(tumour_scheme=_tumour_scheme(t), breaches=t.total - t.within_standard).select(*FACT_COLUMNS)


def facts_from_cube(cube: ir.Table, basis: str) -> ir.Table:
    """Facts of one basis in every published breakdown (see module docstring)."""
    keys = ["standard", "period", "route", "org_code"]
    fds = cube.filter(cube.standard == clocks.FDS)
    treated = cube.filter(cube.standard != clocks.FDS)
    return (
        _breakdown(fds, basis, "fds", [*keys, "cancer_type"])
        .union(_breakdown(treated, basis, "cancer_type", [*keys, "cancer_type"]))
        .union(_breakdown(treated, basis, "modality", [*keys, "modality"]))
    )


def record_facts(p: ir.Table) -> ir.Table:
    """Facts rows (``FACT_COLUMNS``) of the FDS, 31-day and 62-day standards from pathway rows."""
    cube = event_cube(record_events(p))
    provider = facts_from_cube(basis_cube(cube, PROVIDER_BASIS), PROVIDER_BASIS)
    return provider.union(facts_from_cube(basis_cube(cube, COMMISSIONER_BASIS), COMMISSIONER_BASIS))
