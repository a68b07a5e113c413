"""What the warehouse holds: sources, revisions, quarantined rows and unmapped codes.

Quarantined rows are counted per file and reason, never shown; the reasons given for rows of
record-level files (pathways) are shown only to a viewer who may see record-level figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from cancerwatch.catalogue.suppression import RECORD_LEVEL_KINDS
from cancerwatch.read.context import Reader
from cancerwatch.warehouse.status import (
    quarantine_by_kind,
    revised_files,
    source_rows,
    unmapped_code_rows,
    warehouse_counts,
)

WITHHELD_REASON = "reason withheld: a record-level file (sign in to see it)"


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
    rows = quarantine_by_kind(reader.con)
    if reader.disclosure.record_access:
        return [{k: v for k, v in r.items() if k != "kind"} for r in rows]
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        reason = WITHHELD_REASON if r["kind"] in RECORD_LEVEL_KINDS else r["reason"]
        entry = out.setdefault((r["file_name"], reason), {"file_name": r["file_name"], "reason": reason, "rows": 0})
        entry["rows"] += r["rows"]
    return sorted(out.values(), key=lambda r: (-r["rows"], r["file_name"], r["reason"]))


def data_page(reader: Reader) -> DataPage:
    """What the warehouse holds."""
    return DataPage(
        counts=warehouse_counts(reader.con),
        sources=source_rows(reader.con),
        revisions=revised_files(reader.con),
        quarantine=quarantine(reader),
        unmapped=unmapped_code_rows(reader.con),
    )
