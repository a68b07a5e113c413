"""The league table: every organisation at a level for one period, sorted, and its exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cancerwatch.catalogue.organisations import LEVEL_NAMES, UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard
from cancerwatch.metrics.periods import PERIOD_MONTHS
from cancerwatch.periods import period_label
from cancerwatch.periods import period_start as start_of_period
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import in_period, level_rows, period_starts, shown

SORTS = {
    "org_name": "Organisation",
    "total": "Patients",
    "within_standard": "Within standard",
    "breaches": "Breaches",
    "performance": "Performance",
    "compared_with_england": "Compared with England",
}
COMPARE_ORDER = {"better": 0, "similar": 1, "worse": 2}
EXPORT_FIELDS = (
    "period_start",
    "period_label",
    "standard",
    "level",
    "org_code",
    "org_name",
    "total",
    "within_standard",
    "breaches",
    "performance",
    "ci_low",
    "ci_high",
    "threshold",
    "met",
    "threshold_note",
    "england_performance",
    "compared_with_england",
    "rank",
    "peers",
    "basis",
    "source",
    "suppressed",
)


@dataclass
class League:
    """One standard at a level for one period, sorted as asked."""

    standard: Standard
    level: str
    period: str
    dataset: str
    chosen: str
    label: str
    periods: list[dict]
    rows: list[dict]
    sort: str
    direction: str
    covered_months: int
    expected_months: int
    disclosure: str


def sort_rows(rows: list[dict], key: str, direction: str) -> list[dict]:
    """Rows sorted by ``key``; missing or withheld values, and the unmapped row, always last."""

    def value(r: dict) -> object:
        v = r.get(key)
        if key == "compared_with_england":
            v = COMPARE_ORDER.get(v)  # type: ignore[arg-type]
        if isinstance(v, str):
            v = v.lower()
        return v

    present = [r for r in rows if value(r) is not None and r["org_code"] != UNMAPPED_CODE]
    missing = [r for r in rows if value(r) is None and r["org_code"] != UNMAPPED_CODE]
    present.sort(key=value, reverse=direction == "desc")  # type: ignore[arg-type]
    missing.sort(key=lambda r: r["org_name"])
    return present + missing + [r for r in rows if r["org_code"] == UNMAPPED_CODE]


def league(
    reader: Reader,
    standard: str,
    level: str,
    period: str = "month",
    start: date | None = None,
    *,
    sort: str = "performance",
    direction: str = "desc",
    dataset: str = "published",
) -> League:
    """The league table (latest period by default); NoData when the level has no figures."""
    reader.disclosure.check(dataset)
    everyone = level_rows(reader, standard, level, period, dataset=dataset)
    rows, chosen = in_period(everyone, start_of_period(start, period) if start else None)
    rows = sort_rows(shown(reader, rows, dataset), sort, direction)
    return League(
        standard=get_standard(standard),
        level=level,
        period=period,
        dataset=dataset,
        chosen=chosen[:7],
        label=period_label(date.fromisoformat(chosen), period),
        periods=[
            {"value": s[:7], "text": period_label(date.fromisoformat(s), period)} for s in period_starts(everyone)
        ],
        rows=rows,
        sort=sort,
        direction=direction,
        covered_months=max((r["months"] for r in rows), default=PERIOD_MONTHS[period]),
        expected_months=PERIOD_MONTHS[period],
        disclosure=reader.disclosure.label(dataset),
    )


def export_rows(view: League) -> list[dict]:
    """The table's rows for CSV and Excel (``suppressed`` as one ``;``-separated cell)."""
    return [{**r, "suppressed": ";".join(r.get("suppressed") or [])} for r in view.rows]


def export_title(view: League) -> str:
    """Title of the Excel sheet."""
    return f"{view.standard.name}: {LEVEL_NAMES[view.level]}, {view.label}"
