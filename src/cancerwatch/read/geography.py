"""The map: sub-ICB performance in one month, with the same figures as a table."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard, headline_standards
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import in_period, level_rows, period_starts, shown

MAP_LEVEL = "sub_icb"


@dataclass
class MapView:
    """One standard by sub-ICB location in one month."""

    standard: Standard
    standards: list[Standard]
    month: str
    months: list[str]
    rows: list[dict]
    mapped: list[dict]
    threshold: float | None
    not_mapped: list[dict]


def map_view(reader: Reader, standard: str, month: date | None, on_map: Collection[str]) -> MapView:
    """The map of ``standard`` in ``month`` (latest by default); ``on_map``: codes with a boundary."""
    everyone = level_rows(reader, standard, MAP_LEVEL)
    rows, chosen = in_period(everyone, month)
    rows = shown(reader, rows)
    table = sorted((r for r in rows if r["org_code"] != UNMAPPED_CODE), key=lambda r: r["org_name"])
    return MapView(
        standard=get_standard(standard),
        standards=[get_standard(s) for s in headline_standards()],
        month=chosen,
        months=[s[:7] for s in period_starts(everyone)],
        rows=table,
        mapped=[
            {"org_code": r["org_code"], "org_name": r["org_name"], "performance": r["performance"]}
            for r in table
            if r["org_code"] in on_map and r.get("performance") is not None
        ],
        threshold=next((r["threshold"] for r in rows if r.get("threshold") is not None), None),
        not_mapped=[r for r in table if r["org_code"] not in on_map],
    )
