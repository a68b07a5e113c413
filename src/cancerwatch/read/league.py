"""The league table: every organisation at a level for one period, sorted, and its exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cancerwatch.catalogue.organisations import LEVEL_NAMES, LEVEL_PLURALS, LEVELS, UNMAPPED_CODE
from cancerwatch.catalogue.standards import Standard, get_standard
from cancerwatch.metrics.periods import PERIOD_MONTHS
from cancerwatch.periods import display_label
from cancerwatch.periods import period_start as start_of_period
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import level_rows, period_starts, shown
from cancerwatch.read.names import titled

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
    levels: list[str]
    """Levels with figures for this standard (what the form offers)."""
    note: str | None = None
    """Why the table is empty, when it is."""
    suggestions: list[dict] | None = None
    """What to choose instead when the table is empty: ``{"text", "params"}`` (query changes)."""


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


def levels_with_figures(reader: Reader, standard: str, dataset: str = "published") -> list[str]:
    """The levels at which ``standard`` has an organisation's monthly figures (England included)."""
    return [lv for lv in LEVELS if period_starts(level_rows(reader, standard, lv, "month", dataset=dataset))]


def covers(labels: list[str]) -> str:
    """``the loaded figures cover April 2023 to July 2025.`` (``labels`` newest first)."""
    if len(labels) == 1:
        return f"the loaded figures cover {labels[0]} only."
    return f"the loaded figures cover {labels[-1]} to {labels[0]}."


def _label(start: str, period: str) -> str:
    return display_label(date.fromisoformat(start), period)


def _plural(level: str) -> str:
    """Organisations of a level in running text (``sub-ICB locations``, ``England``)."""
    text = LEVEL_PLURALS[level]
    return text if level in ("national", "alliance") else text[0].lower() + text[1:]


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
    """The league table (latest period by default).

    When the level or the period has no figures the table is empty, ``note`` says why and
    ``suggestions`` what to choose instead (the levels or periods that have figures)."""
    reader.disclosure.check(dataset)
    std = get_standard(standard)
    everyone = level_rows(reader, standard, level, period, dataset=dataset)
    starts = period_starts(everyone)
    wanted = start_of_period(start, period).isoformat() if start else None
    levels = levels_with_figures(reader, standard, dataset)
    note, suggestions, rows = None, [], []
    if not starts:
        chosen = wanted or ""
        others = [lv for lv in levels if lv != level]
        note = f"There are no {std.short_name} figures for {_plural(level)} in the loaded data."
        if others:
            note += " Choose another level: " + ", ".join(_plural(lv) for lv in others) + "."
        suggestions = [{"text": LEVEL_PLURALS[lv], "params": {"level": lv, "period_start": None}} for lv in others]
    elif wanted is not None and wanted not in starts:
        chosen = wanted
        note = f"There are no {std.short_name} figures for {_plural(level)} in {_label(wanted, period)}: " + covers(
            [_label(s, period) for s in starts]
        )
        nearest = min(starts, key=lambda s: abs(date.fromisoformat(s) - date.fromisoformat(wanted)))
        suggestions = [{"text": f"The latest, {_label(starts[0], period)}", "params": {"period_start": None}}]
        if nearest != starts[0]:
            suggestions.append(
                {"text": f"The nearest, {_label(nearest, period)}", "params": {"period_start": nearest[:7]}}
            )
    else:
        chosen = wanted or starts[0]
        rows = [r for r in everyone if r["period_start"] == chosen]
        rows = sort_rows(titled(shown(reader, rows, dataset)), sort, direction)
    return League(
        standard=std,
        level=level,
        period=period,
        dataset=dataset,
        chosen=chosen[:7],
        label=_label(chosen, period) if chosen else "",
        periods=[{"value": s[:7], "text": _label(s, period)} for s in starts],
        rows=rows,
        sort=sort,
        direction=direction,
        covered_months=max((r["months"] for r in rows), default=PERIOD_MONTHS[period]),
        expected_months=PERIOD_MONTHS[period],
        disclosure=reader.disclosure.label(dataset),
        levels=levels,
        note=note,
        suggestions=suggestions,
    )


def export_rows(view: League) -> list[dict]:
    """The table's rows for CSV and Excel (``suppressed`` as one ``;``-separated cell)."""
    return [{**r, "suppressed": ";".join(r.get("suppressed") or [])} for r in view.rows]


def export_title(view: League) -> str:
    """Title of the Excel sheet."""
    return f"{view.standard.name}: {LEVEL_NAMES[view.level]}, {view.label}"
