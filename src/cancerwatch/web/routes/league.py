"""``/league``: every organisation at a level for one period, sortable without JavaScript.

``sort=`` and ``dir=`` sort on the server; ``format=csv`` or ``format=xlsx`` downloads the same
rows through ``cancerwatch.exports`` (cells a spreadsheet would run as formulas are neutralised).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.api.deps import Con
from cancerwatch.api.schemas import MONTH_OR_EMPTY, Level, Period, StandardId
from cancerwatch.catalogue.standards import get_standard, standards
from cancerwatch.exports import to_csv, xlsx_bytes
from cancerwatch.periods import parse_month, period_label
from cancerwatch.periods import period_start as start_of_period
from cancerwatch.queries import MetricQuery
from cancerwatch.web.data import LEVEL_NAMES
from cancerwatch.web.pages import render, state_of
from cancerwatch.web.series import metric_rows, period_starts, rows_for_period

router = APIRouter()

SORTS = {
    "org_name": "Organisation",
    "total": "Patients",
    "within_standard": "Within standard",
    "breaches": "Breaches",
    "performance": "Performance",
    "compared_with_england": "Compared with England",
}
SortKey = Literal["org_name", "total", "within_standard", "breaches", "performance", "compared_with_england"]
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
    "england_performance",
    "compared_with_england",
    "rank",
    "peers",
    "basis",
    "suppressed",
)
COMPARE_ORDER = {"better": 0, "similar": 1, "worse": 2}


def sort_rows(rows: list[dict], key: str, direction: str) -> list[dict]:
    """Rows sorted by ``key``; missing or suppressed values and the unmapped row always last."""

    def value(r: dict):
        v = r.get(key)
        if key == "compared_with_england":
            v = COMPARE_ORDER.get(v)
        if isinstance(v, str):
            v = v.lower()
        return v

    present = [r for r in rows if value(r) is not None and r["org_code"] != "UNMAPPED"]
    missing = [r for r in rows if value(r) is None and r["org_code"] != "UNMAPPED"]
    present.sort(key=value, reverse=direction == "desc")
    missing.sort(key=lambda r: r["org_name"])
    return present + missing + [r for r in rows if r["org_code"] == "UNMAPPED"]


def _filename(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(("cancerwatch", *parts))).strip("-")


@router.get("/league", response_class=HTMLResponse, response_model=None)
def league(
    request: Request,
    con: Con,
    standard: StandardId = "fds",
    level: Level = "alliance",
    period: Period = "month",
    period_start: Annotated[str | None, Query(pattern=MONTH_OR_EMPTY)] = None,
    sort: SortKey = "performance",
    dir: Literal["asc", "desc"] = "desc",
    format: Literal["html", "csv", "xlsx"] = "html",
) -> Response:
    """League table of one standard at a level for one period (latest by default)."""
    state = state_of(request)
    all_rows = metric_rows(state, con, MetricQuery(standard, level, period))
    start = start_of_period(parse_month(period_start), period) if period_start else None
    rows, chosen = rows_for_period(all_rows, start)
    rows = sort_rows(rows, sort, dir)
    label = period_label(date.fromisoformat(chosen), period)
    if format != "html":
        export = [{**r, "suppressed": ";".join(r.get("suppressed") or [])} for r in rows]
        name = _filename(standard, level, label)
        if format == "csv":
            body = to_csv(export, EXPORT_FIELDS)
            return Response(
                body,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        data = xlsx_bytes(
            export, title=f"{get_standard(standard).name}: {LEVEL_NAMES[level]}, {label}", fields=EXPORT_FIELDS
        )
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    params = {
        "standard": standard,
        "level": level,
        "period": period,
        "period_start": chosen[:7],
        "sort": sort,
        "dir": dir,
    }
    periods = [{"value": s[:7], "text": period_label(date.fromisoformat(s), period)} for s in period_starts(all_rows)]
    return render(
        request,
        "league.html",
        page_title=f"League table: {get_standard(standard).short_name}",
        standard=get_standard(standard),
        standards=list(standards().values()),
        level=level,
        levels=[lv for lv in LEVEL_NAMES if lv != "national"] + ["national"],
        period=period,
        periods=periods,
        chosen=chosen[:7],
        label=label,
        rows=rows,
        params=params,
        sort=sort,
        direction=dir,
        sorts=SORTS,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=f"/api/v1/metrics?standard={standard}&level={level}&period={period}&from={chosen[:7]}&to={chosen[:7]}",
    )
