"""The overview: England's tiles per headline standard and every Cancer Alliance's latest month."""

from __future__ import annotations

from dataclasses import dataclass

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard, headline_standards
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import latest, level_rows, series, shown, spc_for
from cancerwatch.variation import SpcView


@dataclass
class Tile:
    """One headline standard for one organisation: its monthly series, latest month and SPC."""

    standard: Standard
    latest: dict | None
    rows: list[dict]
    spc: SpcView


@dataclass
class Overview:
    """England by headline standard, and each Alliance's latest month."""

    tiles: list[Tile]
    standards: list[Standard]
    alliances: list[dict]
    latest_month: str | None
    spc_note: str | None
    disclosure: str


def tiles(reader: Reader, level: str, org: str | None) -> list[Tile]:
    """One tile per headline standard: the shown monthly rows, the latest one and the policy's SPC."""
    out = []
    for sid in headline_standards():
        rows = shown(reader, series(reader, sid, level, org))
        out.append(Tile(get_standard(sid), rows[-1] if rows else None, rows, spc_for(reader, sid, level, org)))
    return out


def overview(reader: Reader) -> Overview:
    """The overview page's figures."""
    national = tiles(reader, "national", None)
    alliances: dict[str, dict] = {}
    for sid in headline_standards():
        for r in shown(reader, latest(level_rows(reader, sid, "alliance"))):
            if r["org_code"] == UNMAPPED_CODE:
                continue
            entry = alliances.setdefault(r["org_code"], {"org_code": r["org_code"], "org_name": r["org_name"]})
            entry.setdefault("by_standard", {})[sid] = r
    months = [t.latest["period_start"] for t in national if t.latest]
    missing = [t for t in national if t.rows and not t.spc.available]
    return Overview(
        tiles=national,
        standards=[get_standard(s) for s in headline_standards()],
        alliances=sorted(alliances.values(), key=lambda a: a["org_name"]),
        latest_month=max(months) if months else None,
        spc_note=missing[0].spc.note if missing else None,
        disclosure=reader.disclosure.label("published"),
    )
