"""What the warehouse holds: sources, revisions, quarantined rows and unmapped codes.

Quarantined rows are counted per file and reason, never shown; the reasons given for rows of
record-level files (pathways) are shown only to a viewer who may see record-level figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from cancerwatch.read.context import Reader
from cancerwatch.warehouse.status import (
    WITHHELD,
    quarantine_counts,
    revised_files,
    source_rows,
    unmapped_code_rows,
    warehouse_counts,
)

WITHHELD_REASON = WITHHELD


@dataclass
class DataPage:
    """The data page's tables."""

    counts: dict
    sources: list[dict]
    revisions: list[dict]
    quarantine: list[dict]
    unmapped: list[dict]


def quarantine(reader: Reader) -> list[dict]:
    """Quarantined rows per file and reason, as the viewer may see them (record-level reasons withheld)."""
    return quarantine_counts(reader.con, record_level=reader.disclosure.record_access)


def data_page(reader: Reader) -> DataPage:
    """What the warehouse holds."""
    return DataPage(
        counts=warehouse_counts(reader.con),
        sources=source_rows(reader.con),
        revisions=revised_files(reader.con),
        quarantine=quarantine(reader),
        unmapped=unmapped_code_rows(reader.con),
    )
