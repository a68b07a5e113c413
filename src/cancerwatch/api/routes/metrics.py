"""``/api/v1/metrics``: performance of a standard at a level and period (``cancerwatch metrics``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from cancerwatch.api.schemas import (
    MAX_OFFSET,
    MONTH_PATTERN,
    Basis,
    By,
    Dataset,
    ErrorEnvelope,
    Level,
    MetricRow,
    MetricsResponse,
    Period,
    StandardId,
)
from cancerwatch.http import ReaderDep, State
from cancerwatch.periods import parse_month
from cancerwatch.queries import MetricQuery
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import rows_of, series, shown
from cancerwatch.read.succession import predecessor_months

router = APIRouter(tags=["metrics"])

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]


@router.get(
    "/metrics",
    response_model=MetricsResponse,
    responses={
        400: {"model": ErrorEnvelope},
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope},
        404: {"model": ErrorEnvelope},
    },
    summary="Performance of a standard",
)
def get_metrics(
    request: Request,
    state: State,
    reader: ReaderDep,
    standard: Annotated[StandardId, Query(description="standard id, e.g. fds, 31d, 62d")],
    level: Level = "national",
    period: Period = "month",
    org: Annotated[str | None, Query(max_length=20, description="one organisation code")] = None,
    by: By | None = None,
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN, description="first month, YYYY-MM")] = None,
    to: Month = None,
    basis: Annotated[Basis | None, Query(description="default: provider, or commissioner for sub_icb/icb")] = None,
    dataset: Annotated[Dataset, Query(description="published figures, or computed from record-level data")] = (
        "published"
    ),
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> MetricsResponse:
    """Rows with the CLI contract's fields: counts, performance, 95% Wilson interval, threshold and met.

    One Alliance's monthly series reads continuously across its start: East of England
    (E56000035) before April 2024 is the sum of East of England - North and - South, each such row
    marked with ``combined_from`` and ``combined_note``.

    NHS England's published figures are served as published; figures computed from record-level
    data (``dataset=record``) need a bearer token or a signed-in session and follow the server's
    disclosure policy (``suppression``; each row's ``suppressed`` names the fields withheld).
    """
    if dataset == "record":
        state.require_record_access(request)
    query = MetricQuery(
        standard=standard,
        level=level,
        period=period,
        org=org,
        by=by,
        date_from=parse_month(from_) if from_ else None,
        date_to=parse_month(to) if to else None,
        basis=basis,
        dataset=dataset,
    ).validated()
    rows = shown(reader, _rows(reader, query), query.dataset)
    page = rows[offset : offset + limit]
    return MetricsResponse(
        query={
            "standard": query.standard,
            "level": query.level,
            "period": query.period,
            "org": query.org,
            "by": query.by,
            "from": from_,
            "to": to,
            "basis": query.basis,
            "dataset": query.dataset,
        },
        suppression=reader.disclosure.label(query.dataset),
        rows=[MetricRow(**r) for r in page],
        total_rows=len(rows),
        limit=limit,
        offset=offset,
    )


def _rows(reader: Reader, query: MetricQuery) -> list[dict]:
    """The query's rows; an Alliance's monthly series with its predecessors' months summed."""
    simple = query.level == "alliance" and query.period == "month" and not query.by
    if simple and query.org and predecessor_months(query.org):
        first = query.date_from.isoformat() if query.date_from else ""
        last = query.date_to.isoformat() if query.date_to else "9999"
        rows = series(reader, query.standard, "alliance", query.org, dataset=query.dataset)
        return [r for r in rows if first <= r["period_start"] <= last]
    return rows_of(reader, query)
