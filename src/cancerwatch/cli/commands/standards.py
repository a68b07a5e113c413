"""``cancerwatch standards``: the standards catalogue with thresholds and sources."""

from __future__ import annotations

import typer

from cancerwatch.catalogue import diagnostics
from cancerwatch.catalogue.standards import source_text, standards
from cancerwatch.cli.options import FormatOption
from cancerwatch.cli.output import emit


def standard_rows() -> list[dict]:
    """One row per threshold record (a standard with none gets one row with no threshold)."""
    rows = []
    for s in standards().values():
        base = {
            "standard": s.id,
            "name": s.name,
            "family": s.family,
            "days": s.days,
            "clock_start": s.clock_start,
            "clock_stop": s.clock_stop,
            "routes": " ".join(s.routes),
            "improvement_direction": s.improvement_direction,
        }
        for t in s.thresholds or (None,):
            rows.append(
                {
                    **base,
                    "kind": t.kind if t else None,
                    "threshold": t.value if t else None,
                    "effective_from": t.effective_from.isoformat() if t else None,
                    "effective_to": t.effective_to.isoformat() if t and t.effective_to else None,
                    "applies_to_month": t.applies_to_month.isoformat()[:7] if t and t.applies_to_month else None,
                    "confidence": t.confidence if t else None,
                    "note": t.note if t else "no national threshold set",
                    "source": source_text(t.source if t else s.source),
                }
            )
    return rows + diagnostic_standard_rows()


def diagnostic_standard_rows() -> list[dict]:
    """The DM01 waiting-list standard: thresholds are maximum shares waiting 6+ weeks."""
    rows = []
    for s in diagnostics.diagnostic_standards().values():
        for t in s.thresholds:
            rows.append(
                {
                    "standard": s.id,
                    "name": s.name,
                    "family": s.family,
                    "days": s.weeks * 7,
                    "clock_start": s.clock_start,
                    "clock_stop": s.clock_stop,
                    "routes": "",
                    "improvement_direction": s.improvement_direction,
                    "kind": t.kind,
                    "threshold": t.value,
                    "effective_from": t.effective_from.isoformat(),
                    "effective_to": t.effective_to.isoformat() if t.effective_to else None,
                    "applies_to_month": t.applies_to_month.isoformat()[:7] if t.applies_to_month else None,
                    "confidence": t.confidence,
                    "note": t.note,
                    "source": diagnostics.source_text(t.source),
                }
            )
    return rows


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("standards")
    def standards_command(fmt: FormatOption = None) -> None:
        """List every standard: clock, routes, thresholds and ambitions with dates and sources.

        The DM01 diagnostic standard is listed last: lower is better (improvement direction
        ``decrease``), and its thresholds are the most that may wait 6 weeks or more.
        """
        emit(
            standard_rows(),
            fmt,
            title="CWT standards catalogue",
            columns=(
                "standard",
                "name",
                "kind",
                "threshold",
                "effective_from",
                "effective_to",
                "applies_to_month",
                "confidence",
            ),
        )
