"""What a reader hands to the loader: typed rows to load, rejected rows with reasons."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import SupportsIndex

import pyarrow as pa

from cancerwatch.errors import InputError
from cancerwatch.ingest.limits import over_limit, work_limits

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


class Rejections(list):
    """The rejected rows of one file; more than ``CANCERWATCH_MAX_QUARANTINED_ROWS`` refuses the file.

    A file with that many bad rows is the wrong file, and validating its rows one by one would
    hold the loader for minutes; so the reader stops at the cap.
    """

    def __init__(self, rows: Iterable[Rejection] = (), *, file: str = "") -> None:
        super().__init__()
        self.file = file
        self.limit = work_limits().max_quarantined_rows
        self.extend(rows)

    def _check(self) -> None:
        limit = getattr(self, "limit", None)  # unpickling appends the rows before it restores ``limit``
        if limit is not None and len(self) > limit:
            limits = work_limits()
            raise InputError(over_limit("has", None, "max_quarantined_rows", limits, "rejected rows"), file=self.file)

    def append(self, row: Rejection) -> None:  # type: ignore[override]
        """Add one rejected row (``InputError`` past the cap)."""
        super().append(row)
        self._check()

    def extend(self, rows: Iterable[Rejection]) -> None:  # type: ignore[override]
        """Add rejected rows (``InputError`` past the cap)."""
        super().extend(rows)
        self._check()

    def __iadd__(self, rows: Iterable[Rejection]) -> Rejections:  # type: ignore[override,misc]
        self.extend(rows)
        return self

    def insert(self, index: SupportsIndex, row: Rejection) -> None:
        """Insert one rejected row (``InputError`` past the cap)."""
        super().insert(index, row)
        self._check()


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
    diagnostics: pa.Table | None = None  # diagnostics_facts rows (ingest/readers/dm01.py)
    diagnostic_providers: pa.Table | None = None  # ref_providers_dm01 rows (ingest/readers/dm01.py)
    workforce: pa.Table | None = None  # workforce_staff rows (ingest/readers/workforce_statistics.py)
    rejections: list[Rejection] = field(default_factory=list)
    publication: str | None = None
    months: list[date] = field(default_factory=list)
    bands: pa.Table | None = None  # wait-distribution bands (monthly workbooks)
    band_defs: pa.Table | None = None  # the bands' labels and days, per standard
    status: str | None = None  # "final" or "provisional", as the file states it
    complete: bool = False  # the file proves it covers all of England (its own England check)
    grain: str | None = None  # provider | sub_icb | icb | national | record: what its rows are
    names: dict[str, str] = field(default_factory=dict)  # organisation names the file gives
    notes: list[str] = field(default_factory=list)  # things the load summary should say

    def __setattr__(self, name: str, value: object) -> None:
        if name == "rejections":  # every reader's rejections are held to the cap, however assigned
            value = Rejections(value, file=self.path.name)  # type: ignore[arg-type]
        super().__setattr__(name, value)

    @property
    def rows_loaded(self) -> int:
        """Rows that will land in the warehouse."""
        return self.rows_read - len(self.rejections)


def facts_table(rows: list[tuple]) -> pa.Table:
    """Build a facts Arrow table from tuples in :data:`FACT_SCHEMA` column order."""
    return rows_table(rows, FACT_SCHEMA)


def national_table(rows: list[tuple]) -> pa.Table:
    """Build a national-series Arrow table from tuples in :data:`NATIONAL_SCHEMA` order."""
    return rows_table(rows, NATIONAL_SCHEMA)


BAND_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("standard", pa.string()),
        ("org_code", pa.string()),
        ("route", pa.string()),
        ("modality", pa.string()),
        ("cancer_type", pa.string()),
        ("breakdown", pa.string()),
        ("patients", pa.list_(pa.float64())),  # one count per band, in the order of BAND_DEF_SCHEMA's i
    ]
)
BAND_DEF_SCHEMA = pa.schema(
    [
        ("standard", pa.string()),
        ("i", pa.int32()),
        ("band", pa.string()),
        ("from_day", pa.int16()),
        ("to_day", pa.int16()),
    ]
)


def bands_table(rows: list[tuple]) -> pa.Table:
    """Build a wait-bands Arrow table from tuples in :data:`BAND_SCHEMA` column order."""
    return rows_table(rows, BAND_SCHEMA)


def rows_table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    """An Arrow table of ``schema`` from tuples in its column order (an empty table when no rows)."""
    if not rows:
        return schema.empty_table()
    cols = list(zip(*rows, strict=True))
    return pa.table({f.name: pa.array(c, type=f.type) for f, c in zip(schema, cols, strict=True)})
