"""``/api/v1/standards``: the standards catalogue with dated thresholds."""

from __future__ import annotations

from fastapi import APIRouter

from cancerwatch.api.schemas import ErrorEnvelope, StandardOut, StandardsResponse, ThresholdOut
from cancerwatch.catalogue.standards import Standard, get_standard, source_text, standards

router = APIRouter(tags=["standards"])


def standard_out(s: Standard) -> StandardOut:
    """The public shape of a catalogue standard."""
    return StandardOut(
        id=s.id,
        name=s.name,
        short_name=s.short_name,
        family=s.family,
        days=s.days,
        clock_start=s.clock_start,
        clock_stop=s.clock_stop,
        improvement_direction=s.improvement_direction,
        first_data=s.first_data.isoformat(),
        source=source_text(s.source),
        thresholds=[
            ThresholdOut(
                kind=t.kind,
                value=t.value,
                effective_from=t.effective_from.isoformat(),
                effective_to=t.effective_to.isoformat() if t.effective_to else None,
                applies_to_month=t.applies_to_month.isoformat()[:7] if t.applies_to_month else None,
                source=source_text(t.source),
                confidence=t.confidence,
            )
            for t in s.thresholds
        ],
    )


@router.get("/standards", response_model=StandardsResponse, summary="List the standards")
def list_standards() -> StandardsResponse:
    """Every standard in the catalogue, consolidated standards first."""
    return StandardsResponse(rows=[standard_out(s) for s in standards().values()])


@router.get(
    "/standards/{standard_id}",
    response_model=StandardOut,
    responses={404: {"model": ErrorEnvelope}},
    summary="One standard",
)
def one_standard(standard_id: str) -> StandardOut:
    """One standard by id (404 with the valid ids if unknown)."""
    return standard_out(get_standard(standard_id))
