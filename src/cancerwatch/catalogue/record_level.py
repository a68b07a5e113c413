"""Rules of the record-level pathway file, read from ``record_level.toml``.

Which clocks each adjustment shortens (NHS England, Cancer Waiting Times guidance v12.1), the
column older files use for a single adjustment, the bound on an adjustment and the window of
plausible dates (the national time series begins in October 2009). See docs/record-level.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class RecordRules:
    """The record-level rules of the catalogue."""

    #: adjustment column → the clocks (standard ids) it is subtracted from, in file order.
    adjustments: dict[str, tuple[str, ...]]
    #: the legacy single-adjustment column and the column it is read as.
    legacy_column: str
    legacy_reads_as: str
    max_adjustment_days: int
    earliest_date: date

    def clock_adjustments(self, clock: str) -> tuple[str, ...]:
        """The adjustment columns subtracted from ``clock`` (``fds``, ``31d`` or ``62d``)."""
        return tuple(c for c, clocks in self.adjustments.items() if clock in clocks)


@cache
def record_rules() -> RecordRules:
    """The record-level rules (parsed once)."""
    text = resources.files("cancerwatch.catalogue").joinpath("record_level.toml").read_text("utf-8")
    data = tomllib.loads(text)
    adjustments = {name: tuple(spec["clocks"]) for name, spec in data["adjustments"].items()}
    legacy = data["legacy_adjustment"]
    if legacy["reads_as"] not in adjustments:
        raise ValueError(f"record_level.toml: legacy adjustment reads as unknown column {legacy['reads_as']!r}")
    bounds = data["bounds"]
    return RecordRules(
        adjustments=adjustments,
        legacy_column=legacy["column"],
        legacy_reads_as=legacy["reads_as"],
        max_adjustment_days=int(bounds["max_adjustment_days"]),
        earliest_date=bounds["earliest_date"],
    )
