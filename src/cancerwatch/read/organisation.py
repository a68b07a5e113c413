"""An organisation's page: tiles, the chosen standard's series with SPC, its place on the funnel
of its peers, the breakdown by route, its member organisations, and for the chosen month (the
latest with figures by default) its wait distributions, DM01 diagnostics and workforce
(:mod:`.org_panels`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from cancerwatch.catalogue.organisations import LEVEL_PLURALS, UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard, headline_standards
from cancerwatch.errors import UnknownOrg
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import funnel_for, latest, level_rows, series, shown, spc_for
from cancerwatch.read.org_panels import (
    WAIT_STANDARDS,
    DiagnosticsPanel,
    WaitPanel,
    WorkforcePanel,
    diagnostics_panel,
    wait_panel,
    workforce_panel,
)
from cancerwatch.read.overview import Tile, tiles
from cancerwatch.read.report import report_year
from cancerwatch.variation import FunnelView, SpcView
from cancerwatch.warehouse.organisations import Organisation, find_organisation, member_codes, parents_of

MEMBERS = {
    "alliance": [("provider", "provider")],
    "region": [("provider", "provider")],
    "icb": [("provider", "provider"), ("sub_icb", "commissioner")],
}
"""Member organisations listed on the page of each level: (level of the members, basis)."""


@dataclass
class MemberGroup:
    """Latest-month rows of the organisations of one level that roll up to the page's one."""

    level: str
    title: str
    rows: list[dict]
    note: str | None = None


@dataclass
class OrgPage:
    """Everything an organisation's page shows."""

    org: Organisation
    standard: Standard
    standards: list[Standard]
    tiles: list[Tile]
    rows: list[dict]
    spc: SpcView
    england: list[dict]
    funnel: FunnelView
    funnel_position: str | None
    funnel_position_text: str | None
    routes: list[dict]
    members: list[MemberGroup]
    parents: list[dict]
    places: list[dict]
    report_year: str | None
    month: str | None
    months: list[str]
    waits: list[WaitPanel]
    diagnostics: DiagnosticsPanel | None
    workforce: WorkforcePanel | None
    combined_months: list[str]
    combined_note: str | None


PLACES = {
    "provider": ("region", "icb", "alliance"),
    "sub_icb": ("region", "icb", "alliance"),
    "icb": ("region", "alliance"),
}
"""The organisations a page names its organisation's place in (each shown as "Not mapped" when no
public source places it there, as for most independent-sector providers)."""


def org_page(reader: Reader, level: str, code: str, standard: str, month: date | None = None) -> OrgPage:
    """The page of organisation ``code`` at ``level`` for ``standard`` (UnknownOrg if there is none);
    the panels show ``month`` (the latest month of the standard's figures by default)."""
    found = reader.memo(("org", code.upper(), level), lambda: find_organisation(reader.con, code, level))
    if found is None:
        raise UnknownOrg(f"there is no {level.replace('_', '-')} organisation with the code {code!r}")
    org = found
    std = get_standard(standard)
    rows = shown(reader, series(reader, standard, level, org.code))
    england = shown(reader, series(reader, standard, "national", None))
    if rows:
        england = [r for r in england if r["period_start"] >= rows[0]["period_start"]]
    view = funnel_for(reader, standard, level)
    parents = reader.memo(("parents", org.code), lambda: parents_of(reader.con, org.code))
    months = sorted({r["period_start"][:7] for r in rows}, reverse=True)
    chosen = month.isoformat()[:7] if month else (months[0] if months else None)
    on = date.fromisoformat(chosen + "-01") if chosen else None
    combined = [r for r in rows if r.get("combined_from")]
    return OrgPage(
        org=org,
        standard=std,
        standards=[get_standard(s) for s in headline_standards()],
        tiles=tiles(reader, level, org.code),
        rows=rows,
        spc=spc_for(reader, standard, level, org.code),
        england=england,
        funnel=view,
        funnel_position=view.position(org.code),
        funnel_position_text=view.position_text(org.code),
        routes=shown(reader, latest(series(reader, standard, level, org.code, by="route"))),
        members=_members(reader, level, org.code, standard, on),
        parents=parents,
        places=_places(level, parents),
        report_year=report_year([r["period_start"] for r in rows]),
        month=chosen,
        months=months,
        waits=[wait_panel(reader, s, level, org.code, on) for s in WAIT_STANDARDS] if on else [],
        diagnostics=diagnostics_panel(reader, level, org.code, on) if on else None,
        workforce=workforce_panel(reader, level, org.code),
        combined_months=[r["period_start"][:7] for r in combined],
        combined_note=combined[0]["combined_note"] if combined else None,
    )


def _places(level: str, parents: list[dict]) -> list[dict]:
    """Region, ICB and Alliance of the organisation, ``mapped`` False where it has none."""
    out = []
    for place in PLACES.get(level, ()):
        found = next((p for p in parents if p["level"] == place), None)
        out.append(
            {
                "level": place,
                "org_code": found["org_code"] if found else None,
                "org_name": found["org_name"] if found else "Not mapped",
                "mapped": found is not None,
            }
        )
    return out


def _members(reader: Reader, level: str, code: str, standard: str, month: date | None) -> list[MemberGroup]:
    """Each member level's rows in ``month`` (the page's), or in its own latest month with a note
    when it has none then (sub-ICB locations are published to October 2023 only)."""
    out = []
    for member_level, basis in MEMBERS.get(level, []):
        every = level_rows(reader, standard, member_level, basis=basis)
        rows = latest(every)
        if not rows:
            continue
        note = None
        wanted = month.isoformat() if month else None
        if wanted and wanted != rows[0]["period_start"]:
            chosen = [r for r in every if r["period_start"] == wanted and r["org_code"] != UNMAPPED_CODE]
            if chosen:
                rows = [r for r in every if r["period_start"] == wanted]
            else:
                plural = LEVEL_PLURALS[member_level]
                note = (
                    f"Figures for {plural[:1].lower() + plural[1:]} are published to "
                    f"{month_name_of(rows[0]['period_start'])} only: there are none for {month:%B %Y}."
                )
        on = date.fromisoformat(rows[0]["period_start"])
        key = ("members", basis, level, code, on)
        find = partial(member_codes, reader.con, basis=basis, level=level, parent_code=code, on=on)
        codes = set(reader.memo(key, find))
        mine = sorted((r for r in shown(reader, rows) if r["org_code"] in codes), key=lambda r: r["org_name"])
        if mine:
            out.append(MemberGroup(member_level, LEVEL_PLURALS[member_level], mine, note))
    return out


def month_name_of(period_start: str) -> str:
    """``2023-10-01`` → ``October 2023``."""
    return f"{date.fromisoformat(period_start[:10]):%B %Y}"
