"""The map: ICB or sub-ICB performance in one month, with the same figures as a table.

The boundaries are sub-ICB locations (ONS, April 2023). ICBs are drawn as their sub-ICB
locations, each shaded by its ICB's figure (the ``org_rollup`` commissioner hierarchy), so the
map reaches the latest month: NHS England's monthly commissioner workbooks give ICBs only after
September 2023. The colour scale is fixed per standard (:func:`colour_scale`) so that months
compare by eye.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard, headline_standards
from cancerwatch.periods import month_name
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import level_rows, period_starts, shown
from cancerwatch.read.names import titled
from cancerwatch.warehouse.organisations import members_by_parent

MAP_LEVELS = ("icb", "sub_icb")
SCALE_BELOW = 0.35
"""How far below the standard's operational threshold the colour scale starts (35 points)."""


@dataclass
class MapView:
    """One standard by ICB or sub-ICB location in one month."""

    standard: Standard
    standards: list[Standard]
    level: str
    levels: list[str]
    month: str | None
    months: list[str]
    rows: list[dict]
    mapped: list[dict]
    threshold: float | None
    scale: tuple[float, float | None, float]
    not_mapped: list[dict]
    note: str | None = None
    suggestions: list[dict] = field(default_factory=list)


def colour_scale(standard: Standard) -> tuple[float, float | None, float]:
    """(lowest, turning point, highest) of the map's colours for ``standard``, the same every month.

    The turning point is the standard's latest operational threshold (red below, blue above);
    the scale runs from 35 points below it (rounded down to 5) to 100%."""
    ops = sorted((t for t in standard.thresholds if t.kind == "operational"), key=lambda t: t.effective_from)
    if not ops:
        return (0.5, None, 1.0)
    mid = ops[-1].value
    low = max(0.0, int((mid - SCALE_BELOW) * 20) / 20)
    return (round(low, 2), mid, 1.0)


def _month(text: str) -> str:
    return month_name(date.fromisoformat(text))


def _icb_areas(reader: Reader, rows: list[dict], month: str, on_map: Collection[str]) -> dict[str, list[str]]:
    """Each ICB's sub-ICB locations that have a boundary, in ``month``."""
    on = date.fromisoformat(month)
    members = reader.memo(
        ("members", "commissioner", "icb", on),
        lambda: members_by_parent(reader.con, basis="commissioner", level="icb", on=on),
    )
    return {r["org_code"]: [c for c in members.get(r["org_code"], []) if c in on_map] for r in rows}


def map_view(reader: Reader, standard: str, month: date | None, on_map: Collection[str], level: str = "icb") -> MapView:
    """The map of ``standard`` at ``level`` in ``month`` (latest by default); ``on_map``: codes with a boundary.

    A month without figures gives an empty map whose ``note`` says why and ``suggestions`` what to
    choose instead."""
    std = get_standard(standard)
    everyone = level_rows(reader, standard, level)
    starts = period_starts(everyone)
    wanted = month.replace(day=1).isoformat() if month else None
    base = MapView(
        standard=std,
        standards=[get_standard(s) for s in headline_standards()],
        level=level,
        levels=[lv for lv in MAP_LEVELS if lv == level or period_starts(level_rows(reader, standard, lv))],
        month=wanted,
        months=[s[:7] for s in starts],
        rows=[],
        mapped=[],
        threshold=None,
        scale=colour_scale(std),
        not_mapped=[],
    )
    if not starts:
        return replace(base, note=f"There are no {std.short_name} figures to map.")
    if wanted is not None and wanted not in starts:
        target = date.fromisoformat(wanted)
        nearest = min(starts, key=lambda s: abs(date.fromisoformat(s) - target))
        span = _month(starts[0]) if len(starts) == 1 else f"{_month(starts[-1])} to {_month(starts[0])}"
        note = (
            f"There are no {std.short_name} figures for this map in {_month(wanted)}: the loaded figures cover {span}."
        )
        suggestions = [{"text": f"The latest, {_month(starts[0])}", "params": {"period_start": None}}]
        if nearest != starts[0]:
            suggestions.append({"text": f"The nearest, {_month(nearest)}", "params": {"period_start": nearest[:7]}})
        return replace(base, note=note, suggestions=suggestions)
    chosen = wanted or starts[0]
    rows = [r for r in everyone if r["period_start"] == chosen]
    table = sorted(
        (r for r in titled(shown(reader, rows)) if r["org_code"] != UNMAPPED_CODE), key=lambda r: r["org_name"]
    )
    if level == "icb":
        areas = _icb_areas(reader, table, chosen, on_map)
    else:
        areas = {r["org_code"]: [r["org_code"]] if r["org_code"] in on_map else [] for r in table}
    mapped = [
        {"org_code": code, "org_name": r["org_name"], "performance": r["performance"]}
        for r in table
        if r.get("performance") is not None
        for code in areas[r["org_code"]]
    ]
    return replace(
        base,
        month=chosen,
        rows=table,
        mapped=mapped,
        threshold=next((r["threshold"] for r in rows if r.get("threshold") is not None), None),
        not_mapped=[r for r in table if not areas[r["org_code"]]],
        note=None if mapped else f"No {std.short_name} figure in {_month(chosen)} can be drawn on the map.",
    )
