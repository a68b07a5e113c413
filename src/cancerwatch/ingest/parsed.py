"""What a reader hands to the loader: typed rows to load, rejected rows with reasons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

FACT_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("standard", pa.string()),
        ("org_code", pa.string()),
        ("route", pa.string()),
        ("modality", pa.string()),
        ("cancer_type", pa.string()),
        ("tumour_scheme", pa.string()),
        ("breakdown", pa.string()),
        ("total", pa.float64()),
        ("within_standard", pa.float64()),
        ("breaches", pa.float64()),
    ]
)

NATIONAL_SCHEMA = pa.schema(
    [
        ("period_type", pa.string()),
        ("period_start", pa.date32()),
        ("period_label", pa.string()),
        ("standard", pa.string()),
        ("total", pa.float64()),
        ("within_standard", pa.float64()),
        ("breaches", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Rejection:
    """A row that could not be loaded: where it was, why, and its raw content."""

    row_number: int | None
    column: str | None
    reason: str
    raw: dict | list | None = None
    sheet: str | None = None

    def raw_json(self) -> str:
        """The raw row as JSON text (kept verbatim in the quarantine table)."""
        return json.dumps(self.raw, default=str, ensure_ascii=False)


@dataclass
class ParsedFile:
    """A source file read and validated, ready to load in one transaction."""

    path: Path
    sha256: str
    kind: str
    basis: str | None = None
    rows_read: int = 0
    facts: pa.Table | None = None
    national: pa.Table | None = None
    reference: dict[str, pa.Table] = field(default_factory=dict)
    pathways: pa.Table | None = None
    indicators: pa.Table | None = None  # indicator_values rows (issue 12: ingest/readers/indicator_rows.py)
    rejections: list[Rejection] = field(default_factory=list)
    publication: str | None = None
    months: list[date] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the load summary should say of the file

    @property
    def rows_loaded(self) -> int:
        """Rows that will land in the warehouse."""
        return self.rows_read - len(self.rejections)


def facts_table(rows: list[tuple]) -> pa.Table:
    """Build a facts Arrow table from tuples in :data:`FACT_SCHEMA` column order."""
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in FACT_SCHEMA]
    return pa.table({f.name: pa.array(c, type=f.type) for f, c in zip(FACT_SCHEMA, cols, strict=True)})


def national_table(rows: list[tuple]) -> pa.Table:
    """Build a national-series Arrow table from tuples in :data:`NATIONAL_SCHEMA` order."""
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in NATIONAL_SCHEMA]
    return pa.table({f.name: pa.array(c, type=f.type) for f, c in zip(NATIONAL_SCHEMA, cols, strict=True)})
