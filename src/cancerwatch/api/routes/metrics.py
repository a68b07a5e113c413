"""``/api/v1/metrics``: performance of a standard at a level and period (``cancerwatch metrics``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from cancerwatch.api.deps import Con, State
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
from cancerwatch.periods import parse_month
from cancerwatch.queries import MetricQuery
from cancerwatch.web.auth import require_record_access
from cancerwatch.web.series import metric_rows

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
    con: Con,
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

    Small numbers are controlled by the server's disclosure policy (``suppression``; each row's
    ``suppressed`` names the fields withheld).
    """
    if dataset == "record":
        require_record_access(request, state)
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
    rows = metric_rows(state, con, query)
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
        suppression=state.suppression_label(),
        rows=[MetricRow(**r) for r in page],
        total_rows=len(rows),
        limit=limit,
        offset=offset,
    )
