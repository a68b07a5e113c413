"""``/league``: every organisation at a level for one period, sortable without JavaScript.

Renders :func:`cancerwatch.read.league.league`; ``format=json`` gives that view, ``format=csv``
or ``xlsx`` its rows through ``cancerwatch.exports`` (cells a spreadsheet would run as formulas
are neutralised). ``dataset=record`` (figures computed from record-level pathways) is for
signed-in users only, with the disclosure policy applied.
"""

from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.catalogue.organisations import LEVEL_NAMES
from cancerwatch.catalogue.standards import standards
from cancerwatch.exports import to_csv, xlsx_bytes
from cancerwatch.http import ReaderDep
from cancerwatch.periods import parse_month
from cancerwatch.read.league import EXPORT_FIELDS, SORTS, export_rows, export_title, league
from cancerwatch.web.pages import alternate, render, state_of, view_json
from cancerwatch.web.params import Dataset, Level, MonthOrEmpty, Period, StandardId, TableFormat

router = APIRouter()
LEVEL_ORDER = [lv for lv in LEVEL_NAMES if lv != "national"] + ["national"]
SortKey = Literal["org_name", "total", "within_standard", "breaches", "performance", "compared_with_england"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(("cancerwatch", *parts))).strip("-")


@router.get("/league", response_class=HTMLResponse, response_model=None)
def league_page(
    request: Request,
    reader: ReaderDep,
    standard: StandardId = "fds",
    level: Level = "alliance",
    period: Period = "month",
    period_start: MonthOrEmpty = None,
    sort: SortKey = "performance",
    dir: Literal["asc", "desc"] = "desc",
    dataset: Dataset = "published",
    format: TableFormat = "html",
) -> Response:
    """League table of one standard at a level for one period (latest by default)."""
    if dataset == "record":
        state_of(request).require_record_access(request)
    start = parse_month(period_start) if period_start else None
    view = league(reader, standard, level, period, start, sort=sort, direction=dir, dataset=dataset)
    if format == "json":
        return view_json(view)
    if format in ("csv", "xlsx"):
        name = _filename(standard, level, view.label)
        if format == "csv":
            return Response(
                to_csv(export_rows(view), EXPORT_FIELDS),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return Response(
            xlsx_bytes(export_rows(view), title=export_title(view), fields=EXPORT_FIELDS),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    params = {
        "standard": standard,
        "level": level,
        "period": period,
        "period_start": view.chosen,
        "sort": sort,
        "dir": dir,
    }
    if dataset != "published":
        params["dataset"] = dataset
    return render(
        request,
        "league.html",
        page_title=f"League table: {view.standard.short_name}",
        view=view,
        standard=view.standard,
        standards=list(standards().values()),
        level=level,
        levels=[lv for lv in LEVEL_ORDER if lv in view.levels or lv == level],
        period=period,
        periods=view.periods,
        chosen=view.chosen,
        label=view.label,
        rows=view.rows,
        params=params,
        sort=sort,
        direction=dir,
        sorts=SORTS,
        crumbs=[{"href": "/", "text": "England"}],
        json_url=alternate(request),
    )
