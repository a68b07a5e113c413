"""The funding table: quarterly allocations of an Alliance pot under each policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from cancerwatch.accountability.funding import Policy
from cancerwatch.accountability.funding_report import funding_rows
from cancerwatch.read.context import Reader


@dataclass
class FundingTable:
    """Rows per policy × quarter × Alliance, and a summary per policy."""

    rows: list[dict]
    summary: list[dict]


def funding_table(
    reader: Reader, *, pot: Decimal, year_start: date, policies: dict[str, Policy], population_csv: Path | None = None
) -> FundingTable:
    """Allocations of ``pot`` for the financial year starting ``year_start``."""
    rows, summary = funding_rows(
        reader.con, pot=pot, year_start=year_start, policies=policies, population_csv=population_csv
    )
    return FundingTable(rows, list(summary.values()))
